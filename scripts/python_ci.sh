#!/usr/bin/env bash
# The Python package as a user gets it: a fresh virtual environment, `pip install .` from this
# checkout (maturin, the build backend, comes from PyPI; the wheel's Rust build shares cargo's
# target folder, so crates already built for the tests are not built again in release mode, and
# a second run rebuilds nothing), the test dependencies, then the pytest suite in
# bindings/python/tests against the command line that `cargo test` built.
#
#   scripts/python_ci.sh            # venv in target/python-ci (override with PYTHON_CI_VENV)
#
# pip's own cache (~/.cache/pip) keeps the downloaded wheels of pyarrow, pandas and datasets.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS=0
venv="${PYTHON_CI_VENV:-target/python-ci}"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q --upgrade pip
"$venv/bin/python" -m pip install -q pytest pandas datasets
echo "== python: test dependencies in ${SECONDS}s"
"$venv/bin/python" -m pip install -q .
echo "== python: pip install . in ${SECONDS}s"
"$venv/bin/python" -c 'import storydup; print("storydup", storydup.__version__, "from", storydup.__file__)'
target="${CARGO_TARGET_DIR:-target}"
export STORYDUP_BIN="${STORYDUP_BIN:-$PWD/$target/debug/storydup}"
[ -x "$STORYDUP_BIN" ] || cargo build
# The sources in bindings/python/py_src are not on the path: `import storydup` is the installed
# package, compiled extension included.
"$venv/bin/python" -m pytest bindings/python/tests -q -p no:cacheprovider
echo "== python: done in ${SECONDS}s"
