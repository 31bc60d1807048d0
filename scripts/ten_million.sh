#!/usr/bin/env bash
# The 10-million-record run (issue 6): generate a corpus of short records on disk, deduplicate it
# with the release build under /usr/bin/time -v (wall time, peak RSS), check the output with
# `storydup verify`, and print the figures for results/.
#
#   scripts/ten_million.sh [RECORDS]         default 10000000; work in bench-work/ten-million/
#
# The corpus (scripts/gen_short_corpus.py, seed 42: about 340 bytes per record, 3.4 GB for 10M)
# is made once and reused; KEEP_CORPUS=0 deletes it at the end. Needs python3 and the shared kit's
# data/ (the word source; STORYDUP_SHARED, default ../shared: benches/kit.sh says what the kit is).
# Peak memory: roughly 0.7 KB per record.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
records=${1:-10000000}
work=bench-work/ten-million
corpus=$work/corpus-$records.jsonl
out=$work/out-$records
mkdir -p "$work"
if [ ! -s "$corpus" ]; then
    # the corpus's words come from the kit's data/: find it before the long build
    . "$ROOT/benches/kit.sh"
    kit_find data
    export STORYDUP_SHARED=$SHARED
fi

cargo build --release --quiet
bin=target/release/storydup

if [ ! -s "$corpus" ]; then
    echo "== generating $records records into $corpus"
    /usr/bin/time -f "generate: %e s wall" python3 scripts/gen_short_corpus.py \
        --records "$records" --seed 42 --out "$corpus.part"
    mv "$corpus.part" "$corpus"
fi
bytes=$(stat -c %s "$corpus")

echo "== load before: $(uptime)"
rm -rf "$out"
/usr/bin/time -v "$bin" dedup "$corpus" --out "$out" 2>"$work/dedup-$records.time" >"$work/dedup-$records.stdout" || {
    cat "$work/dedup-$records.time"
    exit 1
}
echo "== load after: $(uptime)"
/usr/bin/time -f "verify: %e s wall, %M KiB peak" "$bin" verify "$out" "$corpus" \
    >"$work/verify-$records.stdout" 2>"$work/verify-$records.stderr" && verdict=passed || verdict=FAILED
cat "$work/verify-$records.stdout" "$work/verify-$records.stderr"

wall=$(sed -n 's/^\s*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$work/dedup-$records.time")
rss_kib=$(sed -n 's/^\s*Maximum resident set size (kbytes): //p' "$work/dedup-$records.time")
python3 - "$records" "$bytes" "$wall" "$rss_kib" "$verdict" "$out/summary.json" <<'EOF'
import json, sys
records, nbytes, wall, rss_kib, verdict, summary = sys.argv[1:]
records, nbytes, rss = int(records), int(nbytes), int(rss_kib) * 1024
s = json.load(open(summary))
# Memory per record from this run alone, and per extra record against the 1.14M-record point of
# results/2026-11-23-scaling.md (828 MiB at 1,141,142 records): the slope, net of fixed buffers.
slope = (rss - 828 * 2**20) / (records - 1_141_142)
fixed = rss - slope * records
print(f"records            {records:,} (input {s['input']:,}, kept {s['kept']:,}, removed {s['removed']:,}, rejected {s['rejected']:,})")
print(f"bytes              {nbytes:,} ({nbytes / 1e9:.2f} GB, {nbytes / records:.0f} per record)")
print(f"wall               {wall} (stages: {json.dumps(s.get('timings_s', s.get('timings')))})")
print(f"peak RSS           {rss / 2**20:,.0f} MiB ({rss / records:.0f} bytes per record)")
print(f"per extra record   {slope:.0f} bytes (fixed part {fixed / 2**20:,.0f} MiB)")
for gib in (24, 8):
    print(f"fits in {gib} GiB     {(gib * 2**30 - fixed) / slope / 1e6:.1f} million records")
print(f"verify             {verdict}")
EOF
if [ "${KEEP_CORPUS:-1}" = 0 ]; then rm -f "$corpus"; fi
