//! What reaches stdout and stderr: results on stdout, everything else on stderr; a progress bar
//! only when stderr is a terminal and `--quiet` is not given.

use std::io::{IsTerminal, Write};
use std::path::Path;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use storydup::dedup::Observer;
use storydup::eval::Scores;
use storydup::io::audit::Audit;
use storydup::io::plural::{count, thousands};
use storydup::schema::Summary;

/// The output policy of one invocation.
pub struct Printer {
    quiet: bool,
}

impl Printer {
    pub fn new(quiet: bool) -> Printer {
        Printer { quiet }
    }

    /// A progress observer: a bar on a terminal, nothing otherwise.
    pub fn progress(&self) -> Progress {
        let bar = if self.quiet || !std::io::stderr().is_terminal() {
            ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden())
        } else {
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template("{msg:24} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {elapsed}")
                    .expect("template is valid")
                    .progress_chars("=> "),
            );
            bar
        };
        Progress { bar }
    }

    /// The counts on one line and the time of each stage on another, on stderr; a third names
    /// the records without an id and the files skipped in folders, when there are any.
    pub fn summary(&self, s: &Summary, out: &Path) {
        if self.quiet {
            return;
        }
        let empty = if s.empty > 0 {
            format!(" ({} empty)", thousands(s.empty))
        } else {
            String::new()
        };
        eprintln!(
            "storydup: {}: {} kept{empty}, {} removed in {}, {} rejected ({} bands x {} rows, {:.2} s, {:.1} MB/s); outputs in {}",
            count(s.input, "record", "records"),
            thousands(s.kept),
            thousands(s.removed),
            count(s.clusters, "cluster", "clusters"),
            thousands(s.rejected),
            s.lsh.bands,
            s.lsh.rows,
            s.timings_s.total,
            s.input_bytes as f64 / 1e6 / s.timings_s.total.max(1e-9),
            out.display()
        );
        eprintln!("storydup: stages: {}", s.timings_s.breakdown());
        let mut notes = Vec::new();
        if s.without_id > 0 {
            notes.push(format!(
                "{} without an \"{}\" field, known by their place (FILE:LINE)",
                count(s.without_id, "record", "records"),
                s.params.id_field
            ));
        }
        if s.skipped_files > 0 {
            notes.push(format!(
                "{} in input folders skipped: storydup reads {}",
                count(s.skipped_files, "file", "files"),
                storydup::io::source::READS
            ));
        }
        if !notes.is_empty() {
            eprintln!("storydup: {}", notes.join("; "));
        }
    }
}

impl Printer {
    /// What an index build or update did, on one line of stderr.
    pub fn index(&self, s: &storydup::io::index::IndexSummary) {
        if self.quiet {
            return;
        }
        eprintln!(
            "storydup: index {} generation {}: {} records ({} added, {} rejected) in {:.1} MB ({:.0} bytes per record), {:.2} s",
            s.index,
            s.generation,
            s.records,
            s.added,
            s.rejected,
            s.bytes as f64 / 1e6,
            s.bytes as f64 / s.records.max(1) as f64,
            s.seconds
        );
    }
}

impl Printer {
    /// Runs `stories` and writes the report where and how the arguments say.
    pub fn stories(&self, args: &crate::cli::StoriesArgs) -> Result<(), Box<dyn std::error::Error>> {
        use crate::cli::Format;
        use storydup::io::stories::{self, Fields, Format as Out, Options};
        let (id, missing_id) = args.id_field();
        let options = Options {
            fields: Fields {
                id,
                text: args.text_field.clone(),
                title: args.title_field.clone(),
                date: args.date_field.clone(),
                source: args.source_field.clone(),
                missing_id,
            },
            max_doc_bytes: args.max_doc_bytes,
            oversized: args.oversized.mode(),
            on_error: args.on_error(),
            story: storydup::stories::story::StoryParams {
                relative_threshold: args.relative_threshold,
                smoothing: args.smoothing,
                date_window_days: args.date_window,
                date_scale_days: args.date_scale,
                cohesion: args.cohesion,
            },
            seed: storydup::Params::default().seed,
        };
        let t = std::time::Instant::now();
        let (mut report, articles) = stories::run(&args.inputs, &options)?;
        let format = match args.format {
            Format::Text => Out::Text {
                colour: args.output.is_none() && std::io::stdout().is_terminal(),
                detail: args.detail,
            },
            Format::Json => Out::Json,
            Format::Html => Out::Html,
        };
        let writing = std::time::Instant::now();
        match &args.output {
            Some(path) => stories::write_atomically(path, &report, &articles, format)?,
            None => stories::write(&report, &articles, format, &mut std::io::stdout().lock())?,
        }
        report.timings.push(("write", writing.elapsed().as_secs_f64()));
        if !self.quiet {
            let stages: Vec<String> = report.timings.iter().map(|(n, s)| format!("{n} {s:.2}s")).collect();
            eprintln!(
                "storydup: {} in {:.2} s ({}); {} rejected",
                count(report.num_documents as u64, "article", "articles"),
                t.elapsed().as_secs_f64(),
                stages.join(", "),
                report.rejected.len()
            );
        }
        // The process exits next and its memory goes back whole: the report and the articles
        // (millions of strings at 100,000 articles) are not freed one by one.
        std::mem::forget((report, articles));
        Ok(())
    }
}

/// Progress bar behind the library's [`Observer`].
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Observer for Progress {
    fn stage(&self, name: &str) {
        self.bar.set_message(name.to_string());
    }
    fn total_bytes(&self, bytes: u64) {
        self.bar.set_length(bytes);
    }
    fn advance(&self, bytes: u64) {
        self.bar.inc(bytes);
    }
}

/// What `verify` found, on stdout: the problems (those about the input as a whole first, then
/// by file and line), how many there are, and the closing line.
pub fn print_audit(audit: &Audit) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    for p in &audit.problems {
        writeln!(out, "{p}")?;
    }
    if !audit.is_ok() {
        writeln!(out, "{}", audit.problems_line())?;
    }
    writeln!(out, "{}", audit.closing_line())
}

/// Scores as a table (for humans) or JSON (for computers), on stdout.
pub fn print_scores(s: &Scores, json: bool) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, s)?;
        return writeln!(out);
    }
    writeln!(
        out,
        "records {}  true clusters {}  predicted clusters {}",
        s.records, s.true_clusters, s.pred_clusters
    )?;
    writeln!(
        out,
        "pairwise  precision {:.4}  recall {:.4}  F1 {:.4}  ({} correct of {} predicted, {} true pairs)",
        s.pair_precision, s.pair_recall, s.pair_f1, s.correct_pairs, s.pred_pairs, s.true_pairs
    )?;
    writeln!(
        out,
        "B-cubed   precision {:.4}  recall {:.4}  F1 {:.4}",
        s.bcubed_precision, s.bcubed_recall, s.bcubed_f1
    )?;
    writeln!(out, "ARI       {:.4}", s.ari)?;
    if s.unknown_pred_ids > 0 {
        let n = s.unknown_pred_ids as u64;
        writeln!(
            out,
            "({} not in the truth {} ignored)",
            count(n, "predicted id", "predicted ids"),
            if n == 1 { "was" } else { "were" }
        )?;
    }
    if let Some(v) = &s.variants {
        writeln!(out, "variant recall by kind of edit:")?;
        for (k, [f, t]) in &v.by_kind {
            writeln!(out, "  {k:<12} {f:>6} / {t:<6} {:.4}", *f as f64 / (*t).max(1) as f64)?;
        }
        writeln!(out, "variant recall by true word-5-gram Jaccard with the base:")?;
        for (k, [f, t]) in &v.by_true_jaccard {
            writeln!(out, "  {k:<12} {f:>6} / {t:<6} {:.4}", *f as f64 / (*t).max(1) as f64)?;
        }
        let [m, t] = v.related_merged;
        writeln!(out, "related articles wrongly merged: {m} / {t}")?;
    }
    Ok(())
}
