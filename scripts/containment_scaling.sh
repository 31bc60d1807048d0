#!/usr/bin/env bash
# How --containment's cost grows with the corpus (issue 15): the default run and the
# --containment run of the release build on generated corpora of each SIZE, back to back, with
# the verification counts of each, as a Markdown table on stdout.
#
#   scripts/containment_scaling.sh [SIZE...]     default: 100MB 1GB 4GB
#
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
echo "| corpus | mode | wall s | peak RSS MB | candidate pairs | after filter | components | records re-read | edges | removed | containment ÷ default |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for size in "${sizes[@]}"; do
    corpus=bench-work/corpora/corpus-$size-seed42.jsonl
    [ -s "$corpus" ] || python3 "$SHARED/bench/make_corpus.py" --size "$size" --seed 42 --out "$corpus" >&2
    base=""
    for mode in default containment; do
        flag=""; [ $mode = containment ] && flag=--containment
        out=bench-work/containment/$size-$mode
        /usr/bin/time -f "%e %M" -o "$out.time" "$bin" -q dedup "$corpus" --out "$out" $flag
        read -r wall kb < "$out.time"
        [ -z "$base" ] && base=$wall
        python3 - "$out/summary.json" "$size" "$mode" "$wall" "$kb" "$base" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); v = s["verification"]
size, mode, wall, kb, base = sys.argv[2:7]
print(f"| {size} | {mode} | {float(wall):.2f} | {int(kb) // 1024} | {v['candidate_pairs']:,} | {v['filtered_pairs']:,} | "
      f"{v['components']:,} | {v['records_reread']:,} | {v['edges']:,} | {s['removed']:,} | {float(wall) / float(base):.2f}× |")
PY
    done
done
