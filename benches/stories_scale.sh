#!/usr/bin/env bash
# Scale of `storydup stories`: wall time, peak RSS, stories and syndication groups, and the
# per-stage timings storydup prints on stderr, for a day of news (10,000 articles) and for
# 100,000, on articles generated from real news sentences by the shared kit's make_corpus.py.
# Each size is the first N records of one generated corpus (records are shuffled, so the first N
# are a random sample). Writes a Markdown report with the machine, the commit and the command.
#
#   usage: benches/stories_scale.sh [N...]        (default: 10000 100000)
#   env:   REPEATS=3         runs per size (median wall time reported, every run listed)
#          THREADS=2         -j for storydup (the goal is stated for 2 cores)
#          TIMEOUT=1800      seconds after which a run is stopped (the size's later runs are
#                            then skipped: one run over the limit says enough)
#          CORPUS_SIZE=400MB size asked of make_corpus.py (100MB gives ~29k records, so 400MB
#                            gives ~114k; the script stops if the corpus has fewer than N)
#          SEED=42           corpus seed (deterministic; the corpus is built once and reused)
#          STORYDUP_SHARED=../shared  the shared kit and data (read only; nothing of it goes
#                            into git; benches/kit.sh says what it is; SHARED is read too)
#          WORK=bench-work   work folder (git-ignored): kit copy, corpora, outputs, logs
#          REV=<commit>      build that commit from a clean export (git archive) instead of the
#                            working tree, so that others' uncommitted edits stay out
#          REAL="reuters21578:10000"  real news too: DATASET:N runs the first N records of
#                            SHARED/data/DATASET/dev.jsonl ("" for none)
#          NOTE="..."        free text added to the report (e.g. "machine shared with builds")
#          OUT=results/DATE-stories-scale.md
#
# Goal (issue): 10,000 articles in under 2 s on 2 cores. The report says plainly if it is missed.
set -euo pipefail

die() { echo "stories_scale.sh: error: $*" >&2; exit 1; }
say() { echo "== $*" >&2; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

CMD=""
for v in REV REAL REPEATS THREADS TIMEOUT CORPUS_SIZE SEED STORYDUP_SHARED SHARED WORK; do
  if [ -n "${!v+x}" ]; then CMD+="$v=\"${!v}\" "; fi
done
CMD+="benches/stories_scale.sh${*:+ $*}"

NS=("$@")
[ ${#NS[@]} -gt 0 ] || NS=(10000 100000)
for n in "${NS[@]}"; do
  [[ $n =~ ^[0-9]+$ && $n -ge 1 ]] || die "size '$n': give a number of articles, e.g. 10000"
done
REPEATS=${REPEATS:-3}
THREADS=${THREADS:-2}
TIMEOUT=${TIMEOUT:-1800}
CORPUS_SIZE=${CORPUS_SIZE:-400MB}
SEED=${SEED:-42}
NOTE=${NOTE:-}
REV=${REV:-}
REAL=${REAL-reuters21578:10000}
for v in REPEATS THREADS TIMEOUT SEED; do
  [[ ${!v} =~ ^[0-9]+$ && ${!v} -ge 1 ]] || die "$v must be a positive integer (got '${!v}')"
done
[[ $CORPUS_SIZE =~ ^[0-9.]+[KMG]B$ ]] || die "CORPUS_SIZE '$CORPUS_SIZE': use e.g. 400MB, 1GB"
. "$ROOT/benches/kit.sh"
kit_find bench/make_corpus.py data
WORK=${WORK:-$ROOT/bench-work}
OUT=${OUT:-results/$(date +%F)-stories-scale.md}

# ---------------------------------------------------------------------------------------------
# 1. tools
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
[[ $tv == *"Maximum resident set size"* ]] || die "/usr/bin/time is not GNU time (no -v)"
command -v python3 >/dev/null || die "need python3 (make_corpus.py, and reading the JSON output)"

# the binary: the working tree as it is, or (REV=...) a clean export of one commit
if [ -n "$REV" ]; then
  . "$ROOT/benches/build_rev.sh"
  build_rev "$REV" "$WORK"
  SD_BUILT=$BUILT_BIN
  COMMIT=$BUILT_COMMIT
else
  say "cargo build --release"
  cargo build --release --quiet || die "cargo build --release failed"
  SD_BUILT=${CARGO_TARGET_DIR:-$ROOT/target}/release/storydup
  COMMIT=$(git rev-parse HEAD 2>/dev/null || echo unknown)
  if [ -n "$(git status --porcelain --untracked-files=no -- src Cargo.toml Cargo.lock 2>/dev/null)" ]; then
    COMMIT+=" (built with uncommitted changes to src/ or Cargo.*)"
  fi
fi
[ -x "$SD_BUILT" ] || die "no binary at $SD_BUILT"
# run a private copy: another build in the same target/ must not swap the binary between runs
mkdir -p "$WORK/bin"
SD=$WORK/bin/storydup-stories-scale
cp "$SD_BUILT" "$SD"
VERSION=$("$SD" --version 2>/dev/null || echo storydup)

# ---------------------------------------------------------------------------------------------
# 2. corpus: the kit's make_corpus.py, run from a writable copy with data/ and seeds/ linked beside
#    it (it finds its sources relative to its folder's grandparent), exactly as benches/compare.sh
# ---------------------------------------------------------------------------------------------
KIT=$WORK/shared/bench
mkdir -p "$KIT" "$WORK/corpus" "$WORK/stories-scale"
for f in "$SHARED"/bench/*; do
  [ -f "$f" ] && install -m 0755 "$f" "$KIT/"
done
for d in data seeds; do
  [ -e "$SHARED/$d" ] && ln -sfn "$SHARED/$d" "$WORK/shared/$d"
done
corpus=$WORK/corpus/corpus-$CORPUS_SIZE.jsonl
if [ ! -s "$corpus" ] || [ ! -s "${corpus%.jsonl}.manifest.json" ]; then
  say "building $corpus (seed $SEED; 400MB takes a minute or two)"
  tmp=$WORK/corpus/tmp-$CORPUS_SIZE.jsonl
  python3 "$KIT/make_corpus.py" --size "$CORPUS_SIZE" --seed "$SEED" --out "$tmp" \
    || die "make_corpus.py --size $CORPUS_SIZE failed"
  mv "${tmp%.jsonl}.truth.jsonl" "${corpus%.jsonl}.truth.jsonl"
  sed "s/tmp-$CORPUS_SIZE\.jsonl/corpus-$CORPUS_SIZE.jsonl/" "${tmp%.jsonl}.manifest.json" \
    >"${corpus%.jsonl}.manifest.json" && rm "${tmp%.jsonl}.manifest.json"
  mv "$tmp" "$corpus"
fi
records=$(wc -l <"$corpus")
INPUTS=()
for n in "${NS[@]}"; do
  [ "$records" -ge "$n" ] \
    || die "$corpus has $records records, fewer than $n (set a larger CORPUS_SIZE)"
  f=$WORK/stories-scale/articles-$n.jsonl
  if [ ! -s "$f" ] || [ "$(wc -l <"$f")" -ne "$n" ] || [ "$f" -ot "$corpus" ]; then
    head -n "$n" "$corpus" >"$f.tmp" && mv "$f.tmp" "$f"
  fi
  [ "$(wc -l <"$f")" -eq "$n" ] || die "$f does not have $n records"
  INPUTS+=("generated|$n|$f")
done
# real news beside the generated articles: the first N records of SHARED/data/DATASET/dev.jsonl
for spec in $REAL; do
  ds=${spec%%:*}; n=${spec##*:}
  [[ $n =~ ^[0-9]+$ && $n -ge 1 && $spec == *:* ]] || die "REAL: '$spec' is not DATASET:N"
  src=$SHARED/data/$ds/dev.jsonl
  [ -s "$src" ] || die "REAL: no $src"
  [ "$(wc -l <"$src")" -ge "$n" ] || die "REAL: $src has fewer than $n records"
  f=$WORK/stories-scale/$ds-$n.jsonl
  if [ ! -s "$f" ] || [ "$f" -ot "$src" ] || [ "$(wc -l <"$f")" -ne "$n" ]; then
    head -n "$n" "$src" >"$f.tmp" && mv "$f.tmp" "$f"
  fi
  INPUTS+=("$ds|$n|$f")
done

# ---------------------------------------------------------------------------------------------
# 3. runs
# ---------------------------------------------------------------------------------------------
HZ=$(getconf CLK_TCK)
busy_s() { awk -v hz="$HZ" '/^cpu / {print ($2+$3+$4+$7+$8+$9)/hz; exit}' /proc/stat; }

TSV=$WORK/stories-scale/runs.tsv
printf 'input\tn\trun\tstatus\twall_s\tmaxrss_kb\tcpu_s\tothers_cores\tinternal_s\tstages\tdir\n' >"$TSV"
for input in "${INPUTS[@]}"; do
  IFS='|' read -r label n f <<<"$input"
  for run in $(seq 1 "$REPEATS"); do
    dir=$WORK/stories-scale/run-$label-$n-$run
    rm -rf "$dir"; mkdir -p "$dir"
    say "$label, $n articles, run $run (stopped after ${TIMEOUT}s) ..."
    status=0
    b0=$(busy_s)
    # time(1) measures timeout(1), whose resource usage includes the storydup it waited for
    /usr/bin/time -v -o "$dir/time.txt" \
      timeout --kill-after=10 "$TIMEOUT" "$SD" stories "$f" -f json -o "$dir/stories.json" -j "$THREADS" \
      >"$dir/stdout.txt" 2>"$dir/stderr.txt" || status=$?
    b1=$(busy_s)
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$dir/time.txt")
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$dir/time.txt")
    cpu=$(awk -F': ' '/User time|System time/ {s+=$2} END {print s}' "$dir/time.txt")
    others=$(awk -v b0="$b0" -v b1="$b1" -v c="$cpu" -v w="$wall" \
      'BEGIN {x = (w > 0) ? (b1 - b0 - c) / w : 0; if (x < 0) x = 0; printf "%.2f", x}')
    # storydup's summary: "storydup: N articles in X s (passages a s, stories b s, variants c s); R rejected"
    summ=$(sed -n 's/^storydup: [0-9,]* articles in \([0-9.]*\) s (\(.*\))\(; [0-9,]* rejected\)\{0,1\}$/\1|\2/p' "$dir/stderr.txt" | tail -n1)
    internal=${summ%%|*}; stages=${summ#*|}
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$n" "$run" "$status" "$wall" "$rss" "$cpu" \
      "$others" "${internal:--}" "${stages:--}" "$dir" >>"$TSV"
    if [ "$status" = 0 ]; then
      echo "   ${wall} s wall, peak RSS $((rss / 1024)) MB, stages: ${stages:-?}; other processes ~${others} cores" >&2
    elif [ "$status" = 124 ] || [ "$status" = 137 ]; then
      echo "   stopped after ${TIMEOUT} s; skipping the other runs of $label $n" >&2
      break
    else
      echo "   exited with status $status" >&2
      tail -n 3 "$dir/stderr.txt" >&2 || true
    fi
  done
done

# ---------------------------------------------------------------------------------------------
# 4. report
# ---------------------------------------------------------------------------------------------
cpu_model=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n1)
cores=$(nproc)
ram=$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)
os=$( (. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME") || uname -s)
kernel=$(uname -r)
rustc_v=$(rustc --version 2>/dev/null || echo unknown)
load=$(cut -d' ' -f1-3 /proc/loadavg)

python3 - "$TSV" "$TIMEOUT" <<'EOF'
import hashlib, json, os, re, statistics, sys
tsv, timeout = sys.argv[1], float(sys.argv[2])
# input, n, run, status, wall_s, maxrss_kb, cpu_s, others_cores, internal_s, stages, dir
rows = [l.rstrip("\n").split("\t") for l in open(tsv)][1:]
keys = []
for r in rows:
    if (r[0], int(r[1])) not in keys:
        keys.append((r[0], int(r[1])))
rows = [[r[0] + "|" + r[1]] + r[2:] for r in rows]  # column 0: the key; the rest as before

def stages(text):
    """'passages 0.12s, stories 0.03s, variants 0.50s' -> [('passages', 0.12), ...]"""
    return [(m.group(1).strip(), float(m.group(2))) for m in re.finditer(r"([A-Za-z_ -]+?) ([0-9.]+)s", text)]

def summary(path):
    rep = json.load(open(path))
    stories = rep["stories"]
    groups = [g for s in stories for g in s["groups"]]
    return {
        "stories": len(stories),
        "multi": sum(1 for s in stories if len(s["documents"]) > 1),
        "largest_story": max((len(s["documents"]) for s in stories), default=0),
        "groups": len(groups),
        "in_groups": sum(len(g["documents"]) for g in groups),
        "largest_group": max((len(g["documents"]) for g in groups), default=0),
    }

table = ["| input | articles | runs ok | median wall s | peak RSS MB | CPU s | stage timings (median s; other = the rest of storydup's own total) | stories (with ≥ 2 articles) | largest story | syndication groups (articles in them) | largest group |",
         "|---|---:|---:|---:|---:|---:|---|---|---:|---|---:|"]
detail = ["| input | articles | run | exit | wall s | peak RSS MB | CPU s | others' CPU (cores) | storydup's own total s | stages |",
          "|---|---:|---:|---|---:|---:|---:|---:|---:|---|"]
goal = []
for label, n in keys:
    rs = [r for r in rows if r[0] == f"{label}|{n}"]
    ok = [r for r in rs if r[2] == "0"]
    for r in rs:
        ex = r[2] + (" (stopped at the time limit)" if r[2] in ("124", "137") else "")
        detail.append(f"| {label} | {n:,} | {r[1]} | {ex} | {r[3]} | {int(r[4]) // 1024} | {r[5]} | {r[6]} | {r[7]} | {r[8]} |")
    if not ok:
        stopped = any(r[2] in ("124", "137") for r in rs)
        why = f"> {timeout:.0f} (stopped)" if stopped else "failed"
        rss = max(int(r[4]) for r in rs) // 1024
        table.append(f"| {label} | {n:,} | 0/{len(rs)} | {why} | {rss:,} when stopped | – | – | – | – | – | – |")
        if n == 10000:
            goal.append(f"**Goal missed ({label}):** 10,000 articles did not finish within {timeout:.0f} s (goal: under 2 s on 2 cores).")
        continue
    wall = statistics.median(float(r[3]) for r in ok)
    rss = max(int(r[4]) for r in ok) // 1024
    cpu = statistics.median(float(r[5]) for r in ok)
    names = [k for k, _ in stages(ok[0][8])]
    med = {k: statistics.median(dict(stages(r[8])).get(k, float("nan")) for r in ok) for k in names}
    own = [float(r[7]) for r in ok if r[7] != "-"]
    internal = statistics.median(own) if own else float("nan")
    rest = internal - sum(med.values())
    st = ", ".join(f"{k} {v:.2f}" for k, v in med.items()) + f"; other {rest:.2f}"
    s = summary(os.path.join(ok[0][9], "stories.json"))
    digests = {hashlib.sha256(open(os.path.join(r[9], "stories.json"), "rb").read()).hexdigest() for r in ok}
    same = "" if len(digests) == 1 else " – outputs differ between runs!"
    table.append(
        f"| {label} | {n:,} | {len(ok)}/{len(rs)} | **{wall:.2f}** | {rss:,} | {cpu:.2f} | {st} "
        f"| {s['stories']:,} ({s['multi']:,}) | {s['largest_story']:,} | {s['groups']:,} ({s['in_groups']:,}){same} | {s['largest_group']:,} |")
    if n == 10000:
        top = max(med, key=med.get) if med else "?"
        if wall < 2.0:
            goal.append(f"**Goal met ({label}):** 10,000 articles in {wall:.2f} s wall (median; goal: under 2 s on 2 cores).")
        else:
            goal.append(f"**Goal missed ({label}):** 10,000 articles took {wall:.2f} s wall (median; goal: under 2 s on 2 cores). "
                        f"The slowest stage is {top} ({med.get(top, float('nan')):.2f} s); stages: {st}.")
out = "\n".join(table) + "\n\nEvery run:\n\n" + "\n".join(detail) + "\n\n" + "\n\n".join(goal) + "\n"
open(os.path.join(os.path.dirname(tsv), "table.md"), "w").write(out)
print(out)
EOF

{
  echo "# storydup stories at scale: $(date +%F)"
  echo
  echo "Wall time and peak memory of \`storydup stories FILE -f json -o OUT -j $THREADS\` for a day of news"
  echo "(10,000 articles) and for 100,000, as the issue asks (goal: 10,000 in under 2 s on 2 cores)."
  echo
  echo "## Machine"
  echo
  echo "- CPU: $cpu_model, $cores cores (\`nproc\`)"
  echo "- RAM: $ram"
  echo "- OS: $os, kernel $kernel"
  echo "- $rustc_v"
  echo "- storydup: $VERSION, commit $COMMIT"
  echo "- load average when the report was written: $load"
  [ -n "$NOTE" ] && echo "- note: $NOTE"
  echo
  echo "## Command"
  echo
  echo '```'
  echo "$CMD"
  echo '```'
  echo
  echo "Each run: \`/usr/bin/time -v timeout $TIMEOUT storydup stories INPUT.jsonl -f json -o stories.json -j $THREADS\`"
  echo "(without \`-q\`, so that storydup prints its stage timings on stderr). Inputs:"
  echo
  echo "- *generated*: the first N records of \`make_corpus.py --size $CORPUS_SIZE --seed $SEED\` ($records"
  echo "  records; they are shuffled, so the first N are a random sample of base articles, near-duplicates"
  echo "  and related articles), built from the dev/train parts of the shared data and the seeds. Caveat:"
  echo "  the kit composes every base article of paragraphs drawn from a fixed pool of real paragraphs"
  echo "  (its manifest: \`pool\`), so at 10,000 or 100,000 articles many unrelated articles share a"
  echo "  multi-sentence paragraph verbatim, which is what reprinted copy looks like."
  [ -n "$REAL" ] && echo "- real news: the first N records of \`SHARED/data/DATASET/dev.jsonl\` for $REAL."
  echo
  echo "$REPEATS runs per input; a run stopped at the time limit ends that input's runs. The"
  echo "binary is a private copy of the build, so builds by others in the same tree cannot swap it"
  echo "between runs. *Others' CPU* is the CPU that other processes used meanwhile (0 on a quiet"
  echo "machine, 1.0 = one core busy elsewhere): timings with others' CPU well above 0 are inflated."
  echo
  echo "## Results"
  echo
  cat "$WORK/stories-scale/table.md"
} >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
say "wrote $OUT"
