#!/usr/bin/env python3
"""Score `storydup stories` on the labelled dev corpora (read from the data kit; never copied).

  python3 scripts/stories_eval.py [--data DIR] [--bin target/release/storydup]
                                  [--relative-threshold C] [--smoothing W] [--sweep]
                                  [--old-bin PATH] [--baselines]

The data kit is the folder of labelled dev corpora shared with the project (`../shared/data`
beside the repository, described by its README.md): giveme5w1h_news_cluster/dev.jsonl (209 full
articles, 38 events) and uci_news_aggregator_sample/dev.jsonl (3,192 headlines, 48 stories).
Give another location with --data DIR or the environment variable STORYDUP_DATA.

Prints, for giveme5w1h_news_cluster: reprint-pair precision/recall of the pairs inside storydup's
syndication groups against the `reprint` pairs of dev_reprint_pairs.jsonl. Then story clustering
(B-cubed P/R/F1, pairwise F1, ARI from `storydup eval`, against `cluster`) on:

- the two dev corpora as given (`g5`, `uci`);
- word-bag versions of both (`wb-g5`, `wb-uci`), made in a temporary folder to mimic the held-out
  word-bag corpus: lower case, stop words removed (a common English list, not storydup's), title
  plus the first 30 words of the body only, and no title, date or source fields;
- random halves of each corpus by event (three splits, seeds 0-2; different events in each half),
  reported as the mean and the worst of the six halves, so a rule that helps only some events shows;
- `mixed`: both corpora in one input (headlines and full articles side by side).

--sweep adds: a sweep of --relative-threshold with and without smoothing on every set, and the
leave-one-corpus-out figures: the threshold chosen on one corpus (its best B³ F1) scored on the
other, both ways, with the word-bag sets scored at each choice. --old-bin scores another build
(e.g. the previous default) with its own defaults beside. --baselines adds TF-IDF (sublinear,
English stop words) + cosine + average linkage computed here with scikit-learn and SciPy if
installed (its threshold chosen on each corpus, and leave-one-corpus-out), beside the figures of
BASELINES.md and of issue 14 that are printed as given.
"""
import argparse, itertools, json, os, random, re, statistics, subprocess, sys, tempfile, time, unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
CORPORA = {"g5": "giveme5w1h_news_cluster", "uci": "uci_news_aggregator_sample"}
SWEEP = [2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5, 6.0, 7.0, 8.0]
SMOOTHINGS = [0.5, 0.0]

# A common English stop-word list (the one NLTK ships), deliberately not storydup's own list, so
# that the word-bag sets are preprocessed the way someone else would have done it.
STOP = set("""i me my myself we our ours ourselves you your yours yourself yourselves he him his
himself she her hers herself it its itself they them their theirs themselves what which who whom
this that these those am is are was were be been being have has had having do does did doing a an
the and but if or because as until while of at by for with about against between into through
during before after above below to from up down in out on off over under again further then once
here there when where why how all any both each few more most other some such no nor not only own
same so than too very s t can will just don should now d ll m o re ve y ain aren couldn didn doesn
hadn hasn haven isn ma mightn mustn needn shan shouldn wasn weren won wouldn""".split())

# Figures given elsewhere, printed beside ours (not measured by this script).
BASELINES_MD = [
    # corpus, method, threshold chosen on dev, dev B3 F1
    ("g5", "TF-IDF + average linkage", 0.919),
    ("g5", "TF-IDF + HDBSCAN", 0.934),
    ("g5", "MiniLM + average linkage", 0.940),
    ("uci", "TF-IDF + average linkage", 0.817),
    ("uci", "MiniLM + average linkage", 0.870),
]
HELD_OUT_ISSUE = [
    # corpus, method, held-out B3 F1 (issue 14; each baseline's threshold chosen on that corpus's dev part)
    ("full articles (174, 31 events)", "storydup 2026-11-23 defaults", 0.913),
    ("full articles (174, 31 events)", "TF-IDF + average linkage", 0.946),
    ("full articles (174, 31 events)", "MiniLM + average linkage", 0.919),
    ("headlines (3,106, 38 stories)", "storydup 2026-11-23 defaults", 0.775),
    ("headlines (3,106, 38 stories)", "TF-IDF + average linkage", 0.823),
    ("headlines (3,106, 38 stories)", "MiniLM + average linkage", 0.880),
    ("word bags (5,620, 151 stories)", "storydup 2026-11-23 defaults", 0.869),
    ("word bags (5,620, 151 stories)", "TF-IDF + average linkage", 0.892),
    ("word bags (5,620, 151 stories)", "MiniLM", 0.884),
]


def data_dir(arg, shared=None):
    """--data DIR or STORYDUP_DATA when given; else the data/ folder of the shared kit, found as
    every script finds it (scripts/kit.py: --shared, STORYDUP_SHARED, SHARED, ../shared)."""
    given = arg or os.environ.get("STORYDUP_DATA")
    if not given:
        import kit

        return kit.find(shared, *(f"data/{n}/dev.jsonl" for n in CORPORA.values())) / "data"
    d = Path(given)
    missing = [n for n in CORPORA.values() if not (d / n / "dev.jsonl").is_file()]
    if missing:
        sys.exit(
            f"stories_eval: the labelled data kit is not at {d} (missing {', '.join(m + '/dev.jsonl' for m in missing)}).\n"
            "The kit is the folder of labelled dev corpora shared with the project (research licences: it is read in\n"
            "place, never copied into the repository): giveme5w1h_news_cluster (209 articles, 38 events) and\n"
            "uci_news_aggregator_sample (3,192 headlines, 48 stories), one JSON object per line with id, text, title,\n"
            "date, source and cluster: the data/ folder of the shared kit. Pass its location with --data DIR,\n"
            "STORYDUP_DATA=DIR, or the kit's with --shared KIT or STORYDUP_SHARED=KIT."
        )
    return d

def read(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def write(recs, path):
    with open(path, "w") as o:
        for r in recs:
            o.write(json.dumps(r) + "\n")
    return path


def words(text):
    return re.findall(r"[^\W_]+", unicodedata.normalize("NFKC", text).lower())


def word_bag(recs, body_words=30):
    """Lower-cased title + first words of the body, stop words removed; id, text and cluster only."""
    out = []
    for r in recs:
        title = (r.get("title") or "").strip()
        body = r["text"].strip()
        if title and body.startswith(title):
            body = body[len(title):]
        ws = words(title) + words(body)[:body_words] if body.strip() else words(title)
        out.append({"id": r["id"], "text": " ".join(w for w in ws if w not in STOP), "cluster": r.get("cluster")})
    return out


def halves(recs, seed):
    events = sorted({r["cluster"] for r in recs if r.get("cluster")})
    random.Random(seed).shuffle(events)
    first = set(events[: len(events) // 2])
    return [r for r in recs if r.get("cluster") in first], [r for r in recs if r.get("cluster") not in first]


def build_sets(data, td):
    """name -> jsonl path of every evaluation set (temporary files; the kit is only read)."""
    sets = {}
    full = {k: read(data / v / "dev.jsonl") for k, v in CORPORA.items()}
    for k, recs in full.items():
        sets[k] = data / CORPORA[k] / "dev.jsonl"
        sets["wb-" + k] = write(word_bag(recs), td / f"wb-{k}.jsonl")
    for k in list(full):
        for variant, recs in ((k, full[k]), ("wb-" + k, word_bag(full[k]))):
            for seed in range(3):
                for h, part in zip("ab", halves(recs, seed)):
                    sets[f"{variant}/h{seed}{h}"] = write(part, td / f"{variant.replace('/', '_')}-h{seed}{h}.jsonl")
    sets["mixed"] = write(full["g5"] + full["uci"], td / "mixed.jsonl")
    return sets


def kit_args(ap):
    """The options every script over these sets takes: the build to score and where the kit is."""
    ap.add_argument("--bin", default=str(ROOT / "target" / "release" / "storydup"))
    ap.add_argument("--data")
    ap.add_argument("--shared")


def run_stories(bin_, corpus, extra):
    with tempfile.TemporaryDirectory() as td:
        out = Path(td) / "report.json"
        t = time.perf_counter()
        subprocess.run([bin_, "stories", str(corpus), "-f", "json", "-o", str(out), "-q", *extra], check=True)
        secs = time.perf_counter() - t
        text = out.read_text()
        return json.loads(text), secs, text


def eval_stories(bin_, truth, report_text):
    with tempfile.TemporaryDirectory() as td:
        pred = Path(td) / "pred.json"
        pred.write_text(report_text)
        res = subprocess.run([bin_, "eval", "--truth", str(truth), str(pred), "--json"], check=True, capture_output=True, text=True)
        return json.loads(res.stdout)


def truth_file(corpus, td):
    """{"id","cluster"} lines from the corpus itself."""
    p = Path(td) / (Path(corpus).stem + "-" + Path(corpus).parent.name + ".truth.jsonl")
    with open(corpus) as f, open(p, "w") as o:
        for line in f:
            r = json.loads(line)
            o.write(json.dumps({"id": r["id"], "cluster": r.get("cluster")}) + "\n")
    return p


def score(bin_, eval_bin, corpus, truth, extra):
    rep, secs, text = run_stories(bin_, corpus, extra)
    s = eval_stories(eval_bin, truth, text)
    s["stories"] = len(rep["stories"])
    s["secs"] = secs
    return s


def reprints(bin_, data):
    g5 = data / CORPORA["g5"]
    report, _, _ = run_stories(bin_, g5 / "dev.jsonl", [])
    labels = {}
    for p in read(g5 / "dev_reprint_pairs.jsonl"):
        labels[frozenset((p["a"], p["b"]))] = p["label"]
    grouped = set()
    for st in report["stories"]:
        for g in st["groups"]:
            for x, y in itertools.combinations(g["documents"], 2):
                grouped.add(frozenset((x, y)))
    reprint = {k for k, v in labels.items() if v == "reprint"}
    tp = len(grouped & reprint)
    prec = tp / len(grouped) if grouped else 1.0
    kinds = {}
    for k in grouped:
        kinds[labels.get(k, "unlabelled")] = kinds.get(labels.get(k, "unlabelled"), 0) + 1
    print("## Reprints: giveme5w1h_news_cluster dev (pairs inside syndication groups vs `reprint` pairs)\n")
    print(f"grouped pairs {len(grouped)}, reprint pairs {len(reprint)}, correct {tp}: precision {prec:.3f}, recall {tp / len(reprint):.3f}")
    print(f"grouped pairs by label: {json.dumps(dict(sorted(kinds.items())))}")
    print(f"missed reprint pairs: {sorted(tuple(sorted(k)) for k in reprint - grouped)}\n")


MAIN_SETS = ["g5", "uci", "wb-g5", "wb-uci", "mixed"]


def half_names(base):
    return [f"{base}/h{s}{h}" for s in range(3) for h in "ab"]


def summary_rows(label, results):
    """Rows of the main table for one configuration: results[set] = eval dict."""
    rows = []
    for name in MAIN_SETS:
        s = results[name]
        rows.append(f"| {label} | {name} | {s['bcubed_precision']:.3f} | {s['bcubed_recall']:.3f} | **{s['bcubed_f1']:.3f}** | {s['pair_f1']:.3f} | {s['ari']:.3f} | {s['stories']} | {s['secs']:.2f} |")
    for base in ["g5", "uci", "wb-g5", "wb-uci"]:
        fs = [results[h]["bcubed_f1"] for h in half_names(base)]
        rows.append(f"| {label} | {base} halves (6) | | | mean {statistics.mean(fs):.3f}, worst {min(fs):.3f} | | | | |")
    return rows


def tfidf_baseline(sets, thresholds):
    """TF-IDF (sublinear, English stop words) + cosine + average linkage, as BASELINES.md describes."""
    try:
        import numpy as np
        from scipy.cluster.hierarchy import fcluster, linkage
        from scipy.spatial.distance import squareform
        from sklearn.feature_extraction.text import TfidfVectorizer
    except ImportError:
        print("(--baselines: numpy, scipy and scikit-learn are not installed; `pip install numpy scipy scikit-learn`)\n")
        return None
    out = {}
    for name, path in sets.items():
        recs = read(path)
        texts = [((r.get("title") or "") + "\n" + r["text"]) if r.get("title") != r["text"] else r["text"] for r in recs]
        x = TfidfVectorizer(sublinear_tf=True, stop_words="english").fit_transform(texts)
        d = np.clip(1.0 - (x @ x.T).toarray(), 0.0, 2.0)
        np.fill_diagonal(d, 0.0)
        z = linkage(squareform(d, checks=False), method="average")
        truth = [r.get("cluster") or ("singleton", i) for i, r in enumerate(recs)]
        out[name] = {t: bcubed_f1(truth, fcluster(z, 1.0 - t, criterion="distance")) for t in thresholds}
    return out


def bcubed_f1(truth, pred):
    from collections import Counter
    tc, pc, both = Counter(truth), Counter(pred), Counter(zip(truth, pred))
    n = len(truth)
    p = sum(both[(t, q)] / pc[q] for t, q in zip(truth, pred)) / n
    r = sum(both[(t, q)] / tc[t] for t, q in zip(truth, pred)) / n
    return 2 * p * r / (p + r)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", help="the labelled data (default: $STORYDUP_DATA, else the shared kit's data/)")
    ap.add_argument("--shared", help="the shared kit (default: $STORYDUP_SHARED, else ../shared beside the repo)")
    ap.add_argument("--bin", default=str(ROOT / "target" / "release" / "storydup"))
    ap.add_argument("--old-bin", help="another storydup build, scored with its own defaults beside")
    ap.add_argument("--relative-threshold", type=float)
    ap.add_argument("--smoothing", type=float)
    ap.add_argument("--sweep", action="store_true")
    ap.add_argument("--baselines", action="store_true")
    a = ap.parse_args()
    data = data_dir(a.data, a.shared)
    if not Path(a.bin).exists():
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    extra = []
    if a.relative_threshold is not None:
        extra += ["--relative-threshold", str(a.relative_threshold)]
    if a.smoothing is not None:
        extra += ["--smoothing", str(a.smoothing)]

    print(f"data: {data}; storydup: {a.bin}; extra options: {' '.join(extra) or '(defaults)'}\n")
    reprints(a.bin, data)
    with tempfile.TemporaryDirectory() as tds:
        td = Path(tds)
        sets = build_sets(data, td)
        truths = {k: truth_file(p, td) for k, p in sets.items()}

        print("## Stories (storydup eval against `cluster`)\n")
        print("| build | set | B³ P | B³ R | B³ F1 | pair F1 | ARI | stories | wall s |")
        print("|---|---|---|---|---|---|---|---|---|")
        new = {k: score(a.bin, a.bin, p, truths[k], extra) for k, p in sets.items()}
        print("\n".join(summary_rows("this build", new)))
        if a.old_bin:
            old = {k: score(a.old_bin, a.bin, p, truths[k], []) for k, p in sets.items()}
            print("\n".join(summary_rows("old build", old)))
        print()

        if a.sweep:
            grid = {}
            for w in SMOOTHINGS:
                for c in SWEEP:
                    for k, p in sets.items():
                        grid[(w, c, k)] = score(a.bin, a.bin, p, truths[k], ["--relative-threshold", str(c), "--smoothing", str(w)])["bcubed_f1"]
            print("## Sweep: B³ F1 by --relative-threshold (rows) and set; halves as mean / worst of six\n")
            for w in SMOOTHINGS:
                print(f"--smoothing {w}\n")
                print("| relative threshold | g5 | uci | wb-g5 | wb-uci | mixed | g5 halves | uci halves | wb-g5 halves | wb-uci halves |")
                print("|---|---|---|---|---|---|---|---|---|---|")
                for c in SWEEP:
                    cells = [f"{grid[(w, c, k)]:.3f}" for k in MAIN_SETS]
                    for base in ["g5", "uci", "wb-g5", "wb-uci"]:
                        fs = [grid[(w, c, h)] for h in half_names(base)]
                        cells.append(f"{statistics.mean(fs):.3f} / {min(fs):.3f}")
                    print(f"| {c} | " + " | ".join(cells) + " |")
                print()
            print("## Leave one corpus out: --relative-threshold chosen on one dev corpus (best B³ F1 of the sweep), scored on the other\n")
            print("| smoothing | chosen on | threshold | B³ F1 there | g5 | uci | wb-g5 | wb-uci | mixed |")
            print("|---|---|---|---|---|---|---|---|---|")
            for w in SMOOTHINGS:
                for src in ["g5", "uci"]:
                    c = max(SWEEP, key=lambda c: (grid[(w, c, src)], -c))
                    cells = [f"{grid[(w, c, k)]:.3f}" + (" (dev)" if k == src else "") for k in MAIN_SETS]
                    print(f"| {w} | {src} | {c} | {grid[(w, c, src)]:.3f} | " + " | ".join(cells) + " |")
            print()

        if a.baselines:
            ts = [0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.06, 0.08, 0.1, 0.125, 0.15, 0.2, 0.25, 0.3]
            b = tfidf_baseline({k: sets[k] for k in MAIN_SETS}, ts)
            if b:
                print("## TF-IDF (sublinear, English stop words) + average linkage, computed here (scikit-learn, SciPy)\n")
                print("| threshold chosen on | threshold | g5 | uci | wb-g5 | wb-uci | mixed |")
                print("|---|---|---|---|---|---|---|")
                for src in ["g5", "uci", "wb-g5", "wb-uci"]:
                    t = max(ts, key=lambda t: b[src][t])
                    print(f"| {src} | {t} | " + " | ".join(f"{b[k][t]:.3f}" + (" (dev)" if k == src else "") for k in MAIN_SETS) + " |")
                print()
        print("## Baselines as given (not measured here)\n")
        print("| corpus (dev part) | method | B³ F1 (threshold tuned on this dev part) |")
        print("|---|---|---|")
        for corpus, method, f in BASELINES_MD:
            print(f"| {corpus} | {method} | {f:.3f} |")
        print("\n| held-out corpus (issue 14) | method | B³ F1 |")
        print("|---|---|---|")
        for corpus, method, f in HELD_OUT_ISSUE:
            print(f"| {corpus} | {method} | {f:.3f} |")


if __name__ == "__main__":
    main()
