//! The saved index: a run's records as signed and clustered, so that tomorrow's batch is
//! deduplicated against them without reading or signing them again.
//!
//! An index is a list of [`Segment`]s, one per batch, each holding for every record of its batch
//! (kept and removed alike, in input order): its id, its shingle count, its signature, the first
//! record of its cluster, and a fixed-size locator of the caller's (the file layer stores where
//! the record's bytes are, so exact verification can re-read them). A segment also lists the
//! earlier clusters that its batch joined together. Segments are never rewritten: adding a batch
//! adds one.
//!
//! The decisions for a batch run against an index are those a single run over all the batches
//! would make for that batch's records (earlier records keep precedence as they come first in
//! input order), with two exceptions by design, measured in results/: LSH buckets of more than
//! [`crate::dedup::lsh::MAX_BUCKET_ALL_PAIRS`] records pair their members as a star and a chain,
//! and an earlier batch saw smaller buckets; and with `--containment`, an earlier record keeps the
//! best container it had then.
//!
//! A [`Fingerprint`] of everything that changes a signature or a decision is saved with the index;
//! a run with other parameters is refused, naming the difference. Segments end with an XXH3
//! checksum, so a damaged file is an error, never a wrong answer.

use serde::{Deserialize, Serialize};

use crate::dedup::minhash::{Slot, SIGNATURE_VERSION};
use crate::error::{Error, Result};
use std::io::Read;

use crate::hash::{hash_bytes, hasher};
use crate::params::{OnOversized, Params, Shingle, Verify};

/// Version of the index layout (segments and fingerprint).
pub const INDEX_FORMAT: u32 = 1;

/// Magic bytes that open a segment.
const MAGIC: &[u8; 8] = b"SDUPSEG\0";

/// Everything that changes a record's signature or the decisions made against it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fingerprint {
    /// Layout of the index files.
    pub index_format: u32,
    /// Normalization, shingle hashing and MinHash family ([`SIGNATURE_VERSION`]).
    pub signature_version: u32,
    /// Seed of the shingle hash and the permutations.
    pub seed: u64,
    /// Shingles.
    pub shingle: Shingle,
    /// Slots per signature.
    pub num_perm: usize,
    /// Similarity threshold (the earlier clusters were made with it).
    pub threshold: f64,
    /// Whether containment made duplicates.
    pub containment: bool,
    /// How pairs were confirmed.
    pub verify: Verify,
    /// Texts compared on their first bytes only.
    pub max_text_bytes: Option<usize>,
    /// LSH bands and rows, when set by hand.
    pub bands: Option<(usize, usize)>,
    /// Records over this many bytes were rejected or cut.
    pub max_doc_bytes: usize,
    /// Which of the two.
    pub oversized: OnOversized,
}

impl Fingerprint {
    /// The fingerprint of a run with `params`.
    pub fn of(params: &Params) -> Fingerprint {
        Fingerprint {
            index_format: INDEX_FORMAT,
            signature_version: SIGNATURE_VERSION,
            seed: params.seed,
            shingle: params.shingle,
            num_perm: params.num_perm,
            threshold: params.threshold,
            containment: params.containment,
            verify: params.verify,
            max_text_bytes: params.max_text_bytes,
            bands: params.bands.zip(params.rows),
            max_doc_bytes: params.max_doc_bytes,
            oversized: params.oversized,
        }
    }

    /// What differs between the index (`self`) and a run (`run`), one phrase each, naming the
    /// option to change: empty when they agree.
    pub fn differences(&self, run: &Fingerprint) -> Vec<String> {
        let mut out = Vec::new();
        let mut differ = |what: &str, index: String, run: String| {
            if index != run {
                out.push(format!("{what}: the index has {index}, this run {run}"));
            }
        };
        differ(
            "index format",
            self.index_format.to_string(),
            run.index_format.to_string(),
        );
        differ(
            "signature version (normalization, shingle hash, MinHash)",
            self.signature_version.to_string(),
            run.signature_version.to_string(),
        );
        differ("--seed", self.seed.to_string(), run.seed.to_string());
        differ("--shingle", self.shingle.to_string(), run.shingle.to_string());
        differ("--num-perm", self.num_perm.to_string(), run.num_perm.to_string());
        differ("--threshold", self.threshold.to_string(), run.threshold.to_string());
        differ(
            "--containment",
            self.containment.to_string(),
            run.containment.to_string(),
        );
        differ("--verify", format!("{:?}", self.verify), format!("{:?}", run.verify));
        differ(
            "--max-text-bytes",
            format!("{:?}", self.max_text_bytes),
            format!("{:?}", run.max_text_bytes),
        );
        differ(
            "--bands/--rows",
            format!("{:?}", self.bands),
            format!("{:?}", run.bands),
        );
        differ(
            "--max-doc-bytes",
            self.max_doc_bytes.to_string(),
            run.max_doc_bytes.to_string(),
        );
        differ(
            "--oversized",
            format!("{:?}", self.oversized),
            format!("{:?}", run.oversized),
        );
        out
    }
}

/// The records of one batch, as saved.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Segment {
    /// Number of the batch's first record in the whole index.
    pub first: u32,
    /// Slots per signature.
    pub num_perm: u32,
    /// Bytes of each record's locator.
    pub locator_bytes: u32,
    /// Each record's id.
    pub ids: Vec<String>,
    /// Each record's shingle count (0: no words).
    pub sizes: Vec<u32>,
    /// Signatures as the engine holds them, `num_perm` slots each.
    pub sigs: Vec<Slot>,
    /// The first record of each one's cluster (itself when it has no duplicate).
    pub roots: Vec<u32>,
    /// Locators, `locator_bytes` each: the caller's, opaque here.
    pub locators: Vec<u8>,
    /// Earlier clusters this batch joined: (first record of one, first record of the cluster it
    /// joined), the second smaller.
    pub merges: Vec<(u32, u32)>,
}

impl Segment {
    /// Number of records.
    pub fn len(&self) -> usize {
        self.sizes.len()
    }

    /// Whether it holds no record.
    pub fn is_empty(&self) -> bool {
        self.sizes.is_empty()
    }

    /// The locator of the segment's record `i`.
    pub fn locator(&self, i: usize) -> &[u8] {
        let n = self.locator_bytes as usize;
        &self.locators[i * n..(i + 1) * n]
    }

    /// The segment as bytes: little-endian fields and arrays, then an XXH3-64 checksum of them.
    pub fn encode(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(
            64 + self.sigs.len() * 4
                + self.sizes.len() * 12
                + self.locators.len()
                + self.ids.iter().map(String::len).sum::<usize>(),
        );
        b.extend_from_slice(MAGIC);
        put_u32(&mut b, INDEX_FORMAT);
        put_u32(&mut b, self.first);
        put_u32(&mut b, self.len() as u32);
        put_u32(&mut b, self.num_perm);
        put_u32(&mut b, self.locator_bytes);
        put_u32(&mut b, self.merges.len() as u32);
        for &v in &self.sizes {
            put_u32(&mut b, v);
        }
        for &v in &self.roots {
            put_u32(&mut b, v);
        }
        for &v in &self.sigs {
            b.extend_from_slice(&v.to_le_bytes());
        }
        b.extend_from_slice(&self.locators);
        for id in &self.ids {
            put_u32(&mut b, id.len() as u32);
            b.extend_from_slice(id.as_bytes());
        }
        for &(x, y) in &self.merges {
            put_u32(&mut b, x);
            put_u32(&mut b, y);
        }
        let sum = hash_bytes(&b, 0);
        b.extend_from_slice(&sum.to_le_bytes());
        b
    }

    /// A segment from its bytes, checked: the checksum, every length, every record number.
    ///
    /// # Errors
    /// The bytes are not a whole, undamaged segment of this format (`what` names the file in the
    /// message).
    pub fn decode(bytes: &[u8], what: &str) -> Result<Segment> {
        Segment::read_from(bytes, bytes.len() as u64, what)
    }

    /// A segment read from `r`, which holds `len` bytes, in one pass and checked as it goes: no
    /// array is allocated larger than what is left of `len` (a damaged length cannot ask for more
    /// memory than the file has), and the checksum at the end covers every byte before it.
    ///
    /// # Errors
    /// As [`Segment::decode`]; or `r` cannot be read.
    pub fn read_from(r: impl Read, len: u64, what: &str) -> Result<Segment> {
        if len < (MAGIC.len() + 24 + 8) as u64 {
            return Err(damaged(what, "not a storydup index segment"));
        }
        let mut r = Stream {
            r,
            hasher: hasher(0),
            left: len - 8,
            what,
        };
        if r.bytes(8)? != MAGIC {
            return Err(damaged(what, "not a storydup index segment"));
        }
        let format = r.u32()?;
        if format != INDEX_FORMAT {
            return Err(Error::Index {
                path: what.to_string(),
                reason: format!(
                    "damaged or of another version (index format {format}, but this storydup reads \
                     {INDEX_FORMAT}); rebuild the index with storydup index build"
                ),
            });
        }
        let first = r.u32()?;
        let n = r.u32()? as usize;
        let num_perm = r.u32()?;
        let locator_bytes = r.u32()?;
        let num_merges = r.u32()? as usize;
        let sizes = r.u32s(n)?;
        let roots = r.u32s(n)?;
        let sigs = r.u16s(n.saturating_mul(num_perm as usize))?;
        let locators = r.bytes(n.saturating_mul(locator_bytes as usize))?;
        let mut ids = Vec::with_capacity(n.min(r.left as usize / 4));
        for _ in 0..n {
            let len = r.u32()? as usize;
            let id = String::from_utf8(r.bytes(len)?).map_err(|_| damaged(what, "an id is not UTF-8"))?;
            ids.push(id);
        }
        let mut merges = Vec::with_capacity(num_merges.min(r.left as usize / 8));
        for _ in 0..num_merges {
            merges.push((r.u32()?, r.u32()?));
        }
        if r.left != 0 {
            return Err(damaged(what, "trailing bytes"));
        }
        let digest = r.hasher.digest();
        let mut sum = [0u8; 8];
        r.r.read_exact(&mut sum).map_err(|_| damaged(what, "it ends early"))?;
        if sum != digest.to_le_bytes() {
            return Err(damaged(what, "checksum mismatch"));
        }
        let end = first as u64 + n as u64;
        if roots
            .iter()
            .enumerate()
            .any(|(i, &root)| root as u64 > first as u64 + i as u64)
            || merges.iter().any(|&(x, y)| y >= x || x as u64 >= end)
        {
            return Err(damaged(what, "a cluster names a later record"));
        }
        Ok(Segment {
            first,
            num_perm,
            locator_bytes,
            ids,
            sizes,
            sigs,
            roots,
            locators,
            merges,
        })
    }
}

fn damaged(what: &str, why: &str) -> Error {
    Error::Index {
        path: what.to_string(),
        reason: format!("damaged ({why}); rebuild the index with storydup index build"),
    }
}

fn put_u32(b: &mut Vec<u8>, v: u32) {
    b.extend_from_slice(&v.to_le_bytes());
}

/// Reads a segment's fields in order, hashing every byte, each read checked against what is left.
struct Stream<'a, R> {
    r: R,
    hasher: xxhash_rust::xxh3::Xxh3,
    /// Bytes left before the checksum.
    left: u64,
    what: &'a str,
}

impl<R: Read> Stream<'_, R> {
    fn fill(&mut self, buf: &mut [u8]) -> Result<()> {
        if buf.len() as u64 > self.left {
            return Err(damaged(self.what, "it ends early"));
        }
        self.r
            .read_exact(buf)
            .map_err(|_| damaged(self.what, "it ends early"))?;
        self.left -= buf.len() as u64;
        self.hasher.update(buf);
        Ok(())
    }

    fn bytes(&mut self, n: usize) -> Result<Vec<u8>> {
        if n as u64 > self.left {
            return Err(damaged(self.what, "it ends early"));
        }
        let mut b = vec![0u8; n];
        self.fill(&mut b)?;
        Ok(b)
    }

    fn u32(&mut self) -> Result<u32> {
        let mut b = [0u8; 4];
        self.fill(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    /// `n` little-endian values of `W` bytes, read a block at a time (no second copy of the array).
    fn array<T, const W: usize>(&mut self, n: usize, from: impl Fn([u8; W]) -> T) -> Result<Vec<T>> {
        if (n as u64).saturating_mul(W as u64) > self.left {
            return Err(damaged(self.what, "it ends early"));
        }
        let mut out = Vec::with_capacity(n);
        let mut block = vec![0u8; (1 << 16) * W];
        let mut done = 0;
        while done < n {
            let k = (n - done).min(1 << 16);
            self.fill(&mut block[..k * W])?;
            out.extend(
                block[..k * W]
                    .chunks_exact(W)
                    .map(|c| from(c.try_into().expect("W bytes"))),
            );
            done += k;
        }
        Ok(out)
    }

    fn u32s(&mut self, n: usize) -> Result<Vec<u32>> {
        self.array(n, u32::from_le_bytes)
    }

    fn u16s(&mut self, n: usize) -> Result<Vec<u16>> {
        self.array(n, u16::from_le_bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment() -> Segment {
        Segment {
            first: 3,
            num_perm: 2,
            locator_bytes: 3,
            ids: vec!["a".into(), "bé".into()],
            sizes: vec![5, 0],
            sigs: vec![1, 2, 3, 4],
            roots: vec![0, 4],
            locators: vec![1, 2, 3, 4, 5, 6],
            merges: vec![(4, 1)],
        }
    }

    #[test]
    fn round_trip() {
        let s = segment();
        let back = Segment::decode(&s.encode(), "seg").unwrap();
        assert_eq!(back, s);
        assert_eq!(back.locator(1), &[4, 5, 6]);
    }

    #[test]
    fn every_damage_is_an_error() {
        let good = segment().encode();
        for i in 0..good.len() {
            let mut bad = good.clone();
            bad[i] ^= 0x40;
            assert!(
                Segment::decode(&bad, "seg").is_err(),
                "flipping byte {i} went unnoticed"
            );
        }
        for len in 0..good.len() {
            assert!(
                Segment::decode(&good[..len], "seg").is_err(),
                "cut at {len} went unnoticed"
            );
        }
    }

    #[test]
    fn differences_name_the_option() {
        let a = Fingerprint::of(&Params::default());
        let b = Fingerprint::of(&Params {
            threshold: 0.7,
            ..Params::default()
        });
        assert!(a.differences(&a).is_empty());
        let d = a.differences(&b);
        assert_eq!(d.len(), 1);
        assert!(
            d[0].contains("--threshold") && d[0].contains("0.8") && d[0].contains("0.7"),
            "{d:?}"
        );
    }
}
