"""Parameter sweeps: one scenario over a grid of settings and seeds, one tidy row per run.

    rows = sweep("scenarios/pacific-storage-down.yaml",
                 {"engine_config.migration_max_bandwidth": [8, 16, 32, 64]}, seeds=range(5))

A grid key is a setting of `hacourse.scenario.vary`, a dotted path into the scenario
(`engine_config.migration_max_bandwidth`, `cluster.fencing_policy.skip_if_connectivity_broken`,
`faults[0].at`, `vms.db1.memory_gb`); every combination is checked as a scenario file is before
anything runs, so an impossible setting is refused with the loader's message. The runs are the
product of the grid's values and the seeds. Each row holds the settings, the seed and the outcomes that
`outcomes` reads off the run's event log, so a row is the same whichever machine ran it.

Runs go to any `concurrent.futures.Executor`: by default a process pool on this machine; a
`dask.distributed` client's `client.get_executor()` when a class outgrows one machine.
"""

from __future__ import annotations

import inspect
import itertools
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from pathlib import Path

from hacourse.engine import simulate
from hacourse.model import Scenario
from hacourse.scenario import ScenarioError, load_scenario, vary
from hacourse.scenario.checker import did_you_mean
from hacourse.scenario.errors import SCHEMA, Problem
from hacourse.study.outcomes import OUTCOMES, outcomes

__all__ = ["OUTCOMES", "InProcess", "outcomes", "run_one", "setting_path", "sweep"]

ScenarioSource = Scenario | str | Path | Callable[..., Scenario]


def sweep(
    scenario: ScenarioSource,
    grid: Mapping[str, Sequence[object]],
    seeds: Iterable[int] | int = (0,),
    executor: Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[dict[str, object]]:
    """Run every combination of the grid's values with every seed; one row per run, in grid order.

    `scenario` is a Scenario, a scenario file, or a function that builds a Scenario: grid keys
    that name its parameters (`hosts`, say) are passed to it, the other keys are settings
    (`setting_path`: a dotted path, or an engine-config key alone); rows keep the keys as given.
    Every combination is built before the first run, so a bad setting is refused at once.
    `progress(done, total)` is called as runs finish, in whatever order they finish.
    """
    seeds = range(seeds) if isinstance(seeds, int) else list(seeds)
    if isinstance(scenario, str | Path):
        scenario = load_scenario(scenario)
    names = list(grid)
    if isinstance(scenario, Scenario):
        _check_each_value(scenario, grid)
    tasks = []
    for values in itertools.product(*(grid[name] for name in names)):
        settings = dict(zip(names, values, strict=True))
        base = _base(scenario, settings)
        built = vary(base, {setting_path(k, base): v for k, v in _overrides(scenario, settings).items()})
        tasks += [(built, seed, settings) for seed in seeds]
    if executor is None and sys.platform == "emscripten":  # the browser's Pyodide kernel has no processes
        executor = InProcess()
    if executor is None:
        with ProcessPoolExecutor() as pool:
            return _collect(pool, tasks, progress)
    return _collect(executor, tasks, progress)



def run_one(scenario: Scenario, seed: int, settings: Mapping[str, object]) -> dict[str, object]:
    """One run's row: its settings, its seed and its outcomes (the task a worker executes)."""
    return {**settings, "seed": seed, **outcomes(simulate(scenario, seed), scenario)}


def _parameters(scenario: ScenarioSource) -> set[str]:
    if isinstance(scenario, Scenario | str | Path):
        return set()
    return set(inspect.signature(scenario).parameters)


def _base(scenario: Scenario | Callable[..., Scenario], settings: Mapping[str, object]) -> Scenario:
    if isinstance(scenario, Scenario):
        return scenario
    wanted = _parameters(scenario)
    return scenario(**{k: v for k, v in settings.items() if k in wanted})


def _check_each_value(scenario: Scenario, grid: Mapping[str, Sequence[object]]) -> None:
    """Every value of every setting on its own, so that all the bad ones are named at once."""
    problems = []
    for key, values in grid.items():
        for value in values:
            try:
                vary(scenario, {setting_path(key, scenario): value})
            except ScenarioError as error:
                problems += [p for p in error.problems if p not in problems]
    if problems:
        raise ScenarioError(problems)


def setting_path(key: str, scenario: Scenario) -> str:
    """A setting as `vary` spells it: an engine-config key of the scenario's profile may be given
    alone (`NicDHCPDelayGraceInMS`); anything else is a path already (`cluster.resilience_policy`)."""
    top = [name for name in Scenario.__dataclass_fields__ if name != "source"]
    if "." in key or "[" in key or key in top:
        return key
    if key in scenario.config().by_key():
        return f"engine_config.{key}"
    raise ScenarioError([Problem(scenario.source, None, None, key, (
        f"not an engine-config key of {scenario.engine_profile} nor a key of the scenario"
        f"{did_you_mean(key, [*scenario.config().by_key(), *top])}; a nested setting is a path such as "
        "cluster.resilience_policy or faults[0].at"), SCHEMA)])


def _overrides(scenario: ScenarioSource, settings: Mapping[str, object]) -> dict[str, object]:
    wanted = _parameters(scenario)
    return {k: v for k, v in settings.items() if k not in wanted}


def _collect(executor: Executor, tasks: list[tuple[Scenario, int, dict[str, object]]],
             progress: Callable[[int, int], None] | None = None) -> list[dict[str, object]]:
    futures = [executor.submit(run_one, scenario, seed, settings) for scenario, seed, settings in tasks]
    if progress is not None:
        progress(0, len(futures))
        for done, _ in enumerate(as_completed(futures), 1):
            progress(done, len(futures))
    return [future.result() for future in futures]


class InProcess(Executor):
    """Runs each task at once, in this process: a sweep on one worker, without a pool to start."""

    def submit(self, fn: Callable, /, *args: object, **kwargs: object) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as error:  # noqa: BLE001 - handed to the caller through the future, as a pool does
            future.set_exception(error)
        return future
