#!/usr/bin/env bash
# The one command that installs everything the tests need and runs them all:
# unit, property, golden-log, notebook, Binder and browser (JupyterLab + Voila) tests.
#   bash scripts/test.sh               # whole suite: the fast lane first, then the slow and browser tiers,
#                                      # with the slowest tests (--durations) and the coverage of hacourse/
#   bash scripts/test.sh --fast        # the model's tests only (no slow, no browser marker): under a minute,
#                                      # no coverage (it would cost the lane its speed)
#   bash scripts/test.sh -k voila      # extra arguments go to pytest
# Exits with pytest's status; "no tests collected" (pytest's 5) counts as a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_venv.sh

fast=0
if [ "${1:-}" = "--fast" ]; then fast=1; shift; fi
workers="${HACOURSE_TEST_WORKERS:-2}"  # the fast lane runs on both cores (pytest-xdist); 0 = in one process

ensure_venv '.[test]'

run_pytest() {  # run_pytest ARGS...: pytest's own status
    local status
    set +e
    .venv/bin/python -m pytest -ra "$@"
    status=$?
    set -e
    return "$status"
}

no_tests() {  # "no tests collected" (pytest's 5) is a failure here
    echo "pytest collected no tests: that is a failure here" >&2
    exit 1
}

if [ "$fast" = 1 ]; then
    say "the fast lane: pytest -m 'not slow and not browser'"
    status=0; run_pytest -m "not slow and not browser" -q -n "$workers" "$@" || status=$?
    if [ "$status" -eq 5 ]; then no_tests; fi
    exit "$status"
fi

ensure_chromium
mkdir -p test-output
# Coverage of hacourse/ over both tiers: tier 1 measures quietly, tier 2 adds to it and prints the
# table (files below 100 %, and the total). Code run only in subprocesses (the CLI as a command,
# notebook kernels) is not counted.
say "tier 1, the fast lane (a red model fails the run here, before the slow tiers)"
first=0; run_pytest -m "not slow and not browser" -n "$workers" --durations=15 --cov=hacourse --cov-report= "$@" \
    || first=$?
if [ "$first" -ne 0 ] && [ "$first" -ne 5 ]; then exit "$first"; fi
say "tier 2, slow and browser tests (screenshots and timings go to test-output/)"
second=0; run_pytest -m "slow or browser" --durations=25 --cov=hacourse --cov-append \
    --cov-report=term:skip-covered "$@" || second=$?
if [ "$first" -eq 5 ] && [ "$second" -eq 5 ]; then no_tests; fi
if [ "$second" -eq 5 ]; then exit 0; fi
exit "$second"
