# Sourced by scripts/test.sh and scripts/lesson.sh: one place that makes .venv and installs into it.

say() { printf '==> [%3ds] %s\n' "$SECONDS" "$*"; }

# pip warns once per package about index folders that this machine's pip.conf names but that do
# not exist ("Location 'file:///...' is ignored"); that line is noise here, everything else shows.
quiet_pip() {
    "$@" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
}

ensure_venv() {  # ensure_venv PIP-TARGET...   e.g. ensure_venv '.[test]'
    if [ ! -x .venv/bin/python ]; then
        say "creating .venv (python3 -m venv)"
        python3 -m venv .venv
    fi
    say "installing $* into .venv (pip, quiet)"
    quiet_pip .venv/bin/python -m pip install --quiet --disable-pip-version-check --progress-bar off -e "$@"
}

ensure_chromium() {
    if [ -x /usr/bin/chromium ]; then
        return 0
    fi
    say "installing Debian's chromium (apt-get)"
    local sudo=""
    if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
    test -x /usr/bin/chromium
}
