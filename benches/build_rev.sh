# Builds one commit of storydup from a clean export, for the benches that compare commits
# (sourced, after ROOT is set and `die` and `say` are defined):
#
#   . "$ROOT/benches/build_rev.sh"
#   build_rev REV "$WORK"     # sets BUILT_COMMIT (the full hash) and BUILT_BIN (the binary)
#
# The export (git archive) leaves others' uncommitted edits out; every commit is built in one
# target dir, WORK/stories-scale/target, so dependencies are built once.
build_rev() {
  local rev=$1 work=$2 src
  BUILT_COMMIT=$(git rev-parse --verify "$rev^{commit}" 2>/dev/null) || die "'$rev' is not a commit"
  src=$work/stories-scale/src-$BUILT_COMMIT
  if [ ! -f "$src/Cargo.toml" ]; then
    rm -rf "$src"; mkdir -p "$src"
    git archive "$BUILT_COMMIT" | tar -x -C "$src" || die "git archive $BUILT_COMMIT failed"
  fi
  # git archive stamps files with the commit's time, older than the artifacts another commit
  # left in the shared target dir, so cargo would take that build as fresh: stamp them now.
  find "$src" -type f -exec touch {} +
  say "cargo build --release (commit $BUILT_COMMIT, clean export in $src)"
  (cd "$src" && CARGO_TARGET_DIR=$work/stories-scale/target cargo build --release --quiet) \
    || die "cargo build --release failed for $BUILT_COMMIT"
  BUILT_BIN=$work/stories-scale/target/release/storydup
}
