#!/usr/bin/env python3
"""storydup on the real labelled corpora of the shared kit (its data/, dev parts): a rerunnable check.

* bbc_news, reuters21578: `storydup dedup` at the default settings on dev.jsonl. Checks that every
  `meta.derived_exact_dup_group` (identical title+text, so identical text, which is what storydup
  reads) lies wholly inside one storydup cluster, counts the clusters that those groups do not
  explain, and writes a deterministic sample of them (fixed seed) for reading by hand.
* clough_short_answers: `storydup dedup` with and without --containment; per `meta.category`
  (cut / light / heavy / non), how many answers share a cluster with their task's Wikipedia source
  (the record with `meta.category` == "orig"), and `storydup eval` against the `cluster` field.

Prints a Markdown report on standard output. Work files (storydup outputs, truth files, samples)
go to --work (default: storydup-real-data in the system temp folder, outside the repository,
since kept.jsonl and the title+text input copy the records). The corpora are research-only:
nothing is copied into the repository; the report and the sample files hold ids, titles and
figures, and --show prints texts to the terminal only.

    python3 scripts/real_data.py                      # build (cargo, if needed), run, report
    python3 scripts/real_data.py --bin PATH           # use this binary, do not build
    python3 scripts/real_data.py --show bbc_news      # print the sampled clusters side by side
                                                      # (first 400 chars and a word diff), to read

The kit is found by --data (its data/ folder), else STORYDUP_SHARED, else ../shared beside the
repository (scripts/kit.py; without it the script says what the kit is and stops).

Python 3 standard library only.
"""

import argparse
import difflib
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata

import kit

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NEWS = ("bbc_news", "reuters21578")
CLOUGH = "clough_short_answers"
CATEGORIES = ("cut", "light", "heavy", "non")


# ---------------------------------------------------------------------------------------------
# Small helpers

def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def write_jsonl(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def run(cmd, **kw):
    t = time.time()
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr}")
    return p.stdout, time.time() - t


def words(text):
    """storydup's words, approximately: NFKC, lower case, runs of letters/digits (Python's
    notion of alphanumeric, which is close to Rust's char::is_alphanumeric)."""
    return re.findall(r"[^\W_]+", unicodedata.normalize("NFKC", text).lower())


def shingles(text, n=5):
    w = words(text)
    if not w:
        return set()
    if len(w) < n:
        return {tuple(w)}
    return {tuple(w[i:i + n]) for i in range(len(w) - n + 1)}


def sims(a, b):
    """(Jaccard, containment of the smaller set in the larger) of two shingle sets."""
    inter = len(a & b)
    union = len(a | b)
    small = max(1, min(len(a), len(b)))
    return (inter / union if union else 0.0), inter / small


def f3(x):
    return f"{x:.3f}"


def git(*args):
    try:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""


def binary(args):
    if args.bin:
        return os.path.abspath(args.bin)
    print("building the release binary (cargo build --release) ...", file=sys.stderr)
    run(["cargo", "build", "--release", "--quiet"], cwd=REPO)
    return os.path.join(REPO, "target", "release", "storydup")


def dedup(bin_path, inp, out, extra=()):
    """One `storydup dedup` run into a fresh folder; returns (summary, clusters, removed, rejected, s)."""
    if os.path.isdir(out):
        shutil.rmtree(out)
    # --on-error skip: reuters21578 has records whose text has no words (BRIEF items whose text
    # is "******", and one empty UNPROC item); the default (stop) would end the run on them.
    cmd = [bin_path, "-q", "dedup", inp, "--out", out, "--on-error", "skip", *extra]
    _, secs = run(cmd)
    summary = json.load(open(os.path.join(out, "summary.json"), encoding="utf-8"))
    clusters = read_jsonl(os.path.join(out, "clusters.jsonl"))
    removed = {r["id"]: r for r in read_jsonl(os.path.join(out, "removed.jsonl"))}
    rejected = read_jsonl(os.path.join(out, "rejected.jsonl"))
    return summary, clusters, removed, rejected, secs, cmd


def evaluate(bin_path, truth, pred):
    out, _ = run([bin_path, "eval", "--truth", truth, pred, "--json"])
    return json.loads(out)


def short_cmd(cmd, bin_path, work):
    def one(c):
        if c == bin_path:
            return "storydup"
        if c.startswith(work + os.sep):
            return "$WORK/" + os.path.relpath(c, work)
        return os.path.relpath(c, REPO) if os.path.isabs(c) else c
    return " ".join(one(c) for c in cmd)


# ---------------------------------------------------------------------------------------------
# News corpora: exact-dup groups and further clusters

def news(name, args, bin_path, lines):
    data = os.path.join(args.data, name, "dev.jsonl")
    work = os.path.join(args.work, name)
    os.makedirs(work, exist_ok=True)
    records = read_jsonl(data)
    by_id = {r["id"]: r for r in records}
    summary, clusters, removed, rejected, secs, cmd = dedup(bin_path, data, os.path.join(work, "default"))

    groups = {}
    for r in records:
        g = r["meta"].get("derived_exact_dup_group")
        if g is not None:
            groups.setdefault(g, []).append(r["id"])
    group_of = {i: g for g, ids in groups.items() for i in ids}
    cluster_of = {m: c["cluster"] for c in clusters for m in c["members"]}
    rejected_ids = {r["id"] for r in rejected}

    # Check: every group wholly inside one cluster. A group with one member in dev (its twin is in
    # the held-out part) holds trivially.
    singles = [g for g, ids in groups.items() if len(ids) == 1]
    failed = []
    for g, ids in sorted(groups.items(), key=lambda kv: str(kv[0])):
        if len(ids) < 2:
            continue
        cs = {cluster_of.get(i) for i in ids}
        if len(cs) != 1 or None in cs:
            failed.append((g, [(i, cluster_of.get(i), i in rejected_ids) for i in ids]))

    # Kinds of cluster: exactly one group / a group plus more (extra records, or groups merged) /
    # no group member at all.
    kinds = {"exact_group": [], "group_plus": [], "new": []}
    for c in clusters:
        gs = {group_of.get(m) for m in c["members"]}
        if None not in gs and len(gs) == 1 and set(c["members"]) == set(groups[gs.pop()]):
            kinds["exact_group"].append(c)
        elif any(m in group_of for m in c["members"]):
            kinds["group_plus"].append(c)
        else:
            kinds["new"].append(c)
    further = kinds["group_plus"] + kinds["new"]
    further.sort(key=lambda c: c["cluster"])

    # Describe every further cluster (figures only; texts stay in the corpus).
    def describe(c, kind):
        kept = by_id[c["kept"]]
        sets = {m: shingles(by_id[m]["text"]) for m in c["members"]}
        norm = {m: " ".join(words(by_id[m]["text"])) for m in c["members"]}
        members = []
        for m in c["members"]:
            r = by_id[m]
            rm = removed.get(m)
            j, k = sims(sets[m], sets[c["kept"]])
            members.append({
                "id": m,
                "kept": m == c["kept"],
                "title": r.get("title"),
                "date": r.get("date"),
                "words": len(words(r["text"])),
                "exact_dup_group": group_of.get(m),
                "similarity": rm and rm["similarity"],
                "measure": rm and rm["measure"],
                "matched": rm and rm.get("matched"),
                "jaccard_with_kept": round(j, 4),
                "containment_with_kept": round(k, 4),
            })
        text_identical = len(set(norm.values())) == 1
        titles_identical = len({" ".join(words(by_id[m].get("title") or "")) for m in c["members"]}) == 1
        return {
            "cluster": c["cluster"],
            "kind": kind,
            "size": c["size"],
            "kept": c["kept"],
            # text and title compared after storydup's normalisation (case, punctuation, spacing)
            "text_identical": text_identical,
            "titles_identical": titles_identical,
            "shape": ("same text, same title" if text_identical and titles_identical
                      else "same text, titles differ" if text_identical else "text differs"),
            "kept_words": len(words(kept["text"])),
            "min_similarity": min(x["similarity"] for x in members if x["similarity"] is not None),
            "members": members,
        }

    described = [describe(c, "group_plus" if c in kinds["group_plus"] else "new") for c in further]
    write_jsonl(os.path.join(work, "further_clusters.jsonl"), described)
    rng = random.Random(args.seed)
    sample = sorted(rng.sample(described, min(args.sample, len(described))), key=lambda d: d["cluster"])
    write_jsonl(os.path.join(work, "sample.jsonl"), sample)

    # Eval against the exact-dup groups as truth: recall must be 1; precision counts the further
    # clusters as wrong, which they need not be (the groups are not a complete labelling).
    truth = os.path.join(work, "truth_exact_dup_groups.jsonl")
    write_jsonl(truth, [{"id": r["id"], "cluster": r["meta"].get("derived_exact_dup_group")} for r in records])
    ev = evaluate(bin_path, truth, os.path.join(work, "default", "clusters.jsonl"))

    further_records = sum(c["size"] for c in kinds["new"]) + sum(
        sum(1 for m in c["members"] if m not in group_of) for c in kinds["group_plus"])
    shapes = {}
    for d in described:
        shapes[d["shape"]] = shapes.get(d["shape"], 0) + 1

    # The same run on title + text (the records' fields joined), for comparison: the groups are
    # defined on title+text, and some corpora keep the story in the title.
    tt_path = os.path.join(work, "title_text.jsonl")
    write_jsonl(tt_path, [{"id": r["id"], "text": ((r.get("title") or "") + "\n\n" + r["text"]).strip()}
                          for r in records])
    tt_summary, tt_clusters, _, tt_rejected, _, tt_cmd = dedup(bin_path, tt_path, os.path.join(work, "title_text"))
    tt_cluster_of = {m: c["cluster"] for c in tt_clusters for m in c["members"]}
    tt_failed = sum(1 for ids in groups.values() if len(ids) >= 2
                    and (len({tt_cluster_of.get(i) for i in ids}) != 1 or tt_cluster_of.get(ids[0]) is None))
    tt_further = sum(1 for c in tt_clusters
                     if not (len({group_of.get(m) for m in c["members"]}) == 1 and c["members"][0] in group_of
                             and set(c["members"]) == set(groups[group_of[c["members"][0]]])))
    L = lines
    L.append(f"## {name}\n")
    L.append(f"`{short_cmd(cmd, bin_path, args.work)}` ({secs:.1f} s)\n")
    L.append(f"- records {summary['input']}, kept {summary['kept']}, removed {summary['removed']}, "
             f"rejected {summary['rejected']} (no words), clusters {summary['clusters']}; "
             f"LSH {summary['lsh']['bands']}×{summary['lsh']['rows']}, "
             f"{summary['verification']['candidate_pairs']} candidate pairs, "
             f"{summary['verification']['edges']} verified edges")
    n_multi = sum(1 for ids in groups.values() if len(ids) >= 2)
    L.append(f"- exact-dup groups in dev: {len(groups)} ({sum(len(v) for v in groups.values())} records); "
             f"{n_multi} with ≥ 2 members in dev, {len(singles)} with 1 (twin in the held-out part)")
    verdict = "PASS" if not failed else "FAIL"
    L.append(f"- **check: every group with ≥ 2 dev members inside one cluster: {verdict}** "
             f"({n_multi - len(failed)} of {n_multi})")
    for g, ms in failed:
        L.append(f"  - group {g}: " + ", ".join(
            f"{i} → cluster {c}{' (rejected)' if rj else ''}" for i, c, rj in ms))
    size_of = {c["cluster"]: c["size"] for c in clusters}
    absorbed = [(g, size_of[cluster_of[ids[0]]]) for g, ids in groups.items()
                if ids[0] in cluster_of and size_of[cluster_of[ids[0]]] > len(ids)]
    if absorbed:
        by_size = {}
        for _, n in absorbed:
            by_size[n] = by_size.get(n, 0) + 1
        L.append(f"- groups whose cluster holds more than the group: {len(absorbed)} (cluster size: groups = "
                 + ", ".join(f"{k}: {v}" for k, v in sorted(by_size.items())) + ")")
    L.append(f"- clusters: {len(kinds['exact_group'])} are exactly one group; "
             f"{len(kinds['group_plus'])} hold a group plus other records or merge groups; "
             f"{len(kinds['new'])} hold no group member")
    L.append(f"- **further clusters (not explained by the groups): {len(further)}**, "
             f"holding {further_records} records outside any group. Compared after storydup's "
             "normalisation (case, punctuation, spacing): "
             + ", ".join(f"{v} {k}" for k, v in sorted(shapes.items())))
    sizes = {}
    for c in further:
        sizes[c["size"]] = sizes.get(c["size"], 0) + 1
    L.append("- further-cluster sizes: " + ", ".join(f"{k}: {v}" for k, v in sorted(sizes.items())))
    for d in described:
        if d["size"] >= 5:
            what = ""
            if d["text_identical"] and d["kept_words"] <= 8:
                what = f", every text is \"{' '.join(words(by_id[d['kept']]['text']))}\""
            L.append(f"  - large: cluster {d['cluster']}, {d['size']} records, kept {d['kept']}, "
                     f"{d['shape']}, {d['kept_words']} words in the kept text{what}")
    L.append(f"- for comparison, on title + text (`{short_cmd(tt_cmd, bin_path, args.work)}`): "
             f"clusters {tt_summary['clusters']}, removed {tt_summary['removed']}, rejected {tt_summary['rejected']}; "
             f"groups split: {tt_failed}; clusters not exactly one group: {tt_further}")
    L.append(f"- eval against the exact-dup groups as truth: pair recall {f3(ev['pair_recall'])}, "
             f"pair precision {f3(ev['pair_precision'])} ({ev['correct_pairs']} of {ev['pred_pairs']} "
             f"predicted pairs are group pairs), B-cubed F1 {f3(ev['bcubed_f1'])}, ARI {f3(ev['ari'])}")
    L.append(f"- sample of {len(sample)} further clusters (seed {args.seed}): "
             f"`{os.path.join(work, 'sample.jsonl')}`\n")
    L.append("| cluster | kind | size | members (kept first, words) | min sim | shape |")
    L.append("|---|---|---|---|---|---|")
    for d in sample:
        ms = sorted(d["members"], key=lambda m: not m["kept"])
        L.append(f"| {d['cluster']} | {d['kind']} | {d['size']} | "
                 + ", ".join(m["id"] + (f" ({m['words']}w)") for m in ms)
                 + f" | {f3(d['min_similarity'])} | {d['shape']} |")
    L.append("")


# ---------------------------------------------------------------------------------------------
# Clough & Stevenson short answers

def clough(args, bin_path, lines):
    data = os.path.join(args.data, CLOUGH, "dev.jsonl")
    work = os.path.join(args.work, CLOUGH)
    os.makedirs(work, exist_ok=True)
    records = read_jsonl(data)
    source = {r["meta"]["task"]: r["id"] for r in records if r["meta"]["category"] == "orig"}
    answers = [r for r in records if r["meta"]["category"] != "orig"]
    sets = {r["id"]: shingles(r["text"]) for r in records}
    truth = os.path.join(work, "truth.jsonl")
    write_jsonl(truth, [{"id": r["id"], "cluster": r["cluster"]} for r in records])

    runs = {}
    for label, extra in (("plain", ()), ("containment", ("--containment",))):
        out = os.path.join(work, label)
        summary, clusters, removed, rejected, secs, cmd = dedup(bin_path, data, out, extra)
        cluster_of = {m: c["cluster"] for c in clusters for m in c["members"]}
        ev = evaluate(bin_path, truth, os.path.join(out, "clusters.jsonl"))
        runs[label] = dict(summary=summary, clusters=clusters, cluster_of=cluster_of, eval=ev, cmd=cmd,
                           secs=secs, removed=removed)

    L = lines
    L.append(f"## {CLOUGH}\n")
    for label, r in runs.items():
        L.append(f"- `{short_cmd(r['cmd'], bin_path, args.work)}` ({r['secs']:.2f} s): clusters {r['summary']['clusters']}, "
                 f"removed {r['summary']['removed']}")
    L.append(f"- sources: {', '.join(f'task {t}: {i}' for t, i in sorted(source.items()))} "
             "(`meta.category` = orig)\n")

    def with_source(r, label):
        co = runs[label]["cluster_of"]
        s = source[r["meta"]["task"]]
        return r["id"] in co and co.get(s) == co[r["id"]]

    def in_any(r, label):
        return r["id"] in runs[label]["cluster_of"]

    L.append("Answers put in the same cluster as their task's source (word-5 shingles, threshold 0.8). "
             "J / C: Jaccard and containment (of the smaller set) of the answer with its source, computed "
             "by this script with storydup's word-5 shingling re-implemented in Python; min / median / max.\n")
    L.append("| category | answers | with source, plain | with source, --containment | in any cluster, plain | "
             "in any cluster, --containment | J with source | C with source |")
    L.append("|---|---|---|---|---|---|---|---|")
    per_answer = []
    for cat in CATEGORIES:
        rs = [r for r in answers if r["meta"]["category"] == cat]
        js, cs = [], []
        for r in rs:
            j, c = sims(sets[r["id"]], sets[source[r["meta"]["task"]]])
            js.append(j)
            cs.append(c)
            per_answer.append((cat, r["id"], j, c, with_source(r, "plain"), with_source(r, "containment"),
                               runs["containment"]["removed"].get(r["id"])))

        def mmm(xs):
            return f"{min(xs):.2f} / {statistics.median(xs):.2f} / {max(xs):.2f}"

        L.append(f"| {cat} | {len(rs)} | {sum(with_source(r, 'plain') for r in rs)} | "
                 f"{sum(with_source(r, 'containment') for r in rs)} | {sum(in_any(r, 'plain') for r in rs)} | "
                 f"{sum(in_any(r, 'containment') for r in rs)} | {mmm(js)} | {mmm(cs)} |")
    L.append("")
    L.append("Eval against the `cluster` field (task-x = the source and the answers derived from it; "
             "null = singleton):\n")
    L.append("| run | pair P | pair R | pair F1 | B³ P | B³ R | B³ F1 | ARI | pred pairs | true pairs |")
    L.append("|---|---|---|---|---|---|---|---|---|---|")
    for label, r in runs.items():
        e = r["eval"]
        L.append(f"| {label} | {f3(e['pair_precision'])} | {f3(e['pair_recall'])} | {f3(e['pair_f1'])} | "
                 f"{f3(e['bcubed_precision'])} | {f3(e['bcubed_recall'])} | {f3(e['bcubed_f1'])} | "
                 f"{f3(e['ari'])} | {e['pred_pairs']} | {e['true_pairs']} |")
    L.append("")
    # A sweep of the threshold with --containment: where each kind of rewrite is caught, and
    # whether independent answers start to join.
    L.append("Threshold sweep with `--containment` (answers in their source's cluster / answers; "
             "`non` and sources: records in any cluster):\n")
    L.append("| threshold | cut | light | heavy | non in any cluster | clusters | pair P | pair R | ARI |")
    L.append("|---|---|---|---|---|---|---|---|---|")
    for t in args.clough_sweep:
        out = os.path.join(work, f"containment_t{t}")
        _, cl, _, _, _, _ = dedup(bin_path, data, out, ("--containment", "--threshold", str(t)))
        co = {m: c["cluster"] for c in cl for m in c["members"]}
        ev = evaluate(bin_path, truth, os.path.join(out, "clusters.jsonl"))
        row = []
        for cat in ("cut", "light", "heavy"):
            rs = [r for r in answers if r["meta"]["category"] == cat]
            hit = sum(1 for r in rs if r["id"] in co and co.get(source[r["meta"]["task"]]) == co[r["id"]])
            row.append(f"{hit}/{len(rs)}")
        non = [r for r in answers if r["meta"]["category"] == "non"]
        row.append(f"{sum(1 for r in non if r['id'] in co)}/{len(non)}")
        L.append(f"| {t} | " + " | ".join(row) + f" | {len(cl)} | {f3(ev['pair_precision'])} | "
                 f"{f3(ev['pair_recall'])} | {f3(ev['ari'])} |")
    L.append("")
    L.append("Clusters (`--containment`): " + "; ".join(
        "{" + ", ".join(c["members"]) + f"}} kept {c['kept']}" for c in runs["containment"]["clusters"]) + "\n")
    L.append("Derived answers, highest containment with the source first (✓ = in the source's cluster):\n")
    L.append("| answer | category | J | C | plain | --containment | storydup's figure (--containment) |")
    L.append("|---|---|---|---|---|---|---|")
    for cat, i, j, c, p, k, rm in sorted(per_answer, key=lambda x: -x[3]):
        if cat == "non" and not (p or k):
            continue
        fig = (f"{rm['measure']} {rm['similarity']:.3f} with {rm.get('matched') or rm['duplicate_of']}" if rm
               else "kept" if k else "")
        L.append(f"| {i} | {cat} | {j:.3f} | {c:.3f} | {'✓' if p else ''} | {'✓' if k else ''} | {fig} |")
    L.append("")
    L.append("(`non` answers are listed only if clustered.)\n")


# ---------------------------------------------------------------------------------------------
# --show: print a sample side by side, for reading

def show(name, args):
    work = os.path.join(args.work, name)
    path = os.path.join(work, "sample.jsonl")
    if not os.path.exists(path):
        sys.exit(f"{path} is missing: run the script without --show first")
    by_id = {r["id"]: r for r in read_jsonl(os.path.join(args.data, name, "dev.jsonl"))}
    for d in read_jsonl(path):
        print("=" * 100)
        print(f"cluster {d['cluster']} ({d['kind']}, size {d['size']}, text identical {d['text_identical']})")
        kept = by_id[d["kept"]]
        for m in sorted(d["members"], key=lambda m: not m["kept"]):
            r = by_id[m["id"]]
            print("-" * 100)
            print(f"{m['id']}{' [kept]' if m['kept'] else ''}  words {m['words']}  date {m['date']}  "
                  f"group {m['exact_dup_group']}  sim {m['similarity']} {m['measure'] or ''} "
                  f"matched {m['matched']}  J(kept) {m['jaccard_with_kept']} C(kept) {m['containment_with_kept']}")
            print(f"title: {r.get('title')!r}")
            print(r["text"][:args.chars].replace("\n", " ⏎ "))
            if not m["kept"]:
                a, b = kept["text"].split(), r["text"].split()
                ops = [op for op in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
                       if op[0] != "equal"]
                print(f"  word diff vs kept: {len(ops)} edits")
                for tag, i1, i2, j1, j2 in ops[:args.diffs]:
                    print(f"    {tag}: {' '.join(a[i1:i2])[:160]!r} -> {' '.join(b[j1:j2])[:160]!r}")
                if len(ops) > args.diffs:
                    print(f"    ... {len(ops) - args.diffs} more")
    return 0


# ---------------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", help="storydup binary (default: cargo build --release, then target/release/storydup)")
    ap.add_argument("--data", help="corpora folder (default: the data/ of the shared kit: STORYDUP_SHARED, "
                    "or ../shared beside the repository)")
    ap.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "storydup-real-data"),
                    help="work folder (storydup outputs copy the records: keep it out of the repository)")
    ap.add_argument("--seed", type=int, default=20261123, help="seed of the sample of further clusters")
    ap.add_argument("--sample", type=int, default=20, help="further clusters sampled per news corpus")
    ap.add_argument("--clough-sweep", type=float, nargs="*", default=[0.8, 0.7, 0.6, 0.5, 0.4, 0.3],
                    help="thresholds of the --containment sweep on clough_short_answers")
    ap.add_argument("--only", choices=NEWS + (CLOUGH,), action="append", help="run only these corpora")
    ap.add_argument("--show", choices=NEWS, help="print the sampled clusters of a corpus side by side and exit")
    ap.add_argument("--chars", type=int, default=400, help="--show: characters of text printed per record")
    ap.add_argument("--diffs", type=int, default=12, help="--show: word-diff hunks printed per record")
    args = ap.parse_args()
    if args.data is None:
        args.data = str(kit.find(None, "data/bbc_news/dev.jsonl") / "data")
    args.data = os.path.abspath(args.data)
    args.work = os.path.abspath(args.work)
    if args.show:
        return show(args.show, args)
    os.makedirs(args.work, exist_ok=True)
    bin_path = binary(args)
    version, _ = run([bin_path, "--version"])
    dirty = git("status", "--porcelain", "--untracked-files=no")
    lines = ["# storydup on real labelled corpora (dev parts)\n",
             f"- storydup: {version.strip()}, commit {git('rev-parse', 'HEAD') or '?'}"
             f"{' (working tree has uncommitted changes)' if dirty else ''}",
             f"- machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}, "
             f"Python {platform.python_version()}",
             f"- data: {os.path.relpath(args.data, REPO)}; work files: {args.work}",
             "- every run uses `--on-error skip` (records without words are rejected, not fatal); "
             "all other settings are the defaults unless shown\n"]
    todo = args.only or list(NEWS + (CLOUGH,))
    for name in NEWS:
        if name in todo:
            news(name, args, bin_path, lines)
    if CLOUGH in todo:
        clough(args, bin_path, lines)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
