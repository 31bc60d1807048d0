#!/usr/bin/env bash
# storydup against the MinHash/LSH tools a user would pick instead (datasketch, rensa, gaoya):
# same generated corpus, same machine, same run, same settings (word 5-grams, 128 permutations,
# Jaccard threshold 0.8). Measures wall time and peak RSS of each whole process with
# /usr/bin/time -v, scores every clustering with `storydup eval --json` against the corpus's
# injected ground truth, and writes a Markdown report to results/DATE-compare-SIZES.md.
#
#   usage: benches/compare.sh [SIZE...]            (default: 100MB; e.g. benches/compare.sh 100MB 1GB)
#   env:   PEERS="datasketch rensa gaoya"   peers to run (any of peers.py's; "" for none)
#          REPEATS=3          runs of each storydup configuration (median wall time reported)
#          PEER_REPEATS=1     runs of each peer (median reported)
#          THREADS=$(nproc)   worker threads for storydup (-j) and the peers that parallelise
#          PEER_TIMEOUT=3600  seconds after which a peer run is stopped
#          SEED=42            corpus seed
#          STORYDUP_SHARED=../shared  the shared benchmark kit and data (read only; never copied
#                             into git; benches/kit.sh says what it is; SHARED is read too)
#          WORK=bench-work    work folder (git-ignored): kit copy, venv, corpora, run outputs
#          PYTHON=python3     interpreter for the venv (the peers need Python 3.10-3.12)
#          SIMD="best scalar" levels of vector instructions storydup runs at (STORYDUP_SIMD): "best"
#                             (the variable unset: the best the CPU has) or avx512, avx2, scalar; the
#                             first is the plain "storydup" rows the peers are compared with, the
#                             others get rows named "storydup [STORYDUP_SIMD=...]". On a machine with
#                             AVX-512, SIMD="avx2 scalar" measures what an AVX2-only machine runs.
#          NOTE="..."         free text added to the report (e.g. "machine shared with builds")
#          OUT=results/...md  report path (default results/$(date +%F)-compare-SIZES.md)
#
# Corpora are built once by the kit's make_corpus.py (deterministic for a seed) and reused.
# The runs are interleaved (run 1 of every tool, then run 2, ...) so that a burst of load from
# elsewhere on the machine spreads over all tools instead of hitting one.
set -euo pipefail

die() { echo "compare.sh: error: $*" >&2; exit 1; }
say() { echo "== $*" >&2; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

# the exact command, for the report (the settings that came from the environment, then the sizes)
CMD=""
for v in PEERS REPEATS PEER_REPEATS THREADS PEER_TIMEOUT SEED STORYDUP_SHARED SHARED WORK PYTHON SIMD; do
  if [ -n "${!v+x}" ]; then CMD+="$v=\"${!v}\" "; fi
done
CMD+="benches/compare.sh $*"

SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(100MB)
for s in "${SIZES[@]}"; do
  [[ $s =~ ^[0-9.]+[KMG]B$ ]] || die "size '$s': use e.g. 10MB, 100MB, 1GB"
done
PEERS=${PEERS-"datasketch rensa gaoya"}
REPEATS=${REPEATS:-3}
PEER_REPEATS=${PEER_REPEATS:-1}
THREADS=${THREADS:-$(nproc)}
PEER_TIMEOUT=${PEER_TIMEOUT:-3600}
SEED=${SEED:-42}
. "$ROOT/benches/kit.sh"
kit_find bench/make_corpus.py bench/peers.py data
WORK=${WORK:-$ROOT/bench-work}
PYTHON=${PYTHON:-python3}
NOTE=${NOTE:-}
SIMD=${SIMD-"best scalar"}
read -r -a SIMD_LEVELS <<<"$SIMD"
[ ${#SIMD_LEVELS[@]} -gt 0 ] || SIMD_LEVELS=(best)
for l in "${SIMD_LEVELS[@]}"; do
  [[ $l =~ ^(best|avx512|avx2|scalar)$ ]] || die "SIMD level '$l': use best, avx512, avx2 or scalar"
done
for v in REPEATS PEER_REPEATS THREADS PEER_TIMEOUT SEED; do
  [[ ${!v} =~ ^[0-9]+$ && ${!v} -ge 1 ]] || die "$v must be a positive integer (got '${!v}')"
done

sizes_joined=$(IFS=-; echo "${SIZES[*]}")
OUT=${OUT:-results/$(date +%F)-compare-$sizes_joined.md}

# ---------------------------------------------------------------------------------------------
# 1. tools: /usr/bin/time, the kit (a writable copy), the venv with only the peers we run
# ---------------------------------------------------------------------------------------------
if [ ! -x /usr/bin/time ]; then
  say "installing GNU time (/usr/bin/time is missing)"
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && apt-get install -y -qq time >/dev/null
  elif command -v sudo >/dev/null && command -v apt-get >/dev/null; then
    sudo apt-get update -qq && sudo apt-get install -y -qq time >/dev/null
  fi
  [ -x /usr/bin/time ] || die "need GNU time at /usr/bin/time (Debian/Ubuntu: apt-get install time)"
fi
tv=$(/usr/bin/time -v true 2>&1 || true)
[[ $tv == *"Maximum resident set size"* ]] \
  || die "/usr/bin/time is not GNU time (no -v); install the 'time' package"

# make_corpus.py finds its default sources as shared/data/... and shared/seeds/... relative to
# its folder's grandparent, so the copy lives at WORK/shared/bench with data and seeds linked
# beside it: the corpora come out byte-identical to the kit's own (same manifest too).
KIT=$WORK/shared/bench
mkdir -p "$KIT" "$WORK/corpus" "$WORK/runs" "$WORK/logs"
for f in "$SHARED"/bench/*; do
  [ -f "$f" ] && install -m 0755 "$f" "$KIT/"
done
for d in data seeds; do
  [ -e "$SHARED/$d" ] || continue
  ln -sfn "$SHARED/$d" "$WORK/shared/$d"
done

VENV=$WORK/venv
PY=$VENV/bin/python
if [ ! -x "$PY" ]; then
  say "creating $VENV"
  "$PYTHON" - <<'EOF' || die "need Python 3.10-3.12 for the peers (set PYTHON=python3.11)"
import sys
sys.exit(0 if (3, 10) <= sys.version_info[:2] <= (3, 12) else 1)
EOF
  "$PYTHON" -m venv "$VENV" || die "python -m venv failed (Debian: apt-get install python3-venv)"
fi
# only what the chosen peers need, pinned as in the kit's requirements.txt; the kit's full lock
# file constrains their dependencies (numpy, scipy, ...) without installing everything in it
pins=()
pin_of() { grep -E "^$1==" "$KIT/requirements.txt" | head -n1 || true; }
for p in psutil $PEERS; do
  [ "$p" = exact ] && continue
  pin=$(pin_of "$p")
  [ -n "$pin" ] || die "peer '$p' is not pinned in $SHARED/bench/requirements.txt"
  pins+=("$pin")
done
missing=()
for pin in "${pins[@]}"; do
  have=$("$PY" -c "import importlib.metadata as m; print(m.version('${pin%%==*}'))" 2>/dev/null || true)
  [ "$have" = "${pin#*==}" ] || missing+=("$pin")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "pip install ${missing[*]}"
  "$PY" -m pip install --quiet "${missing[@]}" -c "$KIT/requirements.lock.txt" \
    || die "pip install ${missing[*]} failed"
fi
"$PY" "$KIT/peers.py" --list >"$WORK/logs/peer-versions.txt"

# ---------------------------------------------------------------------------------------------
# 2. storydup, release build
# ---------------------------------------------------------------------------------------------
say "cargo build --release"
cargo build --release --quiet || die "cargo build --release failed"
SD=${CARGO_TARGET_DIR:-$ROOT/target}/release/storydup
[ -x "$SD" ] || die "no binary at $SD"
COMMIT=$(git rev-parse HEAD 2>/dev/null || echo unknown)
if [ -n "$(git status --porcelain --untracked-files=no -- src Cargo.toml Cargo.lock 2>/dev/null)" ]; then
  COMMIT+=" (built with uncommitted changes to src/ or Cargo.*)"
fi

# ---------------------------------------------------------------------------------------------
# 3. corpora
# ---------------------------------------------------------------------------------------------
for size in "${SIZES[@]}"; do
  corpus=$WORK/corpus/corpus-$size.jsonl
  if [ ! -s "$corpus" ] || [ ! -s "${corpus%.jsonl}.truth.jsonl" ] || [ ! -s "${corpus%.jsonl}.manifest.json" ]; then
    say "building $corpus (seed $SEED; 1GB takes several minutes)"
    # write under a temporary name, so that an interrupted build is never taken for a corpus
    tmp=$WORK/corpus/tmp-$size.jsonl
    "$PY" "$KIT/make_corpus.py" --size "$size" --seed "$SEED" --out "$tmp" \
      || die "make_corpus.py --size $size failed"
    mv "${tmp%.jsonl}.truth.jsonl" "${corpus%.jsonl}.truth.jsonl"
    sed "s/tmp-$size\.jsonl/corpus-$size.jsonl/" "${tmp%.jsonl}.manifest.json" \
      >"${corpus%.jsonl}.manifest.json" && rm "${tmp%.jsonl}.manifest.json"
    mv "$tmp" "$corpus"
  fi
done

# ---------------------------------------------------------------------------------------------
# 4. the runs
# ---------------------------------------------------------------------------------------------
# busy CPU seconds of the whole machine so far (all cores; includes steal time on a VM)
HZ=$(getconf CLK_TCK)
busy_s() { awk -v hz="$HZ" '/^cpu / {print ($2+$3+$4+$7+$8+$9)/hz; exit}' /proc/stat; }

# run_one SIZE TOOL RUN DIR CMD...: times CMD with /usr/bin/time -v and appends a line to
# runs.tsv: wall s, peak RSS, exit status, and the CPU that *other* processes used meanwhile
# (machine busy CPU-seconds minus this command's user+system time, divided by wall time:
# about 0 on a quiet machine, 1.0 = one core kept busy by someone else)
run_one() {
  local size=$1 tool=$2 run=$3 dir=$4; shift 4
  local tsv=$WORK/runs/$size/runs.tsv log=$dir.log status=0 b0 b1 wall rss cpu others
  rm -rf "$dir"; mkdir -p "$dir"
  say "$size $tool (run $run) ..."
  b0=$(busy_s)
  /usr/bin/time -v -o "$dir.time" "$@" >"$log" 2>&1 || status=$?
  b1=$(busy_s)
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$dir.time")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$dir.time")
  cpu=$(awk -F': ' '/User time|System time/ {s+=$2} END {print s}' "$dir.time")
  others=$(awk -v b0="$b0" -v b1="$b1" -v c="$cpu" -v w="$wall" \
    'BEGIN {x = (w > 0) ? (b1 - b0 - c) / w : 0; if (x < 0) x = 0; printf "%.2f", x}')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$run" "$wall" "$rss" "$cpu" "$status" "$others" "$dir" >>"$tsv"
  if [ "$status" = 0 ]; then
    echo "   ${wall} s wall, peak RSS $((rss / 1024)) MB, other processes ~${others} cores" >&2
  else
    echo "   $tool exited with status $status (log: $log)" >&2
    tail -n 3 "$log" >&2 || true
  fi
}

storydup_configs=("storydup" "storydup --containment")
max_repeats=$(( REPEATS > PEER_REPEATS ? REPEATS : PEER_REPEATS ))
for size in "${SIZES[@]}"; do
  corpus=$WORK/corpus/corpus-$size.jsonl
  truth=$WORK/corpus/corpus-$size.truth.jsonl
  rdir=$WORK/runs/$size
  rm -rf "$rdir"; mkdir -p "$rdir"
  printf 'tool\trun\twall_s\tmaxrss_kb\tcpu_s\tstatus\tothers_cores\tdir\n' >"$rdir/runs.tsv"
  for run in $(seq 1 "$max_repeats"); do
    if [ "$run" -le "$REPEATS" ]; then
      for level in "${SIMD_LEVELS[@]}"; do
        # the first level's rows are plain "storydup"; STORYDUP_SIMD unset means the best level
        envset=(env -u STORYDUP_SIMD); [ "$level" = best ] || envset=(env "STORYDUP_SIMD=$level")
        for cfg in "${storydup_configs[@]}"; do
          tool=$cfg; [ "$level" = "${SIMD_LEVELS[0]}" ] || tool="$cfg [STORYDUP_SIMD=$level]"
          name=${cfg// --/-}; [ "$level" = "${SIMD_LEVELS[0]}" ] || name+=".$level"
          dir=$rdir/$name.run$run
          extra=(); [[ $cfg == *--containment* ]] && extra=(--containment)
          run_one "$size" "$tool" "$run" "$dir" \
            "${envset[@]}" "$SD" dedup "$corpus" --out "$dir" -j "$THREADS" -q "${extra[@]}"
          # kept.jsonl/removed.jsonl are most of the corpus again: keep only the small outputs
          rm -f "$dir/kept.jsonl" "$dir/removed.jsonl"
        done
      done
    fi
    if [ "$run" -le "$PEER_REPEATS" ]; then
      for peer in $PEERS; do
        dir=$rdir/$peer.run$run
        run_one "$size" "$peer" "$run" "$dir" \
          "$PY" "$KIT/peers.py" --peer "$peer" --input "$corpus" --out-dir "$dir" \
          --threads "$THREADS" --time-limit "$PEER_TIMEOUT"
      done
    fi
  done
  # score every run that finished (clusterings should be identical between runs; the report
  # says whether they were)
  say "$size: scoring with storydup eval"
  tail -n +2 "$rdir/runs.tsv" | while IFS=$'\t' read -r tool run wall rss cpu status others dir; do
    [ "$status" = 0 ] || continue
    if [[ $tool == storydup* ]]; then pred=$dir/clusters.jsonl; else pred=$dir/$tool.clusters.jsonl; fi
    [ -s "$pred" ] || { echo "   no clusters from $tool run $run" >&2; continue; }
    "$SD" eval --truth "$truth" "$pred" --json >"$dir.score.json" \
      || die "storydup eval failed on $pred"
    sha256sum "$pred" | cut -d' ' -f1 >"$dir.clusters.sha256"
    [[ $tool == storydup* ]] || rm -f "$pred"   # peers write one line per record: large
  done
done

# ---------------------------------------------------------------------------------------------
# 5. the report
# ---------------------------------------------------------------------------------------------
mkdir -p "$(dirname "$OUT")"
"$PY" "$ROOT/benches/compare_report.py" \
  --root "$ROOT" --work "$WORK" --command "$CMD" --threads "$THREADS" --note "$NOTE" \
  --storydup "$SD" --commit "$COMMIT" --peers "$PEERS" --simd "${SIMD_LEVELS[*]}" --sizes "${SIZES[@]}" >"$OUT"
say "report: $OUT"
cat "$OUT"
