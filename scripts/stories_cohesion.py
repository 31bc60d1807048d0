#!/usr/bin/env python3
"""The cohesion rule of `storydup stories`: B³ F1 by --cohesion and --relative-threshold on the
labelled dev corpora, their word-bag versions and their halves by event (the sets of
scripts/stories_eval.py; the data kit is read in place, never copied), then leave one corpus out:
the pair of settings chosen on one dev corpus (its best B³ F1) scored on the other.

  python3 scripts/stories_cohesion.py [--bin target/release/storydup] [--data DIR]
                                      [--cohesion 0,0.25,0.3,0.35] [--relative 3,3.5,4,4.5,5]

--cohesion 0 turns the rule off (the defaults before it: relative threshold 5). Halves are the
mean and the worst of six random halves by event. Other options stay at their defaults.
"""
import argparse, statistics, sys, tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import stories_eval as se  # noqa: E402

SETS = ["g5", "uci", "wb-g5", "wb-uci", "mixed"]
HALVES = ["g5", "uci", "wb-g5", "wb-uci"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=str(se.ROOT / "target" / "release" / "storydup"))
    ap.add_argument("--data")
    ap.add_argument("--shared")
    ap.add_argument("--cohesion", default="0,0.25,0.3,0.35")
    ap.add_argument("--relative", default="3,3.5,4,4.5,5")
    a = ap.parse_args()
    data = se.data_dir(a.data, a.shared)
    grid = {}
    with tempfile.TemporaryDirectory() as td:
        td = Path(td)
        sets = se.build_sets(data, td)
        truths = {k: se.truth_file(v, td) for k, v in sets.items()}
        print("| --cohesion | --relative-threshold | " + " | ".join(SETS) + " | " + " | ".join(f"{h} halves mean / worst" for h in HALVES) + " |")
        print("|---" * (2 + len(SETS) + len(HALVES)) + "|")
        for coh in a.cohesion.split(","):
            for rel in a.relative.split(","):
                extra = ["--relative-threshold", rel, "--cohesion", coh]
                f = {}
                for k, p in sets.items():
                    _, _, text = se.run_stories(a.bin, p, extra)
                    f[k] = se.eval_stories(a.bin, truths[k], text)["bcubed_f1"]
                grid[(coh, rel)] = f
                half = lambda c: [f[k] for k in f if k.startswith(c + "/")]
                print(
                    f"| {coh} | {rel} | "
                    + " | ".join(f"{f[k]:.3f}" for k in SETS)
                    + " | "
                    + " | ".join(f"{statistics.mean(half(h)):.3f} / {min(half(h)):.3f}" for h in HALVES)
                    + " |",
                    flush=True,
                )
    print("\nLeave one corpus out: the settings with the best B³ F1 on one dev corpus (all of them when")
    print("several tie at three decimals), scored on the other.\n")
    print("| chosen on | best there | settings (cohesion, relative) | other corpus | " + " | ".join(SETS[2:]) + " |")
    print("|---|---|---|---|" + "---|" * len(SETS[2:]))
    for here, there in (("g5", "uci"), ("uci", "g5")):
        best = max(round(f[here], 3) for f in grid.values())
        for key, f in grid.items():
            if round(f[here], 3) == best:
                print(f"| {here} | {best:.3f} | {key[0]}, {key[1]} | {there} {f[there]:.3f} | " + " | ".join(f"{f[k]:.3f}" for k in SETS[2:]) + " |")


if __name__ == "__main__":
    main()
