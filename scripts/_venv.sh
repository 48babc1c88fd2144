# Sourced by scripts/test.sh and scripts/lesson.sh: one place that makes .venv and installs into it.
# Usage: ensure_venv '.[test]'   (the pip target to install, relative to the repo root)

say() { printf '==> %s\n' "$*"; }

ensure_venv() {
    if [ ! -x .venv/bin/python ]; then
        say "creating .venv (python3 -m venv)"
        python3 -m venv .venv
    fi
    say "installing $* into .venv (pip, quiet)"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --progress-bar off -e "$@"
}

ensure_chromium() {
    if [ -x /usr/bin/chromium ]; then
        return 0
    fi
    say "installing Debian's chromium (apt-get)"
    local sudo=""
    if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null
    test -x /usr/bin/chromium
}
