//! Every knob of a dedup run, with its default and the reason for it, validated once.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

/// What a shingle is: `n` consecutive words or `n` consecutive characters of the normalized text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "unit", content = "n")]
pub enum Shingle {
    /// Word n-grams: robust to formatting, the usual choice for prose.
    Word(usize),
    /// Character n-grams over the normalized text (words joined by one space): for short texts
    /// and languages without spaces.
    Char(usize),
}

impl fmt::Display for Shingle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shingle::Word(n) => write!(f, "word:{n}"),
            Shingle::Char(n) => write!(f, "char:{n}"),
        }
    }
}

impl FromStr for Shingle {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Shingle, String> {
        let (unit, n) = s.split_once(':').unwrap_or((s, "5"));
        let n: usize = n.parse().map_err(|_| format!("'{n}' is not a whole number"))?;
        match unit {
            "word" => Ok(Shingle::Word(n)),
            "char" => Ok(Shingle::Char(n)),
            _ => Err(format!("'{unit}' is not a shingle unit; use word:N or char:N")),
        }
    }
}

impl Shingle {
    /// The n of the n-gram.
    pub fn n(self) -> usize {
        match self {
            Shingle::Word(n) | Shingle::Char(n) => n,
        }
    }
}

/// What to do with a bad input record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnError {
    /// Stop the run with exit code 2 and a message naming the record.
    Stop,
    /// Write the record to `rejected.jsonl` with the reason and go on.
    Skip,
}

/// What to do with a record over `max_doc_bytes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnOversized {
    /// Reject it as `too_large` (under `--on-error skip`, into `rejected.jsonl`).
    Reject,
    /// Read its id and the first `max_doc_bytes` bytes of its text, never holding the rest; it is
    /// still kept or removed whole.
    Truncate,
}

/// What a JSONL record without the id field gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingId {
    /// Its place as its id: `FILE:LINE` (`FILE:ROW` for a table), FILE the input as the user
    /// named it (a file inside a folder: its path as walked). Stable across runs and threads.
    Place,
    /// Rejected as `missing_id`.
    Reject,
}

/// How a candidate pair is confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verify {
    /// Exact Jaccard (and containment) of the two shingle sets, re-read from the input.
    Exact,
    /// The MinHash estimate alone: faster, but a pair near the threshold may fall either side.
    Estimate,
}

/// The parameters of a dedup run. Echoed in `summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Params {
    /// Similarity at or above which two records are duplicates. Default 0.8: the usual dedup
    /// setting (a 5 % word edit of a 400-word text keeps word-5-gram Jaccard near 0.8).
    pub threshold: f64,
    /// Default word:5. Shorter shingles match boilerplate and common phrases between unrelated texts.
    pub shingle: Shingle,
    /// Default 128: the standard error of a Jaccard estimate is at most 1/(2·√128) ≈ 0.044.
    pub num_perm: usize,
    /// Seed of the shingle hash and the permutations. Signatures change only when it does.
    pub seed: u64,
    /// JSON field holding the record id (a string or an integer). Default `id`.
    pub id_field: String,
    /// What a record without `id_field` gets. Default `place`: its `FILE:LINE` is its id, since
    /// exports (Hugging Face datasets, scrapes) often have no id. The CLI sets `reject` when
    /// `--id-field` is given: a record without the field named is then an error, so a misspelt
    /// name stops the run instead of numbering every record.
    pub missing_id: MissingId,
    /// JSON field holding the text. Default `text`.
    pub text_field: String,
    /// Also remove a record whose shingles are at least `threshold` contained in a longer record.
    pub containment: bool,
    /// How candidates are confirmed. Default exact.
    pub verify: Verify,
    /// Default stop: a bad record stops the run rather than disappearing silently.
    pub on_error: OnError,
    /// Records longer than this many bytes are rejected. Default 16 MiB: far above any article,
    /// low enough that one runaway line cannot exhaust memory.
    pub max_doc_bytes: usize,
    /// What happens to a record over `max_doc_bytes`. Default reject.
    pub oversized: OnOversized,
    /// Texts longer than this many bytes are compared on their first bytes only (cut at a
    /// character boundary) instead of whole: a multi-megabyte record costs no more than this much
    /// text, and it is still kept or removed whole. `None` (the default): whole texts. Records
    /// over `max_doc_bytes` are never held whole: see `oversized`.
    pub max_text_bytes: Option<usize>,
    /// Stop early, naming the record, when what the run holds per record (signature, id,
    /// location, LSH keys: [`Params::bytes_per_record`]) would pass this many bytes, rather than
    /// exhausting memory hours in. `None`: no limit (the CLI's default is 90 % of physical memory).
    pub max_memory: Option<u64>,
    /// Override the automatic LSH bands (needs `rows`).
    pub bands: Option<usize>,
    /// Override the automatic LSH rows per band (needs `bands`).
    pub rows: Option<usize>,
}

impl Default for Params {
    fn default() -> Params {
        Params {
            threshold: 0.8,
            shingle: Shingle::Word(5),
            num_perm: 128,
            seed: 42,
            id_field: "id".into(),
            missing_id: MissingId::Place,
            text_field: "text".into(),
            containment: false,
            verify: Verify::Exact,
            on_error: OnError::Stop,
            max_doc_bytes: 16 << 20,
            oversized: OnOversized::Reject,
            max_text_bytes: None,
            max_memory: None,
            bands: None,
            rows: None,
        }
    }
}

impl Params {
    /// Bytes held per record besides its id, at these parameters: the stored signature (2 ×
    /// `num_perm`: 16-bit slots), the LSH band keys of the bands being sorted (16 bytes each, two
    /// bands at a time on two threads), the location (32), the shingle count, the id's place in
    /// the id arena and its entry in the id table. Checked against the 10-million-record run
    /// (scripts/ten_million.sh, results/).
    pub fn bytes_per_record(&self) -> u64 {
        self.num_perm as u64 * 2 + 112
    }

    /// The part of `text` that is compared: all of it, or its first `max_text_bytes` bytes, cut
    /// back to a character boundary.
    pub fn compared_text<'a>(&self, text: &'a str) -> &'a str {
        match self.max_text_bytes {
            Some(limit) if text.len() > limit => {
                let mut end = limit;
                while !text.is_char_boundary(end) {
                    end -= 1;
                }
                &text[..end]
            }
            _ => text,
        }
    }

    /// Checks every field; the error names the bad one and what is allowed.
    pub fn validate(&self) -> Result<()> {
        if !(self.threshold > 0.0 && self.threshold <= 1.0) {
            return Err(Error::Params {
                field: "threshold",
                reason: format!("{} is outside (0, 1]; use e.g. --threshold 0.8", self.threshold),
            });
        }
        let n = self.shingle.n();
        if n == 0 || n > 64 {
            return Err(Error::Params {
                field: "shingle",
                reason: format!("n = {n} is outside 1..=64; use e.g. --shingle word:5"),
            });
        }
        if self.num_perm == 0 || self.num_perm > 1024 {
            return Err(Error::Params {
                field: "num-perm",
                reason: format!("{} is outside 1..=1024; use e.g. --num-perm 128", self.num_perm),
            });
        }
        if self.max_memory.is_some_and(|m| m < 1 << 20) {
            return Err(Error::Params {
                field: "max-memory",
                reason: "must be at least 1M; use e.g. --max-memory 8G".into(),
            });
        }
        if self.max_text_bytes == Some(0) {
            return Err(Error::Params {
                field: "max-text-bytes",
                reason: "must be at least 1".into(),
            });
        }
        if self.max_doc_bytes == 0 {
            return Err(Error::Params {
                field: "max-doc-bytes",
                reason: "must be at least 1".into(),
            });
        }
        match (self.bands, self.rows) {
            (None, None) => {}
            (Some(b), Some(r)) if b >= 1 && r >= 1 && b * r <= self.num_perm => {}
            (Some(b), Some(r)) => {
                return Err(Error::Params {
                    field: "bands",
                    reason: format!(
                        "{b} bands × {r} rows needs {} permutations, but --num-perm is {}",
                        b * r,
                        self.num_perm
                    ),
                })
            }
            _ => {
                return Err(Error::Params {
                    field: "bands",
                    reason: "--bands and --rows go together".into(),
                })
            }
        }
        if self.id_field.is_empty() || self.text_field.is_empty() {
            return Err(Error::Params {
                field: "id-field",
                reason: "field names must not be empty".into(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        Params::default().validate().unwrap();
    }

    #[test]
    fn shingle_parses() {
        assert_eq!("word:3".parse::<Shingle>().unwrap(), Shingle::Word(3));
        assert_eq!("char:7".parse::<Shingle>().unwrap(), Shingle::Char(7));
        assert!("byte:7".parse::<Shingle>().is_err());
        assert!("word:x".parse::<Shingle>().is_err());
    }

    #[test]
    fn bad_values_name_the_field() {
        let p = Params {
            threshold: 1.5,
            ..Params::default()
        };
        assert!(p.validate().unwrap_err().to_string().contains("threshold"));
        let p = Params {
            bands: Some(20),
            rows: Some(10),
            ..Params::default()
        };
        assert!(p.validate().unwrap_err().to_string().contains("bands"));
    }
}
