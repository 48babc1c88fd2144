"""`hacourse availability`: a scenario's drawn failures over years, as a table, JSON or a figure.

    hacourse availability cluster.yaml --years 10 --seeds 0-9 --plot nines.png --check
"""

from __future__ import annotations

import json
import sys
from contextlib import ExitStack
from typing import TextIO

from hacourse.study.sweep_cli import SettingError, executor_for


def run_availability(path: str, years: float, seed: int | None, seeds_text: str | None, as_json: bool,
                     plot_out: str | None, check: bool, workers: int | None, dask: str | None,
                     out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    from hacourse.grading.check import parse_seeds
    from hacourse.scenario import ScenarioError, load_scenario
    from hacourse.study.availability import availability_report, report_text

    try:
        if not years > 0:
            raise SettingError(f"--years {years:g}: give a number of years above 0, e.g. --years 10")
        if workers is not None and workers < 1:
            raise SettingError(f"--workers {workers}: give 1 or more")
        try:
            seeds = parse_seeds(seeds_text) if seeds_text else None
        except ValueError as error:
            raise SettingError(f"--seeds: {error}") from None
        scenario = load_scenario(path)
        if not scenario.failure_rates:
            raise SettingError(f"{path}: no failure_rates: to draw faults from; add e.g. "
                               "`failure_rates: [{fault: power_off, each: host, mtbf_h: 8760, mttr_h: 4}]` "
                               "(docs/scenario-format.md, \"Failure rates and the operator\")")
        seeds = seeds or [scenario.seed if seed is None else seed]
        with ExitStack() as stack:
            executor = executor_for(workers if len(seeds) > 1 else 1, dask, stack)
            report = availability_report(scenario, years, seeds, check=check, executor=executor)
    except (ScenarioError, SettingError) as error:
        print(error, file=err)
        return 2
    if plot_out:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from hacourse.views.availability import draw_availability

        fig = draw_availability(report)
        assert fig is not None  # matplotlib was imported just above
        fig.savefig(plot_out, dpi=110)
        plt.close(fig)
    print(json.dumps(report, indent=2) if as_json else report_text(report), file=out)
    if plot_out:
        print(f"wrote {plot_out}", file=err)
    return 1 if check and report["violations"] else 0
