//! `storydup dedup` on well-formed input: what is removed, what is kept, and what the audit says.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::util::*;

/// Checks the outputs against each other and against the input order (`ids`, the accepted
/// records in input order): kept and removed partition the records, every removal points into
/// its cluster, clusters list members in input order.
fn check_consistency(o: &Outputs, ids: &[String]) {
    let pos = |id: &str| {
        ids.iter()
            .position(|x| x == id)
            .unwrap_or_else(|| panic!("unknown id {id}"))
    };
    // kept ∪ removed = the accepted records, disjoint, kept in input order.
    let kept = o.kept_ids();
    let removed = o.removed_ids();
    let all: BTreeSet<&String> = kept.iter().chain(&removed).collect();
    assert_eq!(all.len(), ids.len(), "kept and removed overlap or miss records");
    assert!(
        kept.windows(2).all(|w| pos(&w[0]) < pos(&w[1])),
        "kept out of input order: {kept:?}"
    );
    assert!(
        removed.windows(2).all(|w| pos(&w[0]) < pos(&w[1])),
        "removed out of input order: {removed:?}"
    );
    for (i, c) in o.clusters.iter().enumerate() {
        let keys: BTreeSet<&str> = c.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, BTreeSet::from(["cluster", "kept", "size", "members"]), "{c}");
        assert_eq!(c["cluster"], i, "cluster numbers are line numbers");
        let members: Vec<String> = c["members"].as_array().unwrap().iter().map(id_of).collect();
        assert!(members.len() >= 2, "a cluster of one: {c}");
        assert_eq!(c["size"], members.len());
        assert!(
            members.windows(2).all(|w| pos(&w[0]) < pos(&w[1])),
            "members out of input order: {c}"
        );
        let k = id_of(&c["kept"]);
        assert!(kept.contains(&k), "cluster's kept record {k} is not in kept.jsonl");
        for m in members.iter().filter(|m| **m != k) {
            assert_eq!(o.removal(m)["cluster"], i, "{m} is in cluster {i}");
        }
    }
    for r in &o.removed {
        let keys: BTreeSet<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
        let required = BTreeSet::from(["id", "duplicate_of", "similarity", "measure", "cluster"]);
        assert!(required.is_subset(&keys), "removed line lacks fields: {r}");
        assert!(
            keys.len() == required.len() || (keys.len() == 6 && keys.contains("matched")),
            "{r}"
        );
        let c = &o.clusters[r["cluster"].as_u64().unwrap() as usize];
        assert_eq!(c["kept"], r["duplicate_of"], "{r} vs {c}");
        let s = r["similarity"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&s), "{r}");
        assert!(r["measure"] == "jaccard" || r["measure"] == "containment", "{r}");
    }
}

fn ids(docs: &[Doc]) -> Vec<String> {
    docs.iter().map(|d| d.id.clone()).collect()
}

#[test]
fn exact_copies_are_removed() {
    let env = Env::new();
    let s = seeds();
    let docs = vec![
        Doc::new("a", s[0].1.clone()),
        Doc::new("b", s[1].1.clone()),
        Doc::new("a-copy", s[0].1.clone()),
        Doc::new("c", s[2].1.clone()),
        Doc::new("a-copy2", s[0].1.clone()),
        Doc::new("b-copy", s[1].1.clone()),
    ];
    let (input, _) = env.write_docs("in.jsonl", &docs);
    dedup(&[&input], &env.out(), &[]).ok();
    let o = Outputs::read(&env.out());
    check_consistency(&o, &ids(&docs));
    assert_eq!(o.kept_ids(), ["a", "b", "c"]);
    assert_eq!(o.removed_ids(), ["a-copy", "a-copy2", "b-copy"]);
    for (id, of, cluster) in [("a-copy", "a", 0), ("a-copy2", "a", 0), ("b-copy", "b", 1)] {
        let r = o.removal(id);
        assert_eq!(r["duplicate_of"], of);
        assert_eq!(r["similarity"], 1.0);
        assert_eq!(r["measure"], "jaccard");
        assert_eq!(r["cluster"], cluster);
        assert!(r.get("matched").is_none(), "a direct duplicate names no chain: {r}");
    }
    assert_eq!(
        o.clusters[0],
        serde_json::json!({"cluster": 0, "kept": "a", "size": 3, "members": ["a", "a-copy", "a-copy2"]})
    );
    assert_eq!(
        o.clusters[1],
        serde_json::json!({"cluster": 1, "kept": "b", "size": 2, "members": ["b", "b-copy"]})
    );
    assert_eq!(o.summary["input"], 6);
    assert_eq!(o.summary["clusters"], 2);
}

#[test]
fn copy_with_a_few_words_changed_is_clustered() {
    let env = Env::new();
    let base = seed(1);
    let edited = change_words(&base, 4, 11);
    let (j, _) = exact_similarity(&base, &edited);
    assert!(
        (0.8..1.0).contains(&j),
        "premise: a light edit has high Jaccard, got {j}"
    );
    // Rewritten throughout: every eighth word changed.
    let rewritten = change_words(&base, words(&base) / 8, 0);
    let (jr, _) = exact_similarity(&base, &rewritten);
    assert!(jr < 0.5, "premise: a heavy edit has low Jaccard, got {jr}");
    let docs = vec![
        Doc::new("wire", base.clone()),
        Doc::new("other", seed(4)),
        Doc::new("rewritten", rewritten),
        Doc::new("edited", edited),
    ];
    let (input, _) = env.write_docs("in.jsonl", &docs);
    dedup(&[&input], &env.out(), &[]).ok();
    let o = Outputs::read(&env.out());
    check_consistency(&o, &ids(&docs));
    assert_eq!(o.kept_ids(), ["wire", "other", "rewritten"]);
    let r = o.removal("edited");
    assert_eq!(r["duplicate_of"], "wire");
    assert_eq!(r["measure"], "jaccard");
    assert_eq!(
        r["similarity"].as_f64().unwrap(),
        round6(j),
        "the exact Jaccard is reported"
    );
    assert_eq!(
        o.cluster_sets(),
        ClusterSets::from([BTreeSet::from(["wire".into(), "edited".into()])])
    );

    // Just above its similarity, the pair is no longer a duplicate.
    let strict = format!("{:.4}", j + 0.005);
    let out2 = env.path("strict");
    dedup(&[&input], &out2, &["--threshold", &strict]).ok();
    let o2 = Outputs::read(&out2);
    assert!(o2.removed.is_empty(), "{:?}", o2.removed);
    assert_eq!(
        o2.summary["params"]["threshold"].as_f64().unwrap(),
        strict.parse::<f64>().unwrap()
    );
}

#[test]
fn copy_with_paragraphs_cut_is_contained_in_the_longer_one() {
    let env = Env::new();
    let full = seed(3);
    let cut = cut_middle(&full, 0.55);
    let (j, c) = exact_similarity(&full, &cut);
    assert!(j < 0.75, "premise: the cut copy is not a Jaccard duplicate, got {j}");
    assert!((0.9..1.0).contains(&c), "premise: the cut copy is contained, got {c}");
    // The cut copy comes first, so keeping the first in input order would keep it.
    let docs = vec![Doc::new("cut", cut), Doc::new("other", seed(0)), Doc::new("full", full)];
    let (input, lines) = env.write_docs("in.jsonl", &docs);

    dedup(&[&input], &env.out(), &[]).ok();
    let plain = Outputs::read(&env.out());
    assert!(
        plain.removed.is_empty(),
        "Jaccard {j} is below 0.8: {:?}",
        plain.removed
    );

    let out = env.path("containment");
    dedup(&[&input], &out, &["--containment"]).ok();
    let o = Outputs::read(&out);
    check_consistency(&o, &ids(&docs));
    assert_eq!(o.removed_ids(), ["cut"]);
    let r = o.removal("cut");
    assert_eq!(r["duplicate_of"], "full", "the longer record is kept");
    assert_eq!(r["measure"], "containment");
    assert_eq!(
        r["similarity"].as_f64().unwrap(),
        round6(c),
        "the exact containment is reported"
    );
    assert_eq!(o.clusters.len(), 1);
    assert_eq!(o.clusters[0]["kept"], "full");
    assert_eq!(o.clusters[0]["members"], serde_json::json!(["cut", "full"]));
    assert_eq!(o.kept_bytes, join_lines(&[lines[1].clone(), lines[2].clone()]));
    assert_eq!(o.summary["params"]["containment"], true);
}

#[test]
fn unrelated_reports_stay_apart() {
    let env = Env::new();
    let s = seeds();
    for a in 0..s.len() {
        for b in a + 1..s.len() {
            let (j, c) = exact_similarity(&s[a].1, &s[b].1);
            assert!(j < 0.2 && c < 0.3, "premise: seeds {a} and {b} differ, got {j} {c}");
        }
    }
    let docs: Vec<Doc> = s
        .iter()
        .map(|(name, text)| Doc::new(name.clone(), text.clone()))
        .collect();
    let (input, lines) = env.write_docs("in.jsonl", &docs);
    for extra in [
        &[][..],
        &["--containment"][..],
        &["--shingle", "char:9", "--threshold", "0.5"][..],
    ] {
        let out = env.path(&format!("out{}", extra.len()));
        dedup(&[&input], &out, extra).ok();
        let o = Outputs::read(&out);
        assert!(
            o.removed.is_empty() && o.clusters.is_empty(),
            "{extra:?}: {:?}",
            o.removed
        );
        assert_eq!(o.kept_bytes, join_lines(&lines), "{extra:?}");
    }
}

#[test]
fn kept_lines_are_the_input_bytes_in_input_order() {
    let env = Env::new();
    let s = seeds();
    let esc = |t: &str| serde_json::to_string(t).unwrap();
    // Formatting that re-serialising would change: spaces, key order, extra fields, escapes,
    // integer ids, non-ASCII written as \u escapes and as UTF-8.
    let lines = vec![
        format!("{{ \"text\" : {} , \"id\" : \"first\" }}", esc(&s[0].1)),
        format!(
            "{{\"id\":17,\"meta\":{{\"url\":\"https://x.test/a?b=1\",\"n\":[1,2.50,null]}},\"text\":{}}}",
            esc(&s[1].1)
        ),
        format!("{{\"id\":\"copy-of-first\",\"text\":{}}}", esc(&s[0].1)),
        format!(
            "{{\"id\":\"caf\\u00e9\",\"text\":{},\"lang\":\"en\"}}\t  ",
            esc(&s[3].1)
        ),
        format!(
            "{{\"id\":\"é-unicode\",\"text\":{}}}",
            esc(&s[2].1).replace("Kyiv", "K\\u0079iv")
        ),
        format!("{{\"id\":\"copy-of-17\",\"text\":{}}}", esc(&s[1].1)),
        format!("{{\"id\":\"last\",\"text\":{}}}", esc(&s[4].1)),
    ];
    let input = env.write_lines("in.jsonl", &lines);
    dedup(&[&input], &env.out(), &[]).ok();
    let o = Outputs::read(&env.out());
    let expected: Vec<String> = [0, 1, 3, 4, 6].iter().map(|&i| lines[i].clone()).collect();
    assert_eq!(
        String::from_utf8(o.kept_bytes.clone()).unwrap(),
        String::from_utf8(join_lines(&expected)).unwrap()
    );
    assert_eq!(o.kept_ids(), ["first", "17", "café", "é-unicode", "last"]);
    assert_eq!(o.removal("copy-of-first")["duplicate_of"], "first");
    assert_eq!(
        o.removal("copy-of-17")["duplicate_of"],
        "17",
        "integer ids are written as strings"
    );
}

#[test]
fn family_corpus_is_clustered_by_family() {
    let env = Env::new();
    let (docs, truth) = family_corpus();
    let (input, _) = env.write_docs("in.jsonl", &docs);
    dedup(&[&input], &env.out(), &[]).ok();
    let o = Outputs::read(&env.out());
    check_consistency(&o, &ids(&docs));
    assert_eq!(o.cluster_sets(), truth);
    assert_eq!(o.summary["input"], docs.len());
    assert_eq!(o.summary["kept"], 10, "each base and each head");
    assert_eq!(o.summary["removed"], 15);
    let v = &o.summary["verification"];
    assert!(v["candidate_pairs"].as_u64().unwrap() >= v["edges"].as_u64().unwrap());
    assert_eq!(v["edges"], 30, "all six pairs within each family of four");
}

#[test]
fn a_chain_names_the_record_it_matched() {
    let env = Env::new();
    let a = seed(0);
    let b = change_words(&a, 5, 0);
    let c = change_words(&b, 5, 9);
    let (ab, _) = exact_similarity(&a, &b);
    let (bc, _) = exact_similarity(&b, &c);
    let (ac, _) = exact_similarity(&a, &c);
    let t = 0.86;
    assert!(ab >= t && bc >= t && ac < t, "premise: a chain at {t}: {ab} {bc} {ac}");
    let docs = vec![Doc::new("a", a), Doc::new("b", b), Doc::new("c", c)];
    let (input, _) = env.write_docs("in.jsonl", &docs);
    dedup(&[&input], &env.out(), &["--threshold", "0.86"]).ok();
    let o = Outputs::read(&env.out());
    check_consistency(&o, &ids(&docs));
    assert_eq!(o.kept_ids(), ["a"]);
    let rb = o.removal("b");
    assert_eq!(
        (&rb["duplicate_of"], rb["similarity"].as_f64().unwrap()),
        (&Value::from("a"), round6(ab))
    );
    assert!(rb.get("matched").is_none());
    let rc = o.removal("c");
    assert_eq!(rc["duplicate_of"], "a");
    assert_eq!(
        rc["matched"], "b",
        "c is not similar enough to a; it is stated against b"
    );
    assert_eq!(rc["similarity"].as_f64().unwrap(), round6(bc));
}

#[test]
fn estimate_verification_removes_copies_too() {
    let env = Env::new();
    let (docs, truth) = family_corpus();
    let (input, _) = env.write_docs("in.jsonl", &docs);
    dedup(&[&input], &env.out(), &["--verify", "estimate"]).ok();
    let o = Outputs::read(&env.out());
    check_consistency(&o, &ids(&docs));
    assert_eq!(o.cluster_sets(), truth);
    assert_eq!(
        o.summary["verification"]["records_reread"], 0,
        "estimate re-reads nothing"
    );
    assert_eq!(o.removal("s2-copy")["similarity"], 1.0);
}

#[test]
fn other_field_names_are_read() {
    let env = Env::new();
    let s = seeds();
    let line = |id: &str, t: &str| serde_json::json!({"doc_id": id, "body": t, "text": "decoy"}).to_string();
    let lines = vec![line("x", &s[0].1), line("y", &s[1].1), line("x2", &s[0].1)];
    let input = env.write_lines("in.jsonl", &lines);
    dedup(&[&input], &env.out(), &["--id-field", "doc_id", "--text-field", "body"]).ok();
    let o = Outputs::read(&env.out());
    assert_eq!(o.removed_ids(), ["x2"]);
    assert_eq!(o.kept_bytes, join_lines(&lines[..2]));
}

#[test]
fn several_inputs_are_one_corpus() {
    let env = Env::new();
    let s = seeds();
    let (a, la) = env.write_docs(
        "a.jsonl",
        &[Doc::new("a1", s[0].1.clone()), Doc::new("a2", s[1].1.clone())],
    );
    let (b, lb) = env.write_docs(
        "b.jsonl",
        &[Doc::new("b1", s[1].1.clone()), Doc::new("b2", s[2].1.clone())],
    );
    dedup(&[&a, &b], &env.out(), &[]).ok();
    let o = Outputs::read(&env.out());
    assert_eq!(
        o.removal("b1")["duplicate_of"],
        "a2",
        "duplicates are found across files"
    );
    assert_eq!(o.kept_bytes, join_lines(&[la[0].clone(), la[1].clone(), lb[1].clone()]));
}

#[test]
fn quiet_prints_nothing_and_reruns_replace_outputs() {
    let env = Env::new();
    let s = seeds();
    let (input, _) = env.write_docs(
        "in.jsonl",
        &[Doc::new("a", s[0].1.clone()), Doc::new("b", s[0].1.clone())],
    );
    let loud = dedup(&[&input], &env.out(), &[]).ok();
    assert!(loud.stderr.contains("2 records"), "{}", loud.stderr);
    let (input2, lines2) = env.write_docs("in2.jsonl", &[Doc::new("c", s[1].1.clone())]);
    let quiet = dedup(&[&input2], &env.out(), &["-q"]).ok();
    assert_eq!((quiet.stdout.as_str(), quiet.stderr.as_str()), ("", ""));
    let o = Outputs::read(&env.out());
    assert_eq!(o.kept_bytes, join_lines(&lines2));
    assert!(o.removed.is_empty() && o.clusters.is_empty());
    let names: BTreeSet<String> = std::fs::read_dir(env.out())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "clusters.jsonl",
            "kept.jsonl",
            "rejected.jsonl",
            "removed.jsonl",
            "summary.json"
        ]
        .map(String::from)
        .into(),
        "no temporary or spool files are left behind"
    );
}

#[test]
fn invalid_parameters_are_named() {
    let env = Env::new();
    let (input, _) = env.write_docs("in.jsonl", &[Doc::new("a", seed(0))]);
    for (args, says) in [
        (&["--threshold", "0"][..], "invalid threshold"),
        (&["--threshold", "1.5"][..], "invalid threshold"),
        (&["--num-perm", "0"][..], "invalid num-perm"),
        (&["--shingle", "word:0"][..], "invalid shingle"),
        (&["--bands", "20", "--rows", "10"][..], "invalid bands"),
        (&["--max-doc-bytes", "0"][..], "invalid max-doc-bytes"),
    ] {
        dedup(&[&input], &env.out(), args).user_error().stderr_has(&[says]);
        assert!(!env.out().join("summary.json").exists(), "{args:?}");
    }
}

#[test]
fn containment_is_judged_on_distinct_shingles() {
    // A record that repeats one passage has many shingles but few distinct ones. The longer
    // record (in distinct shingles) holds the passage and more: it must be the one kept.
    let env = Env::new();
    let passage = head(&seed(0), 100);
    let repeated = [passage.as_str(); 4].join("\n\n");
    let longer = format!("{passage}\n\n{}", head(&seed(2), 150));
    let (j, c) = exact_similarity(&repeated, &longer);
    assert!(
        j < 0.8 && c >= 0.9,
        "premise: contained, not a Jaccard duplicate: {j} {c}"
    );
    assert!(
        words(&repeated) > words(&longer),
        "premise: more shingles, fewer distinct ones"
    );
    let docs = vec![Doc::new("longer", longer), Doc::new("repeated", repeated)];
    let (input, lines) = env.write_docs("in.jsonl", &docs);
    dedup(&[&input], &env.out(), &["--containment"]).ok();
    let o = Outputs::read(&env.out());
    assert_eq!(
        o.removed_ids(),
        ["repeated"],
        "the record contained in the other is removed"
    );
    let r = o.removal("repeated");
    assert_eq!(
        (r["duplicate_of"].as_str(), r["measure"].as_str()),
        (Some("longer"), Some("containment"))
    );
    assert_eq!(r["similarity"].as_f64().unwrap(), round6(c));
    assert_eq!(o.kept_bytes, join_lines(&lines[..1]));
}

#[test]
fn max_text_bytes_compares_only_the_start_of_long_texts() {
    let env = Env::new();
    // Two records that open with the same report and go on with different ones.
    let (head, tail_a, tail_b) = (seed(0), seed(1), seed(2));
    let cut = head.len();
    let a = format!("{head}\n{tail_a}");
    let b = format!("{head}\n{tail_b}");
    let line = |id: &str, t: &str| format!("{}\n", serde_json::json!({"id": id, "text": t}));
    let input = env.write("long.jsonl", format!("{}{}", line("a", &a), line("b", &b)));

    let whole = env.path("whole");
    dedup(&[&input], &whole, &[]).ok();
    assert_eq!(stable_summary(&whole)["removed"], 0, "whole texts differ");
    assert_eq!(stable_summary(&whole)["truncated"], 0);

    let start = env.path("start");
    dedup(&[&input], &start, &["--max-text-bytes", &cut.to_string()]).ok();
    let s = stable_summary(&start);
    assert_eq!(s["removed"], 1, "the first {cut} bytes are the same report");
    assert_eq!(s["truncated"], 2);
    // Removed records are still written whole, and the run verifies.
    let o = Outputs::read(&start);
    assert_eq!(o.kept_ids(), vec!["a".to_string()]);
    verify(&start, &[&input], None).verified();
    // A cut inside a multi-byte character falls back to the character's start.
    let accents = env.write("accents.jsonl", line("c", &"é".repeat(50)));
    dedup(&[&accents], &env.path("accents"), &["--max-text-bytes", "5"]).ok();
}

#[test]
fn oversized_truncate_reads_the_start_of_records_over_max_doc_bytes() {
    let env = Env::new();
    // Two long records that open with the same report and go on with different ones, a short
    // one, and a long line that is not JSON at its end.
    let (head, tail_a, tail_b) = (seed(0), seed(1), seed(2));
    let limit = head.len();
    let line = |id: &str, t: &str| {
        format!(
            "{}\n",
            serde_json::json!({"id": id, "meta": {"n": [1, "}"]}, "text": t})
        )
    };
    let broken = format!("{{\"id\":\"x\",\"text\":\"{}\"", "a".repeat(2 * limit));
    let input = env.write(
        "long.jsonl",
        format!(
            "{}{}{}{broken}\n",
            line("a", &format!("{head}\n{tail_a}")),
            line("b", &format!("{head}\n{tail_b}")),
            line("s", "a short record of a few words"),
        ),
    );
    let max = limit.to_string();

    // By default they are rejected, and the message names the option.
    dedup(&[&input], &env.path("reject"), &["--max-doc-bytes", &max])
        .user_error()
        .stderr_has(&["long.jsonl:1:", "over the limit", "--oversized truncate"]);

    let out = env.path("cut");
    dedup(
        &[&input],
        &out,
        &["--max-doc-bytes", &max, "--oversized", "truncate", "--on-error", "skip"],
    )
    .ok();
    let s = stable_summary(&out);
    assert_eq!(
        s["removed"], 1,
        "the first {limit} bytes of a and b are the same report"
    );
    assert_eq!(s["truncated"], 2);
    assert_eq!(s["params"]["oversized"], "truncate");
    let o = Outputs::read(&out);
    assert_eq!(o.kept_ids(), ["a", "s"]);
    assert_eq!(o.removed_ids(), ["b"]);
    // Kept whole, byte for byte, with the fields that were not read.
    assert!(std::str::from_utf8(&o.kept_bytes)
        .unwrap()
        .starts_with(&line("a", &format!("{head}\n{tail_a}"))));
    assert_eq!(o.rejected_kinds(), [(4, "malformed_json".to_string())]);
    verify(&out, &[&input], None).verified();
    // verify reads a long kept line in blocks, and still sees a change past the limit.
    let kept = out.join("kept.jsonl");
    let good = std::fs::read_to_string(&kept).unwrap();
    let last = seed(1).split_whitespace().last().unwrap().to_string();
    std::fs::write(&kept, good.replacen(&last, &last.to_uppercase(), 1)).unwrap();
    let run = verify(&out, &[&input], None);
    assert_eq!(run.code, 2, "an altered long kept line passed verify:\n{}", run.stdout);
    assert!(
        run.stdout.contains("kept record \"a\" differs from the input line"),
        "{}",
        run.stdout
    );
    std::fs::write(&kept, good).unwrap();
    // The same with exact verification re-reading the cut records, and from a gzip copy.
    let gz = env.write("long.jsonl.gz", gzip(&std::fs::read(&input).unwrap()));
    let out_gz = env.path("cut-gz");
    dedup(
        &[&gz],
        &out_gz,
        &["--max-doc-bytes", &max, "--oversized", "truncate", "--on-error", "skip"],
    )
    .ok();
    assert_eq!(Outputs::read(&out_gz).kept_bytes, o.kept_bytes);
    verify(&out_gz, &[&gz], None).verified();
}

#[test]
fn oversized_truncate_cuts_txt_files_at_a_character_and_keeps_them_whole() {
    let env = Env::new();
    let dir = env.path("articles");
    std::fs::create_dir(&dir).unwrap();
    let head = seed(0);
    // "é" at the cut: the limit falls inside it.
    std::fs::write(dir.join("a.txt"), format!("{head}é and then one story\n")).unwrap();
    std::fs::write(
        dir.join("b.txt"),
        format!("{head}é and then quite another, \u{1}\"quoted\"\n"),
    )
    .unwrap();
    std::fs::write(dir.join("c.txt"), "a short file of a few words").unwrap();
    let max = (head.len() + 1).to_string();
    let out = env.path("out");
    dedup(&[&dir], &out, &["--max-doc-bytes", &max, "--oversized", "truncate"]).ok();
    let o = Outputs::read(&out);
    assert_eq!(o.kept_ids(), ["a.txt", "c.txt"]);
    assert_eq!(o.kept[0]["text"], format!("{head}é and then one story\n"), "kept whole");
    assert_eq!(stable_summary(&out)["truncated"], 2);
    verify(&out, &[&dir], None).verified();
    // stories reads them too.
    let dir_arg = dir.to_string_lossy().into_owned();
    let run = storydup(
        ["stories", &dir_arg, "--max-doc-bytes", &max, "--oversized", "truncate"],
        None,
    )
    .ok();
    assert!(run.stdout.contains("b.txt"), "{}", run.stdout);
}
