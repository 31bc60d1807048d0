//! Command-line arguments (clap derive), mapped onto [`storydup::Params`] in one step.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use storydup::params::{MissingId, OnError, Params, Shingle, Verify};

/// Examples at the end of `storydup --help`.
const EXAMPLES: &str = "\
Examples:
  storydup dedup news.jsonl --out deduped
  storydup verify deduped
  storydup stories news.jsonl -f html -o news.html";

/// Examples at the end of `storydup dedup --help`.
const DEDUP_EXAMPLES: &str = "\
Examples:
  storydup dedup news.jsonl --out deduped
  storydup dedup crawl news.jsonl --out deduped --threshold 0.7 --on-error skip
  storydup dedup news.jsonl --out deduped --id-field url --containment";

/// Examples at the end of `storydup index --help`.
const INDEX_EXAMPLES: &str = "\
Examples:
  storydup index build monday.jsonl --index news-index
  storydup dedup tuesday.jsonl --against news-index --out tuesday-out --update
  storydup dedup wednesday.jsonl --against news-index --out wednesday-out";

/// Examples at the end of `storydup stories --help`.
const STORIES_EXAMPLES: &str = "\
Examples:
  storydup stories --detail
  storydup stories news.jsonl -f html -o news.html --on-error skip
  storydup stories crawl -f json -o report.json --relative-threshold 6";

/// Examples at the end of `storydup eval --help`.
const EVAL_EXAMPLES: &str = "\
Examples:
  storydup eval --truth truth.jsonl deduped/clusters.jsonl
  storydup eval --truth truth.jsonl report.json --json";

/// Examples at the end of `storydup verify --help`.
const VERIFY_EXAMPLES: &str = "\
Examples:
  storydup verify deduped
  storydup verify deduped news.jsonl
  storydup verify deduped - < news.jsonl";

/// Examples at the end of `storydup params --help`.
const PARAMS_EXAMPLES: &str = "\
Examples:
  storydup params
  storydup params > params.json";

/// Find near-duplicate and syndicated documents, and cluster news reports into stories.
#[derive(Debug, Parser)]
#[command(name = "storydup", version, about, after_help = EXAMPLES)]
pub struct Cli {
    /// Print nothing on standard error but errors (no progress bar, no summary).
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Remove near-duplicates from JSONL or Parquet files or folders of .txt files, with an audit of every record.
    ///
    /// A record without an "id" field is known by its place, FILE:LINE; one whose text has no
    /// words is kept, never matched, and counted as empty in summary.json. `storydup params`
    /// prints every default as JSON; `storydup verify DIR` checks the outputs afterwards.
    #[command(after_help = DEDUP_EXAMPLES)]
    Dedup(DedupArgs),
    /// Score a clustering against ground truth (pairwise and B-cubed P/R/F1, adjusted Rand index).
    #[command(after_help = EVAL_EXAMPLES)]
    Eval(EvalArgs),
    /// Cluster news into stories, find reprinted wire copy, and diff each variant sentence by sentence.
    #[command(after_help = STORIES_EXAMPLES)]
    Stories(StoriesArgs),
    /// Re-read a dedup output folder and its input: every input record must be in exactly one of
    /// kept, removed and rejected, kept records unchanged, and summary.json's counts right.
    #[command(after_help = VERIFY_EXAMPLES)]
    Verify(VerifyArgs),
    /// Build a saved index of records, to deduplicate later batches against it.
    #[command(after_help = INDEX_EXAMPLES)]
    Index(IndexArgs),
    /// Print the defaults of dedup's parameters as JSON (the `params` of summary.json).
    ///
    /// Each field is the dedup option of the same name (`num_perm` is `--num-perm`); `bands` and
    /// `rows` are null when chosen for the threshold, `max_memory` when it is 90 % of physical
    /// memory at run time, and `missing_id` is `reject` when --id-field is given.
    #[command(after_help = PARAMS_EXAMPLES)]
    Params,
}

/// How a candidate pair is confirmed.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum VerifyArg {
    /// Exact Jaccard of the two shingle sets, re-read from the input (never loses a pair to noise).
    Exact,
    /// The MinHash estimate alone (faster; pairs near the threshold may fall either side).
    Estimate,
}

/// What to do with a bad record.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum OnErrorArg {
    /// Stop with exit code 2 and a message naming the file and line.
    Stop,
    /// Write the record to rejected.jsonl with the reason, and go on.
    Skip,
}

/// `--oversized`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum OversizedArg {
    /// Reject it with the reason (too_large).
    Reject,
    /// Read its id and the first --max-doc-bytes bytes of its text; it is kept or removed whole.
    Truncate,
}

impl OversizedArg {
    pub fn mode(self) -> storydup::params::OnOversized {
        match self {
            OversizedArg::Reject => storydup::params::OnOversized::Reject,
            OversizedArg::Truncate => storydup::params::OnOversized::Truncate,
        }
    }
}

/// `--oversized` of `stories` (its records are read, not kept or removed).
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StoriesOversizedArg {
    /// Reject it with the reason (too_large): the run stops, or with --on-error skip the record is
    /// listed in the report's rejected records.
    Reject,
    /// Read its id and the first --max-doc-bytes bytes of its text (no title, date or source).
    Truncate,
}

impl StoriesOversizedArg {
    pub fn mode(self) -> storydup::params::OnOversized {
        match self {
            StoriesOversizedArg::Reject => storydup::params::OnOversized::Reject,
            StoriesOversizedArg::Truncate => storydup::params::OnOversized::Truncate,
        }
    }
}

/// `--on-error` of `stories`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StoriesOnErrorArg {
    /// Stop with exit code 2 and a message naming the file and line.
    Stop,
    /// Set the record aside, list it in the report (JSON "rejected", and the text summary), and go on.
    Skip,
}

/// `storydup dedup`.
#[derive(Debug, Args)]
pub struct DedupArgs {
    /// Input: .jsonl (plain, .gz or .zst, detected by content), .parquet (kept rows go to
    /// kept.parquet), a folder (walked recursively; .txt files are one record each, .jsonl and
    /// .ndjson files are read as JSONL, .parquet files as Parquet), or - for
    /// standard input.
    #[arg(required = true)]
    pub inputs: Vec<String>,
    /// Output folder: kept.jsonl, removed.jsonl, clusters.jsonl, rejected.jsonl, summary.json.
    #[arg(short, long)]
    pub out: PathBuf,
    /// Deduplicate against the saved index in this folder (made by `storydup index build`):
    /// records of INPUT that duplicate indexed ones are removed, as one run over both would.
    #[arg(long, value_name = "DIR")]
    pub against: Option<PathBuf>,
    /// Add this run's records to the index given with --against (atomically).
    #[arg(long, requires = "against")]
    pub update: bool,
    /// The parameters of the run.
    #[command(flatten)]
    pub params: ParamArgs,
}

/// `storydup index`.
#[derive(Debug, Args)]
pub struct IndexArgs {
    /// What to do with an index.
    #[command(subcommand)]
    pub command: IndexCommand,
}

/// The `index` subcommands.
#[derive(Debug, Subcommand)]
pub enum IndexCommand {
    /// Read, sign and cluster INPUT and save it as a new index, for `dedup --against`.
    #[command(after_help = INDEX_EXAMPLES)]
    Build(IndexBuildArgs),
}

/// `storydup index build`.
#[derive(Debug, Args)]
pub struct IndexBuildArgs {
    /// Input, as for `storydup dedup`.
    #[arg(required = true)]
    pub inputs: Vec<String>,
    /// The index folder to create (it must not hold an index).
    #[arg(long, value_name = "DIR")]
    pub index: PathBuf,
    /// Also write the outputs of `storydup dedup` for INPUT into this folder.
    #[arg(short, long)]
    pub out: Option<PathBuf>,
    /// The parameters (a run against the index must use the same).
    #[command(flatten)]
    pub params: ParamArgs,
}

/// The parameters of `dedup` and `index build`.
#[derive(Debug, Args)]
pub struct ParamArgs {
    /// Similarity at or above which two records are duplicates.
    #[arg(long, default_value_t = 0.8)]
    pub threshold: f64,
    /// Shingles: word:N (word n-grams) or char:N (character n-grams).
    #[arg(long, default_value = "word:5")]
    pub shingle: Shingle,
    /// MinHash permutations.
    #[arg(long, default_value_t = 128)]
    pub num_perm: usize,
    /// Seed of the hash and the permutations.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// JSON field holding the record id (string or integer) [default: id; a record without it is
    /// known by its place, FILE:LINE]. Given, every record must have this field.
    #[arg(long, value_name = "ID_FIELD")]
    pub id_field: Option<String>,
    /// JSON field holding the text.
    #[arg(long, default_value = "text")]
    pub text_field: String,
    /// Also remove a record whose shingles are at least --threshold contained in a longer one.
    #[arg(long)]
    pub containment: bool,
    /// How candidates are confirmed.
    #[arg(long, value_enum, default_value = "exact")]
    pub verify: VerifyArg,
    /// What to do with a bad record.
    #[arg(long, value_enum, default_value = "stop")]
    pub on_error: OnErrorArg,
    /// Records larger than this many bytes are rejected, or cut with --oversized truncate.
    #[arg(long, default_value_t = 16 << 20)]
    pub max_doc_bytes: usize,
    /// What to do with a record over --max-doc-bytes (never held whole either way).
    #[arg(long, value_enum, default_value = "reject")]
    pub oversized: OversizedArg,
    /// Compare texts longer than this many bytes on their first bytes only (records are still
    /// kept or removed whole). Default: whole texts
    #[arg(long)]
    pub max_text_bytes: Option<usize>,
    /// Stop early with a message when the records held (signatures, ids, LSH keys) would pass
    /// this much memory: bytes, or with K, M, G, T (binary). Default: 90 % of physical memory
    #[arg(long, value_parser = parse_size)]
    pub max_memory: Option<u64>,
    /// LSH bands (with --rows), instead of the automatic choice.
    #[arg(long, requires = "rows")]
    pub bands: Option<usize>,
    /// Rows per LSH band (with --bands).
    #[arg(long, requires = "bands")]
    pub rows: Option<usize>,
    /// Worker threads (default: one per core). Output is the same for any number.
    #[arg(short = 'j', long)]
    pub threads: Option<usize>,
}

impl ParamArgs {
    /// The run's parameters.
    pub fn params(&self) -> Params {
        Params {
            threshold: self.threshold,
            shingle: self.shingle,
            num_perm: self.num_perm,
            seed: self.seed,
            id_field: self.id_field.clone().unwrap_or_else(|| Params::default().id_field),
            missing_id: id_policy(&self.id_field),
            text_field: self.text_field.clone(),
            containment: self.containment,
            verify: match self.verify {
                VerifyArg::Exact => Verify::Exact,
                VerifyArg::Estimate => Verify::Estimate,
            },
            on_error: match self.on_error {
                OnErrorArg::Stop => OnError::Stop,
                OnErrorArg::Skip => OnError::Skip,
            },
            max_doc_bytes: self.max_doc_bytes,
            oversized: self.oversized.mode(),
            max_text_bytes: self.max_text_bytes,
            max_memory: self.max_memory.or_else(storydup::io::system::default_memory_limit),
            bands: self.bands,
            rows: self.rows,
        }
    }
}

/// What a record without the id field gets: its place when no `--id-field` is given; an error
/// when one is (a misspelt field name then stops the run instead of numbering every record).
fn id_policy(id_field: &Option<String>) -> MissingId {
    match id_field {
        None => MissingId::Place,
        Some(_) => MissingId::Reject,
    }
}

/// `storydup eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Ground truth: {"id","cluster"} JSONL (cluster null = singleton).
    #[arg(long)]
    pub truth: PathBuf,
    /// Prediction: a clusters.jsonl of storydup dedup, a storydup stories JSON report
    /// (-f json), or any {"id","cluster"} JSONL. Ids missing from it are singletons.
    pub pred: PathBuf,
    /// Print the scores as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Output format of `stories`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    /// Plain text (for humans; colour only on a terminal).
    Text,
    /// JSON (for computers; stable order, documented in the README).
    Json,
    /// One self-contained HTML page (for a browser).
    Html,
}

/// `storydup stories`.
#[derive(Debug, Args)]
pub struct StoriesArgs {
    /// Input: .jsonl (plain, .gz or .zst), .parquet, a folder of .txt files, or - for standard
    /// input. With none, the five built-in seed reports.
    pub inputs: Vec<String>,
    /// Output format.
    #[arg(short, long, value_enum, default_value = "text")]
    pub format: Format,
    /// In the text report, add every article's sentences: shared, rewritten (with the other
    /// wording), added and dropped, wrapped, never cut. Default: a summary per story.
    #[arg(long)]
    pub detail: bool,
    /// Write to this file (atomically) instead of standard output.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// JSON field holding the record id [default: id; a record without it is known by its
    /// place, FILE:LINE]. Given, every record must have this field.
    #[arg(long, value_name = "ID_FIELD")]
    pub id_field: Option<String>,
    /// JSON field holding the text.
    #[arg(long, default_value = "text")]
    pub text_field: String,
    /// JSON field holding the headline (optional in each record).
    #[arg(long, default_value = "title")]
    pub title_field: String,
    /// JSON field holding the date, YYYY-MM-DD... (optional in each record).
    #[arg(long, default_value = "date")]
    pub date_field: String,
    /// JSON field holding the outlet or site (optional; used to recognise site furniture).
    #[arg(long, default_value = "source")]
    pub source_field: String,
    /// Two groups form one story when the mean cosine of their article pairs is at least this
    /// many times the mean cosine of all pairs of the input (so headlines and full articles need
    /// no different setting). Raise it for narrower stories, lower it to gather more.
    #[arg(long, default_value_t = storydup::stories::story::StoryParams::default().relative_threshold)]
    pub relative_threshold: f64,
    /// Weight of each article's nearest partners blended into its term vector (0: off).
    #[arg(long, default_value_t = storydup::stories::story::StoryParams::default().smoothing)]
    pub smoothing: f64,
    /// Never link articles dated more than this many days apart.
    #[arg(long)]
    pub date_window: Option<i64>,
    /// Dates as soft evidence: groups of articles whose mean dates are D days apart need
    /// 1 + D / this times the similarity to join (0: dates do not count).
    #[arg(long, default_value_t = storydup::stories::story::StoryParams::default().date_scale_days, value_name = "DAYS")]
    pub date_scale: f64,
    /// Two groups of two or more articles stay apart when their mean similarity is below this
    /// fraction of the looser group's own (each much tighter than their link: two events of one
    /// topic); 0: off.
    #[arg(long, default_value_t = storydup::stories::story::StoryParams::default().cohesion, value_name = "FRACTION")]
    pub cohesion: f64,
    /// What to do with a bad record.
    #[arg(long, value_enum, default_value = "stop")]
    pub on_error: StoriesOnErrorArg,
    /// Records larger than this many bytes are an error, or cut with --oversized truncate.
    #[arg(long, default_value_t = 16 << 20)]
    pub max_doc_bytes: usize,
    /// What to do with a record over --max-doc-bytes (never held whole either way).
    #[arg(long, value_enum, default_value = "reject")]
    pub oversized: StoriesOversizedArg,
    /// Worker threads (default: one per core). Output is the same for any number.
    #[arg(short = 'j', long)]
    pub threads: Option<usize>,
}

impl StoriesArgs {
    /// What to do with a bad record.
    pub fn on_error(&self) -> OnError {
        match self.on_error {
            StoriesOnErrorArg::Stop => OnError::Stop,
            StoriesOnErrorArg::Skip => OnError::Skip,
        }
    }

    /// The id field, and what a record without it gets (as for dedup).
    pub fn id_field(&self) -> (String, MissingId) {
        let name = self.id_field.clone().unwrap_or_else(|| Params::default().id_field);
        (name, id_policy(&self.id_field))
    }
}

/// `storydup verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The output folder of a dedup run.
    pub dir: PathBuf,
    /// The inputs of that run, as given to it (- for standard input: pipe the same bytes in
    /// again). Default: the inputs recorded in DIR/summary.json, re-read from the same paths (a
    /// relative path is relative to the folder dedup ran in).
    pub inputs: Vec<String>,
}

/// A size such as 512M or 8G (binary multiples), or plain bytes.
fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (digits, shift) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let shift = match c.to_ascii_uppercase() {
                'K' => 10,
                'M' => 20,
                'G' => 30,
                'T' => 40,
                _ => return Err(format!("'{s}': use bytes or K, M, G, T, e.g. 8G")),
            };
            (&t[..i], shift)
        }
        _ => (t, 0),
    };
    let n: u64 = digits
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a size; use e.g. 8G or 512M"))?;
    n.checked_shl(shift)
        .filter(|v| v >> shift == n)
        .ok_or_else(|| format!("'{s}' is too large"))
}
