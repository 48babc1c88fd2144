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

_get_uv() {  # uv into .venv, from PyPI by pip; returns 1 when it cannot be had (offline, old pip)
    .venv/bin/python -m uv --version >/dev/null 2>&1 && return 0
    say "getting uv, a faster installer (pip install uv)"
    local pip=(.venv/bin/python -m pip)
    if [ ! -x .venv/bin/pip ]; then pip=(python3 -m pip --python .venv/bin/python); fi
    quiet_pip "${pip[@]}" install --quiet --disable-pip-version-check --progress-bar off uv >/dev/null 2>&1
}

_uv_install() {  # _uv_install PIP-TARGET...: returns 1 when uv cannot be had or fails (pip then runs)
    _get_uv || { say "no uv (offline?): pip installs instead"; return 1; }
    say "installing $* into .venv (uv)"
    local log=.venv/install.log
    # uv's own summary lines as they come (Resolved, Prepared, Installed): the progress a student sees.
    # pip too, so that the venv has it for what comes later (and for the fallback).
    .venv/bin/python -m uv pip install --python .venv/bin/python pip -e "$@" 2>&1 | tee "$log" \
        | { grep --line-buffered -E '^(Resolved|Prepared|Installed|Uninstalled|Audited)' || true; } \
        | sed -u 's/^/      /'
    if [ "${PIPESTATUS[0]}" != 0 ]; then
        tail -n 15 "$log" >&2
        say "uv failed (its log: $log): pip installs instead"
        return 1
    fi
}

_make_venv() {
    # With uv to come, a venv without pip is made in a second (ensurepip takes several) and the
    # system's pip puts uv into it; else, or when that fails, the usual venv with pip.
    if [ "${HACOURSE_INSTALLER:-uv}" != pip ] && python3 -m pip --version >/dev/null 2>&1; then
        say "creating .venv (python3 -m venv --without-pip; uv brings pip)"
        if python3 -m venv --without-pip .venv && _get_uv; then return 0; fi
        rm -rf .venv
    fi
    say "creating .venv (python3 -m venv)"
    python3 -m venv .venv
}

ensure_venv() {  # ensure_venv PIP-TARGET...   e.g. ensure_venv '.[test]'
    if [ ! -x .venv/bin/python ]; then
        _make_venv
    fi
    if [ "${HACOURSE_INSTALLER:-uv}" != pip ] && _uv_install "$@"; then return 0; fi
    if [ ! -x .venv/bin/pip ]; then .venv/bin/python -m ensurepip --upgrade >/dev/null; fi
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
