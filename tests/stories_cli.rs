//! `storydup stories`: the real binary on the five seed reports (the README's main command) and
//! on small fixtures — a wire story embedded in a longer article, a lightly edited copy, two
//! unrelated stories on the same day, a text with no sentence boundaries, German and Russian
//! copies — checking the structure of the report, not just that it runs.
//!
//! Every JSON report goes through [`check_report`], which holds it to the README's schema: every
//! record in exactly one story, byte spans that slice the record's text into exactly the text
//! reported, every sentence of a variant accounted for once, passages whose two sides share
//! their words. The fixture texts are the seed reports and prose written for these tests
//! (`tests/data/stories/`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::{json, Value};

use crate::util::*;

const SEED_000: &str = "000_939350c50e42d35e.txt";
const SEED_001: &str = "001_886e56de3ea5854c.txt";

/// A fixture file of `tests/data/stories/`.
fn data(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/stories")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// One input record of `stories`.
#[derive(Debug, Clone)]
struct Art {
    id: String,
    text: String,
    title: Option<String>,
    date: Option<String>,
}

impl Art {
    fn new(id: &str, text: impl Into<String>) -> Art {
        Art {
            id: id.into(),
            text: text.into(),
            title: None,
            date: None,
        }
    }

    fn date(mut self, d: &str) -> Art {
        self.date = Some(d.into());
        self
    }

    fn title(mut self, t: &str) -> Art {
        self.title = Some(t.into());
        self
    }

    fn line(&self) -> String {
        let mut v = json!({"id": self.id, "text": self.text});
        if let Some(t) = &self.title {
            v["title"] = json!(t);
        }
        if let Some(d) = &self.date {
            v["date"] = json!(d);
        }
        v.to_string()
    }
}

/// The five seed reports as records named like their files.
fn seed_arts() -> Vec<Art> {
    seeds().into_iter().map(|(name, text)| Art::new(&name, text)).collect()
}

/// `storydup stories ARGS`.
fn stories(args: &[&str], stdin: Option<Vec<u8>>) -> Run {
    let mut all = vec!["stories"];
    all.extend_from_slice(args);
    storydup(all, stdin)
}

/// A checked report and the texts of its records.
struct Report {
    v: Value,
    texts: BTreeMap<String, String>,
}

impl Report {
    /// Writes `arts` as JSONL, runs `stories IN -f json EXTRA`, parses and checks the report.
    fn of(env: &Env, arts: &[Art], extra: &[&str]) -> Report {
        let lines: Vec<String> = arts.iter().map(Art::line).collect();
        let input = env.write_lines("in.jsonl", &lines);
        let input = input.to_str().unwrap();
        let mut args = vec![input, "-f", "json"];
        args.extend_from_slice(extra);
        let run = stories(&args, None).ok();
        Report::parse(&run.stdout, arts)
    }

    /// Parses and checks a JSON report of `arts`.
    #[track_caller]
    fn parse(json: &str, arts: &[Art]) -> Report {
        let v: Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("not JSON ({e}):\n{json}"));
        let inputs: Vec<(String, String)> = arts.iter().map(|a| (a.id.clone(), a.text.clone())).collect();
        check_key_order(json);
        check_report(&v, &inputs);
        Report {
            v,
            texts: inputs.into_iter().collect(),
        }
    }

    fn stories(&self) -> &[Value] {
        self.v["stories"].as_array().unwrap()
    }

    /// The story holding `id`.
    #[track_caller]
    fn story_of(&self, id: &str) -> &Value {
        self.stories()
            .iter()
            .find(|s| s["documents"].as_array().unwrap().iter().any(|d| d == id))
            .unwrap_or_else(|| panic!("{id} is in no story"))
    }

    /// Whether `a` and `b` are in the same story.
    fn same_story(&self, a: &str, b: &str) -> bool {
        self.story_of(a)["id"] == self.story_of(b)["id"]
    }

    /// Every syndication group of the report.
    fn groups(&self) -> Vec<&Value> {
        self.stories()
            .iter()
            .flat_map(|s| s["groups"].as_array().unwrap())
            .collect()
    }

    /// Groups as sets of record ids.
    fn group_sets(&self) -> BTreeSet<BTreeSet<String>> {
        self.groups()
            .iter()
            .map(|g| strings(&g["documents"]).into_iter().collect())
            .collect()
    }

    /// The variant of `id`.
    #[track_caller]
    fn variant(&self, id: &str) -> &Value {
        self.story_of(id)["variants"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["document"] == id)
            .unwrap_or_else(|| panic!("{id} has no variant"))
    }

    fn text(&self, id: &str) -> &str {
        &self.texts[id]
    }
}

/// A JSON array of strings.
fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap_or_else(|| panic!("not a string: {s}")).to_string())
        .collect()
}

fn uint(v: &Value) -> usize {
    v.as_u64().unwrap_or_else(|| panic!("not an unsigned integer: {v}")) as usize
}

/// Lower-cased words (runs of letters and digits) of `text`.
fn word_set(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Share of the words of the smaller text found in the other.
fn word_overlap(a: &str, b: &str) -> f64 {
    let (wa, wb) = (word_set(a), word_set(b));
    let inter = wa.intersection(&wb).count() as f64;
    inter / wa.len().min(wb.len()).max(1) as f64
}

/// Lower-cased words of `text`, in order (what a sentence key compares).
fn norm_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Every sentence index a variant mentions (shared, rewritten, added, furniture), once each.
fn spans_of(var: &Value) -> BTreeSet<usize> {
    ["shared", "rewritten", "added", "furniture"]
        .iter()
        .flat_map(|k| var[*k].as_array().unwrap())
        .map(|s| uint(&s["sentence"]))
        .collect()
}

/// `text[start..end]`, checking that the span is a real slice of it.
#[track_caller]
fn slice<'a>(text: &'a str, start: usize, end: usize, what: &str) -> &'a str {
    assert!(
        start < end && end <= text.len(),
        "{what}: bad span {start}..{end} of {}",
        text.len()
    );
    assert!(
        text.is_char_boundary(start) && text.is_char_boundary(end),
        "{what}: span {start}..{end} cuts a character"
    );
    &text[start..end]
}

/// Checks the sentence reference `s` (sentence, start, end, text) against `doc`'s text.
#[track_caller]
fn check_sentence(s: &Value, doc: &str, texts: &BTreeMap<String, String>, what: &str) {
    let text = &texts[doc];
    let span = slice(text, uint(&s["start"]), uint(&s["end"]), what);
    assert_eq!(
        span,
        s["text"].as_str().unwrap(),
        "{what}: text is not the span of {doc}"
    );
    assert_eq!(span, span.trim(), "{what}: a sentence span is trimmed");
    assert!(s["sentence"].is_u64(), "{what}: sentence index");
}

/// A JSON value that keeps the order in which its keys were written (`serde_json::Value` sorts
/// them), to check the README's key order.
enum Ordered {
    Object(Vec<(String, Ordered)>),
    Array(Vec<Ordered>),
    Scalar,
}

impl<'de> serde::Deserialize<'de> for Ordered {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Ordered, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Ordered;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("JSON")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<Ordered, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = m.next_entry::<String, Ordered>()? {
                    out.push((k, v));
                }
                Ok(Ordered::Object(out))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut s: A) -> Result<Ordered, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = s.next_element::<Ordered>()? {
                    out.push(v);
                }
                Ok(Ordered::Array(out))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Ordered, E> {
                Ok(Ordered::Scalar)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Ordered, E> {
                Ok(Ordered::Scalar)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Ordered, E> {
                Ok(Ordered::Scalar)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Ordered, E> {
                Ok(Ordered::Scalar)
            }
            fn visit_str<E>(self, _: &str) -> Result<Ordered, E> {
                Ok(Ordered::Scalar)
            }
            fn visit_unit<E>(self) -> Result<Ordered, E> {
                Ok(Ordered::Scalar)
            }
        }
        d.deserialize_any(V)
    }
}

/// Key lists of every object in `o`, by path (`stories[].groups[]`).
fn key_orders(o: &Ordered, path: &str, out: &mut BTreeMap<String, BTreeSet<Vec<String>>>) {
    match o {
        Ordered::Object(fields) => {
            out.entry(path.to_string())
                .or_default()
                .insert(fields.iter().map(|(k, _)| k.clone()).collect());
            for (k, v) in fields {
                let sub = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                key_orders(v, &sub, out);
            }
        }
        Ordered::Array(items) => items.iter().for_each(|v| key_orders(v, &format!("{path}[]"), out)),
        Ordered::Scalar => {}
    }
}

/// Checks that every object of the report has exactly the README's keys, in its order.
#[track_caller]
fn check_key_order(json: &str) {
    let schema: &[(&str, &[&str])] = &[
        ("", &["version", "params", "num_documents", "rejected", "stories"]),
        (
            "params",
            &[
                "relative_threshold",
                "smoothing",
                "date_window_days",
                "date_scale_days",
                "cohesion",
            ],
        ),
        ("rejected[]", &["file", "line", "byte_offset", "id", "kind", "reason"]),
        (
            "stories[]",
            &["id", "label", "dates", "outlets", "documents", "groups", "variants"],
        ),
        ("stories[].dates[]", &["first", "last", "articles"]),
        ("stories[].outlets[]", &["name", "articles"]),
        ("stories[].groups[]", &["id", "documents", "reference", "passages"]),
        ("stories[].groups[].passages[]", &["documents", "words", "text"]),
        (
            "stories[].groups[].passages[].documents[]",
            &["id", "start", "end", "sentences"],
        ),
        (
            "stories[].variants[]",
            &[
                "document",
                "against",
                "shared",
                "rewritten",
                "added",
                "dropped",
                "furniture",
            ],
        ),
        (
            "stories[].variants[].shared[]",
            &["sentence", "start", "end", "text", "with"],
        ),
        (
            "stories[].variants[].rewritten[]",
            &[
                "sentence",
                "start",
                "end",
                "text",
                "other",
                "other_sentence",
                "other_text",
                "similarity",
                "basis",
            ],
        ),
        ("stories[].variants[].added[]", &["sentence", "start", "end", "text"]),
        (
            "stories[].variants[].furniture[]",
            &["sentence", "start", "end", "text"],
        ),
        (
            "stories[].variants[].dropped[]",
            &["document", "sentence", "start", "end", "text"],
        ),
    ];
    let o: Ordered = serde_json::from_str(json).unwrap();
    let mut seen = BTreeMap::new();
    key_orders(&o, "", &mut seen);
    for (path, lists) in seen {
        let want = schema
            .iter()
            .find(|(p, _)| *p == path)
            .unwrap_or_else(|| panic!("an object at {path:?}, which the README does not list"))
            .1;
        for keys in lists {
            assert_eq!(keys, want, "keys of {path:?}");
        }
    }
}

/// Holds a `-f json` report to the README's schema and to the input `(id, text)` records.
#[track_caller]
fn check_report(v: &Value, inputs: &[(String, String)]) {
    assert_eq!(uint(&v["num_documents"]), inputs.len(), "num_documents");
    let order: BTreeMap<&str, usize> = inputs.iter().enumerate().map(|(i, (id, _))| (id.as_str(), i)).collect();
    let texts: BTreeMap<String, String> = inputs.iter().cloned().collect();

    // Every record in exactly one story; stories numbered in order of their first record; each
    // story's records in input order.
    let stories = v["stories"].as_array().unwrap();
    let mut seen: Vec<String> = Vec::new();
    let mut first = Vec::new();
    let mut next_group = 0;
    for (k, st) in stories.iter().enumerate() {
        assert_eq!(uint(&st["id"]), k, "stories are numbered in order");
        assert!(st["label"].is_string());
        let docs = strings(&st["documents"]);
        assert!(!docs.is_empty(), "story {k} is empty");
        let pos: Vec<usize> = docs
            .iter()
            .map(|d| {
                *order
                    .get(d.as_str())
                    .unwrap_or_else(|| panic!("story {k}: unknown record {d}"))
            })
            .collect();
        assert!(
            pos.windows(2).all(|w| w[0] < w[1]),
            "story {k}: records not in input order: {docs:?}"
        );
        first.push(pos[0]);
        seen.extend(docs.iter().cloned());
        let in_story: BTreeSet<&str> = docs.iter().map(String::as_str).collect();

        // Groups: members of the story, numbered across the report, passages located in both.
        let mut grouped: BTreeMap<String, String> = BTreeMap::new(); // member -> reference
        for g in st["groups"].as_array().unwrap() {
            assert_eq!(uint(&g["id"]), next_group, "groups are numbered across the report");
            next_group += 1;
            let members = strings(&g["documents"]);
            assert!(members.len() >= 2, "group of one: {g}");
            assert!(
                members.iter().all(|m| in_story.contains(m.as_str())),
                "group outside its story: {g}"
            );
            let mp: Vec<usize> = members.iter().map(|m| order[m.as_str()]).collect();
            assert!(
                mp.windows(2).all(|w| w[0] < w[1]),
                "group not in input order: {members:?}"
            );
            let reference = g["reference"].as_str().unwrap().to_string();
            assert!(members.contains(&reference), "reference outside the group: {g}");
            for m in &members {
                assert!(
                    grouped.insert(m.clone(), reference.clone()).is_none(),
                    "{m} in two groups"
                );
            }
            let passages = g["passages"].as_array().unwrap();
            assert!(!passages.is_empty(), "a group without passages: {g}");
            // Per record, the spans of the group's passages: they never overlap.
            let mut taken: BTreeMap<String, Vec<(usize, usize)>> = BTreeMap::new();
            for p in passages {
                let sides = p["documents"].as_array().unwrap();
                assert!(sides.len() >= 2, "a passage is in two or more records: {p}");
                let mut spans = Vec::new();
                for side in sides {
                    let id = side["id"].as_str().unwrap();
                    assert!(members.iter().any(|m| m == id), "passage of {id} outside its group");
                    let (start, end) = (uint(&side["start"]), uint(&side["end"]));
                    let span = slice(&texts[id], start, end, "passage");
                    let sents: Vec<usize> = side["sentences"].as_array().unwrap().iter().map(uint).collect();
                    assert!(!sents.is_empty(), "a passage side without sentences: {p}");
                    assert!(
                        sents.windows(2).all(|w| w[1] == w[0] + 1),
                        "a passage is a run of consecutive sentences: {p}"
                    );
                    taken.entry(id.to_string()).or_default().push((start, end));
                    spans.push((id, span, sents));
                }
                let order_of: Vec<usize> = spans.iter().map(|x| order[x.0]).collect();
                assert!(
                    order_of.windows(2).all(|w| w[0] < w[1]),
                    "a passage lists its records once each, in input order: {p}"
                );
                assert_eq!(
                    p["text"].as_str().unwrap(),
                    spans[0].1,
                    "passage text is the first side's span"
                );
                assert!(uint(&p["words"]) >= 1, "{p}");
                // Only sentences present in every record it lists: as many in each, the same words.
                for (id, span, sents) in &spans[1..] {
                    assert_eq!(
                        sents.len(),
                        spans[0].2.len(),
                        "{id} holds more or fewer sentences of the passage than {}: {p}",
                        spans[0].0
                    );
                    let overlap = word_overlap(spans[0].1, span);
                    assert!(
                        overlap >= 0.6,
                        "two sides of a passage share only {overlap:.2} of their words:\n{}\n---\n{span}",
                        spans[0].1
                    );
                }
            }
            for (id, mut spans) in taken {
                spans.sort_unstable();
                assert!(
                    spans.windows(2).all(|w| w[0].1 <= w[1].0),
                    "passages of group {} overlap in {id}: {spans:?}",
                    g["id"]
                );
            }
        }

        // Variants: one per record at most; each sentence of a record accounted for, spans slicing
        // its text.
        let variants = st["variants"].as_array().unwrap();
        let with_variant: Vec<String> = variants
            .iter()
            .map(|x| x["document"].as_str().unwrap().to_string())
            .collect();
        let vp: Vec<usize> = with_variant.iter().map(|d| order[d.as_str()]).collect();
        assert!(
            vp.windows(2).all(|w| w[0] < w[1]),
            "variants not in input order (or repeated)"
        );
        if docs.len() == 1 {
            assert!(variants.is_empty(), "a story of one record has no variants");
        } else if docs.len() <= 40 {
            assert_eq!(with_variant, docs, "story {k}: every record has a variant");
        }
        for m in grouped.keys() {
            assert!(with_variant.contains(m), "group member {m} has no variant");
        }
        let by_doc: BTreeMap<&str, &Value> = variants.iter().map(|x| (x["document"].as_str().unwrap(), x)).collect();
        for var in variants {
            let doc = var["document"].as_str().unwrap();
            let against = strings(&var["against"]);
            let others: Vec<String> = docs.iter().filter(|d| *d != doc).cloned().collect();
            if docs.len() <= 40 {
                assert_eq!(against, others, "{doc} is compared with the rest of its story");
            }
            match grouped.get(doc) {
                Some(r) if r != doc => {}
                _ => assert!(
                    var["dropped"].as_array().unwrap().is_empty(),
                    "{doc}: only a copy in a group drops sentences"
                ),
            }
            // sentence -> how it is accounted for: "added", "furniture" or "paired".
            let mut seen: BTreeMap<usize, (&str, usize, usize)> = BTreeMap::new();
            let mut account = |s: &Value, how: &'static str| {
                let i = uint(&s["sentence"]);
                let here = (how, uint(&s["start"]), uint(&s["end"]));
                match seen.get(&i) {
                    None => {
                        seen.insert(i, here);
                    }
                    Some(prev) => assert!(
                        prev.0 == "paired" && how == "paired" && (prev.1, prev.2) == (here.1, here.2),
                        "{doc}: sentence {i} both {} and {how}",
                        prev.0
                    ),
                }
            };
            let mut shared_once = BTreeSet::new();
            for s in var["shared"].as_array().unwrap() {
                check_sentence(s, doc, &texts, "shared");
                assert!(
                    shared_once.insert(uint(&s["sentence"])),
                    "{doc}: sentence shared twice: {s}"
                );
                let with = strings(&s["with"]);
                assert!(!with.is_empty(), "shared with nobody: {s}");
                assert!(with.len() < 40, "a with list holds at most 39 ids");
                assert!(
                    with.iter().all(|w| w != doc && against.contains(w)),
                    "shared with a record it was not compared with: {s}"
                );
                // The other side sees the same pairs: as many of its sentences shared with this
                // record as this record has shared with it (each sentence has one partner there).
                for w in &with {
                    let count = |x: &Value, y: &str| {
                        x["shared"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .filter(|t| strings(&t["with"]).iter().any(|z| z == y))
                            .count()
                    };
                    assert_eq!(
                        count(var, w),
                        count(by_doc[w.as_str()], doc),
                        "{doc} and {w} do not agree on what they share"
                    );
                }
                account(s, "paired");
            }
            let mut pairs_once = BTreeSet::new();
            for r in var["rewritten"].as_array().unwrap() {
                check_sentence(r, doc, &texts, "rewritten");
                let other = r["other"].as_str().unwrap();
                assert!(
                    other != doc && against.iter().any(|a| a == other),
                    "rewritten from a record it was not compared with: {r}"
                );
                assert!(
                    pairs_once.insert((uint(&r["sentence"]), other.to_string())),
                    "{doc}: two partners in {other} for one sentence: {r}"
                );
                let old = r["other_text"].as_str().unwrap();
                assert!(
                    !old.is_empty() && texts[other].contains(old),
                    "other_text is not in {other}: {r}"
                );
                assert_ne!(
                    norm_words(old),
                    norm_words(r["text"].as_str().unwrap()),
                    "a rewrite with the same words: {r}"
                );
                let sim = r["similarity"].as_f64().unwrap();
                assert!((0.2..=1.0).contains(&sim), "rewrite similarity {sim}: {r}");
                assert!(["wording", "facts"].contains(&r["basis"].as_str().unwrap()), "{r}");
                // The other side sees the same pair, with the same similarity and basis.
                let twin = by_doc[other]["rewritten"].as_array().unwrap().iter().any(|t| {
                    t["other"] == doc
                        && t["sentence"] == r["other_sentence"]
                        && t["other_sentence"] == r["sentence"]
                        && t["similarity"] == r["similarity"]
                        && t["basis"] == r["basis"]
                });
                assert!(
                    twin,
                    "{doc} s{} is rewritten in {other}, but {other} does not say so: {r}",
                    r["sentence"]
                );
                account(r, "paired");
            }
            for a in var["added"].as_array().unwrap() {
                check_sentence(a, doc, &texts, "added");
                account(a, "added");
            }
            for f in var["furniture"].as_array().unwrap() {
                check_sentence(f, doc, &texts, "furniture");
                account(f, "furniture");
            }
            for d in var["dropped"].as_array().unwrap() {
                let from = d["document"].as_str().unwrap();
                assert_eq!(
                    Some(&from.to_string()),
                    grouped.get(doc),
                    "dropped from the group's reference: {d}"
                );
                check_sentence(d, from, &texts, "dropped");
            }
            // A copy drops exactly the reference's sentences (furniture aside) that the
            // reference pairs with nothing of the copy, from its first sentence to its last.
            if let Some(r) = grouped.get(doc).filter(|r| *r != doc) {
                let rv = by_doc[r.as_str()];
                let paired: BTreeSet<usize> = rv["shared"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|s| strings(&s["with"]).iter().any(|x| x == doc))
                    .chain(rv["rewritten"].as_array().unwrap().iter().filter(|x| x["other"] == doc))
                    .map(|s| uint(&s["sentence"]))
                    .collect();
                let furniture: BTreeSet<usize> = rv["furniture"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| uint(&f["sentence"]))
                    .collect();
                let all = spans_of(rv).len();
                let want: Vec<usize> = (0..all)
                    .filter(|i| !paired.contains(i) && !furniture.contains(i))
                    .collect();
                let got: Vec<usize> = var["dropped"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|d| uint(&d["sentence"]))
                    .collect();
                assert_eq!(got, want, "{doc}: dropped sentences of {r}");
            }
            // Sentences 0..n, once each, in text order, covering every non-blank byte.
            let spans: Vec<(usize, usize, usize)> = seen.iter().map(|(&i, x)| (i, x.1, x.2)).collect();
            let idx: Vec<usize> = spans.iter().map(|s| s.0).collect();
            assert_eq!(idx, (0..spans.len()).collect::<Vec<_>>(), "{doc}: sentences missing");
            let text = &texts[doc];
            let mut at = 0;
            for &(i, start, end) in &spans {
                assert!(start >= at, "{doc}: sentence {i} overlaps the one before");
                assert!(
                    text[at..start].trim().is_empty(),
                    "{doc}: text before sentence {i} is in no sentence"
                );
                at = end;
            }
            assert!(
                text[at..].trim().is_empty(),
                "{doc}: text after the last sentence is in no sentence"
            );
        }
    }
    assert!(
        first.windows(2).all(|w| w[0] < w[1]),
        "stories not ordered by first record"
    );
    let unique: BTreeSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "a record in two stories: {seen:?}");
    let want: BTreeSet<&String> = inputs.iter().map(|(id, _)| id).collect();
    assert_eq!(unique, want, "the stories' records are not the input records");
}

// ---------------------------------------------------------------------------------------------
// The seeds: the README's main command.

#[test]
fn readme_main_command_on_the_seeds() {
    // Exactly `cargo run --release -- stories`: no input, text to stdout.
    let text = stories(&[], None).ok().stdout;
    let story_lines: Vec<&str> = text.lines().filter(|l| l.starts_with("Story ")).collect();
    assert_eq!(story_lines.len(), 1, "one story:\n{text}");
    // Labelled by a headline (the seeds have no title field: a title-like first line).
    assert!(
        story_lines[0] == "Story 0: Ukraine launches new offensive in Russia's Kursk region"
            || story_lines[0]
                == "Story 0: Ukraine launches new offensive in Russia’s Kursk region, Kyiv and Moscow confirm"
            || story_lines[0] == "Story 0: Heavy clashes as Ukraine launches fresh offensive in Russia's Kursk",
        "{}",
        story_lines[0]
    );
    assert!(text.contains("5 articles · 2025-01-05 to 2025-01-06"), "{text}");
    let group_lines: Vec<&str> = text
        .lines()
        .filter(|l| l.trim().starts_with("Syndication group"))
        .collect();
    assert_eq!(
        group_lines,
        [format!("  Syndication group 0: {SEED_000}, {SEED_001} (reference")],
        "{text}"
    );
    assert!(text.lines().count() < 15, "a summary:\n{text}");

    // The same run as JSON, held to the schema and to the seed files.
    let arts = seed_arts();
    let r = Report::parse(&stories(&["-f", "json"], None).ok().stdout, &arts);
    assert_eq!(r.stories().len(), 1, "one story");
    let all: Vec<String> = arts.iter().map(|a| a.id.clone()).collect();
    assert_eq!(
        strings(&r.stories()[0]["documents"]),
        all,
        "the story holds all five seeds"
    );
    assert_eq!(
        r.stories()[0]["label"].as_str(),
        story_lines[0].strip_prefix("Story 0: ")
    );
    let groups = r.groups();
    assert_eq!(groups.len(), 1, "one syndication group");
    assert_eq!(strings(&groups[0]["documents"]), [SEED_000, SEED_001]);

    // Its passages, applied to the seed files, are text that really appears in both.
    let passages = groups[0]["passages"].as_array().unwrap();
    let mut words = Vec::new();
    for p in passages {
        let side = |k: usize| {
            let s = &p["documents"][k];
            (
                s["id"].as_str().unwrap().to_string(),
                uint(&s["start"]),
                uint(&s["end"]),
            )
        };
        let (a, b) = (side(0), side(1));
        assert_eq!((a.0.as_str(), b.0.as_str()), (SEED_000, SEED_001));
        let in_a = slice(r.text(&a.0), a.1, a.2, "passage in 000");
        let in_b = slice(r.text(&b.0), b.1, b.2, "passage in 001");
        assert!(word_overlap(in_a, in_b) >= 0.8);
        words.push(uint(&p["words"]));
    }
    // The shared quotation and the artillery sentence are reprinted word for word.
    assert!(passages
        .iter()
        .any(|p| p["text"].as_str().unwrap().contains("heroically holding the line")));
    let lengths: Vec<String> = words.iter().map(|w| format!("{w} words")).collect();
    assert!(
        text.contains(&lengths.join(", ")),
        "text and JSON give the same passages:\n{text}"
    );

    // 001 rewrote sentences of 000: old wording in 000, new wording in 001.
    let v = r.variant(SEED_001);
    let rewrites = v["rewritten"].as_array().unwrap();
    let real: Vec<&Value> = rewrites
        .iter()
        .filter(|w| {
            let (new, old) = (w["text"].as_str().unwrap(), w["other_text"].as_str().unwrap());
            w["other"] == SEED_000 && new != old && r.text(SEED_000).contains(old) && r.text(SEED_001).contains(new)
        })
        .collect();
    assert!(!real.is_empty(), "no rewrite of 000 in 001: {rewrites:?}");
    assert!(real.iter().any(|w| w["text"]
        .as_str()
        .unwrap()
        .starts_with("Reports from Russia's influential war bloggers")
        && w["basis"] == "wording"));
    assert!(real.iter().all(|w| w["similarity"].as_f64().unwrap() < 1.0));
    assert!(
        !v["added"].as_array().unwrap().is_empty(),
        "001 added sentences of its own"
    );
}

#[test]
fn seeds_detail_wraps_sentences_and_never_cuts_them() {
    let text = stories(&["--detail"], None).ok().stdout;
    assert!(text.lines().all(|l| l.chars().count() <= 100), "lines fit 100 columns");
    assert!(!text.contains('…'), "nothing is cut");
    // A long sentence of 000 is there whole, across lines.
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(joined.contains(
        "By committing some of its most effective units to the Kursk offensive, Ukraine has, however, \
         weakened the defence of its own eastern regions where Russian forces have advanced since August \
         at their most rapid pace since 2022."
    ));
    // Site furniture is never shown as article text.
    for furniture in [
        "Reuters File Photo",
        "Read more",
        "blog comments powered by Disqus",
        "ArcaMax",
        "Distributed by Tribune",
    ] {
        assert!(!text.contains(furniture), "{furniture} shown:\n{text}");
    }
}

#[test]
fn seeds_align_the_yermak_quote_and_the_two_tanks_across_outlets() {
    let arts = seed_arts();
    let r = Report::parse(&stories(&["-f", "json"], None).ok().stdout, &arts);
    // Each of 002, 003 and 004 pairs its Yermak sentence with another outlet's.
    for i in [2, 3, 4] {
        let id = &arts[i].id;
        let v = r.variant(id);
        let yermak: Vec<&Value> = v["rewritten"]
            .as_array()
            .unwrap()
            .iter()
            .chain(v["shared"].as_array().unwrap())
            .filter(|x| x["text"].as_str().unwrap().contains("getting what it deserves"))
            .collect();
        assert!(!yermak.is_empty(), "{id}: the Yermak quote is not aligned: {v}");
        assert!(
            !v["added"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["text"].as_str().unwrap().contains("getting what it deserves")),
            "{id}: the Yermak quote is called added"
        );
    }
    // The assault group of "two tanks" in 001 and 002.
    let v = r.variant(&arts[1].id);
    assert!(v["rewritten"].as_array().unwrap().iter().any(|x| {
        x["text"].as_str().unwrap().contains("two tanks")
            && x["other"] == arts[2].id.as_str()
            && x["other_text"].as_str().unwrap().contains("two tanks")
            && x["basis"] == "facts"
    }));
}

#[test]
fn seeds_from_a_folder_and_from_stdin_give_the_built_in_report() {
    let built_in = stories(&["-f", "json"], None).ok().stdout;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let folder = stories(&[dir.to_str().unwrap(), "-f", "json"], None).ok().stdout;
    assert!(folder == built_in, "seeds/ as a folder differs from the built-in seeds");
    let lines: Vec<String> = seed_arts().iter().map(Art::line).collect();
    let stdin = stories(&["-", "-f", "json"], Some(join_lines(&lines))).ok().stdout;
    assert!(stdin == built_in, "the seeds on stdin differ from the built-in seeds");
}

#[test]
fn html_is_one_self_contained_page() {
    let env = Env::new();
    let page = env.path("report.html");
    let run = stories(&["-f", "html", "-o", page.to_str().unwrap()], None).ok();
    assert!(run.stdout.is_empty(), "with -o nothing goes to stdout: {}", run.stdout);
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.starts_with("<!doctype html>"), "{}", &html[..80.min(html.len())]);
    assert!(html.trim_end().ends_with("</html>"));
    for bad in ["http", "src=", "<link", "@import", "url("] {
        assert!(
            !html.to_ascii_lowercase().contains(bad),
            "the page refers to something else: {bad}"
        );
    }
    for (name, _) in seeds() {
        assert!(html.contains(&name), "{name} not in the page");
    }
    assert!(html.contains("Syndication group 0"));
    // Only the page is left in the folder (no temporary file).
    let files: Vec<_> = std::fs::read_dir(env.dir.path()).unwrap().collect();
    assert_eq!(files.len(), 1, "{files:?}");
}

#[test]
fn json_to_a_file_is_what_stdout_gets() {
    let env = Env::new();
    let out = env.path("report.json");
    stories(&["-f", "json", "-o", out.to_str().unwrap()], None).ok();
    let stdout = stories(&["-f", "json"], None).ok().stdout;
    assert!(std::fs::read_to_string(&out).unwrap() == stdout);
}

#[test]
fn malformed_json_line_exits_2_naming_file_and_line() {
    let env = Env::new();
    let mut lines: Vec<String> = seed_arts()[..2].iter().map(Art::line).collect();
    lines.push("{\"id\": \"broken\", \"text\": \"unterminated".to_string());
    lines.push(Art::new("after", seed(2)).line());
    let input = env.write_lines("bad.jsonl", &lines);
    for format in ["text", "json", "html"] {
        let run = stories(&[input.to_str().unwrap(), "-f", format], None).user_error();
        run.stderr_has(&[&format!("{}:3:", input.display())]);
        assert!(run.stdout.is_empty(), "a failed run prints no report: {}", run.stdout);
    }
    // With -o, no report file is left behind.
    let out = env.path("report.json");
    stories(
        &[input.to_str().unwrap(), "-f", "json", "-o", out.to_str().unwrap()],
        None,
    )
    .user_error();
    assert!(!out.exists(), "a failed run writes no report");
}

// ---------------------------------------------------------------------------------------------
// Fixtures.

/// Byte offset of `needle` in `hay`, which must hold it once.
#[track_caller]
fn find_once(hay: &str, needle: &str) -> usize {
    let at = hay.find(needle).unwrap_or_else(|| panic!("not found: {needle}"));
    assert!(!hay[at + needle.len()..].contains(needle), "found twice: {needle}");
    at
}

#[test]
fn wire_story_embedded_in_a_longer_article() {
    let wire = seed(0);
    let paras = paragraphs(&wire);
    // Four consecutive paragraphs of the wire report, from "The reports, which Reuters..." on.
    let block = paras[6..10].join("\n\n");
    assert!(block.starts_with("The reports, which Reuters"), "{block}");
    let local = data("embedding_article.txt").replace("{WIRE}", &block);
    let arts = vec![
        Art::new("wire", wire.clone()).date("2025-01-05"),
        Art::new("report-b", seed(2)).date("2025-01-05"),
        Art::new("local", local.clone())
            .date("2025-01-05")
            .title("Larchfield families wait for news from Kursk"),
        Art::new("report-c", seed(4)).date("2025-01-06"),
    ];
    let env = Env::new();
    let r = Report::of(&env, &arts, &[]);

    let want: BTreeSet<BTreeSet<String>> = [["wire", "local"].iter().map(|s| s.to_string()).collect()].into();
    assert_eq!(
        r.group_sets(),
        want,
        "one group: the wire report and the article that embeds it"
    );
    assert!(r.same_story("wire", "local"));
    let g = r.groups()[0];
    assert_eq!(g["reference"], "wire", "the wire report is the fuller copy");

    // A passage located in `local` at the embedded paragraphs, and in `wire` where they came from.
    let (in_local, in_wire) = (find_once(&local, &block), find_once(&wire, &block));
    let block_end = |at: usize| at + block.len();
    let passages = g["passages"].as_array().unwrap();
    let side = |p: &Value, id: &str| -> (usize, usize) {
        let s = p["documents"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id)
            .unwrap();
        (uint(&s["start"]), uint(&s["end"]))
    };
    let covered: usize = passages
        .iter()
        .map(|p| {
            let (s, e) = side(p, "local");
            assert!(
                s >= in_local && e <= block_end(in_local),
                "a passage at {s}..{e} of local, outside the embedded paragraphs {in_local}..{}",
                block_end(in_local)
            );
            let (ws, we) = side(p, "wire");
            assert!(
                ws >= in_wire && we <= block_end(in_wire),
                "passage at {ws}..{we} of wire, off the block"
            );
            assert_eq!(&local[s..e], &wire[ws..we], "the embedded copy is word for word");
            e - s
        })
        .sum();
    assert_eq!(passages.len(), 1, "one passage: the four paragraphs are one run");
    assert_eq!(covered, block.len(), "the passage is exactly the embedded paragraphs");

    // In the variant of `local`, the embedded sentences are shared with `wire`; its own are
    // added, or paired with another outlet's report of the same fact, never with `wire`'s copy.
    let v = r.variant("local");
    assert_eq!(strings(&v["against"]), ["wire", "report-b", "report-c"]);
    let in_block = |x: &Value| uint(&x["start"]) >= in_local && uint(&x["end"]) <= block_end(in_local);
    for s in v["shared"].as_array().unwrap() {
        assert!(in_block(s), "{s}");
        assert_eq!(strings(&s["with"]), ["wire"]);
    }
    assert!(
        v["shared"].as_array().unwrap().len() >= 5,
        "the block's sentences are shared"
    );
    for a in v["added"].as_array().unwrap() {
        assert!(!in_block(a), "{a}");
    }
    let own = v["added"].as_array().unwrap().len()
        + v["rewritten"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| !in_block(x))
            .count();
    assert!(own >= 6, "the local sentences are its own");
    assert!(
        !v["rewritten"].as_array().unwrap().iter().any(|x| x["other"] == "wire"),
        "the block is reprinted word for word"
    );
    // `local` carries four paragraphs of `wire`: it drops the rest, the start and the end too.
    let dropped: Vec<usize> = v["dropped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| uint(&d["sentence"]))
        .collect();
    let wire_v = r.variant("wire");
    let wire_sentences = spans_of(wire_v).len();
    assert!(
        dropped.contains(&(wire_sentences - 1)),
        "the wire's last sentence is dropped: {dropped:?}"
    );
    assert!(
        dropped.contains(&2),
        "the wire's first sentence of prose is dropped: {dropped:?}"
    );
}

/// Seed 002 with a few words changed in three sentences and one sentence left out.
struct Edited {
    text: String,
    /// (old sentence, new sentence).
    changes: Vec<(&'static str, &'static str)>,
    dropped: &'static str,
}

fn edited_002() -> Edited {
    let original = seed(2);
    let changes = vec![
        (
            "Despite these Russian advances, Ukrainian forces remain present in the region, continuing their resistance efforts and carrying out operations to reclaim territory.",
            "Despite these Russian advances, Ukrainian troops remain present in the area, continuing their resistance efforts and carrying out operations to reclaim territory.",
        ),
        (
            "It's unclear whether the offensive is sufficiently large-scale to lead to any significant changes on the frontline.",
            "It's unclear whether the offensive is large enough to lead to any significant changes on the frontline.",
        ),
        (
            "Kyiv's forces are reportedly suffering from manpower shortages and have been losing ground in the east of Ukraine in recent months, as Russian troops advance.",
            "Kyiv's forces are said to be suffering from manpower shortages and have been losing ground in the east of Ukraine in recent months, as Russian troops advance.",
        ),
    ];
    let dropped = "There were no direct hits, but a few houses were damaged in Kharkiv Region by an intercepted drone, the air force said.";
    let mut text = original.clone();
    for (old, new) in &changes {
        find_once(&text, old);
        text = text.replace(old, new);
    }
    find_once(&text, dropped);
    text = text.replace(&format!("{dropped}\n\n"), "");
    assert!(!text.contains(dropped));
    Edited { text, changes, dropped }
}

fn edited_copy_report(env: &Env) -> (Report, Edited) {
    let e = edited_002();
    let arts = vec![
        Art::new("original", seed(2)).date("2025-01-05"),
        Art::new("other", seed(3)).date("2025-01-05"),
        Art::new("edited", e.text.clone()).date("2025-01-05"),
    ];
    (Report::of(env, &arts, &[]), e)
}

#[test]
fn lightly_edited_copy_is_grouped_with_its_rewrites() {
    let env = Env::new();
    let (r, e) = edited_copy_report(&env);
    let want: BTreeSet<BTreeSet<String>> = [["original", "edited"].iter().map(|s| s.to_string()).collect()].into();
    assert_eq!(r.group_sets(), want);
    let g = r.groups()[0];
    assert_eq!(g["reference"], "original", "the original is the fuller copy");
    let v = r.variant("edited");
    assert_eq!(strings(&v["against"]), ["original", "other"]);
    // Against the original (the other outlet may report some of the same facts).
    let rewritten: Vec<&Value> = v["rewritten"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["other"] == "original")
        .collect();
    for (old, new) in &e.changes {
        let w = rewritten
            .iter()
            .find(|w| w["text"] == *new)
            .unwrap_or_else(|| panic!("{new:?} is not a rewrite: {rewritten:?}"));
        assert_eq!(w["other_text"], *old);
        assert_eq!(w["basis"], "wording");
        let sim = w["similarity"].as_f64().unwrap();
        assert!(
            (0.5..1.0).contains(&sim),
            "similarity {sim} of a lightly edited sentence"
        );
        // other_sentence is the index of the old wording in the original.
        let ov = r.variant("original");
        let orig = ["shared", "rewritten", "added"]
            .iter()
            .flat_map(|k| ov[*k].as_array().unwrap())
            .find(|s| s["sentence"] == w["other_sentence"])
            .unwrap();
        assert_eq!(orig["text"], *old, "other_sentence points at the old wording");
    }
    assert_eq!(
        rewritten.len(),
        e.changes.len(),
        "only the edited sentences are rewritten"
    );
    assert!(v["added"].as_array().unwrap().is_empty(), "the copy adds nothing");
    // Every other sentence is shared with the original.
    let shared = v["shared"].as_array().unwrap();
    assert!(shared.iter().all(|s| strings(&s["with"]) == ["original"]));
    assert!(!shared.iter().any(|s| s["text"] == e.dropped));
}

#[test]
fn lightly_edited_copy_reports_the_dropped_sentence() {
    let env = Env::new();
    let (r, e) = edited_copy_report(&env);
    let v = r.variant("edited");
    let dropped = v["dropped"].as_array().unwrap();
    assert!(
        dropped
            .iter()
            .any(|d| d["text"] == e.dropped && d["document"] == "original"),
        "the left-out sentence is not dropped: {dropped:?}"
    );
}

#[test]
fn unrelated_stories_on_the_same_day_stay_apart() {
    let day = "2025-01-05";
    let mut arts: Vec<Art> = seed_arts().into_iter().map(|a| a.date(day)).collect();
    arts.insert(
        2,
        Art::new("flood-a", data("flood_a.txt"))
            .date(day)
            .title("Hundreds evacuated as River Ashby floods Kelmford"),
    );
    arts.push(
        Art::new("football", data("football.txt"))
            .date(day)
            .title("Rovers beat Castleton 3-1"),
    );
    arts.push(
        Art::new("flood-b", data("flood_b.txt"))
            .date(day)
            .title("Boats rescue Kelmford residents"),
    );
    let env = Env::new();
    for extra in [&[][..], &["--date-window", "0"][..]] {
        let r = Report::of(&env, &arts, extra);
        let kursk: Vec<String> = seeds().into_iter().map(|(n, _)| n).collect();
        assert_eq!(
            strings(&r.story_of(SEED_000)["documents"]),
            kursk,
            "the Kursk story is the five seeds"
        );
        assert!(
            r.same_story("flood-a", "flood-b"),
            "two reports of one flood are one story"
        );
        assert_eq!(strings(&r.story_of("flood-a")["documents"]), ["flood-a", "flood-b"]);
        assert_eq!(strings(&r.story_of("football")["documents"]), ["football"]);
        let want: BTreeSet<BTreeSet<String>> = [[SEED_000, SEED_001].iter().map(|s| s.to_string()).collect()].into();
        assert_eq!(
            r.group_sets(),
            want,
            "no reprint across stories, none between the flood reports"
        );
        assert_eq!(r.stories().len(), 3);
    }
}

/// Seed 000 as texts with no sentence boundaries: every punctuation mark and line break removed
/// (`flat`, twice), the same keeping apostrophes (`flat-apos`: "Russia's" stays two words, so its
/// words are those of seed 000), and no spaces either (`glued`: one word of 2,800 letters), with
/// seed 000 itself (`full`).
fn no_boundary_arts() -> Vec<Art> {
    let full = seed(0);
    let one_line = |keep: fn(char) -> bool| -> String {
        full.chars()
            .filter(|&c| keep(c))
            .collect::<String>()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let flat = one_line(|c| c.is_alphanumeric() || c.is_whitespace());
    let flat_apos = one_line(|c| c.is_alphanumeric() || c.is_whitespace() || c == '\'');
    let glued: String = flat.chars().filter(|c| c.is_alphanumeric()).collect();
    vec![
        Art::new("flat", flat.clone()),
        Art::new("full", full),
        Art::new("flat-copy", flat),
        Art::new("flat-apos", flat_apos),
        Art::new("glued", glued),
    ]
}

#[test]
fn text_with_no_sentence_boundaries_is_one_sentence() {
    let arts = no_boundary_arts();
    let env = Env::new();
    let r = Report::of(&env, &arts, &[]);
    assert!(r.same_story("flat", "flat-copy"), "identical texts share a story");
    for id in ["flat", "flat-copy", "flat-apos"] {
        let len = r.text(id).len();
        assert!(words(r.text(id)) > 500 && !r.text(id).contains(['.', '\n']));
        let v = r.variant(id);
        let all: Vec<&Value> = ["shared", "rewritten", "added"]
            .iter()
            .flat_map(|k| v[*k].as_array().unwrap())
            .collect();
        assert_eq!(spans_of(v).len(), 1, "{id} is one sentence: {v}");
        assert_eq!((uint(&all[0]["start"]), uint(&all[0]["end"])), (0, len));
    }
    let flat = r.variant("flat");
    assert!(
        strings(&flat["shared"][0]["with"]).contains(&"flat-copy".to_string()),
        "{flat}"
    );
    // Wherever a passage touches one of them, it is located at its one sentence.
    for g in r.groups() {
        for p in g["passages"].as_array().unwrap() {
            for side in p["documents"].as_array().unwrap() {
                let id = side["id"].as_str().unwrap();
                if id != "full" {
                    assert_eq!(side["sentences"], json!([0]), "{p}");
                    assert_eq!((uint(&side["start"]), uint(&side["end"])), (0, r.text(id).len()));
                }
            }
        }
    }
    assert!(r
        .groups()
        .iter()
        .all(|g| !strings(&g["documents"]).iter().any(|d| d == "glued")));
}

#[test]
fn no_boundary_copy_does_not_drop_what_it_reprints() {
    let env = Env::new();
    let r = Report::of(&env, &no_boundary_arts(), &[]);
    // Whatever is grouped, a sentence inside a passage between X and Y is never one that Y dropped
    // from X: the passage says Y carries it.
    for g in r.groups() {
        for p in g["passages"].as_array().unwrap() {
            let sides = p["documents"].as_array().unwrap();
            for (x, y) in [(&sides[0], &sides[1]), (&sides[1], &sides[0])] {
                let dropped = r.variant(y["id"].as_str().unwrap())["dropped"].as_array().unwrap();
                for d in dropped.iter().filter(|d| d["document"] == x["id"]) {
                    assert!(
                        !x["sentences"].as_array().unwrap().contains(&d["sentence"]),
                        "{} said to drop {} s{} though their passage holds it: {p}",
                        y["id"],
                        x["id"],
                        d["sentence"]
                    );
                }
            }
        }
    }
    // flat-apos carries every word of full in order: it is full's copy, not one that adds a
    // sentence.
    let v = r.variant("flat-apos");
    assert!(v["added"].as_array().unwrap().is_empty(), "{v}");
}

/// `text` with ä, ö, ü, ß... written as a base letter and a combining mark (Unicode NFD).
fn decompose(text: &str) -> String {
    text.replace('ä', "a\u{308}")
        .replace('ö', "o\u{308}")
        .replace('ü', "u\u{308}")
        .replace('Ä', "A\u{308}")
        .replace('Ö', "O\u{308}")
        .replace('Ü', "U\u{308}")
}

#[test]
fn german_and_russian_copies_are_grouped() {
    let de = data("de_sturm.txt");
    // A lightly edited copy in decomposed Unicode (other bytes, the same words).
    let de_old = "In Cuxhaven stürzten mehrere Bäume auf geparkte Autos, verletzt wurde nach ersten Berichten der Polizei jedoch niemand.";
    let de_new = "In Cuxhaven stürzten einige Bäume auf parkende Autos, verletzt wurde nach ersten Angaben der Polizei jedoch niemand.";
    find_once(&de, de_old);
    let de_edit = decompose(&de.replace(de_old, de_new));
    assert_ne!(de_edit.len(), de.len());
    let ru = data("ru_marafon.txt");
    let ru_old = "Победителем основной дистанции в пятьдесят километров стал местный лыжник Алексей Громов, который опередил ближайшего соперника почти на две минуты.";
    let ru_new = "Победителем главной дистанции в пятьдесят километров стал местный лыжник Алексей Громов, опередивший ближайшего соперника почти на две минуты.";
    find_once(&ru, ru_old);
    let ru_edit = ru.replace(ru_old, ru_new).to_uppercase();
    let arts = vec![
        Art::new("de", de.clone()).date("2025-01-05"),
        Art::new("ru", ru.clone()).date("2025-01-05"),
        Art::new("ru-edit", ru_edit.clone()).date("2025-01-05"),
        Art::new("de-edit", de_edit.clone()).date("2025-01-05"),
    ];
    let env = Env::new();
    let r = Report::of(&env, &arts, &[]);
    let pair = |a: &str, b: &str| -> BTreeSet<String> { [a.to_string(), b.to_string()].into() };
    assert_eq!(r.group_sets(), [pair("de", "de-edit"), pair("ru", "ru-edit")].into());
    assert!(
        !r.same_story("de", "ru"),
        "a German storm and a Russian marathon are two stories"
    );

    // Decomposed umlauts are the same words: only the edited sentence is not shared.
    let v = r.variant("de-edit");
    let rewritten = v["rewritten"].as_array().unwrap();
    assert_eq!(rewritten.len(), 1, "{rewritten:?}");
    assert_eq!(rewritten[0]["text"], decompose(de_new));
    assert_eq!(rewritten[0]["other_text"], de_old);
    assert!(rewritten[0]["similarity"].as_f64().unwrap() < 1.0);
    assert!(v["added"].as_array().unwrap().is_empty(), "{v}");
    assert_eq!(v["shared"].as_array().unwrap().len(), 6);

    // Upper case Cyrillic is the same words too.
    let v = r.variant("ru-edit");
    let rewritten = v["rewritten"].as_array().unwrap();
    assert_eq!(rewritten.len(), 1, "{rewritten:?}");
    assert_eq!(rewritten[0]["text"], ru_new.to_uppercase());
    assert_eq!(rewritten[0]["other_text"], ru_old);
    assert!(v["added"].as_array().unwrap().is_empty(), "{v}");
    assert_eq!(v["shared"].as_array().unwrap().len(), 5);
}

// ---------------------------------------------------------------------------------------------
// Determinism and formats over all the fixtures at once.

/// Every fixture of this file in one input.
fn all_fixtures() -> Vec<Art> {
    let mut arts: Vec<Art> = seed_arts().into_iter().map(|a| a.date("2025-01-05")).collect();
    let wire = seed(0);
    let block = paragraphs(&wire)[6..10].join("\n\n");
    arts.push(Art::new(
        "local",
        data("embedding_article.txt").replace("{WIRE}", &block),
    ));
    arts.push(Art::new("edited", edited_002().text).date("2025-01-05"));
    arts.push(Art::new("flood-a", data("flood_a.txt")).date("2025-01-05"));
    arts.push(Art::new("football", data("football.txt")).date("2025-01-05"));
    arts.push(Art::new("flood-b", data("flood_b.txt")).date("2025-01-05"));
    arts.push(Art::new("de", data("de_sturm.txt")));
    arts.push(Art::new("de-nfd", decompose(&data("de_sturm.txt"))));
    arts.push(Art::new("ru", data("ru_marafon.txt")));
    arts.push(Art::new(
        "flat",
        wire.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .replace(['.', ',', '"'], ""),
    ));
    for (i, (_, text)) in seeds().iter().enumerate() {
        arts.push(Art::new(&format!("s{i}-edit"), change_words(text, 4, 11)));
    }
    arts
}

#[test]
fn json_is_byte_identical_across_threads_and_runs() {
    let env = Env::new();
    let arts = all_fixtures();
    let lines: Vec<String> = arts.iter().map(Art::line).collect();
    let input = env.write_lines("all.jsonl", &lines);
    let input = input.to_str().unwrap();
    let run = |j: &str| stories(&[input, "-f", "json", "-j", j], None).ok().stdout;
    let one = run("1");
    let r = Report::parse(&one, &arts);
    assert!(r.groups().len() >= 5, "the fixtures hold several groups");
    let four = run("4");
    assert!(one == four, "-j 1 and -j 4 differ");
    assert!(run("4") == four, "two runs with -j 4 differ");
    let default = stories(&[input, "-f", "json"], None).ok().stdout;
    assert!(default == one, "the default thread count differs");
    // The text report is deterministic too, and names every group.
    let t1 = stories(&[input, "-j", "1"], None).ok().stdout;
    let t4 = stories(&[input, "-j", "4"], None).ok().stdout;
    assert!(t1 == t4, "text differs between -j 1 and -j 4");
    assert_eq!(t1.matches("Syndication group").count(), r.groups().len());
}

// ---------------------------------------------------------------------------------------------
// Passages across several copies, and what copies drop.

/// Seed 000 three times: whole, without its first and last paragraphs, and its middle embedded
/// in a longer local article.
fn three_copies() -> Vec<Art> {
    let wire = seed(0);
    let paras = paragraphs(&wire);
    let cut = paras[2..paras.len() - 1].join("\n\n");
    let block = paras[6..10].join("\n\n");
    vec![
        Art::new("wire", wire.clone()).date("2025-01-05"),
        Art::new("cut", cut).date("2025-01-05"),
        Art::new("local", data("embedding_article.txt").replace("{WIRE}", &block)).date("2025-01-05"),
    ]
}

#[test]
fn a_passage_in_three_copies_is_one_passage_listing_the_three() {
    let env = Env::new();
    let arts = three_copies();
    let r = Report::of(&env, &arts, &[]);
    let want: BTreeSet<BTreeSet<String>> = [["wire", "cut", "local"].iter().map(|s| s.to_string()).collect()].into();
    assert_eq!(r.group_sets(), want);
    let g = r.groups()[0];
    assert_eq!(g["reference"], "wire");
    let passages = g["passages"].as_array().unwrap();
    let with_three: Vec<&Value> = passages
        .iter()
        .filter(|p| p["documents"].as_array().unwrap().len() == 3)
        .collect();
    assert_eq!(
        with_three.len(),
        1,
        "the embedded block is one passage of the three: {passages:?}"
    );
    let ids: Vec<&str> = with_three[0]["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["wire", "cut", "local"]);
    assert!(with_three[0]["text"]
        .as_str()
        .unwrap()
        .starts_with("The reports, which Reuters"));
    // (check_report has checked that no two passages overlap in any of the three.)
}

#[test]
fn a_copy_drops_the_reference_sentences_at_its_start_and_end() {
    let env = Env::new();
    let arts = three_copies();
    let r = Report::of(&env, &arts, &[]);
    let wire = &arts[0].text;
    let paras = paragraphs(wire);
    let v = r.variant("cut");
    let dropped: Vec<&str> = v["dropped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["text"].as_str().unwrap())
        .collect();
    // The first paragraph of prose (the second of the file: the first is a photo caption, site
    // furniture, never dropped) and the last one.
    assert!(dropped.iter().any(|d| paras[1].starts_with(d)), "{dropped:?}");
    assert!(
        dropped.iter().any(|d| paras[paras.len() - 1].ends_with(d)),
        "{dropped:?}"
    );
    assert!(
        !dropped.iter().any(|d| d.contains("Reuters File Photo")),
        "furniture is not dropped copy"
    );
    let text = stories(&[env.path("in.jsonl").to_str().unwrap(), "--detail"], None)
        .ok()
        .stdout;
    assert!(text.contains("dropped from wire"), "{text}");
}

// ---------------------------------------------------------------------------------------------
// Bad input, as in dedup.

/// One record of every kind of bad input that a JSONL file can hold, with the kind storydup
/// gives it.
fn bad_records() -> Vec<(String, &'static str)> {
    vec![
        ("{\"id\": \"broken\", \"text\": \"unterminated".into(), "malformed_json"),
        ("[1, 2, 3]".into(), "not_an_object"),
        (json!({"text": "no id here"}).to_string(), "missing_id"),
        (json!({"id": [1], "text": "an array id"}).to_string(), "bad_id"),
        (json!({"id": "no-text"}).to_string(), "missing_text"),
        (json!({"id": "num-text", "text": 7}).to_string(), "bad_text"),
        (
            Art::new("seed-0", "a second record with the id of the first").line(),
            "duplicate_id",
        ),
        (
            json!({"id": "huge", "text": "word ".repeat(1000)}).to_string(),
            "too_large",
        ),
    ]
}

#[test]
fn on_error_skip_lists_rejected_records_and_counts_them() {
    let env = Env::new();
    let mut lines = vec![Art::new("seed-0", seed(0)).line()];
    lines.extend(bad_records().into_iter().map(|(l, _)| l));
    lines.push(Art::new("seed-1", seed(1)).line());
    let input = env.write_lines("bad.jsonl", &lines);
    let input = input.to_str().unwrap();
    // An id field named on the command line is required (without it, a record with no id is
    // known by its place, FILE:LINE, and is not an error).
    let limit = ["--max-doc-bytes", "4500", "--id-field", "id"];
    // Stop (the default): exit 2 at the first bad record, with advice.
    let stop = stories(&[&[input][..], &limit].concat(), None).user_error();
    stop.stderr_has(&[&format!("{input}:2:"), "--on-error skip"]);
    // Skip: the good records are read, the bad ones listed.
    let run = stories(
        &[&[input, "-f", "json", "--on-error", "skip"][..], &limit].concat(),
        None,
    )
    .ok();
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    check_key_order(&run.stdout);
    assert_eq!(v["num_documents"], 2);
    let rejected = v["rejected"].as_array().unwrap();
    let got: Vec<(u64, &str)> = rejected
        .iter()
        .map(|r| (r["line"].as_u64().unwrap(), r["kind"].as_str().unwrap()))
        .collect();
    let want: Vec<(u64, &str)> = bad_records()
        .iter()
        .enumerate()
        .map(|(k, (_, kind))| (k as u64 + 2, *kind))
        .collect();
    assert_eq!(got, want);
    for r in rejected {
        assert_eq!(r["file"], input);
        assert!(r["reason"].as_str().is_some_and(|s| !s.is_empty()));
    }
    assert_eq!(rejected[6]["id"], "seed-0", "a duplicate id is named");
    assert!(
        run.stderr.contains("; 8 rejected"),
        "counted in the summary line: {}",
        run.stderr
    );
    // The text report says so too.
    let text = stories(&[&[input, "--on-error", "skip"][..], &limit].concat(), None)
        .ok()
        .stdout;
    assert!(
        text.lines().next().unwrap().ends_with(", 8 records set aside"),
        "{text}"
    );
}

/// The options `storydup stories --help` lists.
fn stories_options() -> BTreeSet<String> {
    let help = stories(&["--help"], None).ok().stdout;
    help.split(|c: char| c.is_whitespace() || c == ',' || c == '=')
        .filter(|w| w.starts_with("--") && w.len() > 2)
        .map(|w| w.trim_end_matches(|c: char| !c.is_alphanumeric()).to_string())
        .collect()
}

#[test]
fn every_error_message_advises_an_option_that_stories_accepts() {
    let accepted = stories_options();
    assert!(
        accepted.contains("--on-error") && accepted.contains("--max-doc-bytes"),
        "{accepted:?}"
    );
    let env = Env::new();
    let mut advice = BTreeSet::new();
    let mut cases: Vec<(String, Vec<String>)> = bad_records()
        .into_iter()
        .map(|(line, kind)| {
            let extra = match kind {
                "too_large" => vec!["--max-doc-bytes".to_string(), "4500".to_string()],
                // Without --id-field, a record with no id is known by its place.
                "missing_id" => vec!["--id-field".to_string(), "id".to_string()],
                _ => Vec::new(),
            };
            let mut lines = vec![Art::new("seed-0", seed(0)).line()];
            lines.push(line);
            (String::from_utf8(join_lines(&lines)).unwrap(), extra)
        })
        .collect();
    cases.push(("{\"id\": \"x\", \"text\": \"caf\u{e9}\"}\n".into(), Vec::new()));
    for (k, (content, extra)) in cases.iter().enumerate() {
        let mut bytes = content.clone().into_bytes();
        if k == cases.len() - 1 {
            // Invalid UTF-8 inside the text.
            let at = bytes.len() - 4;
            bytes[at] = 0xff;
        }
        let path = env.path(&format!("bad-{k}.jsonl"));
        std::fs::write(&path, &bytes).unwrap();
        let mut args = vec![path.to_str().unwrap().to_string()];
        args.extend(extra.iter().cloned());
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = stories(&refs, None).user_error();
        for w in run.stderr.split(|c: char| c.is_whitespace() || c == ',' || c == ';') {
            if let Some(opt) = w.strip_prefix("--") {
                let opt = format!("--{}", opt.trim_end_matches(|c: char| !c.is_alphanumeric()));
                assert!(
                    accepted.contains(&opt),
                    "stories advises {opt}, which it does not accept:\n{}",
                    run.stderr
                );
                advice.insert(opt);
            }
        }
    }
    assert!(advice.contains("--on-error"), "{advice:?}");
    assert!(advice.contains("--oversized"), "{advice:?}");
    // An oversized record under skip, and under truncate.
    let help = stories(&["--help"], None).ok().stdout;
    assert!(
        !help.contains("kept or removed"),
        "stories --help speaks of dedup:\n{help}"
    );
}

/// The summary line on stderr times every stage, reading and writing included, in order: a run's
/// wall time is accounted for by the stages it lists.
#[test]
fn summary_line_times_reading_every_stage_and_writing() {
    let run = stories(&["-f", "json"], None).ok();
    let line = run
        .stderr
        .lines()
        .find(|l| l.starts_with("storydup: 5 articles in "))
        .unwrap_or_else(|| panic!("no summary line: {}", run.stderr));
    let stages: Vec<&str> = line
        .split_once(" s (")
        .and_then(|(_, rest)| rest.split_once(')'))
        .map(|(list, _)| list.split(", ").filter_map(|s| s.split(' ').next()).collect())
        .unwrap_or_default();
    assert_eq!(
        stages,
        [
            "read",
            "vectors",
            "furniture",
            "passages",
            "candidates",
            "smoothing",
            "linkage",
            "variants",
            "write"
        ],
        "{line}"
    );
}
