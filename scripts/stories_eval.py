#!/usr/bin/env python3
"""Score `storydup stories` on the labelled dev corpora of the shared kit (its data/; never copied).

  python3 scripts/stories_eval.py [--shared DIR] [--bin target/release/storydup] [--threshold T]
                                  [--min-average M] [--sweep]

The kit is found by --shared, else STORYDUP_SHARED, else ../shared beside the repository
(scripts/kit.py; without it the script says what the kit is and stops).

Prints, for giveme5w1h_news_cluster: reprint-pair precision/recall of the pairs inside
storydup's syndication groups against the `reprint` pairs of dev_reprint_pairs.jsonl (and how
many `quote` / `boilerplate` pairs were grouped); for giveme5w1h and uci_news_aggregator_sample:
story clustering scored by `storydup eval` (B-cubed and pairwise F1, ARI) against `cluster`,
with the wall time of each run. --sweep adds a threshold sweep (reported beside, not tuned on).
"""
import argparse, itertools, json, subprocess, sys, tempfile, time
from pathlib import Path

import kit

ROOT = Path(__file__).resolve().parent.parent


def run_stories(bin_, corpus, extra):
    with tempfile.TemporaryDirectory() as td:
        out = Path(td) / "report.json"
        t = time.perf_counter()
        subprocess.run([bin_, "stories", str(corpus), "-f", "json", "-o", str(out), "-q", *extra], check=True)
        secs = time.perf_counter() - t
        return json.loads(out.read_text()), secs, out.read_text()


def eval_stories(bin_, truth, report_text):
    with tempfile.TemporaryDirectory() as td:
        pred = Path(td) / "pred.json"
        pred.write_text(report_text)
        res = subprocess.run([bin_, "eval", "--truth", str(truth), str(pred), "--json"], check=True, capture_output=True, text=True)
        return json.loads(res.stdout)


def truth_file(corpus, td):
    """{"id","cluster"} lines from the corpus itself."""
    p = Path(td) / (corpus.parent.name + ".truth.jsonl")
    with open(corpus) as f, open(p, "w") as o:
        for line in f:
            r = json.loads(line)
            o.write(json.dumps({"id": r["id"], "cluster": r.get("cluster")}) + "\n")
    return p


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=str(ROOT / "target" / "release" / "storydup"))
    ap.add_argument("--threshold", type=float)
    ap.add_argument("--min-average", type=float)
    ap.add_argument("--sweep", action="store_true")
    ap.add_argument("--shared", help=f"the shared kit (default: STORYDUP_SHARED or ../shared; now {kit.default()})")
    a = ap.parse_args()
    g5_files = ["dev.jsonl", "dev_reprint_pairs.jsonl"]
    DATA = kit.find(a.shared, *(f"data/giveme5w1h_news_cluster/{f}" for f in g5_files),
                    "data/uci_news_aggregator_sample/dev.jsonl") / "data"
    if not Path(a.bin).exists():
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    by_threshold = ["--threshold", str(a.threshold)] if a.threshold else []
    by_average = ["--min-average", str(a.min_average)] if a.min_average is not None else []
    extra = by_threshold + by_average

    g5 = DATA / "giveme5w1h_news_cluster"
    report, secs, text = run_stories(a.bin, g5 / "dev.jsonl", extra)
    labels = {}
    for line in open(g5 / "dev_reprint_pairs.jsonl"):
        p = json.loads(line)
        labels[frozenset((p["a"], p["b"]))] = p["label"]
    grouped = set()
    for st in report["stories"]:
        for g in st["groups"]:
            for x, y in itertools.combinations(g["documents"], 2):
                grouped.add(frozenset((x, y)))
    reprint = {k for k, v in labels.items() if v == "reprint"}
    tp = len(grouped & reprint)
    prec = tp / len(grouped) if grouped else 1.0
    rec = tp / len(reprint)
    kinds = {}
    for k in grouped:
        kinds[labels.get(k, "unlabelled")] = kinds.get(labels.get(k, "unlabelled"), 0) + 1
    print("## Reprints: giveme5w1h_news_cluster dev (pairs inside syndication groups vs `reprint` pairs)\n")
    print(f"grouped pairs {len(grouped)}, reprint pairs {len(reprint)}, correct {tp}: precision {prec:.3f}, recall {rec:.3f}")
    print(f"grouped pairs by label: {json.dumps(dict(sorted(kinds.items())))}")
    missed = sorted(tuple(sorted(k)) for k in reprint - grouped)
    print(f"missed reprint pairs: {missed}\n")

    print("## Stories (storydup eval against `cluster`)\n")
    print("| dataset | threshold | B³ P | B³ R | B³ F1 | pair F1 | ARI | stories | wall s |")
    print("|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as td:
        for name in ["giveme5w1h_news_cluster", "uci_news_aggregator_sample"]:
            corpus = DATA / name / "dev.jsonl"
            truth = truth_file(corpus, td)
            thresholds = [None]
            if a.sweep:
                thresholds += [0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4]
            for t in thresholds:
                ex = (["--threshold", str(t)] if t is not None else by_threshold) + by_average
                rep, secs, text = run_stories(a.bin, corpus, ex)
                s = eval_stories(a.bin, truth, text)
                shown = t if t is not None else (a.threshold or "default")
                print(f"| {name} | {shown} | {s['bcubed_precision']:.3f} | {s['bcubed_recall']:.3f} | {s['bcubed_f1']:.3f} | {s['pair_f1']:.3f} | {s['ari']:.3f} | {len(rep['stories'])} | {secs:.2f} |")


if __name__ == "__main__":
    main()
