"""Shared fixtures: a small corpus with known near-duplicates, and the storydup binary."""

import os
import random
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]

VOCAB = [
    f"{a}{b}"
    for a in ["stor", "rain", "mark", "flood", "bank", "vote", "crop", "port", "road", "fire"]
    for b in ["y", "er", "ing", "ed", "s", "ate", "ion", "al", "ous", "ly", "ist", "ment"]
]


def make_records(n=600, seed=7, dup_rate=0.35):
    """n records {id, text}: originals of 60-120 random words, and near-duplicates of earlier
    records (exact copies, one or two words changed, a word appended, a chain of edits)."""
    rng = random.Random(seed)
    records = []
    for i in range(n):
        if records and rng.random() < dup_rate:
            base = rng.choice(records)["text"].split()
            kind = rng.randrange(4)
            if kind == 1:
                base[rng.randrange(len(base))] = rng.choice(VOCAB)
            elif kind == 2:
                for _ in range(2):
                    base[rng.randrange(len(base))] = rng.choice(VOCAB)
            elif kind == 3:
                base.append(rng.choice(VOCAB))
            text = " ".join(base)
        else:
            text = " ".join(rng.choice(VOCAB) for _ in range(rng.randint(60, 120)))
        records.append({"id": f"doc-{i:05d}", "text": text})
    return records


@pytest.fixture(scope="session")
def records():
    return make_records()


def _binary():
    env = os.environ.get("STORYDUP_BIN")
    if env:
        return env
    targets = [os.environ.get("CARGO_TARGET_DIR"), str(REPO / "target")]
    for t in filter(None, targets):
        for profile in ("release", "debug"):
            p = Path(t) / profile / "storydup"
            if p.is_file():
                return str(p)
    return shutil.which("storydup")


@pytest.fixture(scope="session")
def storydup_bin():
    """The storydup command line: $STORYDUP_BIN, or target/{release,debug}/storydup. CI sets
    STORYDUP_BIN, and there a missing binary fails instead of skipping."""
    b = _binary()
    if b is None:
        if os.environ.get("CI"):
            pytest.fail("no storydup binary: build it (cargo build) or set STORYDUP_BIN")
        pytest.skip("no storydup binary: build it (cargo build) or set STORYDUP_BIN")
    return b
