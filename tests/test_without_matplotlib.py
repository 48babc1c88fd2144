"""The lessons' still pictures in a Python without matplotlib (the browser's Pyodide kernel):
`hacourse.views.draw_timeline` and `draw_topology` draw with the panel's SVG renderer and say
that the matplotlib figure needs the server version; a lesson's `drawn_spans` reads what they drew.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

LESSON_CELLS = """
import json, sys
sys.modules["matplotlib"] = None  # an import of it fails, as in Pyodide
shown = []
import IPython.display
IPython.display.display = lambda obj: shown.append(obj.data)
from hacourse import load_scenario, simulate
from hacourse.views import draw_timeline, draw_topology, drawn_spans
scenario = load_scenario("scenarios/pacific-storage-down.yaml")
draw_topology(scenario)
log = simulate(scenario, seed=0)
picture = draw_timeline(log, scenario)
pacific = sorted({s.status for s in drawn_spans(picture) if s.lane == "host:pacific"})
print(json.dumps({"shown": shown, "pacific": pacific}))
"""


def test_without_matplotlib_the_lessons_pictures_are_the_panels_svg():
    done = subprocess.run([sys.executable, "-c", LESSON_CELLS], capture_output=True, text=True, check=True, cwd=REPO)
    out = json.loads(done.stdout)
    topology, timeline = out["shown"]
    assert "<svg" in topology and "pacific" in topology and "needs the server version" in topology
    assert "<svg" in timeline and "hacourse-legend-entry" in timeline and "needs the server version" in timeline
    assert "NonOperational" in out["pacific"], out["pacific"]
