#!/usr/bin/env bash
# The Spark job's tests (issue 13), as CI runs them: a Java 17 runtime (Debian's package, when the
# machine has no java), pyspark 3.5 from PyPI and storydup's Python package in a virtual
# environment, then bindings/python/tests/test_spark.py in local mode against the `storydup`
# binary that `cargo test` built (target/debug). A few minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v java >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null
fi
venv=${STORYDUP_SPARK_VENV:-bench-work/spark-venv}
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
# pandas: pyspark 3.5 checks for it before any mapInArrow, though the job passes no pandas frame.
"$venv/bin/pip" install -q "pyspark>=3.5,<3.6" "pyarrow>=15" numpy "pandas>=1.0.5" "pytest>=7"
# The extension in the dev profile (optimised dependencies, like the tests' binary): the tests
# compare bytes, not speed, and it builds in about half the time of a release wheel.
MATURIN_PEP517_ARGS="--profile dev" "$venv/bin/pip" install -q --force-reinstall --no-deps .
STORYDUP_BIN=${STORYDUP_BIN:-$PWD/target/debug/storydup} "$venv/bin/python" -m pytest -q bindings/python/tests/test_spark.py
