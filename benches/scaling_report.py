#!/usr/bin/env python3
"""Chart (SVG, drawn by hand) and Markdown report of a benches/scaling.sh run (called by it;
standard library only).

Reads scaling.sh's runs.tsv (one timed `storydup dedup` per size), the corpus manifests, and the
peers' figures from the last benches/compare.sh run: WORK/runs/SIZE/runs.tsv (wall and peak RSS
from /usr/bin/time -v, the median run as in compare_report.py), or, if there is no runs.tsv, each
peer's own WORK/runs/SIZE/PEER.runN/PEER.summary.json (its in-process timer and peak RSS).
Writes the SVG to --svg and prints the report on standard output.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.dont_write_bytecode = True
from compare_report import machine, sh  # noqa: E402

PEERS = ["datasketch", "rensa", "gaoya"]
COLORS = {"storydup": "#d62728", "datasketch": "#1f77b4", "rensa": "#2ca02c", "gaoya": "#9467bd"}
MARKERS = {"storydup": "circle", "datasketch": "square", "rensa": "diamond", "gaoya": "triangle"}
PEER_THREADS_1 = {"datasketch"}


def manifest(work: Path, size: str) -> dict:
    return json.loads((work / "corpus" / f"corpus-{size}.manifest.json").read_text())


def storydup_runs(tsv: Path) -> dict[str, dict]:
    lines = tsv.read_text().splitlines()
    head = lines[0].split("\t")
    out = {}
    for line in lines[1:]:
        r = dict(zip(head, line.split("\t")))
        if r["status"] != "0":
            out[r["size"]] = {"failed": r["status"]}
            continue
        summ = Path(r["dir"]) / "summary.json"
        out[r["size"]] = {
            "wall": float(r["wall_s"]),
            "rss_bytes": int(r["maxrss_kb"]) * 1024,
            "cpu": float(r["cpu_s"]),
            "others": float(r["others_cores"]),
            "load1": r.get("load1_start", ""),
            "summary": json.loads(summ.read_text()) if summ.exists() else {},
        }
    return out


def peer_figures(work: Path, size: str, nbytes: int) -> tuple[dict[str, dict], str]:
    """Each peer's median run at this size from the compare.sh run, if there is one."""
    folder = work / "runs" / size
    found: dict[str, dict] = {}
    src = ""
    tsv = folder / "runs.tsv"
    if tsv.exists():
        lines = tsv.read_text().splitlines()
        head = lines[0].split("\t")
        runs: dict[str, list[dict]] = {}
        for line in lines[1:]:
            r = dict(zip(head, line.split("\t")))
            if r["tool"] in PEERS and r["status"] == "0" and r["wall_s"]:
                runs.setdefault(r["tool"], []).append(r)
        for tool, rs in runs.items():
            rs.sort(key=lambda r: float(r["wall_s"]))
            r = rs[(len(rs) - 1) // 2]
            summ = Path(r["dir"]) / f"{tool}.summary.json"
            s = json.loads(summ.read_text()) if summ.exists() else {}
            if s.get("input_bytes") not in (None, nbytes):
                continue  # a run on another corpus
            found[tool] = {"wall": float(r["wall_s"]), "rss_bytes": int(r["maxrss_kb"]) * 1024,
                           "runs": len(rs), "version": s.get("version", "?"),
                           "others": float(r["others_cores"]) if r.get("others_cores") else None}
        src = f"`{tsv}` (wall and peak RSS from `/usr/bin/time -v`, median run)"
    else:
        for tool in PEERS:
            cands = []
            for summ in sorted(folder.glob(f"{tool}.run*/{tool}.summary.json")):
                s = json.loads(summ.read_text())
                if s.get("input_bytes") == nbytes and s.get("seconds_total"):
                    cands.append(s)
            if cands:
                cands.sort(key=lambda s: s["seconds_total"])
                s = cands[(len(cands) - 1) // 2]
                found[tool] = {"wall": s["seconds_total"], "rss_bytes": int(s["peak_rss_mb"] * 2**20),
                               "runs": len(cands), "version": s.get("version", "?"), "others": None}
        if found:
            src = f"`{folder}/PEER.runN/PEER.summary.json` (the peers' own timer and peak RSS, median run)"
    return found, src


# ---------------------------------------------------------------------------------------------
# SVG
# ---------------------------------------------------------------------------------------------
def nice_step(span: float) -> float:
    raw = span / 5
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag


def size_label(nbytes: float) -> str:
    if nbytes >= 1e9:
        v, u = nbytes / 1e9, "GB"
    else:
        v, u = nbytes / 1e6, "MB"
    return f"{v:.0f} {u}" if v >= 10 or abs(v - round(v)) < 0.05 else f"{v:.1f} {u}"


def marker(kind: str, x: float, y: float, color: str) -> str:
    r = 4.5
    if kind == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="{color}"/>'
    if kind == "square":
        return f'<rect x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r}" height="{2 * r}" fill="{color}"/>'
    if kind == "diamond":
        return (f'<polygon points="{x:.1f},{y - r - 1:.1f} {x + r + 1:.1f},{y:.1f} {x:.1f},{y + r + 1:.1f} '
                f'{x - r - 1:.1f},{y:.1f}" fill="{color}"/>')
    return (f'<polygon points="{x:.1f},{y - r - 1:.1f} {x + r + 1:.1f},{y + r:.1f} {x - r - 1:.1f},{y + r:.1f}" '
            f'fill="{color}"/>')


def panel(x0: float, y0: float, w: float, h: float, title: str, ylabel: str, xs_all: list[float],
          series: dict[str, list[tuple[float, float]]], ylog: bool, names: dict[float, str]) -> list[str]:
    """One chart: log x (corpus bytes), linear or log y; series = tool -> [(bytes, value)]."""
    out = []
    xmin, xmax = min(xs_all) / 1.8, max(xs_all) * 2.0
    vals = [v for pts in series.values() for _, v in pts]
    if ylog:
        ymin = 10 ** math.floor(math.log10(min(vals)))
        ymax = 10 ** math.ceil(math.log10(max(vals)))
        if ymax / max(vals) > 4:
            ymax = max(vals) * 2
        fy = lambda v: y0 + h - (math.log10(v) - math.log10(ymin)) / (math.log10(ymax) - math.log10(ymin)) * h
    else:
        step = nice_step(max(vals) * 1.1)
        ymin, ymax = 0.0, math.ceil(max(vals) * 1.1 / step) * step
        fy = lambda v: y0 + h - (v - ymin) / (ymax - ymin) * h
    fx = lambda b: x0 + (math.log10(b) - math.log10(xmin)) / (math.log10(xmax) - math.log10(xmin)) * w

    out.append(f'<rect x="{x0}" y="{y0}" width="{w}" height="{h}" fill="#fff" stroke="#444"/>')
    out.append(f'<text x="{x0 + w / 2:.1f}" y="{y0 - 12}" text-anchor="middle" font-size="15" '
               f'font-weight="bold">{escape(title)}</text>')
    # y grid and ticks
    if ylog:
        e = math.floor(math.log10(ymin))
        while 10 ** e <= ymax * 1.0001:
            for m in (1, 2, 5):
                v = m * 10 ** e
                if ymin <= v <= ymax * 1.0001:
                    y = fy(v)
                    major = m == 1
                    out.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x0 + w}" y2="{y:.1f}" '
                               f'stroke="{"#ccc" if major else "#eee"}"/>')
                    out.append(f'<text x="{x0 - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">'
                               f'{v:,.0f}</text>')
            e += 1
    else:
        step = nice_step(ymax)
        v = 0.0
        while v <= ymax + 1e-9:
            y = fy(v)
            out.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x0 + w}" y2="{y:.1f}" stroke="#ddd"/>')
            out.append(f'<text x="{x0 - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{v:g}</text>')
            v += step
    # x ticks at the measured sizes, faint decade lines
    e = math.ceil(math.log10(xmin))
    while 10 ** e <= xmax:
        x = fx(10 ** e)
        out.append(f'<line x1="{x:.1f}" y1="{y0}" x2="{x:.1f}" y2="{y0 + h}" stroke="#f0f0f0"/>')
        e += 1
    for b in sorted(set(xs_all)):
        x = fx(b)
        out.append(f'<line x1="{x:.1f}" y1="{y0 + h}" x2="{x:.1f}" y2="{y0 + h + 5}" stroke="#444"/>')
        name, _, sub = names.get(b, size_label(b)).partition("\n")
        out.append(f'<text x="{x:.1f}" y="{y0 + h + 18}" text-anchor="middle" font-size="12">{escape(name)}</text>')
        if sub:
            out.append(f'<text x="{x:.1f}" y="{y0 + h + 31}" text-anchor="middle" font-size="10" fill="#666">'
                       f'{escape(sub)}</text>')
    out.append(f'<text x="{x0 + w / 2:.1f}" y="{y0 + h + 50}" text-anchor="middle" font-size="12">'
               f'corpus (JSONL file size, log scale)</text>')
    out.append(f'<text x="{x0 - 48}" y="{y0 + h / 2:.1f}" text-anchor="middle" font-size="12" '
               f'transform="rotate(-90 {x0 - 48} {y0 + h / 2:.1f})">{escape(ylabel)}</text>')
    # lines, then value labels beside the points, pushed apart where they would overlap
    labels: dict[float, list[list]] = {}
    for tool, pts in series.items():
        if not pts:
            continue
        c = COLORS.get(tool, "#555")
        pts = sorted(pts)
        path = " ".join(f"{fx(b):.1f},{fy(v):.1f}" for b, v in pts)
        width = 3 if tool == "storydup" else 2
        out.append(f'<polyline points="{path}" fill="none" stroke="{c}" stroke-width="{width}"/>')
        for b, v in pts:
            out.append(marker(MARKERS.get(tool, "circle"), fx(b), fy(v), c))
            label = f"{v:,.0f}" if v >= 9.95 else f"{v:.1f}"
            labels.setdefault(b, []).append([fy(v) - 6, label, c])
    for b, group in labels.items():
        group.sort(key=lambda g: g[0])
        for i in range(1, len(group)):
            group[i][0] = max(group[i][0], group[i - 1][0] + 11)
        for y, label, c in group:
            out.append(f'<text x="{fx(b) + 8:.1f}" y="{y:.1f}" font-size="10" fill="{c}" stroke="#fff" '
                       f'stroke-width="3" paint-order="stroke">{label}</text>')
    return out


def svg(series_speed, series_rss, xs_all, subtitle: str, names: dict[float, str]) -> str:
    W, H = 1000, 490
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
           f'font-family="Helvetica, Arial, sans-serif">',
           f'<rect width="{W}" height="{H}" fill="#fff"/>',
           f'<text x="{W / 2}" y="24" text-anchor="middle" font-size="17" font-weight="bold">'
           f'storydup dedup and MinHash/LSH peers: throughput and peak memory against corpus size</text>',
           f'<text x="{W / 2}" y="44" text-anchor="middle" font-size="12" fill="#555">{escape(subtitle)}</text>']
    out += panel(90, 90, 370, 290, "Throughput (higher is better)", "MB/s (input bytes / wall s)",
                 xs_all, series_speed, ylog=False, names=names)
    out += panel(590, 90, 370, 290, "Peak RSS (lower is better)", "peak RSS, MiB (log scale)",
                 xs_all, series_rss, ylog=True, names=names)
    # legend
    lx = 90
    for tool in ["storydup", *PEERS]:
        if not series_speed.get(tool):
            continue
        c = COLORS[tool]
        out.append(f'<line x1="{lx}" y1="{H - 22}" x2="{lx + 26}" y2="{H - 22}" stroke="{c}" stroke-width="3"/>')
        out.append(marker(MARKERS[tool], lx + 13, H - 22, c))
        name = tool + (" (1 thread)" if tool in PEER_THREADS_1 else "")
        out.append(f'<text x="{lx + 32}" y="{H - 18}" font-size="12">{escape(name)}</text>')
        lx += 60 + 7 * len(name)
    out.append("</svg>")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------------------------
def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--runs", type=Path, required=True)
    ap.add_argument("--command", required=True)
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--note", default="")
    ap.add_argument("--storydup", required=True)
    ap.add_argument("--commit", default="?")
    ap.add_argument("--svg", type=Path, required=True)
    ap.add_argument("--sizes", nargs="+", required=True)
    a = ap.parse_args()

    sd = storydup_runs(a.runs)
    rows, speed, rss = [], {t: [] for t in ["storydup", *PEERS]}, {t: [] for t in ["storydup", *PEERS]}
    peer_rows, peer_srcs = [], set()
    for size in a.sizes:
        m = manifest(a.work, size)
        nbytes, nrec = m["file_bytes"], m["records"]
        r = sd.get(size, {"failed": "not run"})
        rows.append((size, nbytes, nrec, r))
        if "wall" in r:
            speed["storydup"].append((nbytes, nbytes / 1e6 / r["wall"]))
            rss["storydup"].append((nbytes, r["rss_bytes"] / 2**20))
        peers, src = peer_figures(a.work, size, nbytes)
        if src:
            peer_srcs.add(src)
        for tool in PEERS:
            p = peers.get(tool)
            if p:
                speed[tool].append((nbytes, nbytes / 1e6 / p["wall"]))
                rss[tool].append((nbytes, p["rss_bytes"] / 2**20))
                peer_rows.append((size, nbytes, nrec, tool, p))

    commit_short = a.commit.split()[0][:7]
    subtitle = (f"generated news corpus (seed 42), word 5-grams, 128 permutations, threshold 0.8; "
                f"{a.threads} threads; storydup {commit_short}; peers from the benches/compare.sh run")
    a.svg.write_text(svg(speed, rss, [b for _, b, _, _ in rows], subtitle,
                         {b: f"{size}\n{b / 1e6:,.0f} MB" if b < 1e9 else f"{size}\n{b / 1e9:.2f} GB"
                          for size, b, _, _ in rows}))

    out = [
        "# storydup dedup: throughput and peak memory against corpus size",
        "",
        f"Report written {sh('date', '-u', '+%Y-%m-%d %H:%M UTC')} (at the end of the run) by, "
        "from the repository root:",
        "",
        "```sh",
        a.command,
        "```",
        "",
        f"![throughput and peak RSS against corpus size]({a.svg.name})",
        "",
        "## Machine",
        "",
        *machine(a.storydup, a.commit),
        "",
    ]
    # the CPU others used is read from /proc/stat in 10 ms ticks: meaningless over a run under 1 s
    others = [r["others"] for _, _, _, r in rows if "others" in r and r["wall"] >= 1]
    if others:
        busy = max(others)
        out += [("**The machine was shared**: other processes" if busy >= 0.25 else
                 "The machine was quiet: other processes") +
                f" used {min(others):.2f}{'' if min(others) == busy else f'–{busy:.2f}'} cores while storydup ran (out of {os.cpu_count()} CPUs; "
                "last column of the table; runs shorter than 1 s left out, too short to measure). " +
                ("Wall times, and so MB/s, are therefore pessimistic and noisy (one run per size)." if busy >= 0.25
                 else ""), ""]
    if a.note:
        out += [a.note, ""]
    out += [
        "## How it is measured",
        "",
        f"- One run of `storydup dedup corpus-SIZE.jsonl --out DIR -j {a.threads} -q` per size under "
        "`/usr/bin/time -v` on the corpora of the shared kit's `make_corpus.py --size SIZE --seed 42` "
        "(real news sentences, 20 % injected near-duplicates, the same generator as `benches/compare.sh`). "
        "The wall time includes writing `kept.jsonl` and `removed.jsonl` (the corpus again, split).",
        "- MB/s = corpus file bytes / 10⁶ / wall s (wall from the shell's nanosecond clock around the "
        "timed command, which includes starting the process). Peak RSS is the maximum resident set size of the whole "
        "process; MiB = 2²⁰ bytes (the compare report's \"MB\" are the same MiB). Bytes per record = "
        "peak RSS bytes / records; *marginal* bytes per record = the growth in peak RSS from the previous "
        "size divided by the growth in records.",
        "- The peers are not run by this script: their figures are those of the last `benches/compare.sh` run, "
        "at the sizes it measured, read from " + ("; ".join(sorted(peer_srcs)) if peer_srcs else "(none found)")
        + ". Their runs were made at a different time than storydup's, so load on the machine differed.",
        "",
        "## storydup",
        "",
        "| corpus | records | JSONL bytes | bytes / record | wall s | MB/s | records/s | peak RSS MiB "
        "| peak RSS bytes / record | marginal bytes / record | peak RSS ÷ input bytes | CPU s | others' CPU, cores |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    prev = None
    for size, nbytes, nrec, r in rows:
        if "wall" not in r:
            out.append(f"| {size} | {nrec:,} | {nbytes:,} | {nbytes / nrec:,.0f} | failed ({r['failed']}) "
                       "| | | | | | | | |")
            prev = None
            continue
        marg = "–"
        if prev:
            marg = f"{(r['rss_bytes'] - prev[1]) / (nrec - prev[0]):,.0f}"
        out.append(
            f"| {size} | {nrec:,} | {nbytes:,} | {nbytes / nrec:,.0f} | {r['wall']:,.2f} | "
            f"{nbytes / 1e6 / r['wall']:,.1f} | {nrec / r['wall']:,.0f} | {r['rss_bytes'] / 2**20:,.0f} | "
            f"{r['rss_bytes'] / nrec:,.0f} | {marg} | {r['rss_bytes'] / nbytes:.3f} | {r['cpu']:,.1f} | "
            f"{r['others']:.2f}{' (run under 1 s: not measurable)' if r['wall'] < 1 else ''} |")
        prev = (nrec, r["rss_bytes"])
    stage = [(size, r["summary"].get("timings_s", {})) for size, _, _, r in rows if r.get("summary")]
    if stage:
        keys = [k for k in ("read_and_sign", "lsh", "verify_and_cluster", "write", "total") if k in stage[0][1]]
        out += ["", "storydup's own per-stage timer (`summary.json` `timings_s`), seconds:", "",
                "| corpus | " + " | ".join(keys) + " |", "|---|" + "---|" * len(keys)]
        for size, t in stage:
            out.append(f"| {size} | " + " | ".join(f"{t.get(k, 0):,.2f}" for k in keys) + " |")
        ver = [(size, r["summary"].get("verification", {}), r["summary"].get("lsh", {}))
               for size, _, _, r in rows if r.get("summary")]
        out += ["", "| corpus | LSH bands × rows | candidate pairs | records re-read to verify | clusters |",
                "|---|---|---|---|---|"]
        for (size, v, l), (_, _, _, r) in zip(ver, [x for x in rows if x[3].get("summary")]):
            out.append(f"| {size} | {l.get('bands', '?')} × {l.get('rows', '?')} | {v.get('candidate_pairs', 0):,} | "
                       f"{v.get('records_reread', 0):,} | {r['summary'].get('clusters', 0):,} |")
    out += ["", "## Every tool (the chart's data)", "",
            "| corpus | tool | threads | wall s | MB/s | peak RSS MiB | peak RSS bytes / record | source |",
            "|---|---|---|---|---|---|---|---|"]
    for size, nbytes, nrec, r in rows:
        if "wall" in r:
            out.append(f"| {size} | storydup | {a.threads} | {r['wall']:,.2f} | {nbytes / 1e6 / r['wall']:,.1f} | "
                       f"{r['rss_bytes'] / 2**20:,.0f} | {r['rss_bytes'] / nrec:,.0f} | this run |")
        for psize, pb, pn, tool, p in peer_rows:
            if psize != size:
                continue
            thr = 1 if tool in PEER_THREADS_1 else a.threads
            out.append(f"| {size} | {tool} {p['version']} | {thr} | {p['wall']:,.2f} | {pb / 1e6 / p['wall']:,.1f} | "
                       f"{p['rss_bytes'] / 2**20:,.0f} | {p['rss_bytes'] / pn:,.0f} | compare.sh, median of "
                       f"{p['runs']} run(s)" + (f", others' CPU {p['others']:.2f}" if p["others"] is not None else "")
                       + " |")
    print("\n".join(out).rstrip() + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
