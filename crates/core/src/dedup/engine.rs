//! The dedup engine over records in memory: sign records as they come, hold only what later
//! stages need, then find candidates, verify them exactly and cluster.
//!
//! A caller hands records (an optional id and the text) one batch at a time with
//! [`Deduper::push`], or signs them itself with a [`Signer`] and stores the results with
//! [`Deduper::add`] (the file driver does this, to fuse parsing and signing in one parallel
//! pass). Each record gets a [`DocId`], its place in input order. [`Deduper::finish`] then asks a
//! [`TextSource`] for the texts of candidate pairs (a byte-offset reader for files, a column in
//! memory for Python) and returns the [`Outcome`]: clusters, each with its kept record and an
//! audit line for every removed one.
//!
//! Held per record: its signature (4 × `num_perm` bytes), its number of shingles, and its id when
//! the caller gives one. Texts are never held: verification asks for them again.

use std::borrow::Cow;
use std::time::Instant;

use rayon::prelude::*;

use crate::dedup::cluster::Cluster;
use crate::dedup::index::Segment;
use crate::dedup::lsh::{candidates, Bands};
use crate::dedup::minhash::{compact, MinHasher, Slot};
use crate::dedup::verify::{filter, verify, verify_filtered, Past, Stats, Table};
use crate::error::{Error, Result};
use crate::hash::hash_bytes;
use crate::params::Params;
use crate::sets::UnionFind;
use crate::shingle::Shingler;

/// A record's place in input order, from 0: what every stage after signing calls it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct DocId(pub u32);

impl DocId {
    /// As an index into per-record arrays.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// The text of any record, again, for exact verification. The file driver re-reads a record by
/// byte offset; an in-memory caller returns a slice of what it holds.
pub trait TextSource: Sync {
    /// The text of `doc` as it was given when signed (the engine cuts it to `max_text_bytes`
    /// itself).
    ///
    /// # Errors
    /// The text cannot be had again (a file changed or vanished since it was read).
    fn text(&self, doc: DocId) -> Result<Cow<'_, str>>;
}

/// Texts held in memory, one per [`DocId`] in order.
impl<S: AsRef<str> + Sync> TextSource for [S] {
    fn text(&self, doc: DocId) -> Result<Cow<'_, str>> {
        self.get(doc.index())
            .map(|s| Cow::Borrowed(s.as_ref()))
            .ok_or_else(|| Error::Internal(format!("no text for record {}", doc.0)))
    }
}

/// What signing one text gives besides its signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signed {
    /// Shingles produced, repeats included (0: the text has no words).
    pub num_shingles: u32,
    /// The text was compared on its first `max_text_bytes` bytes only.
    pub truncated: bool,
}

/// Nanoseconds one thread spent on the parts of signing: normalize, shingle, MinHash.
pub type SignNanos = [u64; 3];

/// Signs texts: normalize, shingle, MinHash. Shared by every caller, so that a record gets the
/// same signature whichever way it comes in.
#[derive(Debug, Clone)]
pub struct Signer {
    params: Params,
    hasher: MinHasher,
}

impl Signer {
    /// A signer for `params`.
    ///
    /// # Errors
    /// A parameter is out of range ([`Params::validate`]).
    pub fn new(params: &Params) -> Result<Signer> {
        params.validate()?;
        Ok(Signer {
            params: params.clone(),
            hasher: MinHasher::new(params.num_perm, params.seed),
        })
    }

    /// The parameters.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// Signs `text` into `sig` (`num_perm` slots, all `u32::MAX` on entry), adding the time of
    /// each part to `nanos`. A text without words leaves `sig` as it was.
    pub fn sign(&self, text: &str, shingler: &mut Shingler, sig: &mut [u32], nanos: &mut SignNanos) -> Signed {
        let t0 = Instant::now();
        let compared = self.params.compared_text(text);
        shingler.prepare(compared, self.params.shingle);
        let t1 = Instant::now();
        // MinHash ignores repeats, so the shingles are signed as they come; their count is kept as
        // an estimate of the set size (repeats included) for the estimate filter and
        // --verify estimate. Exact verification measures exact set sizes itself.
        let shingles = shingler.shingles(self.params.shingle, self.params.seed);
        let t2 = Instant::now();
        self.hasher.sign_into(sig, shingles);
        let t3 = Instant::now();
        nanos[0] += (t1 - t0).as_nanos() as u64;
        nanos[1] += (t2 - t1).as_nanos() as u64;
        nanos[2] += (t3 - t2).as_nanos() as u64;
        Signed {
            num_shingles: shingles.len().min(u32::MAX as usize) as u32,
            truncated: compared.len() < text.len(),
        }
    }
}

/// Ids of the records, in one arena, with a table to find a repeated id.
///
/// The table is open addressing over record numbers only (4 bytes a slot, at most half full):
/// a probe compares the key with the stored id itself, so no hash or key is stored twice. A map
/// from id hash to record took about 30 bytes a record at 10 million records; this takes 8 to 16.
#[derive(Debug, Default)]
struct Ids {
    bytes: Vec<u8>,
    /// End of each record's id in `bytes` (a record without an id has an empty one).
    ends: Vec<u64>,
    /// Record numbers by id hash ([`EMPTY`]: a free slot); a power of two long, or empty.
    table: Vec<u32>,
    /// Ids in the table.
    count: usize,
    /// The table was dropped (no more records come): lookups scan.
    released: bool,
}

/// A free slot of [`Ids::table`].
const EMPTY: u32 = u32::MAX;

impl Ids {
    fn get(&self, d: u32) -> &str {
        let end = self.ends[d as usize] as usize;
        let start = if d == 0 { 0 } else { self.ends[d as usize - 1] as usize };
        std::str::from_utf8(&self.bytes[start..end]).expect("ids are stored from &str")
    }

    /// The slot where `key` is, or the free slot where it would go.
    fn slot(&self, key: &str) -> usize {
        let mask = self.table.len() - 1;
        let mut i = hash_bytes(key.as_bytes(), 0) as usize & mask;
        loop {
            let d = self.table[i];
            if d == EMPTY || self.get(d) == key {
                return i;
            }
            i = (i + 1) & mask;
        }
    }

    fn find(&self, key: &str) -> Option<u32> {
        if self.released {
            return (0..self.ends.len() as u32).find(|&d| self.get(d) == key);
        }
        if self.table.is_empty() {
            return None;
        }
        Some(self.table[self.slot(key)]).filter(|&d| d != EMPTY)
    }

    fn push(&mut self, key: Option<&str>) {
        let d = self.ends.len() as u32;
        if let Some(key) = key {
            self.bytes.extend_from_slice(key.as_bytes());
        }
        self.ends.push(self.bytes.len() as u64);
        if let (Some(key), false) = (key, self.released) {
            if (self.count + 1) * 2 > self.table.len() {
                self.grow();
            }
            let i = self.slot(key);
            self.table[i] = d;
            self.count += 1;
        }
    }

    /// Doubles the table and puts every id back.
    fn grow(&mut self) {
        let len = (self.table.len() * 2).max(1024);
        let old = std::mem::replace(&mut self.table, vec![EMPTY; len]);
        for d in old.into_iter().filter(|&d| d != EMPTY) {
            let i = self.slot(self.get(d));
            self.table[i] = d;
        }
    }
}

/// What [`Deduper::add`] did with a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Added {
    /// Stored under this id.
    Doc(DocId),
    /// Not stored: its id is the id of this earlier record.
    DuplicateId(DocId),
}

/// The records of a run, as signed: everything the stages after signing need.
#[derive(Debug)]
pub struct Deduper {
    signer: Signer,
    ids: Ids,
    sizes: Vec<u32>,
    /// Signatures as stored ([`Slot`]s), `num_perm` per record.
    sigs: Vec<Slot>,
    /// Records without words: kept, never matched.
    num_empty: u64,
    /// Records compared on the start of their text only.
    num_truncated: u64,
    /// Bytes held, as [`Params::bytes_per_record`] counts them.
    held: u64,
    /// Records `0..num_old` come from a saved index: clustered before, decided before.
    num_old: u32,
    /// For each of them, the first record of its cluster.
    roots: Vec<u32>,
    /// The signatures were dropped after filtering ([`Deduper::finish_dropping_signatures`]).
    sigs_dropped: bool,
}

impl Deduper {
    /// An empty engine for `params`.
    ///
    /// # Errors
    /// A parameter is out of range.
    pub fn new(params: &Params) -> Result<Deduper> {
        Ok(Deduper {
            signer: Signer::new(params)?,
            ids: Ids::default(),
            sizes: Vec::new(),
            sigs: Vec::new(),
            num_empty: 0,
            num_truncated: 0,
            held: 0,
            num_old: 0,
            roots: Vec::new(),
            sigs_dropped: false,
        })
    }

    /// An engine that holds the records of a saved index, `segments` in order, with the clusters
    /// they were put in; records pushed next are deduplicated against them. The segments are
    /// consumed (their signatures move in; nothing is held twice).
    ///
    /// # Errors
    /// The segments do not fit together (numbering, signature size, a repeated id), or holding
    /// them would pass `max_memory`.
    pub fn with_past(params: &Params, segments: Vec<Segment>) -> Result<Deduper> {
        let mut d = Deduper::new(params)?;
        let damaged = |why: String| Error::Index {
            path: "index".into(),
            reason: format!("damaged ({why}); rebuild the index with storydup index build"),
        };
        let total: usize = segments.iter().map(Segment::len).sum();
        let mut uf = UnionFind::new(total);
        for seg in segments {
            if seg.first as usize != d.len() {
                return Err(damaged(format!(
                    "a segment starts at record {}, not {}",
                    seg.first,
                    d.len()
                )));
            }
            if seg.num_perm as usize != params.num_perm || seg.sigs.len() != seg.len() * params.num_perm {
                return Err(damaged(format!("a segment has {} slots per signature", seg.num_perm)));
            }
            let ids_bytes: u64 = seg.ids.iter().map(|i| i.len() as u64).sum();
            let cost = params.bytes_per_record() * seg.len() as u64 + ids_bytes;
            if let Some(limit) = params.max_memory.filter(|&l| d.held + cost > l) {
                return Err(Error::Params {
                    field: "max-memory",
                    reason: format!(
                        "the index's {total} records need about {} MiB, over the limit of {} MiB; raise --max-memory",
                        (d.held + cost) >> 20,
                        limit >> 20
                    ),
                });
            }
            d.held += cost;
            for (i, id) in seg.ids.iter().enumerate() {
                if let Some(first) = d.find(id) {
                    return Err(damaged(format!(
                        "id \"{id}\" is held twice (records {} and {})",
                        first.0 + 1,
                        d.len() + 1
                    )));
                }
                d.ids.push(Some(id));
                uf.union(seg.first + i as u32, seg.roots[i]);
                d.sizes.push(seg.sizes[i]);
            }
            if d.sigs.is_empty() {
                d.sigs = seg.sigs;
            } else {
                d.sigs.extend_from_slice(&seg.sigs);
            }
            for &(x, y) in &seg.merges {
                uf.union(x, y);
            }
        }
        d.num_old = d.len() as u32;
        d.roots = (0..d.num_old).map(|r| uf.find(r)).collect();
        Ok(d)
    }

    /// Records that come from a saved index.
    pub fn num_old(&self) -> usize {
        self.num_old as usize
    }

    /// The records added since the index was loaded (all of them for a new index), as a segment
    /// to save: with the clusters `outcome` put them in, the earlier clusters it joined, and the
    /// caller's `locators` (`locator_bytes` per new record, in order).
    ///
    /// # Panics
    /// After [`Deduper::finish_dropping_signatures`], which dropped what a segment holds.
    pub fn new_segment(&self, outcome: &Outcome, locator_bytes: u32, locators: Vec<u8>) -> Segment {
        assert!(!self.sigs_dropped, "new_segment after finish_dropping_signatures");
        let (first, n) = (self.num_old as usize, self.len());
        debug_assert_eq!(locators.len(), (n - first) * locator_bytes as usize);
        let mut roots: Vec<u32> = (first as u32..n as u32).collect();
        let mut merges = Vec::new();
        for c in &outcome.clusters {
            let root = c.members[0];
            for &m in &c.members {
                if m as usize >= first {
                    roots[m as usize - first] = root;
                } else if self.roots[m as usize] != root {
                    merges.push((self.roots[m as usize], root));
                }
            }
        }
        merges.sort_unstable();
        merges.dedup();
        let np = self.signer.params.num_perm;
        Segment {
            first: first as u32,
            num_perm: np as u32,
            locator_bytes,
            ids: (first..n).map(|d| self.ids.get(d as u32).to_string()).collect(),
            sizes: self.sizes[first..].to_vec(),
            sigs: self.sigs[first * np..].to_vec(),
            roots,
            locators,
            merges,
        }
    }

    /// The signer, for callers that sign in their own parallel loop.
    pub fn signer(&self) -> &Signer {
        &self.signer
    }

    /// The parameters.
    pub fn params(&self) -> &Params {
        &self.signer.params
    }

    /// Records stored.
    pub fn len(&self) -> usize {
        self.sizes.len()
    }

    /// Whether no record is stored.
    pub fn is_empty(&self) -> bool {
        self.sizes.is_empty()
    }

    /// Records stored without words (kept, never matched).
    pub fn num_empty(&self) -> u64 {
        self.num_empty
    }

    /// Records compared on the first `max_text_bytes` of their text.
    pub fn num_truncated(&self) -> u64 {
        self.num_truncated
    }

    /// The id of `doc` (empty when it was stored without one).
    pub fn id(&self, doc: DocId) -> &str {
        self.ids.get(doc.0)
    }

    /// The record stored under `id`, if any.
    pub fn find(&self, id: &str) -> Option<DocId> {
        self.ids.find(id).map(DocId)
    }

    /// Drops the table that finds a repeated id, once no more records will be added: it is
    /// 8 to 16 bytes a record, held until LSH otherwise. [`Deduper::find`] then scans.
    pub fn release_id_table(&mut self) {
        self.ids.table = Vec::new();
        self.ids.released = true;
    }

    /// The signature of `doc`, as stored (see [`Slot`]).
    pub fn signature(&self, doc: DocId) -> &[Slot] {
        let n = self.signer.params.num_perm;
        &self.sigs[doc.index() * n..(doc.index() + 1) * n]
    }

    /// Whether `doc` has no words.
    pub fn is_empty_doc(&self, doc: DocId) -> bool {
        self.sizes[doc.index()] == 0
    }

    /// Stores a record signed with [`Deduper::signer`], unless its `id` is an earlier record's
    /// (`None`: the caller's own positions are the ids, unique by construction, and not stored).
    ///
    /// # Errors
    /// Holding one more record would pass `max_memory`: the run stops early rather than running
    /// out of memory hours in; the message says what to change. `at` names the record in it.
    pub fn add(&mut self, id: Option<&str>, signed: Signed, sig: &[u32], at: &dyn std::fmt::Display) -> Result<Added> {
        if let Some(first) = id.and_then(|key| self.find(key)) {
            return Ok(Added::DuplicateId(first));
        }
        let params = &self.signer.params;
        let cost = params.bytes_per_record() + id.map_or(0, |k| k.len() as u64);
        if let Some(limit) = params.max_memory.filter(|&l| self.held + cost > l) {
            return Err(Error::Params {
                field: "max-memory",
                reason: format!(
                    "{} records held reach the limit of {} MiB at {at} (about {cost} bytes per record); \
                     raise --max-memory, lower --num-perm, or split the input",
                    self.len() + 1,
                    limit >> 20,
                ),
            });
        }
        if self.len() >= u32::MAX as usize - 1 {
            return Err(Error::Params {
                field: "INPUT",
                reason: "more than 4 billion records; split the input".into(),
            });
        }
        self.held += cost;
        let doc = DocId(self.len() as u32);
        self.ids.push(id);
        self.sizes.push(signed.num_shingles);
        self.sigs.extend(compact(sig));
        self.num_empty += u64::from(signed.num_shingles == 0);
        self.num_truncated += u64::from(signed.truncated);
        Ok(Added::Doc(doc))
    }

    /// Signs a batch of records (id, text) in parallel on the current rayon pool and stores
    /// them in order. The result says, per record, its [`DocId`] or the earlier record whose id it
    /// repeats.
    ///
    /// # Errors
    /// As [`Deduper::add`].
    pub fn push<S: AsRef<str> + Sync>(&mut self, batch: &[(Option<S>, S)]) -> Result<Vec<Added>> {
        let n = self.signer.params.num_perm;
        let mut sigs = vec![u32::MAX; batch.len() * n];
        let signer = &self.signer;
        let signed: Vec<Signed> = batch
            .par_iter()
            .zip(sigs.par_chunks_mut(n))
            .map_init(Shingler::default, |sh, ((_, text), sig)| {
                signer.sign(text.as_ref(), sh, sig, &mut [0; 3])
            })
            .collect();
        let first = self.len();
        batch
            .iter()
            .zip(signed)
            .zip(sigs.chunks(n))
            .enumerate()
            .map(|(i, (((id, _), s), sig))| {
                let at = format!("record {}", first + i + 1);
                self.add(id.as_ref().map(AsRef::as_ref), s, sig, &at)
            })
            .collect()
    }

    /// The banding of this run: `--bands`/`--rows` when given, else the recall-leaning choice for
    /// the threshold (with containment, for the Jaccard of a copy inside a text 2.5 times longer).
    pub fn bands(&self) -> Bands {
        let params = &self.signer.params;
        let target = if params.containment {
            params.threshold.min(containment_target(params.threshold))
        } else {
            params.threshold
        };
        match (params.bands, params.rows) {
            (Some(b), Some(r)) => Bands {
                bands: b,
                rows: r,
                target,
            },
            _ => Bands::choose(target, params.num_perm),
        }
    }

    /// Finds candidate pairs, verifies them (exactly, re-reading texts from `texts`, unless the
    /// parameters say `estimate`) and clusters the records.
    ///
    /// # Errors
    /// `texts` could not give a text again.
    pub fn finish<T: TextSource + ?Sized>(&self, texts: &T) -> Result<Outcome> {
        let Some((pairs, bands, lsh_s)) = self.candidate_pairs() else {
            return Ok(self.nothing_new());
        };
        let (clusters, stats) = verify(&pairs, &self.table(), texts, &self.signer.params, self.past())?;
        Ok(Outcome {
            clusters,
            stats,
            bands,
            lsh_s,
        })
    }

    /// As [`Deduper::finish`], but with exact verification the signatures are dropped once the
    /// candidate pairs are filtered: nothing after needs them, and they are most of what is held
    /// per record (2 × `num_perm` bytes), so the peak of a run is lower. The engine cannot make
    /// a [`Segment`] afterwards.
    ///
    /// # Errors
    /// As [`Deduper::finish`].
    pub fn finish_dropping_signatures<T: TextSource + ?Sized>(&mut self, texts: &T) -> Result<Outcome> {
        if self.signer.params.verify != crate::params::Verify::Exact {
            return self.finish(texts);
        }
        let Some((pairs, bands, lsh_s)) = self.candidate_pairs() else {
            return Ok(self.nothing_new());
        };
        let t = Instant::now();
        let filtered = filter(&pairs, &self.table(), &self.signer.params);
        let filter_s = t.elapsed().as_secs_f64();
        let num_candidates = pairs.len();
        drop(pairs);
        self.sigs = Vec::new();
        self.sigs_dropped = true;
        let (clusters, stats) = verify_filtered(
            filtered,
            num_candidates,
            filter_s,
            &self.table(),
            texts,
            &self.signer.params,
            self.past(),
        )?;
        Ok(Outcome {
            clusters,
            stats,
            bands,
            lsh_s,
        })
    }

    /// Candidate pairs from LSH with the banding and its seconds; `None` when nothing is new.
    fn candidate_pairs(&self) -> Option<Candidates> {
        if self.len() == self.num_old() {
            return None;
        }
        let bands = self.bands();
        let t = Instant::now();
        // Against an index, only pairs with a new record: the others were verified before.
        let pairs = candidates(
            &self.sigs,
            &self.sizes,
            self.signer.params.num_perm,
            &bands,
            self.num_old,
        );
        Some((pairs, bands, t.elapsed().as_secs_f64()))
    }

    /// The outcome when nothing is new (against an index: nothing to pair).
    fn nothing_new(&self) -> Outcome {
        Outcome {
            clusters: Vec::new(),
            stats: Stats::default(),
            bands: self.bands(),
            lsh_s: 0.0,
        }
    }

    fn table(&self) -> Table<'_> {
        Table {
            sigs: &self.sigs,
            sizes: &self.sizes,
            num_perm: self.signer.params.num_perm,
        }
    }

    fn past(&self) -> Option<Past<'_>> {
        (self.num_old > 0).then_some(Past {
            num_old: self.num_old,
            roots: &self.roots,
        })
    }
}

/// LSH's candidate pairs, the banding that found them and the seconds it took.
type Candidates = (Vec<(u32, u32)>, Bands, f64);

/// The Jaccard that a record fully contained in one 2.5 times its size has (80 / 270 at 0.8):
/// containment candidates are banded for it, so embedded copies with up to 150 % of added text
/// are found.
fn containment_target(t: f64) -> f64 {
    let ratio = 2.5;
    t / (ratio + 1.0 - t)
}

/// What [`Deduper::finish`] found.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Clusters of two or more records, ordered by their first member.
    pub clusters: Vec<Cluster>,
    /// Counts of the verification stage.
    pub stats: Stats,
    /// The banding used.
    pub bands: Bands,
    /// Wall seconds of banding (varies between runs).
    pub lsh_s: f64,
}

/// The fate of one record.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Decision {
    /// Kept; in this cluster when it has duplicates.
    Kept {
        /// Its cluster, if it has two or more members.
        cluster: Option<u32>,
    },
    /// Removed as a duplicate.
    Removed {
        /// The kept record of its cluster.
        duplicate_of: DocId,
        /// The record whose similarity is stated: `duplicate_of`, or the one it matched in a chain.
        matched: DocId,
        /// The measured similarity with `matched`.
        similarity: f64,
        /// What `similarity` is.
        measure: crate::dedup::cluster::Measure,
        /// Its cluster.
        cluster: u32,
    },
}

impl Outcome {
    /// One decision per record of a run of `num_docs` records, in [`DocId`] order.
    pub fn decisions(&self, num_docs: usize) -> Vec<Decision> {
        let mut out = vec![Decision::Kept { cluster: None }; num_docs];
        for (cid, c) in self.clusters.iter().enumerate() {
            let cid = cid as u32;
            out[c.kept as usize] = Decision::Kept { cluster: Some(cid) };
            for r in &c.removals {
                out[r.doc as usize] = Decision::Removed {
                    duplicate_of: DocId(r.duplicate_of),
                    matched: DocId(r.matched),
                    similarity: r.similarity,
                    measure: r.measure,
                    cluster: cid,
                };
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts() -> Vec<String> {
        let base = "the quick brown fox jumps over the lazy dog while the cat watches from the warm windowsill";
        vec![
            base.to_string(),
            "an unrelated text about markets rising and falling as traders watch the central bank".into(),
            format!("{base}!"),
            String::new(),
            "...".into(),
        ]
    }

    #[test]
    fn in_memory_records_dedup_and_empty_texts_stay() {
        let mut d = Deduper::new(&Params::default()).unwrap();
        let t = texts();
        let batch: Vec<(Option<&str>, &str)> = t.iter().map(|s| (None, s.as_str())).collect();
        let added = d.push(&batch).unwrap();
        assert_eq!(added.len(), 5);
        assert_eq!(d.num_empty(), 2);
        let out = d.finish(t.as_slice()).unwrap();
        let dec = out.decisions(d.len());
        assert!(matches!(dec[0], Decision::Kept { cluster: Some(0) }));
        assert!(matches!(
            dec[2],
            Decision::Removed {
                duplicate_of: DocId(0),
                ..
            }
        ));
        // Empty texts duplicate nothing, not even each other.
        assert!(matches!(dec[3], Decision::Kept { cluster: None }));
        assert!(matches!(dec[4], Decision::Kept { cluster: None }));
    }

    #[test]
    fn a_repeated_id_is_rejected() {
        let mut d = Deduper::new(&Params::default()).unwrap();
        let added = d.push(&[(Some("a"), "one text"), (Some("a"), "another text")]).unwrap();
        assert_eq!(added[0], Added::Doc(DocId(0)));
        assert_eq!(added[1], Added::DuplicateId(DocId(0)));
        assert_eq!(d.find("a"), Some(DocId(0)));
    }

    /// Texts in which some repeat others with a small edit, some chain (A~B, B~C).
    fn corpus() -> Vec<String> {
        let words: Vec<String> = (0..400).map(|i| format!("w{}", crate::hash::mix64(i) % 5000)).collect();
        let doc = |start: usize, edit: Option<usize>| {
            let mut w: Vec<String> = words[start..start + 60].to_vec();
            if let Some(e) = edit {
                w[e] = "changed".into();
            }
            w.join(" ")
        };
        vec![
            doc(0, None),
            doc(100, None),
            doc(0, Some(30)),
            doc(200, None),
            doc(100, Some(5)),
            doc(0, Some(50)),
            doc(300, None),
            doc(200, Some(59)),
            doc(100, Some(40)),
            String::new(),
        ]
    }

    /// A decision without its cluster number (numbers are per run).
    fn fate(d: &Decision) -> (Option<u32>, Option<u32>, String) {
        match d {
            Decision::Kept { cluster } => (None, None, format!("kept {}", cluster.is_some())),
            Decision::Removed {
                duplicate_of,
                matched,
                similarity,
                measure,
                ..
            } => (
                Some(duplicate_of.0),
                Some(matched.0),
                format!("{similarity} {measure:?}"),
            ),
        }
    }

    #[test]
    fn a_batch_against_a_saved_index_gets_the_decisions_of_one_full_run() {
        let params = Params::default();
        let texts = corpus();
        let ids: Vec<String> = (0..texts.len()).map(|i| format!("r{i}")).collect();
        let batch = |r: std::ops::Range<usize>| -> Vec<(Option<&str>, &str)> {
            r.map(|i| (Some(ids[i].as_str()), texts[i].as_str())).collect()
        };
        let mut full = Deduper::new(&params).unwrap();
        full.push(&batch(0..texts.len())).unwrap();
        let full_out = full.finish(texts.as_slice()).unwrap().decisions(texts.len());

        // Batch 1 indexed, saved as a segment and loaded again; then batch 2 against it.
        let mut first = Deduper::new(&params).unwrap();
        first.push(&batch(0..4)).unwrap();
        let out1 = first.finish(texts.as_slice()).unwrap();
        let seg = Segment::decode(&first.new_segment(&out1, 0, Vec::new()).encode(), "seg").unwrap();
        let mut second = Deduper::with_past(&params, vec![seg.clone()]).unwrap();
        assert_eq!(second.num_old(), 4);
        second.push(&batch(4..7)).unwrap();
        let out2 = second.finish(texts.as_slice()).unwrap();
        let seg2 = second.new_segment(&out2, 0, Vec::new());
        let fates = |d: &[Decision]| d.iter().map(fate).collect::<Vec<_>>();
        assert_eq!(fates(&out2.decisions(7)[4..7]), fates(&full_out[4..7]));
        // And a third batch against both segments.
        let mut third = Deduper::with_past(&params, vec![seg, seg2]).unwrap();
        third.push(&batch(7..texts.len())).unwrap();
        let out3 = third.finish(texts.as_slice()).unwrap();
        assert_eq!(fates(&out3.decisions(texts.len())[7..]), fates(&full_out[7..]));
        assert!(
            full_out
                .iter()
                .filter(|d| matches!(d, Decision::Removed { .. }))
                .count()
                >= 5
        );
        // An id already in the index is found.
        assert_eq!(third.find("r2"), Some(DocId(2)));
    }
}
