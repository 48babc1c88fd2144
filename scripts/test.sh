#!/usr/bin/env bash
# The one command that installs everything the tests need and runs them all:
# unit, property, golden-log, notebook, Binder and browser (JupyterLab + Voila) tests.
#   bash scripts/test.sh               # whole suite
#   bash scripts/test.sh -k voila      # extra arguments go to pytest
# Exits with pytest's status; "no tests collected" (pytest's 5) counts as a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_venv.sh

ensure_venv '.[test]'
ensure_chromium

say "running pytest (screenshots and timings go to test-output/)"
set +e
.venv/bin/python -m pytest -ra "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
    echo "pytest collected no tests: that is a failure here" >&2
    status=1
fi
exit "$status"
