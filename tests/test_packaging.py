"""An installed wheel carries what the lessons and exercises load: the shipped scenarios and the schema."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest

from tests.seed import ROOT


@pytest.mark.slow
def test_the_wheel_ships_every_scenario_and_the_json_schema(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps",
                    "-q", "-w", str(tmp_path)], check=True, capture_output=True, timeout=300)
    wheel = next(tmp_path.glob("hacourse-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {f"hacourse/scenarios/{p.name}" for p in (ROOT / "scenarios").glob("*.yaml")}
    assert shipped and shipped <= names
    assert "hacourse/scenario.schema.json" in names


# import name -> distribution name, where they differ
DISTRIBUTIONS = {"yaml": "pyyaml", "PIL": "pillow", "IPython": "ipython"}


def _imported_top_level_modules() -> dict[str, set[str]]:
    """Third-party modules that hacourse imports, each with the files that import it."""
    import ast

    stdlib = set(sys.stdlib_module_names)
    found: dict[str, set[str]] = {}
    for path in (ROOT / "hacourse").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in stdlib and top not in ("hacourse", "__future__"):
                    found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


def _declared(requirements: list[str]) -> set[str]:
    import re

    return {re.split(r"[<>=!~\[; ]", r, maxsplit=1)[0].strip().lower() for r in requirements}


def test_pyproject_declares_every_package_that_hacourse_imports():
    """A fresh `pip install .` must bring what the package imports: required, or an extra for the
    optional imports (dask, pyarrow) that the code asks for only when the user asks for them."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    required = _declared(project["dependencies"])
    optional = set().union(*(_declared(v) for v in project["optional-dependencies"].values()))
    missing = {}
    for module, files in _imported_top_level_modules().items():
        dist = DISTRIBUTIONS.get(module, module).lower()
        if dist not in required and dist not in optional:
            missing[module] = sorted(files)
    assert not missing, f"imported by hacourse but not declared in pyproject.toml: {missing}"
