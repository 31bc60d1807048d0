#!/usr/bin/env bash
# Peak memory and time of dedup and verify on a JSONL file whose third line is one 1 GiB record
# (issue 6: a huge document costs a bounded amount), rejected and truncated.
#
#   scripts/huge_line.sh [SIZE_MIB]        default 1024; writes into a temporary folder
set -euo pipefail
cd "$(dirname "$0")/.."
mib=${1:-1024}
cargo build --release -q
bin=$PWD/target/release/storydup
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work/huge.jsonl" "$mib" <<'PY'
import json, sys
path, mib = sys.argv[1], int(sys.argv[2])
good = [json.dumps({"id": f"g{i}", "text": f"a short record number {i} with a handful of words"}) for i in range(3)]
sentence = b"Ukrainian forces have launched a major new attack in Russia's western Kursk region. "
block = (sentence * (2**20 // len(sentence) + 1))[: 2**20]
with open(path, "wb") as f:
    f.write((good[0] + "\n" + good[1] + "\n").encode())
    f.write(b'{"id":"huge","meta":{"tags":["a","b"]},"text":"')
    for _ in range(mib):
        f.write(block)
    f.write(b'"}\n' + (good[2] + "\n").encode())
PY
echo "input: $(stat -c %s "$work/huge.jsonl") bytes, line 3 is $mib MiB; $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
run() {
    local name=$1; shift
    /usr/bin/time -f "%e s, peak %M KiB" -o "$work/time" "$@" >/dev/null 2>"$work/err" || { cat "$work/err"; exit 1; }
    echo "| $name | $(cat "$work/time") |"
}
echo "| command | wall time, peak RSS |"
echo "|---|---|"
run "dedup --on-error skip (rejected)" "$bin" dedup "$work/huge.jsonl" --out "$work/reject" -q --on-error skip
run "dedup --oversized truncate" "$bin" dedup "$work/huge.jsonl" --out "$work/t16" -q --oversized truncate
run "dedup --oversized truncate --max-doc-bytes 1048576" "$bin" dedup "$work/huge.jsonl" --out "$work/t1" -q --oversized truncate --max-doc-bytes 1048576
run "verify (truncated run)" "$bin" verify "$work/t16" "$work/huge.jsonl"
python3 - "$work" <<'PY'
import json, sys
for name in ["reject", "t16", "t1"]:
    s = json.load(open(f"{sys.argv[1]}/{name}/summary.json"))
    print(f"{name}: input {s['input']}, kept {s['kept']}, rejected {s['rejected']}, truncated {s['truncated']}")
PY
