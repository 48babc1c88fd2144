"""`hacourse sweep`: a grid of settings and seeds from the command line, one row per run.

    hacourse sweep lab.yaml --set NicDHCPDelayGraceInMS=30,60,90 --seeds 0-19 -o grace.csv --plot grace.png

Each `--set KEY=V1,V2,...` is one axis of the grid; its values are read as YAML (`60`, `true`,
`migrate`, `{enabled: false}`), so they arrive typed as the scenario file would type them. KEY is
a setting as `hacourse.study.sweep.setting_path` reads it: a path (`cluster.resilience_policy`,
`faults[0].at`, `vms.db1.memory_gb`) or an engine-config key alone (`NicDHCPDelayGraceInMS`). Every combination is built and checked before
the first run: an impossible value is refused with the loader's message, naming the setting.
"""

from __future__ import annotations

import csv
import sys
import textwrap
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import yaml

from hacourse.model import Scenario
from hacourse.study.outcomes import OUTCOMES
from hacourse.study.sweep import InProcess, sweep

if TYPE_CHECKING:
    from hacourse.views.sweep import Row  # not at run time: it would load matplotlib for every sweep

SUMMARY = ("ha_recovery_s", "ha_vm_down_s", "ha_vm_portal_down_s", "ha_availability", "non_ha_availability",
           "vms_paused", "vms_down_at_end", "hosts_fenced")
"""The outcomes the terminal summary shows (the CSV has them all)."""


DASK_TIMEOUT = "20s"
"""How long `--dask` waits for the scheduler to answer."""


class SettingError(ValueError):
    """A `--set` that cannot be read, or names no setting."""


def parse_setting(text: str, scenario: Scenario) -> tuple[str, list[object]]:
    """`KEY=V1,V2,...` as (KEY, its values), the values typed as YAML types them."""
    key, equals, values = text.partition("=")
    key = key.strip()
    if not equals or not key or not values.strip():
        raise SettingError(f"--set {text!r}: expected KEY=VALUE[,VALUE...], e.g. NicDHCPDelayGraceInMS=30,60,90")
    try:
        parsed = yaml.safe_load(f"[{values}]")
    except yaml.YAMLError as error:
        mark = getattr(error, "problem", None) or "not YAML"
        raise SettingError(f"--set {key}: the values {values!r} do not read as a YAML list ({mark}); "
                           "quote a value that holds a comma") from None
    return key, parsed


class ProgressBar:
    """Runs done, as a bar on a terminal (redrawn in place) or a line every tenth elsewhere (a CI log)."""

    def __init__(self, stream: TextIO = sys.stderr, width: int = 30) -> None:
        self.stream, self.width = stream, width
        self.tty = stream.isatty()
        self.start = time.monotonic()
        self.shown = -1

    def __call__(self, done: int, total: int) -> None:
        elapsed = time.monotonic() - self.start
        left = f", about {_minutes(elapsed / done * (total - done))} left" if 0 < done < total else ""
        text = f"{done}/{total} runs, {_minutes(elapsed)} elapsed{left}"
        if self.tty:
            filled = self.width * done // max(total, 1)
            self.stream.write(f"\r[{'#' * filled}{'.' * (self.width - filled)}] {text}\033[K")
            if done == total:
                self.stream.write("\n")
        elif (tenth := 10 * done // max(total, 1)) > self.shown:
            self.shown = tenth
            self.stream.write(f"sweep: {text}\n")
        self.stream.flush()


def _minutes(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}"


def executor_for(workers: int | None, dask: str | None, stack: ExitStack) -> Executor:
    """A process pool of `workers` (one worker: this process), or the executor of a Dask scheduler."""
    if dask:
        try:
            from dask.distributed import Client
        except ImportError:
            raise SettingError('--dask needs dask.distributed: pip install "hacourse[sweep]"') from None
        try:
            client = stack.enter_context(Client(dask, timeout=DASK_TIMEOUT))
        except (OSError, ValueError, TypeError) as error:
            cause = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise SettingError(
                f"--dask {dask}: no Dask scheduler answered within {DASK_TIMEOUT} ({cause}); give the address a "
                "running `dask scheduler` prints (tcp://HOST:8786), or leave --dask out to run on this machine's "
                "cores") from None
        return client.get_executor()
    if workers == 1:
        return InProcess()
    return stack.enter_context(ProcessPoolExecutor(max_workers=workers))


def write_csv(rows: Sequence[Mapping[str, object]], path: str | Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else ["seed", *OUTCOMES])
        writer.writeheader()
        writer.writerows({k: "" if v is None else v for k, v in row.items()} for row in rows)


def check_parquet() -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise SettingError('--parquet needs pyarrow: pip install pyarrow (or "hacourse[sweep]")') from None


def write_parquet(rows: Sequence[Mapping[str, object]], path: str | Path) -> None:
    """Parquet via pyarrow; a column that mixes kinds (a grid of dicts, say) is written as text."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = {}
    for name in rows[0] if rows else ():
        values = [row[name] for row in rows]
        try:
            columns[name] = pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            columns[name] = pa.array([None if v is None else str(v) for v in values])
    pq.write_table(pa.table(columns), path)


def write_plot(rows: Sequence[Mapping[str, object]], keys: Sequence[str], y: str, path: str | Path) -> None:
    """The outcome `y` against the first setting, one line per value of the second."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from hacourse.views.sweep import draw_sweep

    figure, ax = plt.subplots(figsize=(7, 4))
    draw_sweep(rows, x=keys[0], y=y, hue=keys[1] if len(keys) > 1 else None, ax=ax)
    ax.set_title(textwrap.fill(f"{y}: {OUTCOMES[y]}", 90), fontsize=9, loc="left")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def summary(rows: Sequence[Row], keys: Sequence[str]) -> str:
    """One line per grid point: the mean of the main outcomes over its seeds (runs without a
    number, such as HA VMs that never came back, are counted apart)."""
    groups: dict[tuple, list[Row]] = {}
    for row in rows:
        groups.setdefault(tuple(row[k] for k in keys), []).append(row)
    header = [*keys, "runs", *SUMMARY]
    table = [header]
    for point, members in groups.items():
        cells = [yaml.safe_dump(v, default_flow_style=True).strip().removesuffix("...").strip() for v in point]
        cells.append(str(len(members)))
        for outcome in SUMMARY:
            numbers = [float(r[outcome]) for r in members if r[outcome] is not None]
            never = len(members) - len(numbers)
            number = "{:.6f}" if outcome.endswith("availability") else "{:.4g}"
            mean = number.format(sum(numbers) / len(numbers)) if numbers else "-"
            cells.append(mean + (f" ({never} never)" if never else ""))
        table.append(cells)
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in table)


def run_sweep(path: str, settings: Sequence[str], seeds: Sequence[int] | None, csv_out: str | None,
              parquet_out: str | None, plot_out: str | None, y: str, workers: int | None, dask: str | None,
              quiet: bool, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """The command: read the grid, refuse what cannot run, run it with a progress bar, write the rows."""
    out, err = out or sys.stdout, err or sys.stderr
    from hacourse.scenario import ScenarioError, load_scenario
    from hacourse.scenario.checker import did_you_mean

    try:
        scenario = load_scenario(path)
        columns = dict(parse_setting(text, scenario) for text in settings)
        if not columns:
            raise SettingError("give at least one --set KEY=V1,V2,... (an engine-config key, or a path such "
                               "as cluster.resilience_policy or faults[0].at)")
        if y not in OUTCOMES:
            raise SettingError(f"--y {y}: not an outcome column{did_you_mean(y, list(OUTCOMES))}; "
                               f"the columns are: {', '.join(OUTCOMES)} (hacourse sweep --help says what each counts)")
        if parquet_out:
            check_parquet()
        with ExitStack() as stack:
            executor = executor_for(workers, dask, stack)
            rows = sweep(scenario, columns, seeds=seeds or [scenario.seed], executor=executor,
                         progress=None if quiet else ProgressBar(err))
    except (ScenarioError, SettingError) as error:
        print(error, file=err)
        return 2
    keys = list(columns)
    if csv_out:
        write_csv(rows, csv_out)
    if parquet_out:
        write_parquet(rows, parquet_out)
    if plot_out:
        write_plot(rows, keys, y, plot_out)
    if not quiet:
        print(summary(rows, keys), file=out)
        for target in filter(None, (csv_out, parquet_out, plot_out)):
            print(f"wrote {target}", file=err)
    return 0
