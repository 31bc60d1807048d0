//! `storydup eval`: scores of a clustering against ground truth.

use serde_json::{json, Value};

use crate::util::*;

fn eval_json(truth: &std::path::Path, pred: &std::path::Path) -> Value {
    let run = storydup(
        [
            "eval".into(),
            "--json".into(),
            "--truth".into(),
            truth.as_os_str().to_owned(),
            pred.as_os_str().to_owned(),
        ],
        None,
    )
    .ok();
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

#[test]
fn dedup_clusters_score_perfectly_against_their_families() {
    let env = Env::new();
    let (docs, truth) = family_corpus();
    let (input, _) = env.write_docs("in.jsonl", &docs);
    dedup(&[&input], &env.out(), &["-q"]).ok();
    let family = |id: &str| truth.iter().position(|c| c.contains(id));
    let truth_lines: Vec<String> = docs
        .iter()
        .map(|d| json!({"id": d.id, "cluster": family(&d.id)}).to_string())
        .collect();
    let truth_file = env.write_lines("truth.jsonl", &truth_lines);
    let s = eval_json(&truth_file, &env.out().join("clusters.jsonl"));
    assert_eq!(s["records"], 25);
    assert_eq!(s["true_pairs"], 30);
    assert_eq!(s["correct_pairs"], 30);
    for k in ["pair_precision", "pair_recall", "pair_f1", "bcubed_f1", "ari"] {
        assert_eq!(s[k], 1.0, "{k}: {s}");
    }
}

#[test]
fn known_scores_of_an_imperfect_clustering() {
    let env = Env::new();
    // Truth {a,b,c} {d}; prediction {a,b} {c,d}: true pairs ab ac bc, predicted ab cd, correct ab.
    let truth = env.write_lines(
        "truth.jsonl",
        &[
            r#"{"id":"a","cluster":1}"#.into(),
            r#"{"id":"b","cluster":1}"#.into(),
            r#"{"id":"c","cluster":1}"#.into(),
            r#"{"id":"d","cluster":null}"#.into(),
        ],
    );
    let pred = env.write_lines(
        "pred.jsonl",
        &[
            r#"{"cluster":0,"kept":"a","size":2,"members":["a","b"]}"#.into(),
            r#"{"cluster":1,"kept":"c","size":2,"members":["c","d","zz"]}"#.into(),
        ],
    );
    let s = eval_json(&truth, &pred);
    assert_eq!((s["true_pairs"].as_u64(), s["pred_pairs"].as_u64()), (Some(3), Some(2)));
    assert_eq!(s["correct_pairs"], 1);
    assert!((s["pair_precision"].as_f64().unwrap() - 0.5).abs() < 1e-12);
    assert!((s["pair_recall"].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-12);
    assert!((s["bcubed_precision"].as_f64().unwrap() - 0.75).abs() < 1e-12);
    assert!((s["bcubed_recall"].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-12);
    assert_eq!(s["unknown_pred_ids"], 1, "zz is not in the truth");
}

#[test]
fn a_bad_truth_line_is_located() {
    let env = Env::new();
    let truth = env.write("truth.jsonl", "{\"id\":\"a\",\"cluster\":1}\n{\"id\":\"b\"\n");
    let pred = env.write("pred.jsonl", "");
    let run = storydup(
        [
            "eval".into(),
            "--truth".into(),
            truth.as_os_str().to_owned(),
            pred.as_os_str().to_owned(),
        ],
        None,
    )
    .user_error();
    run.stderr_has(&[&format!("{}:2:", truth.display())]);
}
