#!/usr/bin/env python3
"""The cohesion rule of `storydup stories`: B³ F1 by --cohesion and --relative-threshold on the
labelled dev corpora, their word-bag versions and their halves by event (the sets of
scripts/stories_eval.py; the data kit is read in place, never copied), then leave one corpus out:
the pair of settings chosen on one dev corpus (its best B³ F1) scored on the other.

  python3 scripts/stories_cohesion.py [--bin target/release/storydup] [--data DIR | --shared DIR]
                                      [--cohesion 0,0.25,0.3,0.35] [--relative 3,3.5,4,4.5,5]

--cohesion 0 turns the rule off (the defaults before it: relative threshold 5). Halves are the
mean and the worst of six random halves by event. Other options stay at their defaults.

Last, the held-out corpora's sizes: 8 random samples of 38 of UCI's 48 stories and of 31 of
giveme5w1h's 38 events (as many as the issue's held-out headline and article corpora hold),
scored with the previous defaults (--relative-threshold 5 --cohesion 0) and the current ones.
"""
import argparse, json, random, statistics, sys, tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import stories_eval as se  # noqa: E402

SETS = ["g5", "uci", "wb-g5", "wb-uci", "mixed"]
HALVES = ["g5", "uci", "wb-g5", "wb-uci"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    se.kit_args(ap)
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
                    f[k] = se.score(a.bin, a.bin, p, truths[k], extra)["bcubed_f1"]
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
    subsets(a.bin, data)
    print("\nLeave one corpus out: the settings with the best B³ F1 on one dev corpus (all of them when")
    print("several tie at three decimals), scored on the other.\n")
    print("| chosen on | best there | settings (cohesion, relative) | other corpus | " + " | ".join(SETS[2:]) + " |")
    print("|---|---|---|---|" + "---|" * len(SETS[2:]))
    for here, there in (("g5", "uci"), ("uci", "g5")):
        best = max(round(f[here], 3) for f in grid.values())
        for key, f in grid.items():
            if round(f[here], 3) == best:
                print(f"| {here} | {best:.3f} | {key[0]}, {key[1]} | {there} {f[there]:.3f} | " + " | ".join(f"{f[k]:.3f}" for k in SETS[2:]) + " |")


def subsets(bin_, data, samples=8):
    print("\nSamples of the dev corpora as large as the held-out ones (B³ F1 over 8 samples):\n")
    print("| corpus | stories per sample | previous defaults: mean / worst | current defaults: mean / worst | current better in |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as td:
        td = Path(td)
        for name, k in (("uci", 38), ("g5", 31)):
            recs = se.read(data / se.CORPORA[name] / "dev.jsonl")
            events = sorted({r["cluster"] for r in recs})
            old, new = [], []
            for seed in range(samples):
                keep = set(random.Random(seed).sample(events, k))
                p = td / f"{name}-{seed}.jsonl"
                with open(p, "w") as f:
                    for r in recs:
                        if r["cluster"] in keep:
                            f.write(json.dumps(r) + "\n")
                truth = se.truth_file(p, td)
                for extra, out in ((["--relative-threshold", "5", "--cohesion", "0"], old), ([], new)):
                    out.append(se.score(bin_, bin_, p, truth, extra)["bcubed_f1"])
            better = sum(n > o for o, n in zip(old, new))
            print(
                f"| {name} | {k} of {len(events)} | {statistics.mean(old):.3f} / {min(old):.3f} "
                f"| {statistics.mean(new):.3f} / {min(new):.3f} | {better} of {samples} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
