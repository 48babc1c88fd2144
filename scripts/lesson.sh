#!/usr/bin/env bash
# Installs hacourse into .venv, runs the seed scenario on the command line, then serves a lesson.
#   bash scripts/lesson.sh                  # JupyterLab, lesson 1 open
#   bash scripts/lesson.sh lab 3            # JupyterLab, lesson 3 open (a number, a file, or part of a name)
#   bash scripts/lesson.sh app              # lesson 1 as an app: Voila, code hidden
#   bash scripts/lesson.sh app availability # any lesson as an app (here the availability study)
# Extra arguments after the lesson go to jupyter lab / voila (e.g. --port=8890).
#
# What it prints: numbered steps with the seconds since the start, the event log of the seed
# scenario, and last of all the URL to open, once the server answers. The server's own log goes to
# .venv/jupyter-lab.log (Lab) or .venv/voila.log (the app), so one never overwrites the other;
# Ctrl-C stops the server. The course's Jupyter settings (binder/jupyter_server_config.py: no news
# toast, the JupyterLab-only cells left out of Voila, lessons saved without outputs) go into .venv.
# JupyterLab serves every lesson as an app too, at /voila/render/notebooks/NAME.ipynb.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_venv.sh

mode="lab"
if [ "${1:-}" = "app" ] || [ "${1:-}" = "lab" ]; then mode="$1"; shift; fi
wanted="1"
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then wanted="$1"; shift; fi
lesson="$(python3 - "$wanted" <<'PY'
import sys
from pathlib import Path
wanted = sys.argv[1]
lessons = sorted(p for p in Path("notebooks").glob("*.ipynb"))
if Path(wanted).is_file():
    found = [Path(wanted)]
elif wanted.isdigit():
    found = [p for p in lessons if p.name.split("-")[0].isdigit() and int(p.name.split("-")[0]) == int(wanted)]
else:
    found = [p for p in lessons if wanted in p.stem]
if len(found) != 1:
    why = "no lesson matches" if not found else "several lessons match"
    names = "\n".join(f"    {p.name}" for p in lessons)
    sys.exit(f"lesson.sh: {why} {wanted!r}; give a number, a file or part of a name:\n{names}")
print(found[0].as_posix())
PY
)"

say "1/4 installing hacourse, Jupyter and Voila into .venv (the first run takes about a minute)"
ensure_venv . voila  # Voila in Lab too: /voila/render/... opens any lesson as an app
prefix="$(.venv/bin/python -c 'import sys; print(sys.prefix)')"
mkdir -p "$prefix/etc/jupyter" "$prefix/share/jupyter/lab/settings"
cp binder/jupyter_server_config.py "$prefix/etc/jupyter/jupyter_server_config.py"
cp binder/overrides.json "$prefix/share/jupyter/lab/settings/overrides.json"

say "2/4 hacourse run scenarios/pacific-storage-down.yaml (the run of lesson 1, as the CLI tells it)"
.venv/bin/hacourse run scenarios/pacific-storage-down.yaml

port="${HACOURSE_PORT:-8888}"
extra=()  # the arguments for the server, but the port: the script picks it (the first free from --port)
for arg in "$@"; do
    case "$arg" in --port=*|--ServerApp.port=*|--Voila.port=*) port="${arg#*=}" ;; *) extra+=("$arg") ;; esac
done
port="$(.venv/bin/python - "$port" <<'PY'
import socket, sys
port = int(sys.argv[1])
for candidate in range(port, port + 50):  # the first free port from the wanted one, as Jupyter does
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", candidate))
        except OSError:
            continue
        print(candidate)
        break
PY
)"
token="$(.venv/bin/python -c 'import secrets; print(secrets.token_hex(16))')"
if [ "$mode" = "app" ]; then log=.venv/voila.log; else log=.venv/jupyter-lab.log; fi
root_flag=()
if [ "$(id -u)" = 0 ]; then root_flag=(--allow-root); fi
if [ "$mode" = "app" ]; then
    say "3/4 starting Voila on $lesson (its log: $log)"
    # From the repository root, so Voila reads voila.json (it hides the JupyterLab-only cells).
    .venv/bin/voila "$lesson" --no-browser --port="$port" --Voila.ip=127.0.0.1 ${extra[@]+"${extra[@]}"} >"$log" 2>&1 &
    ready="http://127.0.0.1:$port/voila/static/"
    url="http://127.0.0.1:$port/"
else
    say "3/4 starting JupyterLab on $lesson (its log: $log)"
    .venv/bin/jupyter lab ${root_flag[@]+"${root_flag[@]}"} --no-browser --ServerApp.port="$port" \
        --IdentityProvider.token="$token" --LabApp.default_url="/lab/tree/$lesson" ${extra[@]+"${extra[@]}"} >"$log" 2>&1 &
    ready="http://127.0.0.1:$port/api/status?token=$token"
    url="http://localhost:$port/lab/tree/$lesson?token=$token"
fi
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; exit 0' INT TERM

if ! .venv/bin/python - "$ready" "$server" <<'PY'
import os, sys, time, urllib.error, urllib.request
ready, pid = sys.argv[1], int(sys.argv[2])
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    try:
        with urllib.request.urlopen(ready, timeout=2):
            sys.exit(0)
    except urllib.error.HTTPError:
        sys.exit(0)  # it answers (Voila's static folder has no index)
    except OSError:
        pass
    try:
        os.kill(pid, 0)  # still running?
    except OSError:
        sys.exit(1)
    time.sleep(0.2)
sys.exit(1)
PY
then
    say "the server did not start; the end of its log ($log):"
    tail -n 30 "$log" >&2
    kill "$server" 2>/dev/null || true
    exit 1
fi
say "4/4 ready. Open this in your browser (Ctrl-C here stops the server):"
echo
echo "    $url"
echo
wait "$server"
