#!/usr/bin/env bash
# Builds the whole course as a static JupyterLite site: lessons, the availability study, the exercises
# and the shipped scenarios, with hacourse running in the browser's Pyodide kernel. Nothing but PyPI
# and npm is used to build it, and the site makes no request outside its own origin.
#   bash scripts/build_site.sh            # into build/site (skipped when its inputs did not change)
#   bash scripts/build_site.sh --force    # rebuild anyway
#   python3 -m http.server -d build/site  # then open http://localhost:8000/lab/index.html
# What goes in (docs/performance.md has the sizes and times):
#   - jupyterlite-core + jupyterlite-pyodide-kernel $JUPYTERLITE (PyPI), in their own venv .venv-site
#     so that the lessons' JupyterLab extensions do not leak into the site;
#   - Pyodide $PYODIDE's core from npm (`npm pack pyodide`), served from static/pyodide/. The npm
#     package holds no package files, so its lock is cut down to what is present and every package
#     the kernel loads (micropip, packaging, ipython and its kin, the kernel's own wheels) comes
#     from PyPI as a pure-Python wheel, locked by the kernel's pyodide-lock addon;
#   - hacourse as a wheel built from this checkout, with simpy, networkx, ipywidgets and PyYAML
#     (its pure-Python build: PyPI has no Pyodide wheel of it) and none of matplotlib, numpy,
#     Pillow, JupyterLab, nbformat or tornado, which have no Pyodide wheel on PyPI or no use in the browser.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_venv.sh

JUPYTERLITE=0.8.6   # core and kernel of one minor version (the kernel's 0.8.7 wanted a core PyPI lacks)
PYODIDE=314.0.6     # jupyterlite_pyodide_kernel.constants.PYODIDE_VERSION of that kernel
PYYAML=6.0.3        # the version Pyodide's own lock names

OUT=$(realpath -m "${HACOURSE_SITE_DIR:-build/site}")
WORK=build/site-work
force=0
if [ "${1:-}" = "--force" ]; then force=1; fi

# The site is a function of these inputs: skip the build when their digest matches the last one.
inputs_digest() {
    { echo "$JUPYTERLITE $PYODIDE $PYYAML"
      git ls-files -s hacourse notebooks scenarios scripts/build_site.sh scripts/site_lite.py pyproject.toml
      git diff HEAD -- hacourse notebooks scenarios scripts/build_site.sh scripts/site_lite.py pyproject.toml
    } | sha256sum | cut -d' ' -f1
}
digest=$(inputs_digest)
if [ "$force" = 0 ] && [ -f "$OUT/.inputs" ] && [ "$(cat "$OUT/.inputs")" = "$digest" ]; then
    say "the site in $OUT is up to date (its inputs did not change; --force rebuilds)"
    exit 0
fi

if ! command -v npm >/dev/null; then
    say "installing Debian's npm (apt-get): Pyodide comes from npm"
    sudo=""; if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq npm >/dev/null
fi
mkdir -p "$WORK"
SITE_PY=.venv-site/bin/python
SITE_REQS=("jupyterlite-core==$JUPYTERLITE" "jupyterlite-pyodide-kernel==$JUPYTERLITE"
           "pyodide-lock[uv]" "jupyterlab-widgets>=3.0.15,<4" jupyter-server wheel pip)
uv_of_venv=""  # the lessons' .venv brings uv (scripts/_venv.sh): seconds instead of pip's minutes
if [ -x .venv/bin/python ] && .venv/bin/python -m uv --version >/dev/null 2>&1; then uv_of_venv=1; fi
if [ ! -x "$SITE_PY" ]; then
    say "creating .venv-site, the site builder's own venv"
    if [ -n "$uv_of_venv" ]; then python3 -m venv --without-pip .venv-site; else python3 -m venv .venv-site; fi
fi
if ! "$SITE_PY" -c "import jupyterlite_core, jupyterlite_pyodide_kernel, pyodide_lock, uv, jupyter_server, pip" \
        2>/dev/null \
    || [ "$("$SITE_PY" -c 'import jupyterlite_core; print(jupyterlite_core.__version__)')" != "$JUPYTERLITE" ]; then
    if [ -n "$uv_of_venv" ]; then
        say "installing jupyterlite-core and jupyterlite-pyodide-kernel $JUPYTERLITE (uv)"
        .venv/bin/python -m uv pip install --quiet --python "$SITE_PY" "${SITE_REQS[@]}"
    else
        say "installing jupyterlite-core and jupyterlite-pyodide-kernel $JUPYTERLITE (pip)"
        quiet_pip "$SITE_PY" -m pip install --quiet --disable-pip-version-check --progress-bar off "${SITE_REQS[@]}"
    fi
fi

say "building the hacourse wheel from this checkout"
rm -rf "$WORK/wheels" && mkdir -p "$WORK/wheels"
if ! "$SITE_PY" -m pip wheel --quiet --disable-pip-version-check --no-deps -w "$WORK/wheels" . \
        >"$WORK/wheel.log" 2>&1; then
    tail -n 20 "$WORK/wheel.log" >&2
    exit 1
fi

if [ ! -f "$WORK/cache/pyyaml-$PYYAML-py3-none-any.whl" ]; then
    say "building PyYAML $PYYAML without libyaml: a pure-Python wheel for the browser"
    mkdir -p "$WORK/cache"
    PYYAML_FORCE_LIBYAML=0 quiet_pip "$SITE_PY" -m pip wheel --quiet --disable-pip-version-check \
        --no-binary pyyaml --no-deps -w "$WORK/cache" "pyyaml==$PYYAML" >/dev/null
fi
cp "$WORK/cache/pyyaml-$PYYAML-py3-none-any.whl" "$WORK/wheels/"

if [ ! -f "$WORK/cache/pyodide-$PYODIDE.tgz" ]; then
    say "fetching Pyodide $PYODIDE's core from npm (npm pack pyodide@$PYODIDE)"
    (cd "$WORK/cache" && npm pack --silent "pyodide@$PYODIDE" >/dev/null)
fi

say "staging the lite dir (contents, configuration, Pyodide)"
"$SITE_PY" scripts/site_lite.py stage --work "$WORK" --pyodide-tgz "$WORK/cache/pyodide-$PYODIDE.tgz"

say "jupyter lite build into $OUT (its log: $WORK/build.log)"
rm -rf "$OUT"
root=$(pwd)
if ! (cd "$WORK/lite" && "$root/.venv-site/bin/jupyter-lite" build --output-dir "$OUT" \
        --no-sourcemaps --no-unused-shared-packages) >"$WORK/build.log" 2>&1; then
    tail -n 30 "$WORK/build.log" >&2
    say "jupyter lite build failed"
    exit 1
fi
"$SITE_PY" scripts/site_lite.py check --out "$OUT"
echo "$digest" > "$OUT/.inputs"
say "site ready: $(du -sm "$OUT" | cut -f1) MB in $OUT (python3 -m http.server -d $OUT)"
