//! Parquet in the command line (issue 12): rows read by column name a batch at a time, kept rows
//! written to `kept.parquet` with the input's schema, the same decisions as JSONL, and bad files,
//! columns and rows reported with their file and row, never a crash.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{ListBuilder, StringBuilder};
use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray, StructArray};
use arrow_schema::{DataType, Field};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;

use crate::util::*;

/// Records with near-duplicates: the seed reports, copies with a few words changed, and exact
/// copies, interleaved (20 records).
fn docs() -> Vec<Doc> {
    let mut out = Vec::new();
    for (i, (_, text)) in seeds().into_iter().enumerate() {
        out.push(Doc::new(format!("s{i}"), text.clone()));
        out.push(Doc::new(format!("s{i}-edit"), change_words(&text, 3, i)));
        out.push(Doc::new(format!("s{i}-copy"), text));
    }
    out
}

/// Writes `batch` to `path` in row groups of `group` rows.
fn write_parquet(path: &Path, batch: &RecordBatch, group: usize) {
    let props = WriterProperties::builder()
        .set_max_row_group_row_count(Some(group))
        .build();
    let mut w = ArrowWriter::try_new(File::create(path).unwrap(), batch.schema(), Some(props)).unwrap();
    w.write(batch).unwrap();
    w.close().unwrap();
}

fn id_text(docs: &[Doc]) -> RecordBatch {
    let ids: ArrayRef = Arc::new(StringArray::from_iter_values(docs.iter().map(|d| d.id.as_str())));
    let texts: ArrayRef = Arc::new(StringArray::from_iter_values(docs.iter().map(|d| d.text.as_str())));
    RecordBatch::try_from_iter([("id", ids), ("text", texts)]).unwrap()
}

fn read_parquet(path: &Path) -> Vec<RecordBatch> {
    let r = ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap())
        .unwrap()
        .build()
        .unwrap();
    r.map(Result::unwrap).collect()
}

fn concat(batches: &[RecordBatch]) -> RecordBatch {
    arrow_select::concat::concat_batches(&batches[0].schema(), batches).unwrap()
}

fn strings(batch: &RecordBatch, col: &str) -> Vec<Option<String>> {
    let a = batch.column_by_name(col).unwrap();
    let a = a.as_any().downcast_ref::<StringArray>().unwrap();
    a.iter().map(|s| s.map(str::to_owned)).collect()
}

fn file(env: &Env, name: &str) -> PathBuf {
    env.path(name)
}

#[test]
fn several_row_groups_give_the_decisions_of_jsonl() {
    let env = Env::new();
    let docs = docs();
    let pq = file(&env, "in.parquet");
    write_parquet(&pq, &id_text(&docs), 3);
    let (jsonl, _) = env.write_docs("in.jsonl", &docs);
    dedup(&[&pq], &env.path("pq"), &[]).ok();
    dedup(&[&jsonl], &env.path("js"), &[]).ok();
    for f in ["removed.jsonl", "clusters.jsonl", "rejected.jsonl"] {
        let a = std::fs::read(env.path("pq").join(f)).unwrap();
        let b = std::fs::read(env.path("js").join(f)).unwrap();
        assert_eq!(a, b, "{f} differs between Parquet and JSONL");
    }
    let removed = read_jsonl(&env.path("pq/removed.jsonl"));
    assert!(removed.len() >= 10, "{removed:?}");
    // kept.parquet: the kept rows, in input order, with the input's schema.
    let kept = concat(&read_parquet(&env.path("pq/kept.parquet")));
    let kept_jsonl: Vec<String> = read_jsonl(&env.path("js/kept.jsonl"))
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        strings(&kept, "id"),
        kept_jsonl.iter().cloned().map(Some).collect::<Vec<_>>()
    );
    assert_eq!(kept.schema().fields(), id_text(&docs).schema().fields());
    let text_of = |id: &str| docs.iter().find(|d| d.id == id).unwrap().text.clone();
    assert_eq!(
        strings(&kept, "text"),
        kept_jsonl.iter().map(|id| Some(text_of(id))).collect::<Vec<_>>()
    );
    assert!(!env.path("pq/kept.jsonl").exists());
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(env.path("pq/summary.json")).unwrap()).unwrap();
    assert_eq!(summary["input"], docs.len());
    // Several threads, the same bytes.
    dedup(&[&pq], &env.path("pq1"), &["-j", "1"]).ok();
    for f in ["removed.jsonl", "clusters.jsonl", "kept.parquet"] {
        assert_eq!(
            std::fs::read(env.path("pq").join(f)).unwrap(),
            std::fs::read(env.path("pq1").join(f)).unwrap(),
            "{f}"
        );
    }
}

#[test]
fn verify_accounts_for_every_row_of_a_parquet_run() {
    let env = Env::new();
    let docs = docs();
    let texts: ArrayRef = Arc::new(StringArray::from_iter(
        docs.iter()
            .enumerate()
            .map(|(i, d)| (i != 5).then_some(d.text.as_str())),
    ));
    let batch = RecordBatch::try_from_iter([
        ("text", texts),
        (
            "n",
            Arc::new(Int64Array::from_iter_values(0..docs.len() as i64)) as ArrayRef,
        ),
    ])
    .unwrap();
    let pq = file(&env, "in.parquet");
    write_parquet(&pq, &batch, 6);
    dedup(&[&pq], &env.out(), &["--on-error", "skip"]).ok();
    let v = storydup(["verify", env.out().to_str().unwrap(), pq.to_str().unwrap()], None).ok();
    assert!(
        v.stdout.contains(&format!("ok: {} input records", docs.len())),
        "{}",
        v.stdout
    );
    // One kept row dropped from kept.parquet: found.
    let kept = concat(&read_parquet(&env.out().join("kept.parquet")));
    write_parquet(
        &env.out().join("kept.parquet"),
        &kept.slice(1, kept.num_rows() - 1),
        100,
    );
    let v = storydup(["verify", env.out().to_str().unwrap(), pq.to_str().unwrap()], None).user_error();
    assert!(v.stdout.contains("differ from the input rows"), "{}", v.stdout);
}

#[test]
fn a_nested_schema_is_kept_intact() {
    let env = Env::new();
    let docs = docs();
    let n = docs.len();
    let base = id_text(&docs);
    let mut tags = ListBuilder::new(StringBuilder::new());
    for i in 0..n {
        tags.values().append_value(format!("t{i}"));
        if i % 2 == 0 {
            tags.values().append_value("even");
        }
        tags.append(i % 5 != 4);
    }
    let meta = StructArray::from(vec![
        (
            Arc::new(Field::new("n", DataType::Int64, false)),
            Arc::new(Int64Array::from_iter_values(0..n as i64)) as ArrayRef,
        ),
        (
            Arc::new(Field::new("source", DataType::Utf8, true)),
            Arc::new(StringArray::from_iter(
                (0..n).map(|i| (i % 3 != 0).then(|| format!("site{i}"))),
            )) as ArrayRef,
        ),
    ]);
    let batch = RecordBatch::try_from_iter([
        ("meta", Arc::new(meta) as ArrayRef),
        ("text", base.column(1).clone()),
        ("tags", Arc::new(tags.finish()) as ArrayRef),
        ("id", base.column(0).clone()),
    ])
    .unwrap();
    let pq = file(&env, "nested.parquet");
    write_parquet(&pq, &batch, 7);
    dedup(&[&pq], &env.out(), &[]).ok();
    let kept = concat(&read_parquet(&env.out().join("kept.parquet")));
    assert_eq!(kept.schema().fields(), batch.schema().fields());
    let removed: Vec<String> = read_jsonl(&env.out().join("removed.jsonl"))
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_owned())
        .collect();
    let keep: arrow_array::BooleanArray = docs.iter().map(|d| Some(!removed.contains(&d.id))).collect();
    let expected = arrow_select::filter::filter_record_batch(&batch, &keep).unwrap();
    assert_eq!(kept, expected);
}

#[test]
fn without_an_id_column_rows_are_named_by_place() {
    let env = Env::new();
    let docs = docs();
    let texts: ArrayRef = Arc::new(StringArray::from_iter_values(docs.iter().map(|d| d.text.as_str())));
    let batch = RecordBatch::try_from_iter([("body", texts)]).unwrap();
    let pq = file(&env, "texts.parquet");
    write_parquet(&pq, &batch, 5);
    dedup(&[&pq], &env.out(), &["--text-field", "body"]).ok();
    let removed = read_jsonl(&env.out().join("removed.jsonl"));
    let name = pq.display().to_string();
    // Row 3 (1-based) is an exact copy of row 1.
    let r = removed.iter().find(|r| r["id"] == format!("{name}:3")).unwrap();
    assert_eq!(r["duplicate_of"], format!("{name}:1"));
    assert_eq!(r["similarity"], 1.0);
}

#[test]
fn integer_ids_are_read_in_decimal() {
    let env = Env::new();
    let docs = docs();
    let ids: ArrayRef = Arc::new(Int64Array::from_iter_values((0..docs.len() as i64).map(|i| i * 100)));
    let batch = RecordBatch::try_from_iter([("id", ids), ("text", id_text(&docs).column(1).clone())]).unwrap();
    let pq = file(&env, "ints.parquet");
    write_parquet(&pq, &batch, 16);
    dedup(&[&pq], &env.out(), &[]).ok();
    let removed = read_jsonl(&env.out().join("removed.jsonl"));
    assert!(
        removed.iter().any(|r| r["id"] == "200" && r["duplicate_of"] == "0"),
        "{removed:?}"
    );
}

#[test]
fn null_texts_are_rejected_with_file_and_row() {
    let env = Env::new();
    let docs = docs();
    let texts: ArrayRef = Arc::new(StringArray::from_iter(
        docs.iter()
            .enumerate()
            .map(|(i, d)| (i % 7 != 2).then_some(d.text.as_str())),
    ));
    let batch = RecordBatch::try_from_iter([("id", id_text(&docs).column(0).clone()), ("text", texts)]).unwrap();
    let pq = file(&env, "nulls.parquet");
    write_parquet(&pq, &batch, 4);
    let name = pq.display().to_string();
    dedup(&[&pq], &env.out(), &[])
        .user_error()
        .stderr_has(&[&format!("{name}:3: the text in column \"text\" is null")]);
    dedup(&[&pq], &env.out(), &["--on-error", "skip"]).ok();
    let rejected = read_jsonl(&env.out().join("rejected.jsonl"));
    let rows: Vec<u64> = rejected.iter().map(|r| r["line"].as_u64().unwrap()).collect();
    let expected: Vec<u64> = (0..docs.len() as u64).filter(|i| i % 7 == 2).map(|i| i + 1).collect();
    assert_eq!(rows, expected);
    assert!(rejected
        .iter()
        .all(|r| r["kind"] == "null_text" && r["file"] == name.as_str()));
    let kept = concat(&read_parquet(&env.out().join("kept.parquet")));
    assert!(strings(&kept, "text").iter().all(Option::is_some));
}

#[test]
fn a_missing_or_non_string_column_is_named() {
    let env = Env::new();
    let docs = docs();
    let pq = file(&env, "in.parquet");
    write_parquet(&pq, &id_text(&docs), 8);
    dedup(&[&pq], &env.out(), &["--text-field", "body"])
        .user_error()
        .stderr_has(&[
            ":1: no \"body\" column (the columns are \"id\", \"text\")",
            "--text-field",
        ]);
    let ints: ArrayRef = Arc::new(Int64Array::from_iter_values(0..docs.len() as i64));
    let batch = RecordBatch::try_from_iter([("id", id_text(&docs).column(0).clone()), ("text", ints)]).unwrap();
    let bad = file(&env, "ints.parquet");
    write_parquet(&bad, &batch, 8);
    dedup(&[&bad], &env.out(), &[])
        .user_error()
        .stderr_has(&["ints.parquet:1: column \"text\" is Int64, not strings"]);
    dedup(&[&bad], &env.out(), &["--on-error", "skip"]).ok();
    assert_eq!(read_jsonl(&env.out().join("rejected.jsonl")).len(), docs.len());
}

#[test]
fn a_corrupt_file_is_an_error_not_a_panic() {
    let env = Env::new();
    let docs = docs();
    let good = file(&env, "good.parquet");
    write_parquet(&good, &id_text(&docs), 4);
    let bytes = std::fs::read(&good).unwrap();
    // Not Parquet at all; cut short (no footer); pages overwritten with garbage.
    let garbage = env.write("garbage.parquet", b"this is not a parquet file at all, only text\n");
    let cut = env.write("cut.parquet", &bytes[..bytes.len() / 2]);
    let mut scrambled = bytes.clone();
    for b in &mut scrambled[4..bytes.len() / 2] {
        *b = b.wrapping_mul(31).wrapping_add(7);
    }
    let scrambled = env.write("scrambled.parquet", &scrambled);
    for bad in [&garbage, &cut, &scrambled] {
        let name = bad.file_name().unwrap().to_string_lossy().into_owned();
        dedup(&[bad], &env.out(), &[]).user_error().stderr_has(&[&name]);
        dedup(&[bad], &env.out(), &["--on-error", "skip"]).ok();
        let rejected = read_jsonl(&env.out().join("rejected.jsonl"));
        assert!(!rejected.is_empty(), "{name}");
    }
}

#[test]
fn a_folder_reads_its_parquet_files_and_mixes_are_refused() {
    let env = Env::new();
    let docs = docs();
    let half = docs.len() / 2;
    std::fs::create_dir_all(env.path("dir")).unwrap();
    write_parquet(&env.path("dir/a.parquet"), &id_text(&docs[..half]), 4);
    write_parquet(&env.path("dir/b.parquet"), &id_text(&docs[half..]), 4);
    dedup(&[&env.path("dir")], &env.out(), &[]).ok();
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(env.out().join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["input"], docs.len());
    assert_eq!(summary["skipped_files"], 0);
    let kept: usize = read_parquet(&env.out().join("kept.parquet"))
        .iter()
        .map(RecordBatch::num_rows)
        .sum();
    assert_eq!(kept as u64, summary["kept"].as_u64().unwrap());
    // JSONL and Parquet in one run: refused before anything is read.
    env.write_docs("dir/c.jsonl", &docs[..2]);
    dedup(&[&env.path("dir")], &env.path("mixed"), &[])
        .user_error()
        .stderr_has(&["is Parquet but", "c.jsonl is JSONL"]);
    // Parquet files of different columns: refused too.
    let texts: ArrayRef = Arc::new(StringArray::from_iter_values(["x y z"]));
    let other = RecordBatch::try_from_iter([("text", texts)]).unwrap();
    write_parquet(&env.path("other.parquet"), &other, 4);
    dedup(
        &[&env.path("dir/a.parquet"), &env.path("other.parquet")],
        &env.path("mixed"),
        &[],
    )
    .user_error()
    .stderr_has(&["have different columns"]);
}

#[test]
fn stories_read_parquet_with_titles() {
    let env = Env::new();
    let seeds = seeds();
    let ids: ArrayRef = Arc::new(StringArray::from_iter_values(seeds.iter().map(|(n, _)| n.as_str())));
    let texts: ArrayRef = Arc::new(StringArray::from_iter_values(seeds.iter().map(|(_, t)| t.as_str())));
    let titles: ArrayRef = Arc::new(StringArray::from_iter(
        (0..5).map(|i| (i != 2).then(|| format!("Title {i}"))),
    ));
    let batch = RecordBatch::try_from_iter([("id", ids), ("title", titles), ("text", texts)]).unwrap();
    let pq = file(&env, "seeds.parquet");
    write_parquet(&pq, &batch, 2);
    let lines: Vec<String> = seeds
        .iter()
        .enumerate()
        .map(|(i, (n, t))| {
            let mut v = serde_json::json!({"id": n, "text": t});
            if i != 2 {
                v["title"] = format!("Title {i}").into();
            }
            v.to_string()
        })
        .collect();
    let jsonl = env.write_lines("seeds.jsonl", &lines);
    let a = storydup(["stories", "-f", "json", pq.to_str().unwrap()], None).ok();
    let b = storydup(["stories", "-f", "json", jsonl.to_str().unwrap()], None).ok();
    assert_eq!(a.stdout, b.stdout);
    // With a title on every row, the label is one of them (the most central article's).
    let titles: ArrayRef = Arc::new(StringArray::from_iter_values(
        (0..5).map(|i| format!("Offensive in Kursk, report {i}")),
    ));
    let batch = batch.project(&[0, 2]).unwrap();
    let (ids, texts) = (batch.column(0).clone(), batch.column(1).clone());
    let batch = RecordBatch::try_from_iter([("id", ids), ("title", titles), ("text", texts)]).unwrap();
    let all = file(&env, "titled.parquet");
    write_parquet(&all, &batch, 2);
    let c = storydup(["stories", "-f", "json", all.to_str().unwrap()], None).ok();
    assert!(
        c.stdout.contains("\"label\": \"Offensive in Kursk, report "),
        "{}",
        c.stdout
    );
}

/// About 30 MB of distinct texts with near-duplicates among them: more than one row group of
/// `kept.parquet` (whose groups are about 16 MiB), so that several are encoded at once.
fn big_docs() -> Vec<Doc> {
    let seeds = seeds();
    let mut out = Vec::new();
    for i in 0..8_000 {
        let (_, text) = &seeds[i % seeds.len()];
        // Distinct base texts: each changed in a different set of words.
        let base = change_words(text, 40, i * 7);
        if i % 10 == 3 {
            out.push(Doc::new(format!("d{i}-edit"), change_words(&base, 2, i)));
        }
        out.push(Doc::new(format!("d{i}"), base));
    }
    out
}

/// The kept rows of `kept` against the input `docs` by id: every kept text is the input's whole.
fn assert_whole_texts(kept: &RecordBatch, text_col: &str, docs: &[Doc]) {
    let by_id: std::collections::HashMap<&str, &str> = docs.iter().map(|d| (d.id.as_str(), d.text.as_str())).collect();
    let texts = arrow_cast_to_strings(kept.column_by_name(text_col).unwrap());
    let ids = strings(kept, "id");
    assert_eq!(texts.len(), ids.len());
    for (id, text) in ids.iter().zip(&texts) {
        let id = id.as_deref().unwrap();
        assert_eq!(text.as_deref(), Some(by_id[id]), "the text of {id}");
    }
}

/// The values of a string column of any layout (plain, large, view, dictionary).
fn arrow_cast_to_strings(a: &ArrayRef) -> Vec<Option<String>> {
    use arrow_array::cast::AsArray;
    match a.data_type() {
        DataType::Utf8 => a.as_string::<i32>().iter().map(|s| s.map(str::to_owned)).collect(),
        DataType::LargeUtf8 => a.as_string::<i64>().iter().map(|s| s.map(str::to_owned)).collect(),
        DataType::Utf8View => a.as_string_view().iter().map(|s| s.map(str::to_owned)).collect(),
        DataType::Dictionary(_, _) => {
            let d = a.as_dictionary::<arrow_array::types::Int32Type>();
            let values = arrow_cast_to_strings(d.values());
            d.keys()
                .iter()
                .map(|k| k.and_then(|k| values[k as usize].clone()))
                .collect()
        }
        t => panic!("not a string column: {t}"),
    }
}

#[test]
fn kept_parquet_holds_whole_texts_in_every_string_layout_and_row_group() {
    let env = Env::new();
    let docs = big_docs();
    let ids: ArrayRef = Arc::new(StringArray::from_iter_values(docs.iter().map(|d| d.id.as_str())));
    let plain = StringArray::from_iter_values(docs.iter().map(|d| d.text.as_str()));
    let layouts: Vec<(&str, ArrayRef)> = vec![
        ("utf8", Arc::new(plain.clone())),
        (
            "large",
            Arc::new(arrow_array::LargeStringArray::from_iter_values(
                docs.iter().map(|d| d.text.as_str()),
            )),
        ),
        (
            "view",
            Arc::new(arrow_array::StringViewArray::from_iter_values(
                docs.iter().map(|d| d.text.as_str()),
            )),
        ),
        (
            "dict",
            Arc::new(
                docs.iter()
                    .map(|d| d.text.as_str())
                    .collect::<arrow_array::DictionaryArray<arrow_array::types::Int32Type>>(),
            ),
        ),
    ];
    let mut removed_of_first: Option<Vec<u8>> = None;
    for (name, texts) in layouts {
        let batch = RecordBatch::try_from_iter([("id", ids.clone()), ("text", texts)]).unwrap();
        let pq = file(&env, &format!("{name}.parquet"));
        write_parquet(&pq, &batch, 1_500);
        let out = env.path(name);
        dedup(&[&pq], &out, &[]).ok();
        let kept_file = out.join("kept.parquet");
        let meta = ParquetRecordBatchReaderBuilder::try_new(File::open(&kept_file).unwrap()).unwrap();
        assert!(meta.metadata().num_row_groups() > 1, "{name}: one row group");
        let kept = concat(&read_parquet(&kept_file));
        assert_eq!(
            kept.schema().fields(),
            batch.schema().fields(),
            "{name}: the input's schema"
        );
        assert_whole_texts(&kept, "text", &docs);
        let removed = std::fs::read(out.join("removed.jsonl")).unwrap();
        assert!(!removed.is_empty());
        // The same decisions whatever the text column's layout, and the same bytes on one thread.
        assert_eq!(
            removed_of_first.get_or_insert_with(|| removed.clone()),
            &removed,
            "{name}"
        );
        dedup(&[&pq], &env.path(&format!("{name}-1")), &["-j", "1"]).ok();
        assert_eq!(
            std::fs::read(&kept_file).unwrap(),
            std::fs::read(env.path(&format!("{name}-1")).join("kept.parquet")).unwrap(),
            "{name}: kept.parquet differs between 1 thread and the default"
        );
    }
}

#[test]
fn kept_parquet_holds_texts_whole_when_they_were_cut_for_comparison() {
    let env = Env::new();
    let docs = docs();
    let pq = file(&env, "in.parquet");
    write_parquet(&pq, &id_text(&docs), 7);
    dedup(
        &[&pq],
        &env.out(),
        &["--max-doc-bytes", "300", "--oversized", "truncate"],
    )
    .ok();
    let kept = concat(&read_parquet(&env.out().join("kept.parquet")));
    assert!(kept.num_rows() > 0);
    assert_whole_texts(&kept, "text", &docs);
}

#[test]
fn kept_parquet_of_a_file_with_only_a_text_column() {
    let env = Env::new();
    let docs = docs();
    let texts = StringArray::from_iter_values(docs.iter().map(|d| d.text.as_str()));
    let batch = RecordBatch::try_from_iter([("body", Arc::new(texts.clone()) as ArrayRef)]).unwrap();
    let pq = file(&env, "texts.parquet");
    write_parquet(&pq, &batch, 4);
    dedup(&[&pq], &env.out(), &["--text-field", "body"]).ok();
    let kept = concat(&read_parquet(&env.out().join("kept.parquet")));
    let removed = read_jsonl(&env.out().join("removed.jsonl"));
    let gone: Vec<usize> = removed
        .iter()
        .map(|r| {
            r["id"]
                .as_str()
                .unwrap()
                .rsplit(':')
                .next()
                .unwrap()
                .parse::<usize>()
                .unwrap()
                - 1
        })
        .collect();
    let expected: Vec<Option<String>> = (0..docs.len())
        .filter(|i| !gone.contains(i))
        .map(|i| Some(docs[i].text.clone()))
        .collect();
    assert_eq!(strings(&kept, "body"), expected);
}
