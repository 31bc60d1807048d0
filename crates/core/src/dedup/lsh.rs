//! Signatures → candidate pairs, by banding.
//!
//! A signature of `b·r` slots is cut into `b` bands of `r` rows; two records whose slots agree
//! on a whole band become a candidate pair. A pair of Jaccard `s` is a candidate with probability
//! `1 − (1 − s^r)^b` (the S-curve). Because every candidate is verified afterwards, the bands are
//! chosen to lean towards recall: the fewest false candidates among the (b, r) that catch a pair
//! at the target similarity with probability at least [`MIN_RECALL_AT_TARGET`]. The usual rule
//! (datasketch's: equal weight on false positives and negatives) puts the S-curve's midpoint on
//! the threshold and so loses 30–40 % of the pairs just above it.
//!
//! Bucketing sorts (band key, record) pairs instead of filling a hash map of vectors, so the
//! output order is fixed and memory is one flat array per band.

use rayon::prelude::*;

use crate::dedup::minhash::Slot;
use crate::hash::mix64;

/// Smallest probability that a pair at the target similarity becomes a candidate.
pub const MIN_RECALL_AT_TARGET: f64 = 0.99;

/// Buckets larger than this emit a star and a chain instead of all pairs (see [`candidates`]).
pub const MAX_BUCKET_ALL_PAIRS: usize = 48;

/// The banding of a run.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Bands {
    /// Number of bands.
    pub bands: usize,
    /// Rows (slots) per band.
    pub rows: usize,
    /// The similarity the banding was chosen for.
    pub target: f64,
}

impl Bands {
    /// Probability that a pair of Jaccard `s` becomes a candidate.
    pub fn probability(&self, s: f64) -> f64 {
        1.0 - (1.0 - s.powi(self.rows as i32)).powi(self.bands as i32)
    }

    /// The similarity where the S-curve is steepest, (1/b)^(1/r).
    pub fn implied_threshold(&self) -> f64 {
        (1.0 / self.bands as f64).powf(1.0 / self.rows as f64)
    }

    /// (similarity, candidate probability) at 0.1, 0.2, … 1.0 and at the target.
    pub fn s_curve(&self) -> Vec<(f64, f64)> {
        let mut pts: Vec<f64> = (1..=10).map(|i| i as f64 / 10.0).collect();
        pts.push(self.target);
        pts.sort_by(f64::total_cmp);
        pts.dedup();
        pts.into_iter().map(|s| (s, self.probability(s))).collect()
    }

    /// The key of band `band` of the stored signature `sig` ([`band_key`] of the band's `rows`
    /// slots), as [`candidates`] computes it.
    pub fn key(&self, band: usize, sig: &[Slot]) -> u64 {
        band_key(band, &sig[band * self.rows..(band + 1) * self.rows])
    }

    /// The recall-leaning banding for `target` with `num_perm` slots.
    pub fn choose(target: f64, num_perm: usize) -> Bands {
        let mut best: Option<(f64, Bands)> = None;
        for r in 1..=num_perm {
            let b = num_perm / r;
            let cand = Bands {
                bands: b,
                rows: r,
                target,
            };
            if cand.probability(target) < MIN_RECALL_AT_TARGET {
                continue;
            }
            // Expected share of false candidates: the area under the S-curve below the target.
            let steps = 200;
            let fp: f64 = (0..steps)
                .map(|i| cand.probability(target * (i as f64 + 0.5) / steps as f64))
                .sum::<f64>()
                * target
                / steps as f64;
            if best.as_ref().is_none_or(|(bfp, _)| fp < *bfp) {
                best = Some((fp, cand));
            }
        }
        // r = 1, b = num_perm always qualifies unless num_perm is tiny; fall back to it.
        best.map(|(_, b)| b).unwrap_or(Bands {
            bands: num_perm,
            rows: 1,
            target,
        })
    }
}

/// The key of one band of a signature: its slots folded with the band number, so that equal
/// slots in different bands never share a bucket.
pub fn band_key(band: usize, slots: &[Slot]) -> u64 {
    slots.iter().fold(mix64(band as u64 + 1), |h, &v| mix64(h ^ v as u64))
}

/// Candidate pairs `(a, b)` with `a < b`, sorted and deduplicated, from signatures stored
/// one after another in `sigs` (`num_perm` slots each). Records whose size in `sizes` is 0 (no
/// words) are never candidates: empty texts duplicate nothing. Only pairs whose second record is
/// at least `first_new` are returned (0: all), for a batch run against a saved index.
///
/// A bucket of more than [`MAX_BUCKET_ALL_PAIRS`] records (thousands of copies of one text, or
/// a boilerplate page) would give a quadratic number of pairs; it emits each member paired with
/// the bucket's first member and with its successor instead, which keeps the bucket connected
/// for clustering at linear cost.
pub fn candidates(sigs: &[Slot], sizes: &[u32], num_perm: usize, bands: &Bands, first_new: u32) -> Vec<(u32, u32)> {
    let n = sigs.len() / num_perm;
    // One band at a time, each sorted in parallel: the keys of one band (16 bytes a record) are
    // all that is held besides the pairs, which are kept sorted and unique (a true pair turns up
    // in most bands; kept whole, they took 30 bytes a record at 10 million). New pairs wait in
    // `found` until they are as many as the records or the pairs so far, then are sorted and
    // merged in: merging after every band copied all pairs once a band (64 times in
    // `--containment`, 1.9 s of its 2.3 s of LSH at 1 GB), while this copies each about twice,
    // for at most 8 bytes a record more.
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    let mut found: Vec<(u32, u32)> = Vec::new();
    for band in 0..bands.bands {
        let key_of = |doc: usize| bands.key(band, &sigs[doc * num_perm..(doc + 1) * num_perm]);
        let words = |doc: &usize| sizes[*doc] > 0;
        let mut keys: Vec<(u64, u32)> = if first_new == 0 {
            (0..n)
                .into_par_iter()
                .filter(words)
                .map(|doc| (key_of(doc), doc as u32))
                .collect()
        } else {
            // Against a saved index only the buckets that hold a new record matter: the keys of
            // the new records first, then the old records that share one (whole buckets, so that
            // big ones pair as in a full run).
            let mut keys: Vec<(u64, u32)> = (first_new as usize..n)
                .into_par_iter()
                .filter(words)
                .map(|doc| (key_of(doc), doc as u32))
                .collect();
            let mut wanted: Vec<u64> = keys.iter().map(|k| k.0).collect();
            wanted.sort_unstable();
            wanted.dedup();
            let old: Vec<(u64, u32)> = (0..first_new as usize)
                .into_par_iter()
                .filter(words)
                .map(|doc| (key_of(doc), doc as u32))
                .filter(|k| wanted.binary_search(&k.0).is_ok())
                .collect();
            keys.extend(old);
            keys
        };
        keys.par_sort_unstable();
        let mut docs = Vec::new();
        for run in keys.chunk_by(|x, y| x.0 == y.0).filter(|run| run.len() > 1) {
            docs.clear();
            docs.extend(run.iter().map(|k| k.1));
            bucket_pairs(&docs, first_new, &mut found);
        }
        drop(keys);
        if found.len() >= n.max(pairs.len()) || band + 1 == bands.bands {
            let mut batch = std::mem::take(&mut found);
            batch.par_sort_unstable();
            batch.dedup();
            pairs = merge_sorted(pairs, batch);
        }
    }
    pairs
}

/// The pairs of one bucket, its members in record order, appended to `out` as `(a, b)` with
/// `a < b`, only those with `b >= first_new`: every pair of a bucket of up to
/// [`MAX_BUCKET_ALL_PAIRS`] members, else each member with the first and with its successor.
/// The single-machine run ([`candidates`]) and the Spark job both bucket through this.
pub fn bucket_pairs(docs: &[u32], first_new: u32, out: &mut Vec<(u32, u32)>) {
    let mut pair = |a: u32, b: u32| {
        if b >= first_new {
            out.push((a, b));
        }
    };
    if docs.len() <= MAX_BUCKET_ALL_PAIRS {
        for x in 0..docs.len() {
            for y in x + 1..docs.len() {
                pair(docs[x], docs[y]);
            }
        }
    } else {
        for x in 1..docs.len() {
            pair(docs[0], docs[x]);
            if x + 1 < docs.len() {
                pair(docs[x], docs[x + 1]);
            }
        }
    }
}

/// The sorted union of two sorted, deduplicated lists.
fn merge_sorted(a: Vec<(u32, u32)>, b: Vec<(u32, u32)>) -> Vec<(u32, u32)> {
    if a.is_empty() {
        return b;
    }
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => {
                out.push(a[i]);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                out.push(b[j]);
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_banding_leans_to_recall() {
        let b = Bands::choose(0.8, 128);
        assert!(b.bands * b.rows <= 128);
        assert!(b.probability(0.8) >= MIN_RECALL_AT_TARGET);
        assert!(b.probability(0.3) < 0.05, "{b:?}");
    }

    #[test]
    fn identical_signatures_pair_up() {
        let sigs: Vec<Slot> = [vec![1; 8], vec![2; 8], vec![1; 8]].concat();
        let b = Bands {
            bands: 2,
            rows: 4,
            target: 0.8,
        };
        assert_eq!(candidates(&sigs, &[1, 1, 1], 8, &b, 0), vec![(0, 2)]);
        assert_eq!(candidates(&sigs, &[1, 1, 0], 8, &b, 0), vec![]);
        assert_eq!(candidates(&sigs, &[1, 1, 1], 8, &b, 3), vec![]);
        assert_eq!(candidates(&sigs, &[1, 1, 1], 8, &b, 2), vec![(0, 2)]);
    }

    #[test]
    fn big_bucket_stays_connected_and_linear() {
        let n = 500;
        let sigs: Vec<Slot> = vec![7; n * 4];
        let pairs = candidates(
            &sigs,
            &vec![1; n],
            4,
            &Bands {
                bands: 1,
                rows: 4,
                target: 0.8,
            },
            0,
        );
        assert!(pairs.len() < 2 * n);
        let mut uf = crate::sets::UnionFind::new(n);
        for (a, b) in pairs {
            uf.union(a, b);
        }
        assert!((0..n as u32).all(|d| uf.find(d) == uf.find(0)));
    }
}
