#!/usr/bin/env bash
# The Spark job's tests (issue 13), as CI runs them: a Java 17 runtime (Debian's package, when the
# machine has no java), pyspark 3.5 from PyPI and storydup's Python package in a virtual
# environment, then bindings/python/tests/test_spark.py in local mode against the `storydup`
# binary that `cargo test --release` built. The environment is scripts/python_ci.sh's, which
# already holds the package (its release wheel), so nothing is compiled again; run alone, the
# package is installed first. A few minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v java >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null
fi
venv=${STORYDUP_SPARK_VENV:-${PYTHON_CI_VENV:-target/python-ci}}
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
# pandas: pyspark 3.5 checks for it before any mapInArrow, though the job passes no pandas frame.
"$venv/bin/pip" install -q "pyspark>=3.5,<3.6" "pyarrow>=15" numpy "pandas>=1.0.5" "pytest>=7"
# The package, unless python_ci.sh installed it into this environment already.
"$venv/bin/python" -c 'import storydup' 2>/dev/null || "$venv/bin/pip" install -q .
bin=${STORYDUP_BIN:-$PWD/${CARGO_TARGET_DIR:-target}/release/storydup}
[ -x "$bin" ] || cargo build --release
STORYDUP_BIN=$bin "$venv/bin/python" -m pytest -q bindings/python/tests/test_spark.py
