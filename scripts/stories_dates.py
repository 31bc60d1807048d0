#!/usr/bin/env python3
"""Dates as soft evidence in `storydup stories`: B³ F1 by --date-scale (and --relative-threshold)
on the labelled dev corpora, their word-bag versions (no dates) and their halves by event, the
sets of scripts/stories_eval.py (the data kit is read in place, never copied).

  python3 scripts/stories_dates.py [--bin target/release/storydup] [--data DIR]
                                   [--scales 0,30,60,90,120,180,365,730] [--relative 4,5]

0 turns dates off. Halves are the mean and the worst of six random halves by event.
"""
import argparse, statistics, sys, tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import stories_eval as se  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    se.kit_args(ap)
    ap.add_argument("--scales", default="0,30,60,90,120,180,365,730")
    ap.add_argument("--relative", default="4,5")
    a = ap.parse_args()
    data = se.data_dir(a.data, a.shared)
    with tempfile.TemporaryDirectory() as td:
        td = Path(td)
        sets = se.build_sets(data, td)
        truths = {k: se.truth_file(v, td) for k, v in sets.items()}
        print("| --date-scale | --relative-threshold | g5 | uci | wb-g5 | wb-uci | mixed | g5 halves mean / worst | uci halves mean / worst |")
        print("|---|---|---|---|---|---|---|---|---|")
        for scale in a.scales.split(","):
            for rel in a.relative.split(","):
                extra = ["--relative-threshold", rel, "--date-scale", scale]
                f = {}
                for k, p in sets.items():
                    if k.startswith("wb-") and "/" in k:
                        continue
                    _, _, text = se.run_stories(a.bin, p, extra)
                    f[k] = se.eval_stories(a.bin, truths[k], text)["bcubed_f1"]
                half = lambda c: [f[k] for k in f if k.startswith(c + "/")]
                print(
                    f"| {scale} | {rel} | {f['g5']:.3f} | {f['uci']:.3f} | {f['wb-g5']:.3f} | {f['wb-uci']:.3f} | {f['mixed']:.3f} "
                    f"| {statistics.mean(half('g5')):.3f} / {min(half('g5')):.3f} | {statistics.mean(half('uci')):.3f} / {min(half('uci')):.3f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
