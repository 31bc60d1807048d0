"""The shared benchmark kit, found the same way by every Python script here (benches/kit.sh does
the same for the shell scripts): --shared DIR, else STORYDUP_SHARED, else SHARED (the older
name), else ../shared beside the repository. `find(...)` exits with a message that says what the
kit is and how to do without it."""
from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

ABOUT = """The kit is a folder kept beside the repository and never committed (it holds third-party news text):
  bench/  make_corpus.py (a corpus of real news sentences with near-duplicates injected at known
          rates, and its truth), peers.py (runs datasketch, rensa, gaoya, ... the same way), score.py,
          requirements.txt (the peers' PyPI versions)
  data/   labelled corpora, dev parts, as JSONL: reuters21578, bbc_news, giveme5w1h_news_cluster,
          uci_news_aggregator_sample, clough_short_answers (data/README.md names their sources)
  seeds/  the five seed reports
Point STORYDUP_SHARED at it, or pass --shared DIR (default: ../shared beside the repository).
Without it: the peers are on PyPI (pip install datasketch==2.0.0 rensa==0.5.0 gaoya==0.2.2), and
storydup dedup, eval and stories run on any JSONL corpus; see benches/README.md, "Without the kit"."""


def default() -> str:
    """Where the kit is looked for when --shared is not given."""
    return os.environ.get("STORYDUP_SHARED") or os.environ.get("SHARED") or str(REPO.parent / "shared")


def find(shared: str | None = None, *need: str) -> Path:
    """The kit's folder (from --shared, or the environment), holding every path in `need`; exits
    with a message saying what the kit is otherwise."""
    root = Path(shared or default())
    why = None
    if not root.is_dir():
        why = f"there is no folder {root}"
    else:
        for n in need:
            if not (root / n).exists():
                why = f"{root} has no {n}"
                break
    if why:
        sys.exit(f"{Path(sys.argv[0]).name}: error: the shared benchmark kit is not there: {why}.\n{ABOUT}")
    return root.resolve()
