#!/usr/bin/env bash
# Two commits of `storydup stories`, run in turn on the same inputs: A, B, A, B, ... A
# machine whose speed drifts by 10-15 % within half an hour cannot compare two commits by
# benching one after the other (benches/stories_scale.sh runs one commit); alternating them can.
# Prints a Markdown report: machine, command, every run (wall, peak RSS, storydup's stage
# timings), the medians, and whether the two commits' reports are byte-identical.
#
#   usage: benches/stories_interleave.sh REV_A REV_B INPUT.jsonl...
#          (e.g. the inputs benches/stories_scale.sh leaves in bench-work/stories-scale/)
#   env:   ROUNDS=2        runs of each commit per input
#          THREADS=2       -j for storydup
#          WORK=bench-work work folder (git-ignored): clean exports, builds, outputs
#          OUT=results/DATE-stories-interleave.md
set -euo pipefail

die() { echo "stories_interleave.sh: error: $*" >&2; exit 1; }
say() { echo "== $*" >&2; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
[ $# -ge 3 ] || die "give two commits and at least one input, e.g. HEAD~1 HEAD bench-work/stories-scale/reuters21578-10000.jsonl"
CMD="benches/stories_interleave.sh $*"
for v in ROUNDS THREADS; do
  if [ -n "${!v+x}" ]; then CMD="$v=\"${!v}\" $CMD"; fi
done
REVS=("$1" "$2")
shift 2
INPUTS=("$@")
ROUNDS=${ROUNDS:-2}
THREADS=${THREADS:-2}
WORK=${WORK:-$ROOT/bench-work}
OUT=${OUT:-results/$(date +%F)-stories-interleave.md}
for v in ROUNDS THREADS; do
  [[ ${!v} =~ ^[0-9]+$ && ${!v} -ge 1 ]] || die "$v must be a positive integer (got '${!v}')"
done
for f in "${INPUTS[@]}"; do
  [ -s "$f" ] || die "no input at $f (benches/stories_scale.sh writes its inputs to bench-work/stories-scale/)"
done
[ -x /usr/bin/time ] && [[ $(/usr/bin/time -v true 2>&1 || true) == *"Maximum resident set size"* ]] \
  || die "need GNU time at /usr/bin/time (Debian/Ubuntu: apt-get install time)"

# Each commit from a clean export (benches/build_rev.sh), run from a private copy.
BINS=()
COMMITS=()
. "$ROOT/benches/build_rev.sh"
for rev in "${REVS[@]}"; do
  build_rev "$rev" "$WORK"
  mkdir -p "$WORK/bin"
  cp "$BUILT_BIN" "$WORK/bin/storydup-$BUILT_COMMIT"
  BINS+=("$WORK/bin/storydup-$BUILT_COMMIT")
  COMMITS+=("$BUILT_COMMIT")
done

RUNS=$WORK/stories-interleave
rm -rf "$RUNS"; mkdir -p "$RUNS"
TSV=$RUNS/runs.tsv
: >"$TSV"
for f in "${INPUTS[@]}"; do
  name=$(basename "$f" .jsonl)
  for round in $(seq 1 "$ROUNDS"); do
    for k in 0 1; do
      dir=$RUNS/$name-$k-$round
      mkdir -p "$dir"
      say "$name, ${COMMITS[$k]:0:7}, round $round"
      status=0
      /usr/bin/time -v -o "$dir/time.txt" "${BINS[$k]}" stories "$f" -f json -o "$dir/stories.json" \
        -j "$THREADS" >/dev/null 2>"$dir/stderr.txt" || status=$?
      wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$dir/time.txt")
      rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$dir/time.txt")
      stages=$(sed -n 's/^storydup: .* articles in [0-9.]* s (\(.*\)).*$/\1/p' "$dir/stderr.txt" | tail -n1)
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$k" "$round" "$status" "$wall" "$rss" "${stages:--}" >>"$TSV"
    done
  done
  same=no
  cmp -s "$RUNS/$name-0-1/stories.json" "$RUNS/$name-1-1/stories.json" && same=yes
  printf '%s\tsame\t%s\n' "$name" "$same" >>"$RUNS/same.tsv"
done

{
  echo "# storydup stories, two commits interleaved: $(date +%F)"
  echo
  echo "- CPU: $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n1), $(nproc) cores;" \
    "AVX2: $(grep -qw avx2 /proc/cpuinfo && echo yes || echo no)," \
    "AVX-512: $(grep -qw avx512f /proc/cpuinfo && echo yes || echo no)"
  echo "- A = ${COMMITS[0]}, B = ${COMMITS[1]}; $(rustc --version 2>/dev/null || echo rustc unknown)"
  echo "- load average when the report was written: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo '```'
  echo "$CMD"
  echo '```'
  echo
  echo "Each run: \`/usr/bin/time -v storydup stories INPUT -f json -o OUT -j $THREADS\`, A then B, $ROUNDS rounds."
  echo
  python3 - "$TSV" "$RUNS/same.tsv" <<'EOF'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
same = dict((l.split("\t")[0], l.split("\t")[2].strip()) for l in open(sys.argv[2]))
print("| input | round | A wall s | A peak MB | B wall s | B peak MB | A stages | B stages |")
print("|---|---:|---:|---:|---:|---:|---|---|")
names = list(dict.fromkeys(r[0] for r in rows))
for n in names:
    for rnd in sorted({r[2] for r in rows if r[0] == n}, key=int):
        a = next(r for r in rows if r[0] == n and r[1] == "0" and r[2] == rnd)
        b = next(r for r in rows if r[0] == n and r[1] == "1" and r[2] == rnd)
        fmt = lambda r: (r[4] if r[3] == "0" else f"exit {r[3]}", int(r[5]) // 1024)
        print(f"| {n} | {rnd} | {fmt(a)[0]} | {fmt(a)[1]:,} | {fmt(b)[0]} | {fmt(b)[1]:,} | {a[6]} | {b[6]} |")
print()
print("| input | A median wall s | B median wall s | B / A | reports byte-identical |")
print("|---|---:|---:|---:|---|")
for n in names:
    walls = lambda k: [float(r[4]) for r in rows if r[0] == n and r[1] == k and r[3] == "0"]
    if not walls("0") or not walls("1"):
        print(f"| {n} | – | – | – (a run failed) | {same[n]} |")
        continue
    a, b = statistics.median(walls("0")), statistics.median(walls("1"))
    print(f"| {n} | {a:.2f} | {b:.2f} | {b / a:.2f} | {same[n]} |")
EOF
} >"$OUT"
say "wrote $OUT"
