//! What reaches stdout and stderr: results on stdout, everything else on stderr; a progress bar
//! only when stderr is a terminal and `--quiet` is not given.

use std::io::{IsTerminal, Write};
use std::path::Path;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use storydup::dedup::{Observer, Summary};
use storydup::eval::Scores;

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

    /// The counts on one line and the time of each stage on another, on stderr.
    pub fn summary(&self, s: &Summary, out: &Path) {
        if self.quiet {
            return;
        }
        eprintln!(
            "storydup: {} records: {} kept, {} removed in {} clusters, {} rejected ({} bands x {} rows, {:.2} s, {:.1} MB/s); outputs in {}",
            s.input,
            s.kept,
            s.removed,
            s.clusters,
            s.rejected,
            s.lsh.bands,
            s.lsh.rows,
            s.timings_s.total,
            s.input_bytes as f64 / 1e6 / s.timings_s.total.max(1e-9),
            out.display()
        );
        eprintln!("storydup: stages: {}", s.timings_s.breakdown());
    }
}

impl Printer {
    /// Runs `stories` and writes the report where and how the arguments say.
    pub fn stories(&self, args: &crate::cli::StoriesArgs) -> Result<(), Box<dyn std::error::Error>> {
        use crate::cli::Format;
        let seed = storydup::Params::default().seed;
        let (articles, rejected) = if args.inputs.is_empty() {
            (storydup::article::seeds(seed), Vec::new())
        } else {
            let fields = storydup::article::Fields {
                id: args.id_field.clone(),
                text: args.text_field.clone(),
                title: args.title_field.clone(),
                date: args.date_field.clone(),
                source: args.source_field.clone(),
            };
            storydup::article::load(
                &args.inputs,
                &fields,
                args.max_doc_bytes,
                args.oversized.mode(),
                args.on_error(),
                seed,
            )?
        };
        let params = storydup::story::StoryParams {
            threshold: args.threshold,
            min_average: args.min_average,
            date_window_days: args.date_window,
        };
        let t = std::time::Instant::now();
        let (mut report, articles) = storydup::stories::run(articles, &params, seed);
        report.rejected = rejected;
        let colour = args.output.is_none() && std::io::stdout().is_terminal();
        // The JSON report is written as it is made; text and HTML are made first.
        let body = match args.format {
            Format::Text => storydup::render::text(&report, &articles, colour, args.detail),
            Format::Json => String::new(),
            Format::Html => storydup::render::html(&report, &articles),
        };
        let emit = |w: &mut dyn Write| -> std::io::Result<()> {
            match args.format {
                Format::Json => storydup::render::write_json(&report, w),
                _ => w.write_all(body.as_bytes()),
            }
        };
        match &args.output {
            Some(path) => {
                let dir = path
                    .parent()
                    .filter(|d| !d.as_os_str().is_empty())
                    .unwrap_or(Path::new("."));
                let name = path
                    .file_name()
                    .ok_or("--output names no file")?
                    .to_string_lossy()
                    .into_owned();
                let mut out = storydup::report::Output::create(dir, &name)?;
                let mut sink = OutputWriter(&mut out);
                emit(&mut sink)?;
                out.finish()?.commit()?;
            }
            None => emit(&mut std::io::stdout().lock())?,
        }
        if !self.quiet {
            let stages: Vec<String> = report.timings.iter().map(|(n, s)| format!("{n} {s:.2}s")).collect();
            eprintln!(
                "storydup: {} articles in {:.2} s ({}); {} rejected",
                report.num_documents,
                t.elapsed().as_secs_f64(),
                stages.join(", "),
                report.rejected.len()
            );
        }
        Ok(())
    }
}

/// An [`storydup::report::Output`] as an [`std::io::Write`].
struct OutputWriter<'a>(&'a mut storydup::report::Output);

impl Write for OutputWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf).map_err(std::io::Error::other)?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
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
        writeln!(
            out,
            "({} predicted ids are not in the truth and were ignored)",
            s.unknown_pred_ids
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
