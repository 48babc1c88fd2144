"""Time from a click in the lesson panel to its redrawn figures, for the seed scenario.

    python benchmarks/widget_step.py            # 20 clicks of each kind
    python benchmarks/widget_step.py --clicks 40

A click runs its callback to the end before returning: the simulation advances, then the
timeline, the topology picture and the Events tab are redrawn from the log and the SVGs are in
the widgets. That is what is timed here (the browser's own repaint is measured by the e2e tests).
Wall time is what a student waits for; CPU time is the same work without the other processes
of a shared machine, so both are printed. Target: median under 100 ms.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from hacourse import load_scenario
from hacourse.panel.widgets import Lesson

SEED = Path(__file__).resolve().parent.parent / "scenarios" / "pacific-storage-down.yaml"
TARGET_MS = 100.0


def _timed(action: Callable[[], None]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    action()
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def measure(clicks: int = 20) -> dict[str, list[tuple[float, float]]]:
    """(wall ms, cpu ms) per click, on two fresh panels of the seed scenario without its scripted faults.

    Toggles: `ifdown storage on pacific` pressed and released in turn, one simulated second apart.
    Steps: `ifdown` at 1:00, then `+15 s` clicks through the evacuation (1:00 to 6:00 for 20 clicks).
    """
    scenario = load_scenario(SEED)
    toggles = Lesson(scenario, seed=0, scripted_faults=False)
    toggle = toggles.control("ifdown storage on pacific")
    flip: list[tuple[float, float]] = []
    for _ in range(clicks):
        flip.append(_timed(lambda: setattr(toggle, "value", not toggle.value)))
        toggles.step(1)
    steps = Lesson(scenario, seed=0, scripted_faults=False)
    steps.control("+1 min").click()
    steps.control("ifdown storage on pacific").value = True
    button = steps.control("+15 s")
    return {"ifdown/ifup toggle": flip, "+15 s step": [_timed(button.click) for _ in range(clicks)]}


def _summary(name: str, samples: list[tuple[float, float]]) -> str:
    wall = sorted(w for w, _ in samples)
    cpu = sorted(c for _, c in samples)
    p90 = wall[min(len(wall) - 1, int(0.9 * len(wall)))]
    verdict = "ok" if statistics.median(wall) < TARGET_MS else "OVER TARGET"
    return (f"{name:<20} median {statistics.median(wall):6.1f} ms wall ({statistics.median(cpu):5.1f} ms cpu), "
            f"p90 {p90:6.1f} ms, max {wall[-1]:6.1f} ms, n={len(wall)}   target < {TARGET_MS:.0f} ms: {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=20, help="clicks of each kind (default 20)")
    args = parser.parse_args()
    Lesson(load_scenario(SEED), seed=0)  # warm up: imports, fonts, first figures
    for name, samples in measure(args.clicks).items():
        print(_summary(name, samples))


if __name__ == "__main__":
    main()
