//! Scores a clustering against ground truth: pairwise precision/recall/F1, B-cubed
//! precision/recall/F1 (Bagga & Baldwin, averaged over records) and the adjusted Rand index
//! (Hubert & Arabie), all from the contingency table of the two clusterings.
//!
//! The scores are computed here from two label arrays; reading truth and prediction files (and the
//! recall per kind of edit on a generated corpus) is `storydup_io::eval`.

use std::collections::BTreeMap;

use ahash::AHashMap;
use serde::Serialize;

/// The scores.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Scores {
    /// Records scored (ids of the truth).
    pub records: usize,
    /// Clusters in the truth, singletons included.
    pub true_clusters: usize,
    /// Clusters predicted, singletons included.
    pub pred_clusters: usize,
    /// Same-cluster pairs in the truth.
    pub true_pairs: u64,
    /// Same-cluster pairs predicted.
    pub pred_pairs: u64,
    /// Predicted pairs that are true pairs.
    pub correct_pairs: u64,
    /// correct / predicted pairs (1 when none are predicted).
    pub pair_precision: f64,
    /// correct / true pairs (1 when there are none).
    pub pair_recall: f64,
    /// Harmonic mean of the two.
    pub pair_f1: f64,
    /// B-cubed precision.
    pub bcubed_precision: f64,
    /// B-cubed recall.
    pub bcubed_recall: f64,
    /// B-cubed F1.
    pub bcubed_f1: f64,
    /// Adjusted Rand index.
    pub ari: f64,
    /// Predicted ids not in the truth (ignored).
    pub unknown_pred_ids: usize,
    /// On a generated corpus: variant recall per kind and per band of true Jaccard.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variants: Option<VariantRecall>,
}

/// Variants put in the same cluster as their base.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct VariantRecall {
    /// Per kind of edit (first word of `variant`): [found, total].
    pub by_kind: BTreeMap<String, [u64; 2]>,
    /// Per band of true Jaccard with the base: [found, total].
    pub by_true_jaccard: BTreeMap<String, [u64; 2]>,
    /// `related` articles (distinct, reusing part of another) merged with it: [merged, total].
    pub related_merged: [u64; 2],
}

fn comb2(n: u64) -> u64 {
    n * n.saturating_sub(1) / 2
}

/// Scores `pred` against `truth`, both given as one label per record (same order).
pub fn score(pred: &[u64], truth: &[u64]) -> Scores {
    let n = truth.len();
    let mut cells: AHashMap<(u64, u64), u64> = AHashMap::new();
    let mut a: AHashMap<u64, u64> = AHashMap::new();
    let mut b: AHashMap<u64, u64> = AHashMap::new();
    for (&p, &t) in pred.iter().zip(truth) {
        *cells.entry((p, t)).or_default() += 1;
        *a.entry(p).or_default() += 1;
        *b.entry(t).or_default() += 1;
    }
    let tp: u64 = cells.values().map(|&v| comb2(v)).sum();
    let pred_pairs: u64 = a.values().map(|&v| comb2(v)).sum();
    let true_pairs: u64 = b.values().map(|&v| comb2(v)).sum();
    let p = if pred_pairs > 0 {
        tp as f64 / pred_pairs as f64
    } else {
        1.0
    };
    let r = if true_pairs > 0 {
        tp as f64 / true_pairs as f64
    } else {
        1.0
    };
    let f1 = if p + r > 0.0 { 2.0 * p * r / (p + r) } else { 0.0 };
    let total = comb2(n as u64) as f64;
    let expected = if total > 0.0 {
        pred_pairs as f64 * true_pairs as f64 / total
    } else {
        0.0
    };
    let max_index = (pred_pairs + true_pairs) as f64 / 2.0;
    let ari = if (max_index - expected).abs() < f64::EPSILON {
        if pred_pairs == true_pairs {
            1.0
        } else {
            0.0
        }
    } else {
        (tp as f64 - expected) / (max_index - expected)
    };
    let nf = n.max(1) as f64;
    let bp = cells
        .iter()
        .map(|(&(pc, _), &v)| (v * v) as f64 / a[&pc] as f64)
        .sum::<f64>()
        / nf;
    let br = cells
        .iter()
        .map(|(&(_, tc), &v)| (v * v) as f64 / b[&tc] as f64)
        .sum::<f64>()
        / nf;
    let bf = if bp + br > 0.0 { 2.0 * bp * br / (bp + br) } else { 0.0 };
    Scores {
        records: n,
        true_clusters: b.len(),
        pred_clusters: a.len(),
        true_pairs,
        pred_pairs,
        correct_pairs: tp,
        pair_precision: p,
        pair_recall: r,
        pair_f1: f1,
        bcubed_precision: bp,
        bcubed_recall: br,
        bcubed_f1: bf,
        ari,
        unknown_pred_ids: 0,
        variants: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_and_trivial() {
        let s = score(&[1, 1, 2, 3], &[5, 5, 6, 7]);
        assert_eq!((s.pair_f1, s.bcubed_f1, s.ari), (1.0, 1.0, 1.0));
        let s = score(&[1, 2, 3], &[1, 2, 3]);
        assert_eq!(s.ari, 1.0);
    }

    #[test]
    fn known_values() {
        // truth {a,b,c}{d}; pred {a,b}{c,d}: pairs true ab ac bc; pred ab cd; correct ab.
        let s = score(&[1, 1, 2, 2], &[1, 1, 1, 2]);
        assert_eq!((s.correct_pairs, s.pred_pairs, s.true_pairs), (1, 2, 3));
        assert!((s.pair_precision - 0.5).abs() < 1e-12);
        assert!((s.pair_recall - 1.0 / 3.0).abs() < 1e-12);
        // B-cubed precision: a 1, b 1, c 1/2, d 1/2 → 0.75; recall: a 2/3, b 2/3, c 1/3, d 1 → 2/3.
        assert!((s.bcubed_precision - 0.75).abs() < 1e-12);
        assert!((s.bcubed_recall - 2.0 / 3.0).abs() < 1e-12);
    }
}
