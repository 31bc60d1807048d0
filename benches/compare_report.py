#!/usr/bin/env python3
"""Markdown report of a benches/compare.sh run (called by it; standard library only).

Reads WORK/runs/SIZE/runs.tsv (one line per timed run), each run's summary and its
`storydup eval --json` score, and the corpus manifests; prints the report on standard output.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
from pathlib import Path

PEER_THREADS_1 = {"datasketch", "exact"}  # single-threaded whatever --threads says


def sh(*cmd: str, cwd: Path | None = None) -> str:
    try:
        return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def machine(storydup: str, commit: str, simd: str) -> list[str]:
    lscpu = {}
    for line in sh("lscpu").splitlines():
        k, _, v = line.partition(":")
        lscpu[k.strip()] = v.strip()
    mem = "?"
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            mem = f"{int(line.split()[1]) / 2**20:.1f} GiB"
    osname = "?"
    if Path("/etc/os-release").exists():
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                osname = line.split("=", 1)[1].strip('"')
    flags = [f for f in lscpu.get("Flags", "").split() if f.startswith(("avx", "sse4")) or f in ("bmi2", "popcnt")]
    levels = simd.split()
    return [
        f"- CPU: {lscpu.get('Model name', '?')}; {os.cpu_count()} logical CPUs "
        f"({lscpu.get('Core(s) per socket', '?')} core(s) per socket × {lscpu.get('Socket(s)', '?')} "
        f"socket(s), {lscpu.get('Thread(s) per core', '?')} thread(s) per core); "
        f"hypervisor: {lscpu.get('Hypervisor vendor', 'none reported')}",
        f"- CPU vector flags: {' '.join(flags) or '?'}",
        f"- storydup's vector instructions (`STORYDUP_SIMD`): plain *storydup* rows at "
        f"{'the best level the CPU has' if levels[0] == 'best' else levels[0]}"
        + (f"; rows marked `[STORYDUP_SIMD=…]` at that level" if len(levels) > 1 else "")
        + " (results are the same at every level; only speed differs)",
        f"- RAM: {mem}",
        f"- OS: {osname}, kernel {platform.release()} ({platform.machine()})",
        f"- {sh('rustc', '--version')}; {sh('cargo', '--version')}",
        f"- Python {platform.python_version()} (peers' venv)",
        f"- storydup: `{sh(storydup, '--version')}`, git commit {commit}",
    ]


def fmt(x, nd=2) -> str:
    if x is None:
        return "–"
    if isinstance(x, float):
        return f"{x:,.{nd}f}"
    return str(x)


def recall(pairs: dict, keys) -> float | None:
    found = sum(pairs[k][0] for k in keys if k in pairs)
    total = sum(pairs[k][1] for k in keys if k in pairs)
    return found / total if total else None


def load_runs(folder: Path) -> dict[str, list[dict]]:
    lines = (folder / "runs.tsv").read_text().splitlines()
    head = lines[0].split("\t")
    tools: dict[str, list[dict]] = {}
    for line in lines[1:]:
        r = dict(zip(head, line.split("\t")))
        r["wall_s"] = float(r["wall_s"]) if r["wall_s"] else None
        r["maxrss_kb"] = int(r["maxrss_kb"]) if r["maxrss_kb"] else None
        r["others_cores"] = float(r["others_cores"]) if r["others_cores"] else None
        d = Path(r["dir"])
        r["score"] = json.loads(Path(f"{d}.score.json").read_text()) if Path(f"{d}.score.json").exists() else None
        sha = Path(f"{d}.clusters.sha256")
        r["sha"] = sha.read_text().strip() if sha.exists() else None
        tool = r["tool"]
        summ = d / ("summary.json" if tool.startswith("storydup") else f"{tool}.summary.json")
        r["summary"] = json.loads(summ.read_text()) if summ.exists() else {}
        tools.setdefault(tool, []).append(r)
    return tools


def median_run(runs: list[dict]) -> dict | None:
    ok = [r for r in runs if r["status"] == "0" and r["wall_s"] is not None and r["score"]]
    if not ok:
        return None
    ok.sort(key=lambda r: r["wall_s"])
    return ok[(len(ok) - 1) // 2]  # the lower middle for an even count


def size_section(work: Path, size: str, threads: int, peers: list[str]) -> tuple[list[str], dict]:
    folder = work / "runs" / size
    manifest = json.loads((work / "corpus" / f"corpus-{size}.manifest.json").read_text())
    nbytes, nrec = manifest["file_bytes"], manifest["records"]
    tools = load_runs(folder)
    rank = {t: i for i, t in enumerate(["storydup", "storydup --containment", *peers])}
    order = sorted(tools, key=lambda t: (rank.get(t, len(rank)), t))
    picked = {t: median_run(tools[t]) for t in order}
    base = picked.get("storydup")
    out = [
        f"### {size}: `corpus-{size}.jsonl`",
        "",
        f"{nrec:,} records, {nbytes:,} bytes of JSONL ({nbytes / 1e6:,.1f} MB), seed {manifest['seed']}: "
        f"{manifest['base_documents']:,} base documents, {manifest['near_duplicates']:,} injected near-duplicates, "
        f"{manifest['related_documents']:,} related-but-distinct articles.",
        "",
        "| tool | version | threads | wall s (median) | all runs, wall s | MB/s | records/s | peak RSS MB "
        "| pair P | pair R | pair F1 | recall, true J ≥ 0.8 | recall, truncate + embed | wall ÷ storydup wall "
        "| RSS ÷ storydup RSS | others' CPU, cores |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    figures = {}
    for t in order:
        runs, r = tools[t], picked[t]
        walls = ", ".join(fmt(x["wall_s"], 2 if x["wall_s"] < 10 else 1) if x["status"] == "0" else f"failed ({x['status']})" for x in runs)
        thr = 1 if t in PEER_THREADS_1 else threads
        if r is None:
            out.append(f"| {t} | | {thr} | did not finish | {walls} | | | | | | | | | | | |")
            continue
        s, sc = r["summary"], r["score"]
        version = s.get("version", "?")
        wall, rss = r["wall_s"], r["maxrss_kb"] / 1024
        vr = sc.get("variants") or {}
        j = vr.get("by_true_jaccard", {})
        k = vr.get("by_kind", {})
        rec08 = recall(j, ["0.8-0.9", ">=0.9"])
        rec_te = recall(k, ["truncate", "embed"])
        ratio = wall / base["wall_s"] if base else None
        mratio = rss / (base["maxrss_kb"] / 1024) if base else None
        shas = {x["sha"] for x in runs if x["sha"]}
        if len(shas) > 1:
            walls += " (clusterings differ between runs!)"
        figures[t] = dict(wall=wall, rss=rss, f1=sc["pair_f1"], p=sc["pair_precision"], r=sc["pair_recall"],
                          rec08=rec08, rec_te=rec_te, ratio=ratio, mratio=mratio)
        out.append(
            f"| {t} | {version} | {thr} | **{fmt(wall, 2)}** | {walls} | {fmt(nbytes / 1e6 / wall, 1)} | "
            f"{fmt(nrec / wall, 0)} | {fmt(rss, 0)} | {fmt(sc['pair_precision'], 4)} | {fmt(sc['pair_recall'], 4)} | "
            f"**{fmt(sc['pair_f1'], 4)}** | {fmt(rec08, 4)} | {fmt(rec_te, 4)} | {fmt(ratio, 2)}× | "
            f"{fmt(mratio, 2)}× | {fmt(r['others_cores'], 2)} |"
        )
    if base:
        peers = [t for t in order if not t.startswith("storydup") and t in figures]
        if peers:
            out += ["", "storydup (default settings, median run) against each peer on this corpus: " + "; ".join(
                f"**{figures[t]['ratio']:.1f}× faster** than {t} "
                f"({t} peaks at {figures[t]['mratio']:.1f}× storydup's memory; pair F1 {figures[t]['f1']:.3f} vs "
                f"storydup's {figures['storydup']['f1']:.3f})"
                for t in peers) + "."]
    # own timers: the peers' in-process total (after imports, before writing) and storydup's
    out += ["", "Each tool's own timer for the same median run (peers.py: reading input to clusters, "
            "without interpreter start-up, imports and writing; storydup: `timings_s.total`), in seconds: " +
            "; ".join(
                f"{t} {fmt((picked[t]['summary'].get('timings_s') or {}).get('total') if t.startswith('storydup') else picked[t]['summary'].get('seconds_total'), 2)}"
                for t in order if picked[t])]
    # variant recall per edit and per band of true Jaccard
    kinds = sorted({k for t in order if picked[t] for k in (picked[t]["score"].get("variants") or {}).get("by_kind", {})})
    bands = ["<0.5", "0.5-0.7", "0.7-0.8", "0.8-0.9", ">=0.9"]
    if kinds:
        out += ["", "Variant recall (share of injected copies put in their base's cluster) per kind of edit and per "
                "band of true word-5-gram Jaccard with the base; last column: related-but-distinct articles wrongly "
                "merged with the article they reuse:", "",
                "| tool | " + " | ".join(kinds) + " | " + " | ".join(f"J {b}" for b in bands) + " | related merged |",
                "|---|" + "---|" * (len(kinds) + len(bands) + 1)]
        counts = None
        for t in order:
            r = picked[t]
            if not r:
                continue
            v = r["score"]["variants"]
            counts = v
            cells = [fmt(recall(v["by_kind"], [k]), 3) for k in kinds]
            cells += [fmt(recall(v["by_true_jaccard"], [b]), 3) for b in bands]
            rm = v.get("related_merged", [0, 0])
            cells.append(f"{rm[0]} / {rm[1]}")
            out.append(f"| {t} | " + " | ".join(cells) + " |")
        out.append("| (copies) | " + " | ".join(str(counts["by_kind"].get(k, [0, 0])[1]) for k in kinds) + " | "
                   + " | ".join(str(counts["by_true_jaccard"].get(b, [0, 0])[1]) for b in bands) + " | |")
    others = [x["others_cores"] for rs in tools.values() for x in rs if x["others_cores"] is not None]
    return out, {"others": others}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", type=Path, required=True)
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--command", required=True)
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--note", default="")
    ap.add_argument("--storydup", required=True)
    ap.add_argument("--commit", default="?", help="git commit storydup was built from")
    ap.add_argument("--sizes", nargs="+", required=True)
    ap.add_argument("--peers", default="", help="peers in the order given to compare.sh")
    ap.add_argument("--simd", default="best", help="storydup's STORYDUP_SIMD levels, the plain rows' first")
    a = ap.parse_args()

    sections, others = [], []
    for size in a.sizes:
        lines, info = size_section(a.work, size, a.threads, a.peers.split())
        sections += lines + [""]
        others += info["others"]
    out = [
        f"# storydup against datasketch, rensa and gaoya: {', '.join(a.sizes)}",
        "",
        f"Report written {sh('date', '-u', '+%Y-%m-%d %H:%M UTC')} (at the end of the run) by, from the repository root:",
        "",
        "```sh",
        a.command,
        "```",
        "",
        "## Machine",
        "",
        *machine(a.storydup, a.commit, a.simd),
        "",
    ]
    if others:
        busy = max(others)
        med = statistics.median(others)
        verdict = ("**The machine was shared**: other processes" if busy >= 0.25 else "The machine was quiet: other processes")
        out += [f"{verdict} used {med:.2f} cores on average (median over runs; at most {busy:.2f}) "
                f"while the runs were timed, out of {os.cpu_count()} — see the last column of each table. "
                + ("Wall times are therefore noisy; medians are reported and every run is listed." if busy >= 0.25 else ""), ""]
    if a.note:
        out += [a.note, ""]
    out += [
        "## How it is measured",
        "",
        "- Every tool reads the same generated JSONL corpus (the shared kit's `make_corpus.py`, built from real "
        "news sentences with near-duplicates injected at a known rate) and uses word 5-grams, 128 MinHash "
        "permutations and Jaccard threshold 0.8. The peers run through the kit's `peers.py` (each the way its own "
        "documentation shows; LSH with 9 bands × 13 rows, clusters = connected components of the reported pairs). "
        "storydup runs `storydup dedup CORPUS --out DIR -j THREADS -q` (it chooses its own banding and confirms "
        "every candidate with the exact Jaccard of the two shingle sets), and once more with `--containment`.",
        "- *wall s* and *peak RSS* are those of the whole process, from `/usr/bin/time -v` (for the peers this "
        "includes starting Python and importing the library). storydup also writes `kept.jsonl` and "
        "`removed.jsonl` (the corpus again, split), which the peers do not; that time is in its figures.",
        "- MB/s = corpus file bytes / 10⁶ / wall s; records/s = records / wall s. *wall ÷ storydup wall* above 1 "
        "means the tool is that many times slower than storydup with default settings.",
        "- Quality: every clustering is scored with `storydup eval --truth corpus-SIZE.truth.jsonl PRED --json`. "
        "*recall, true J ≥ 0.8* is the share of injected copies whose true word-5-gram Jaccard with their base "
        "is at least 0.8 that were put in their base's cluster; *recall, truncate + embed* the same for "
        "truncated and embedded copies (mostly below 0.8 by construction, which containment is for).",
        "- *others' CPU*: busy CPU time of the whole machine during the run (from `/proc/stat`) minus the "
        "tool's own user + system time, per second of wall time: how much of the machine something else used.",
        "",
        "## Results",
        "",
        *sections,
    ]
    print("\n".join(out).rstrip() + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
