"""The JupyterLite site's staging and checks (scripts/build_site.sh calls this).

    python scripts/site_lite.py stage --work build/site-work --pyodide-tgz PYODIDE.tgz
    python scripts/site_lite.py check --out build/site

`stage` lays out the lite dir: the course's files as the site's contents (notebooks/ and scenarios/,
so that a lesson's "../scenarios/x.yaml" reads as in the repository), Pyodide's npm core under
static/pyodide/ with its lock cut down to the files present, and the build's configuration.
`check` fails the build when the site would reach outside its own origin: every package of the
lock must be a file of the site.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KERNEL_PLUGIN = "@jupyterlite/pyodide-kernel-extension:kernel"

# What the browser kernel loads from the lock, beyond the kernel addon's own prefetch
# (ipykernel, comm, pyodide-kernel, ipython): micropip and packaging are loaded by the kernel
# before anything else, jedi by its first completion; hacourse brings simpy, networkx,
# ipywidgets and PyYAML through its wheel's requirements.
SPECS = ["micropip", "packaging", "jedi"]
# hacourse's requirements with no Pyodide wheel on PyPI (numpy, matplotlib, Pillow), or with no
# use in the browser and a compiled dependency (nbformat -> jsonschema -> rpds-py; JupyterLab;
# tornado, which only the instructor's hub helper, grading/hub.py, imports).
EXCLUDES = ["matplotlib", "numpy", "pillow", "jupyterlab", "nbformat", "tornado"]
# Loaded while the kernel starts, so the first cell's `import hacourse` finds it ready.
PREFETCH = ["hacourse"]


def _course_files(contents: Path) -> None:
    """The lessons, study, exercises and scenarios, laid out as in the repository."""
    for ipynb in sorted((ROOT / "notebooks").rglob("*.ipynb")):
        if ".ipynb_checkpoints" in ipynb.parts:
            continue
        dest = contents / ipynb.relative_to(ROOT)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ipynb, dest)
    scenarios = contents / "scenarios"
    scenarios.mkdir(parents=True)
    for yaml in sorted((ROOT / "scenarios").glob("*.yaml")):
        shutil.copy2(yaml, scenarios / yaml.name)


def _pyodide(tgz: Path, static: Path) -> None:
    """Pyodide's npm core, with its lock naming only the packages whose files are here (none):
    every package the kernel needs comes from PyPI through the lock addon instead, so no entry
    can send the browser to a CDN."""
    dest = static / "pyodide"
    with tarfile.open(tgz) as tar:
        for member in tar.getmembers():
            if not member.isfile() or member.name.endswith((".map", ".d.ts", ".html")):
                continue
            name = member.name.removeprefix("package/")
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            with tar.extractfile(member) as src:  # type: ignore[union-attr]
                target.write_bytes(src.read())
    lock_path = dest / "pyodide-lock.json"
    lock = json.loads(lock_path.read_text())
    lock["packages"] = {
        name: pkg for name, pkg in lock["packages"].items() if (dest / pkg["file_name"]).is_file()
    }
    # pyodide-lock 0.1.2, PyPI's newest, requires info.version, which Pyodide 314's lock dropped
    lock["info"].setdefault("version", json.loads((dest / "package.json").read_text())["version"])
    lock_path.write_text(json.dumps(lock, indent=1))


def stage(work: Path, pyodide_tgz: Path) -> None:
    lite = work / "lite"
    shutil.rmtree(lite, ignore_errors=True)
    (lite / "static").mkdir(parents=True)
    _course_files(lite / "contents")
    _pyodide(pyodide_tgz, lite / "static")
    config = {
        "LiteBuildConfig": {"contents": ["contents"]},
        "PyodideLockAddon": {
            "enabled": True,
            "specs": SPECS,
            "wheels": ["../wheels"],
            "excludes_extra": EXCLUDES,
            "prefetch_extra": PREFETCH,
        },
    }
    (lite / "jupyter_lite_config.json").write_text(json.dumps(config, indent=2))
    settings = {
        "jupyter-lite-schema-version": 0,
        "jupyter-config-data": {
            "appName": "hacourse",
            "litePluginSettings": {KERNEL_PLUGIN: {"disablePyPIFallback": True}},
        },
    }
    (lite / "jupyter-lite.json").write_text(json.dumps(settings, indent=2))


def check(out: Path) -> list[str]:
    """What would make the site reach outside its origin, or miss a package the course needs."""
    problems = []
    lock_path = out / "static" / "pyodide-lock" / "pyodide-lock.json"
    if not lock_path.is_file():
        return [f"{lock_path}: missing (the pyodide-lock addon did not run)"]
    lock = json.loads(lock_path.read_text())
    for name, pkg in sorted(lock["packages"].items()):
        file_name = pkg["file_name"]
        if "://" in file_name:
            problems.append(f"{name}: loads from {file_name}, outside the site")
        elif not (lock_path.parent / file_name).is_file():
            problems.append(f"{name}: {file_name} is not in the site")
    for needed in ["micropip", "packaging", "hacourse", "simpy", "networkx", "ipywidgets", "pyyaml"]:
        if needed not in lock["packages"]:
            problems.append(f"{needed}: not in the site's lock")
    for excluded in EXCLUDES:
        if excluded in lock["packages"]:
            problems.append(f"{excluded}: in the site's lock, but it has no place in the browser")
    config = json.loads((out / "jupyter-lite.json").read_text())["jupyter-config-data"]
    kernel = config["litePluginSettings"][KERNEL_PLUGIN]
    if not kernel.get("pyodideUrl", "").startswith("./"):
        problems.append(f"jupyter-lite.json: pyodideUrl {kernel.get('pyodideUrl')!r} is not the site's")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_stage = sub.add_parser("stage")
    p_stage.add_argument("--work", type=Path, required=True)
    p_stage.add_argument("--pyodide-tgz", type=Path, required=True)
    p_check = sub.add_parser("check")
    p_check.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.command == "stage":
        stage(args.work, args.pyodide_tgz)
        return 0
    problems = check(args.out)
    for problem in problems:
        print(f"site check: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
