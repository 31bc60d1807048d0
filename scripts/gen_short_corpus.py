#!/usr/bin/env python3
"""Stream a JSONL corpus of many short records with injected near-duplicates, fast enough for
10 million records (about a minute per million on one core; the corpus is never held in memory).

    scripts/gen_short_corpus.py --records 10000000 --out bench-work/ten-million/corpus.jsonl

Words come from real news text (the `text` fields of the shared kit's data/*/dev.jsonl, the kit
found by STORYDUP_SHARED or at ../shared beside the repository, and the seed reports), drawn by their frequency there, so shingle statistics are those of news words; word
order is random, so two base records share no word 5-gram except by rare chance. A record is
4-6 "sentences" of 6-14 words taken from a pool of 2 million (a sentence alone is too short to
make two records similar): about 370 bytes per JSONL line.

A share --dup-rate (default 0.2) of the records are variants of one of the last 100,000 base
records: an exact copy, one or two words changed, the last sentence dropped, or letter case
and punctuation changed (all at word 5-gram Jaccard 0.7-1.0 with their base). Fields: `id`
(r0000000001...), `text`, and `base` (the id of the base record). Same arguments, same bytes.
"""
from __future__ import annotations

import argparse
import collections
import glob
import itertools
import json
import random
import re
import sys
from pathlib import Path

import kit

REPO = Path(__file__).resolve().parent.parent
# The shared kit's data/ (scripts/kit.py: STORYDUP_SHARED, or ../shared beside the repository).
DATA = [str(Path(kit.default()) / "data/*/dev.jsonl")]
SEEDS = [str(REPO / "seeds/*.txt")]
WORD = re.compile(r"[A-Za-z][A-Za-z'-]*|[0-9]+")


def vocabulary() -> tuple[list[str], list[int]]:
    counts: collections.Counter[str] = collections.Counter()
    files = sorted({f for g in DATA for f in glob.glob(g)})
    if not files:
        kit.find(None, "data/reuters21578/dev.jsonl")  # says what the kit is, and stops
    for f in files:
        with open(f, encoding="utf-8") as fh:
            for line in fh:
                counts.update(WORD.findall(json.loads(line).get("text") or ""))
    for f in sorted(glob.glob(SEEDS[0])):
        counts.update(WORD.findall(Path(f).read_text(encoding="utf-8")))
    if len(counts) < 1000:
        sys.exit(f"gen_short_corpus: too few words found in {DATA} and {SEEDS}")
    words = sorted(counts)
    return words, [counts[w] for w in words]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--dup-rate", type=float, default=0.2)
    a = ap.parse_args(argv)
    rng = random.Random(a.seed)
    words, weights = vocabulary()
    # The sentence pool: drawn once, words by frequency.
    cum = list(itertools.accumulate(weights))
    flat = rng.choices(words, cum_weights=cum, k=2_000_000 * 10)
    pool: list[str] = []
    i = 0
    while len(pool) < 2_000_000:
        n = rng.randint(6, 14)
        s = " ".join(flat[i % len(flat) : i % len(flat) + n])
        pool.append(s[:1].upper() + s[1:] + ".")
        i += n
    recent: list[list[str]] = []
    puncts = [",", ";", " -", ":"]
    a.out.parent.mkdir(parents=True, exist_ok=True)
    n_bytes = 0
    with open(a.out, "w", encoding="utf-8", buffering=1 << 22) as out:
        for r in range(1, a.records + 1):
            base_id = r
            if recent and rng.random() < a.dup_rate:
                k = rng.randrange(len(recent))
                base_id, sents = recent[k][0], list(recent[k][1])
                kind = rng.randrange(4)
                if kind == 1:  # one or two words changed
                    for _ in range(rng.randint(1, 2)):
                        j = rng.randrange(len(sents))
                        ws = sents[j].split(" ")
                        ws[rng.randrange(len(ws))] = rng.choice(words)
                        sents[j] = " ".join(ws)
                elif kind == 2 and len(sents) > 4:  # last sentence dropped
                    sents.pop()
                elif kind == 3:  # case and punctuation
                    sents = [s.upper() if rng.random() < 0.5 else s.replace(" ", rng.choice(puncts) + " ", 1) for s in sents]
                text = " ".join(sents)
            else:
                sents = [pool[rng.randrange(len(pool))] for _ in range(rng.randint(4, 6))]
                text = " ".join(sents)
                entry = (r, sents)
                if len(recent) < 100_000:
                    recent.append(entry)
                else:
                    recent[rng.randrange(len(recent))] = entry
            line = f'{{"id":"r{r:010d}","base":"r{base_id:010d}","text":{json.dumps(text)}}}\n'
            n_bytes += len(line.encode())
            out.write(line)
    print(f"gen_short_corpus: {a.records} records, {n_bytes} bytes, {n_bytes / a.records:.0f} bytes per record", file=sys.stderr)


if __name__ == "__main__":
    main()
