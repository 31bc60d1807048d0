#!/usr/bin/env bash
# A 1 GB Parquet file streamed with bounded memory (issue 12): the generated corpus at 1 GB as
# JSONL, the same records as Parquet (pyarrow, 64 Ki-row row groups, snappy), then `storydup
# dedup` on each under /usr/bin/time: wall time and peak RSS, and the two runs' removed and
# clusters files compared byte for byte.
#
#   scripts/parquet_1gb.sh [SIZE] [WORK]     default 1GB, bench-work/ (git-ignored)
#
# Needs python3 with pyarrow (e.g. the .venv of `pip install .`; set PYTHON) and
# /work/shared/bench/make_corpus.py (or BENCH=path to the bench kit); apt-get install time if
# /usr/bin/time is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-1GB}
work=${2:-bench-work}
py=${PYTHON:-python3}
bench=${BENCH:-/work/shared/bench}
mkdir -p "$work"
bin=${STORYDUP_BIN:-$PWD/target/release/storydup}
[ -x "$bin" ] || cargo build --release -q
jsonl="$work/c$size.jsonl"
parquet="$work/c$size.parquet"
[ -s "$jsonl" ] || python3 "$bench/make_corpus.py" --size "$size" --seed 42 --out "$jsonl"
[ -s "$parquet" ] || "$py" - "$jsonl" "$parquet" <<'PY'
import sys
import pyarrow.json as pj, pyarrow.parquet as pq
src, dst = sys.argv[1:]
# Streamed: one block of JSON at a time into row groups of 65,536 rows.
reader = pj.open_json(src, read_options=pj.ReadOptions(block_size=32 << 20))
with pq.ParquetWriter(dst, reader.schema) as w:
    for batch in reader:
        w.write_batch(batch, row_group_size=65536)
PY
echo "input: $(stat -c %s "$jsonl") bytes JSONL, $(stat -c %s "$parquet") bytes Parquet; $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
run() {
    local name=$1; shift
    /usr/bin/time -f "%e s, peak %M KiB" -o "$work/time" "$@" >/dev/null 2>"$work/err" || { cat "$work/err"; exit 1; }
    echo "| $name | $(cat "$work/time") |"
}
echo "| command | wall time, peak RSS |"
echo "|---|---|"
run "dedup $parquet" "$bin" dedup "$parquet" --out "$work/out-parquet" -q
run "dedup $jsonl" "$bin" dedup "$jsonl" --out "$work/out-jsonl" -q
run "verify (Parquet run)" "$bin" verify "$work/out-parquet" "$parquet"
for f in removed.jsonl clusters.jsonl; do
    cmp "$work/out-parquet/$f" "$work/out-jsonl/$f" && echo "$f: identical for Parquet and JSONL"
done
grep -E '"(input|kept|removed|rejected|clusters)"' "$work/out-parquet/summary.json" | tr -d ' \n'; echo
