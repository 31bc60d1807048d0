#!/usr/bin/env bash
# How storydup's throughput and peak memory scale with corpus size (issue 5): runs
# `storydup dedup` once on each generated corpus (default 10MB 100MB 1GB 4GB) under
# /usr/bin/time -v, then draws results/DATE-scaling.svg (two panels: MB/s against corpus size,
# log x; peak RSS against corpus size, log-log; one line per tool) and writes
# results/DATE-scaling.md (table, bytes of peak memory per record, machine, command, commit).
# The peers (datasketch, rensa, gaoya) are NOT run here: their figures are read from the last
# benches/compare.sh run under WORK/runs/SIZE/ (runs.tsv, else each peer's PEER.summary.json),
# at the sizes that run measured.
#
#   usage: benches/scaling.sh [SIZE...]            (default: 10MB 100MB 1GB 4GB)
#   env:   THREADS=$(nproc)   worker threads for storydup (-j)
#          SEED=42            corpus seed (corpora are deterministic for a seed and reused once built)
#          STORYDUP_SHARED=../shared  the shared benchmark kit and data (read only;
#                             benches/kit.sh says what it is; SHARED is read too)
#          WORK=bench-work    work folder (git-ignored): kit copy, corpora, run outputs
#          PYTHON=python3     interpreter for make_corpus.py and the report (standard library only)
#          SRC=.              source tree to build storydup from (e.g. a clean clone at a commit)
#          NOTE="..."         free text added to the report (e.g. "machine shared with builds")
#          OUT=results/DATE-scaling   report prefix: OUT.md and OUT.svg
#
# A 4GB corpus is about 4.2 GB of JSONL (+ 0.12 GB of truth); make_corpus.py holds the whole corpus
# in memory while it builds it (peak RSS 4.7 GB; 5.5 minutes on one core here). storydup writes
# kept.jsonl + removed.jsonl (the corpus again), deleted after each run. Free disk is checked first.
set -euo pipefail

die() { echo "scaling.sh: error: $*" >&2; exit 1; }
say() { echo "== $*" >&2; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

CMD=""
for v in THREADS SEED STORYDUP_SHARED SHARED WORK PYTHON SRC; do
  if [ -n "${!v+x}" ]; then CMD+="$v=\"${!v}\" "; fi
done
CMD+="benches/scaling.sh${*:+ $*}"

SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(10MB 100MB 1GB 4GB)
for s in "${SIZES[@]}"; do
  [[ $s =~ ^[0-9.]+[KMG]B$ ]] || die "size '$s': use e.g. 10MB, 100MB, 1GB, 4GB"
done
THREADS=${THREADS:-$(nproc)}
SEED=${SEED:-42}
. "$ROOT/benches/kit.sh"
kit_find bench/make_corpus.py data
WORK=${WORK:-$ROOT/bench-work}
PYTHON=${PYTHON:-python3}
SRC=$(cd "${SRC:-$ROOT}" && pwd) || die "SRC=${SRC:-} is not a folder"
NOTE=${NOTE:-}
OUT=${OUT:-results/$(date +%F)-scaling}
for v in THREADS SEED; do
  [[ ${!v} =~ ^[0-9]+$ && ${!v} -ge 1 ]] || die "$v must be a positive integer (got '${!v}')"
done
tv=$(/usr/bin/time -v true 2>&1 || true)
[[ $tv == *"Maximum resident set size"* ]] \
  || die "need GNU time at /usr/bin/time (Debian/Ubuntu: apt-get install time)"

# the kit, as compare.sh lays it out (so corpora come out byte-identical to compare.sh's)
KIT=$WORK/shared/bench
mkdir -p "$KIT" "$WORK/corpus" "$WORK/scaling"
for f in "$SHARED"/bench/*; do
  [ -f "$f" ] && install -m 0755 "$f" "$KIT/"
done
for d in data seeds; do
  [ -e "$SHARED/$d" ] || continue
  ln -sfn "$SHARED/$d" "$WORK/shared/$d"
done

# bytes of a size such as 4GB (decimal, as make_corpus.py reads it)
size_bytes() {
  awk -v s="$1" 'BEGIN { n = s + 0; u = substr(s, length(s) - 1, 1);
    m = (u == "K") ? 1e3 : (u == "M") ? 1e6 : (u == "G") ? 1e9 : 1; printf "%.0f", n * m }'
}
free_bytes() { df -P -B1 "$1" | awk 'NR == 2 {print $4}'; }

# ---------------------------------------------------------------------------------------------
# 1. corpora (built only if missing); disk checked first
# ---------------------------------------------------------------------------------------------
for size in "${SIZES[@]}"; do
  corpus=$WORK/corpus/corpus-$size.jsonl
  if [ -s "$corpus" ] && [ -s "${corpus%.jsonl}.truth.jsonl" ] && [ -s "${corpus%.jsonl}.manifest.json" ]; then
    continue
  fi
  # the corpus (~1.05 × size), its truth file, the dedup outputs (~1.05 × size) and 2 GB to spare
  need=$(awk -v b="$(size_bytes "$size")" 'BEGIN {printf "%.0f", 2.2 * b + 2e9}')
  have=$(free_bytes "$WORK/corpus")
  df -h "$WORK/corpus" >&2
  [ "$have" -ge "$need" ] \
    || die "building corpus-$size needs about $((need / 1000000000)) GB free in $WORK/corpus, only $((have / 1000000000)) GB are"
  say "building $corpus (seed $SEED; 4GB took 5.5 minutes and 4.7 GB of RAM here)"
  tmp=$WORK/corpus/tmp-$size.jsonl
  /usr/bin/time -v -o "$WORK/scaling/make_corpus-$size.time" \
    "$PYTHON" "$KIT/make_corpus.py" --size "$size" --seed "$SEED" --out "$tmp" \
    || die "make_corpus.py --size $size failed"
  mv "${tmp%.jsonl}.truth.jsonl" "${corpus%.jsonl}.truth.jsonl"
  sed "s/tmp-$size\.jsonl/corpus-$size.jsonl/" "${tmp%.jsonl}.manifest.json" \
    >"${corpus%.jsonl}.manifest.json" && rm "${tmp%.jsonl}.manifest.json"
  mv "$tmp" "$corpus"
done

# ---------------------------------------------------------------------------------------------
# 2. storydup, release build of SRC
# ---------------------------------------------------------------------------------------------
say "cargo build --release (in $SRC)"
(cd "$SRC" && cargo build --release --quiet) || die "cargo build --release failed"
SD=${CARGO_TARGET_DIR:-$SRC/target}/release/storydup
[ -x "$SD" ] || die "no binary at $SD"
COMMIT=$(git -C "$SRC" rev-parse HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$SRC" status --porcelain --untracked-files=no -- src Cargo.toml Cargo.lock 2>/dev/null)" ]; then
  COMMIT+=" (built with uncommitted changes to src/ or Cargo.*)"
fi

# ---------------------------------------------------------------------------------------------
# 3. one timed run per size
# ---------------------------------------------------------------------------------------------
HZ=$(getconf CLK_TCK)
busy_s() { awk -v hz="$HZ" '/^cpu / {print ($2+$3+$4+$7+$8+$9)/hz; exit}' /proc/stat; }
TSV=$WORK/scaling/runs.tsv
printf 'size\twall_s\tmaxrss_kb\tcpu_s\tstatus\tothers_cores\tload1_start\tdir\n' >"$TSV"
for size in "${SIZES[@]}"; do
  corpus=$WORK/corpus/corpus-$size.jsonl
  dir=$WORK/scaling/storydup-$size
  rm -rf "$dir"; mkdir -p "$dir"
  # kept.jsonl + removed.jsonl are the corpus again
  need=$(( $(stat -c %s "$corpus") + 1000000000 ))
  [ "$(free_bytes "$dir")" -ge "$need" ] || die "not enough free disk for the outputs of the $size run"
  say "$size: storydup dedup -j $THREADS ..."
  load1=$(cut -d' ' -f1 /proc/loadavg)
  status=0
  b0=$(busy_s); t0=$(date +%s%N)
  /usr/bin/time -v -o "$dir.time" "$SD" dedup "$corpus" --out "$dir" -j "$THREADS" -q >"$dir.log" 2>&1 || status=$?
  t1=$(date +%s%N); b1=$(busy_s)
  rm -f "$dir/kept.jsonl" "$dir/removed.jsonl"
  # wall time from the shell's nanosecond clock (GNU time prints only hundredths, too coarse at 10MB)
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", (b - a) / 1e9}')
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$dir.time")
  cpu=$(awk -F': ' '/User time|System time/ {s+=$2} END {print s}' "$dir.time")
  others=$(awk -v b0="$b0" -v b1="$b1" -v c="$cpu" -v w="$wall" \
    'BEGIN {x = (w > 0) ? (b1 - b0 - c) / w : 0; if (x < 0) x = 0; printf "%.2f", x}')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$size" "$wall" "$rss" "$cpu" "$status" "$others" "$load1" "$dir" >>"$TSV"
  if [ "$status" = 0 ]; then
    echo "   ${wall} s wall, peak RSS $((rss / 1024)) MB, other processes ~${others} cores" >&2
  else
    echo "   storydup exited with status $status (log: $dir.log)" >&2
    tail -n 3 "$dir.log" >&2 || true
  fi
done

# ---------------------------------------------------------------------------------------------
# 4. chart and report
# ---------------------------------------------------------------------------------------------
mkdir -p "$(dirname "$OUT")"
"$PYTHON" "$ROOT/benches/scaling_report.py" \
  --work "$WORK" --runs "$TSV" --command "$CMD" --threads "$THREADS" --note "$NOTE" \
  --storydup "$SD" --commit "$COMMIT" --svg "$OUT.svg" --sizes "${SIZES[@]}" >"$OUT.md"
say "chart: $OUT.svg; report: $OUT.md"
cat "$OUT.md"
