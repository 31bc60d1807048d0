#!/usr/bin/env bash
# How --containment's cost grows with the corpus (issue 15): the default run and the
# --containment run of the release build on generated corpora of each SIZE, back to back, with
# the verification counts of each, as a Markdown table on stdout.
#
#   [REPEAT=3] scripts/containment_scaling.sh [SIZE...]     default: 100MB 1GB 4GB
#
# Each pair of runs is repeated REPEAT times, interleaved (default, containment, default, ...),
# each after `sync` so that the previous run's output still being written back to disk does not
# slow the next (the runs fsync their outputs); the table gives the median wall time of each mode
# and the ratio of the medians, and the last run's counts and peak memory.
# Corpora come from the kit's make_corpus.py (seed 42) into bench-work/corpora/ and are reused
# (STORYDUP_SHARED, default ../shared: benches/kit.sh says what the kit is).
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(100MB 1GB 4GB)
. benches/kit.sh
kit_find bench
cargo build --release --quiet
bin=target/release/storydup
mkdir -p bench-work/corpora bench-work/containment
echo "| corpus | mode | wall s, median (runs) | peak RSS MB | candidate pairs | after filter | components | records re-read | edges | removed | containment ÷ default |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for size in "${sizes[@]}"; do
    corpus=bench-work/corpora/corpus-$size-seed42.jsonl
    [ -s "$corpus" ] || python3 "$SHARED/bench/make_corpus.py" --size "$size" --seed 42 --out "$corpus" >&2
    declare -A walls=()
    for r in $(seq "${REPEAT:-3}"); do
        for mode in default containment; do
            flag=""; [ $mode = containment ] && flag=--containment
            out=bench-work/containment/$size-$mode
            rm -rf "$out"; sync
            /usr/bin/time -f "%e %M" -o "$out.time" "$bin" -q dedup "$corpus" --out "$out" $flag
            read -r wall kb < "$out.time"
            walls[$mode]="${walls[$mode]:-} $wall"
            echo "$size $mode run $r: $wall s" >&2
        done
    done
    for mode in default containment; do
        out=bench-work/containment/$size-$mode
        read -r _ kb < "$out.time"
        python3 - "$out/summary.json" "$size" "$mode" "$kb" "${walls[$mode]}" "${walls[default]}" <<'PY'
import json, statistics, sys
s = json.load(open(sys.argv[1])); v = s["verification"]
size, mode, kb = sys.argv[2:5]
wall = statistics.median(map(float, sys.argv[5].split()))
base = statistics.median(map(float, sys.argv[6].split()))
print(f"| {size} | {mode} | {wall:.2f} ({sys.argv[5].strip()}) | {int(kb) // 1024} | {v['candidate_pairs']:,} | {v['filtered_pairs']:,} | "
      f"{v['components']:,} | {v['records_reread']:,} | {v['edges']:,} | {s['removed']:,} | {wall / base:.2f}× |")
PY
    done
done
