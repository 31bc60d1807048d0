#!/usr/bin/env bash
# Long AFL++ runs of the record-reader and normalizer fuzz targets (issue 6).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]      default: 3600 s each for record, file, normalizer
#
# Needs only stable Rust and crates.io: installs cargo-afl (which builds AFL++ from the crate,
# about a minute) if it is missing, builds fuzz/ with AFL instrumentation, writes the seed inputs
# into fuzz/seeds/, and fuzzes each target in turn into fuzz/out/TARGET/ (a rerun resumes).
# Exits 1 if any target has crashes or hangs, and prints each such input: make it a regression
# test (a seed in fuzz_harness::seeds or a case in tests/hostile_inputs.rs) before fixing it.
# CI runs `scripts/fuzz.sh 20` (20 s per target; with installing and building, about 4 minutes
# from nothing); cargo test also runs the same checks over 50,000 seeded mutations.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs=${1:-3600}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(record file normalizer)

if ! cargo afl --version >/dev/null 2>&1; then
    cargo install cargo-afl --locked --version '^0.18'
fi
# AFL++'s runtime is built per rustc version: build it if this toolchain has none yet (the
# command refuses, harmlessly, when it is already built).
cargo afl config --build >/dev/null 2>&1 || true
cargo afl build --release
./target/release/seeds seeds

# This machine's CPU governor and core_pattern are not ours to change: tell AFL++ to go on.
export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_AUTORESUME=1 AFL_NO_AFFINITY=1
[ -t 1 ] || export AFL_NO_UI=1
mkdir -p out
crashed=0
for t in "${targets[@]}"; do
    echo "== fuzzing $t for $secs s"
    # -t: a whole-file case spawns a reader thread and writes a file; 500 ms is generous.
    cargo afl fuzz -V "$secs" -t 500 -i seeds -o "out/$t" "./target/release/$t" 2>&1 | tail -n 3
    stats=out/$t/default/fuzzer_stats
    grep -E '^(execs_done|corpus_count|saved_crashes|saved_hangs|bitmap_cvg)' "$stats" | sed "s/^/  $t: /"
    for c in out/"$t"/default/crashes/id:* out/"$t"/default/hangs/id:*; do
        [ -e "$c" ] || continue
        crashed=1
        echo "  $(basename "$(dirname "$c")") $c:"
        python3 -c 'import sys; print("   ", repr(open(sys.argv[1], "rb").read()))' "$c"
    done
done
exit $crashed
