//! Files storydup does not read, recognised by name or by their first bytes, so that a user is
//! told "CSV is not supported: convert it to JSONL" instead of a JSON error on every line, and a
//! folder in which nothing is readable is an error that lists what was skipped.
//!
//! Every such check is here, in one place: when a format is added (Parquet), its entry goes.

use std::io::Read;
use std::path::Path;

use storydup_core::error::{Error, Result};

use super::{Corpus, READS};

/// Compression suffixes stripped before a file's kind is read from its name.
const COMPRESSED: [&str; 4] = [".gz", ".zst", ".zstd", ".bz2"];

/// Extensions of files storydup does not read, and what to say about each.
const BY_NAME: &[(&str, &str)] = &[
    (".csv", CSV),
    (".tsv", TSV),
    (".tab", TSV),
    (".parquet", PARQUET),
    (".pq", PARQUET),
    (".xml", XML),
    (".xlsx", EXCEL),
    (".xls", EXCEL),
    (".ods", EXCEL),
    (".arrow", ARROW),
    (".feather", ARROW),
    (".zip", ZIP),
];

const CSV: &str = "CSV is not supported: convert it to JSONL (one JSON object per line), e.g. \
    python3 -c 'import csv,json,sys; [print(json.dumps(r)) for r in csv.DictReader(sys.stdin)]' < FILE > FILE.jsonl";
const TSV: &str = "TSV is not supported: convert it to JSONL (one JSON object per line), e.g. \
    python3 -c 'import csv,json,sys; [print(json.dumps(r)) for r in csv.DictReader(sys.stdin, delimiter=\"\\t\")]' < FILE > FILE.jsonl";
const PARQUET: &str = "this build of storydup has no Parquet support (built without the `parquet` feature of storydup-io): convert it to JSONL (one JSON object per line), \
    e.g. python3 -c 'import pandas,sys; pandas.read_parquet(sys.argv[1]).to_json(sys.stdout, orient=\"records\", lines=True)' FILE > FILE.jsonl";
/// A Parquet file under another name: this build reads it when it is named `.parquet`.
#[cfg(feature = "parquet")]
const PARQUET_CONTENT: &str = "this is a Parquet file under a name that does not say so: name it FILE.parquet \
    (or link it: ln -s FILE FILE.parquet) and storydup reads it as Parquet";
#[cfg(not(feature = "parquet"))]
const PARQUET_CONTENT: &str = PARQUET;
const JSON_ARRAY: &str = "a JSON array is not supported: convert it to JSONL (one JSON object per line), \
    e.g. jq -c '.[]' FILE > FILE.jsonl";
const XML: &str = "XML or HTML is not supported: extract the texts into JSONL (one JSON object per line \
    with an \"id\" and a \"text\") or into .txt files in a folder";
const EXCEL: &str = "a spreadsheet is not supported: save it as CSV and convert that to JSONL \
    (one JSON object per line)";
const ARROW: &str = "Arrow/Feather is not supported: convert it to JSONL (one JSON object per line)";
const ZIP: &str = "a zip archive is not supported: unpack it and name the folder";
const BZIP2: &str = "bzip2 compression is not supported: recompress with gzip or zstd, or decompress it";
const XZ: &str = "xz compression is not supported: recompress with gzip or zstd, or decompress it";

/// The extension of a file name (lower case, with its dot; "" for none), for counting skipped
/// files: `.csv`, `.parquet`, or the last two parts of a compressed name (`.csv.gz`).
pub fn extension(lower_name: &str) -> String {
    let base = lower_name.rsplit('/').next().unwrap_or(lower_name);
    let mut parts: Vec<&str> = base.split('.').skip(1).collect();
    if parts.len() > 2 {
        parts.drain(..parts.len() - 2);
    }
    if parts.len() == 2 && !COMPRESSED.contains(&format!(".{}", parts[1]).as_str()) {
        parts.remove(0);
    }
    parts.iter().map(|p| format!(".{p}")).collect()
}

/// Checks a file named on the command line that no format claims by its name (a `.jsonl` file
/// is read as JSONL whatever it holds): a name or first bytes that say CSV, TSV, Parquet, a
/// JSON array, XML, a spreadsheet or an archive are an error that says what to do. Other files
/// are read as JSONL. A pipe (`regular == false`) is not looked into: it can be read only once.
///
/// # Errors
/// The file is in a format storydup does not read.
pub fn check(given: &str, path: &Path, regular: bool) -> Result<()> {
    let lower = given.to_ascii_lowercase();
    let mut stem = lower.as_str();
    for c in COMPRESSED {
        if let Some(s) = stem.strip_suffix(c) {
            stem = s;
            break;
        }
    }
    if let Some(&(_, what)) = BY_NAME.iter().find(|(ext, _)| stem.ends_with(ext)) {
        return Err(unsupported(given, what));
    }
    if !regular {
        return Ok(());
    }
    let mut head = [0u8; 64];
    let n = std::fs::File::open(path)
        .and_then(|f| {
            let mut n = 0;
            let mut f = f.take(head.len() as u64);
            while n < head.len() {
                match f.read(&mut head[n..])? {
                    0 => break,
                    k => n += k,
                }
            }
            Ok(n)
        })
        .map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
    match what_it_holds(&head[..n]) {
        Some(what) => Err(unsupported(given, what)),
        None => Ok(()),
    }
}

/// What the first bytes of a file say it is, when it is something storydup does not read.
fn what_it_holds(head: &[u8]) -> Option<&'static str> {
    const MAGIC: &[(&[u8], &str)] = &[
        (b"PAR1", PARQUET_CONTENT),
        (b"PK\x03\x04", EXCEL),
        (b"ARROW1", ARROW),
        (b"BZh", BZIP2),
        (b"\xFD7zXZ\x00", XZ),
        (b"\xD0\xCF\x11\xE0", EXCEL),
    ];
    if let Some(&(_, what)) = MAGIC.iter().find(|(m, _)| head.starts_with(m)) {
        return Some(what);
    }
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    match text.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'[') => Some(JSON_ARRAY),
        Some(b'<') => Some(XML),
        _ => None,
    }
}

fn unsupported(given: &str, what: &str) -> Error {
    Error::Unsupported {
        path: given.to_string(),
        reason: what.replace("FILE.jsonl", &jsonl_name(given)).replace("FILE", given),
    }
}

/// The name of the JSONL file to convert `given` into: `data.csv` → `data.jsonl`.
fn jsonl_name(given: &str) -> String {
    let (dir, name) = match given.rfind('/') {
        Some(i) => given.split_at(i + 1),
        None => ("", given),
    };
    let mut stem = name;
    for c in COMPRESSED {
        if stem.to_ascii_lowercase().ends_with(c) {
            stem = &stem[..stem.len() - c.len()];
            break;
        }
    }
    let stem = match stem.rfind('.') {
        Some(i) if i > 0 => &stem[..i],
        _ => stem,
    };
    format!("{dir}{stem}.jsonl")
}

/// The error for inputs in which no file is readable (folders of other files, or empty ones):
/// what was skipped, counted by extension, and what storydup reads.
pub fn nothing_readable(corpus: &Corpus) -> Error {
    let folders: Vec<&str> = corpus.inputs.iter().map(|i| i.given.as_str()).collect();
    let skipped = if corpus.skipped.is_empty() {
        "no files".to_string()
    } else {
        let kinds: Vec<String> = corpus
            .skipped
            .iter()
            .map(|(ext, n)| {
                let ext = if ext.is_empty() { "without an extension" } else { ext };
                format!("{n} {ext}")
            })
            .collect();
        let n = corpus.num_skipped_files;
        format!(
            "{n} {} that storydup does not read ({})",
            if n == 1 { "file" } else { "files" },
            kinds.join(", ")
        )
    };
    Error::Unsupported {
        path: folders.join(", "),
        reason: format!(
            "no records: {} {skipped}; storydup reads {READS}; convert the files to JSONL, or name the files to read",
            if folders.len() == 1 {
                "the folder holds"
            } else {
                "the folders hold"
            }
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_of_skipped_files() {
        assert_eq!(extension("a/b/data.csv"), ".csv");
        assert_eq!(extension("data.csv.gz"), ".csv.gz");
        assert_eq!(extension("v1.2.parquet"), ".parquet");
        assert_eq!(extension("README"), "");
    }

    #[test]
    fn the_converted_file_is_named_after_the_input() {
        assert_eq!(jsonl_name("data.csv"), "data.jsonl");
        assert_eq!(jsonl_name("in/v1.tsv.gz"), "in/v1.jsonl");
        assert_eq!(jsonl_name("dump.json"), "dump.jsonl");
    }

    #[test]
    fn first_bytes_name_the_format() {
        assert_eq!(what_it_holds(b"PAR1\x15\x04"), Some(PARQUET_CONTENT));
        assert_eq!(what_it_holds(b"\xEF\xBB\xBF  [{\"id\":1}]"), Some(JSON_ARRAY));
        assert_eq!(what_it_holds(b"<?xml version"), Some(XML));
        assert_eq!(what_it_holds(b"{\"id\":1,\"text\":\"t\"}\n"), None);
        assert_eq!(what_it_holds(b"id,text\n1,hello\n"), None);
    }
}
