"""An installed wheel carries what the lessons and exercises load: the shipped scenarios and the schema."""

from __future__ import annotations

import subprocess
import sys
import zipfile

from tests.seed import ROOT


def test_the_wheel_ships_every_scenario_and_the_json_schema(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps",
                    "-q", "-w", str(tmp_path)], check=True, capture_output=True, timeout=300)
    wheel = next(tmp_path.glob("hacourse-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {f"hacourse/scenarios/{p.name}" for p in (ROOT / "scenarios").glob("*.yaml")}
    assert shipped and shipped <= names
    assert "hacourse/scenario.schema.json" in names
