#!/usr/bin/env bash
# The course's Binder badge and links, read off this repository's GitHub remote (origin).
#   bash scripts/links.sh              # print the badge and every Binder link
#   bash scripts/links.sh --readme     # and write the badge into README.md
# Standard library Python only (scripts/links.py): it needs no .venv.
set -euo pipefail
exec python3 "$(dirname "$0")/links.py" "$@"
