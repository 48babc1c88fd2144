# Sourced by scripts/test.sh and scripts/lesson.sh: one place that makes .venv and installs into it.
#
# The installer is uv (from PyPI, installed into .venv by pip) when it can be had: it resolves and
# installs the lessons' ~120 packages in seconds where pip takes minutes. pip stays the fallback,
# and HACOURSE_INSTALLER=pip forces it. Either way the progress shows as a few lines.

say() { printf '==> [%3ds] %s\n' "$SECONDS" "$*"; }

# pip warns once per package about index folders that this machine's pip.conf names but that do
# not exist ("Location 'file:///...' is ignored"); that line is noise here, everything else shows.
quiet_pip() {
    "$@" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
}

_uv_install() {  # _uv_install PIP-TARGET...: returns 1 when uv cannot be had or fails (pip then runs)
    if [ "${HACOURSE_INSTALLER:-uv}" = pip ]; then return 1; fi
    if ! .venv/bin/python -m uv --version >/dev/null 2>&1; then
        say "getting uv, a faster installer (pip install uv)"
        quiet_pip .venv/bin/python -m pip install --quiet --disable-pip-version-check --progress-bar off uv \
            >/dev/null 2>&1 || { say "no uv (offline?): pip installs instead"; return 1; }
    fi
    say "installing $* into .venv (uv)"
    local log=.venv/install.log
    # uv's own summary lines as they come (Resolved, Prepared, Installed): the progress a student sees.
    .venv/bin/python -m uv pip install --python .venv/bin/python -e "$@" 2>&1 | tee "$log" \
        | { grep --line-buffered -E '^(Resolved|Prepared|Installed|Uninstalled|Audited)' || true; } \
        | sed -u 's/^/      /'
    if [ "${PIPESTATUS[0]}" != 0 ]; then
        tail -n 15 "$log" >&2
        say "uv failed (its log: $log): pip installs instead"
        return 1
    fi
}

ensure_venv() {  # ensure_venv PIP-TARGET...   e.g. ensure_venv '.[test]'
    if [ ! -x .venv/bin/python ]; then
        say "creating .venv (python3 -m venv)"
        python3 -m venv .venv
    fi
    if _uv_install "$@"; then return 0; fi
    say "installing $* into .venv (pip, quiet: a few minutes on a first run)"
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
