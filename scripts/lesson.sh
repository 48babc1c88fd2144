#!/usr/bin/env bash
# Installs hacourse into .venv, runs the seed scenario on the command line, then opens lesson 1.
#   bash scripts/lesson.sh        # JupyterLab, lesson 1 open
#   bash scripts/lesson.sh app    # the lesson as an app: Voila, code hidden
# Extra arguments after the mode go to jupyter lab / voila (e.g. --port=8890).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_venv.sh

mode="lab"
if [ "${1:-}" = "app" ] || [ "${1:-}" = "lab" ]; then mode="$1"; shift; fi
lesson="notebooks/01-storage-network-down-non-spm.ipynb"

if [ "$mode" = "app" ]; then ensure_venv . voila; else ensure_venv .; fi

say "hacourse run scenarios/pacific-storage-down.yaml"
.venv/bin/hacourse run scenarios/pacific-storage-down.yaml

root_flag=()
if [ "$(id -u)" = 0 ]; then root_flag=(--allow-root); fi
if [ "$mode" = "app" ]; then
    say "serving $lesson with Voila (Ctrl-C to stop)"
    exec .venv/bin/voila "$lesson" "$@"
fi
say "opening $lesson in JupyterLab (Ctrl-C to stop)"
# default_url: the URL that jupyter prints (and opens, where there is a browser) is lesson 1 itself.
exec .venv/bin/jupyter lab "${root_flag[@]}" --LabApp.default_url="/lab/tree/$lesson" "$@"
