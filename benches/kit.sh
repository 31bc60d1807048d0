# The shared benchmark kit, found the same way by every script in benches/ and scripts/ (sourced,
# after ROOT is set to the repository):
#
#   . "$ROOT/benches/kit.sh"
#   kit_find bench/make_corpus.py data     # sets SHARED to the kit's absolute path, or exits 1
#
# Where: STORYDUP_SHARED, else SHARED (the older name, still read), else ../shared beside the
# repository. The message on failure says what the kit is and how to do without it.

# What the kit is, for messages (scripts/kit.py says the same for the Python scripts).
KIT_ABOUT="The kit is a folder kept beside the repository and never committed (it holds third-party news text):
  bench/  make_corpus.py (a corpus of real news sentences with near-duplicates injected at known
          rates, and its truth), peers.py (runs datasketch, rensa, gaoya, ... the same way), score.py,
          requirements.txt (the peers' PyPI versions)
  data/   labelled corpora, dev parts, as JSONL: reuters21578, bbc_news, giveme5w1h_news_cluster,
          uci_news_aggregator_sample, clough_short_answers (data/README.md names their sources)
  seeds/  the five seed reports
Point STORYDUP_SHARED at it (default: ../shared beside the repository).
Without it: the peers are on PyPI (pip install datasketch==2.0.0 rensa==0.5.0 gaoya==0.2.2), and
storydup dedup, eval and stories run on any JSONL corpus; see benches/README.md, \"Without the kit\"."

kit_find() {
  local want=${STORYDUP_SHARED:-${SHARED:-$ROOT/../shared}}
  local why=""
  if ! SHARED=$(cd "$want" 2>/dev/null && pwd); then
    why="there is no folder $want"
  else
    local need
    for need in "$@"; do
      if [ ! -e "$SHARED/$need" ]; then
        why="$SHARED has no $need"
        break
      fi
    done
  fi
  if [ -n "$why" ]; then
    printf '%s: error: the shared benchmark kit is not there: %s.\n%s\n' "${0##*/}" "$why" "$KIT_ABOUT" >&2
    exit 1
  fi
  export SHARED
}
