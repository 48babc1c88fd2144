"""hacourse benchmarks: every figure of issue 8 beside its target, measured on this machine.

    python benchmarks/run.py            # everything; the 20,000-host cluster takes a minute or two
    python benchmarks/run.py --quick    # without the 20,000-host cluster

Each measurement runs in a fresh interpreter, so peak memory is that run's own (the
high-water mark of the process's resident set, `ru_maxrss`) and no run warms up another.
Loading a generated file (YAML parsing and checking) is timed apart from the run: the scale
targets are the simulation's. Wall time is what a student waits for; CPU time is the same work
without the other processes of a shared machine, so both are printed.

Events are SimPy events the run processed. The ceiling is bare SimPy on the same machine:
processes that do nothing but `yield env.timeout(1)`; the ratio says how much of SimPy's speed
the model keeps while doing its work. Both rates are per CPU second, so that other processes on
a shared machine move neither.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED_SCENARIO = ROOT / "scenarios" / "pacific-storage-down.yaml"
SIZES = [(50, 1_000), (200, 5_000), (1_000, 20_000), (20_000, 40_000)]
TARGETS = {  # (hosts, vms): (seconds, GiB) of the issue; None where the issue sets none
    (50, 1_000): (None, None),
    (200, 5_000): (None, None),
    (1_000, 20_000): (10.0, 1.0),
    (20_000, 40_000): (60.0, 4.0),
}
SEED_RUN_TARGET_MS = 20.0
WIDGET_STEP_TARGET_MS = 100.0
RATIO_TARGET = 1 / 3


# --- measurements, each in its own interpreter ----------------------------------------

def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def processed_events(sim) -> int:
    """SimPy events scheduled minus those still queued at the end (SimPy keeps no counter of its own)."""
    return next(sim.env._eid) - len(sim.env._queue)


def child_load(hosts: int, vms: int, out: str) -> dict:
    from hacourse import parse_scenario
    from hacourse.study.generate import generate_scenario

    text = generate_scenario(hosts, vms, seed=0)
    wall, cpu = time.perf_counter(), time.process_time()
    scenario = parse_scenario(text, f"generated-{hosts}-{vms}.yaml")
    load = {"load_s": time.perf_counter() - wall, "load_cpu_s": time.process_time() - cpu}
    with open(out, "wb") as f:
        pickle.dump(scenario, f, protocol=pickle.HIGHEST_PROTOCOL)
    return {**load, "load_peak_mib": peak_mib(), "yaml_mib": len(text) / 2**20}


def child_run(path: str) -> dict:
    from hacourse.engine import Simulation
    from hacourse.engine.collector import collector_paused

    with open(path, "rb") as f:
        scenario = pickle.load(f)
    before = peak_mib()
    wall, cpu = time.perf_counter(), time.process_time()
    with collector_paused:  # as simulate() does
        sim = Simulation(scenario, 0)
        built, built_cpu = time.perf_counter(), time.process_time()
        log = sim.run()
    end_wall, end_cpu = time.perf_counter(), time.process_time()
    return {"build_s": built - wall, "run_s": end_wall - built, "wall_s": end_wall - wall,
            "cpu_s": end_cpu - cpu, "loop_cpu_s": end_cpu - built_cpu, "records": len(log),
            "events": processed_events(sim), "peak_mib": peak_mib(), "scenario_mib": before}


def child_seed(repeats: int) -> dict:
    from hacourse import load_scenario, simulate
    from hacourse.engine import Simulation

    scenario = load_scenario(SEED_SCENARIO)
    simulate(scenario, 0)  # warm up
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        simulate(scenario, 0)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    sim = Simulation(scenario, 0)
    records = len(sim.run())
    return {"median_ms": 1000 * statistics.median(walls), "best_ms": 1000 * min(walls),
            "cpu_ms": 1000 * statistics.median(cpus), "records": records, "events": processed_events(sim)}


def child_bare(processes: int, steps: int) -> dict:
    import simpy

    def ticker(env):
        while True:
            yield env.timeout(1)

    best = None
    for _ in range(3):
        env = simpy.Environment()
        for _ in range(processes):
            env.process(ticker(env))
        cpu = time.process_time()
        env.run(until=steps)
        rate = (next(env._eid) - len(env._queue)) / (time.process_time() - cpu)
        best = rate if best is None else max(best, rate)
    return {"events_per_s": best}


def child_widget(clicks: int) -> dict:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import widget_step

    from hacourse import load_scenario
    from hacourse.panel.widgets import Lesson

    Lesson(load_scenario(SEED_SCENARIO), seed=0)  # warm up: imports, fonts, first figures
    samples = widget_step.measure(clicks)
    return {name: {"median_ms": statistics.median(w for w, _ in s),
                   "cpu_ms": statistics.median(c for _, c in s)} for name, s in samples.items()}


def child_import(views: bool) -> dict:
    wall = time.perf_counter()
    import hacourse

    if views:
        import hacourse.views  # noqa: F401
    return {"import_s": time.perf_counter() - wall,
            "matplotlib": "matplotlib" in sys.modules}


CHILDREN = {"load": child_load, "run": child_run, "seed": child_seed, "bare": child_bare,
            "widget": child_widget, "import": child_import}


def in_child(kind: str, *args: object) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--child", kind, json.dumps(args)],
                          check=False, capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        raise RuntimeError(f"{kind} {args} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.splitlines()[-1])


# --- the report ------------------------------------------------------------------------

def verdict(ok: bool | None) -> str:
    return "" if ok is None else ("ok" if ok else "MISSED")


def line(name: str, measured: str, target: str = "", ok: bool | None = None) -> None:
    print(f"  {name:<54} {measured:>24}   {target:<10} {verdict(ok)}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the 20,000-host / 40,000-VM cluster")
    parser.add_argument("--clicks", type=int, default=20, help="widget clicks of each kind (default 20)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("args", nargs="?", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(CHILDREN[args.child](*json.loads(args.args))))
        return 0

    import simpy

    print(f"hacourse benchmarks: {platform.node()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"SimPy {simpy.__version__}, load average {os.getloadavg()[0]:.1f}")
    print(f"  {'figure':<54} {'measured':>24}   {'target':<10}")

    print("The ceiling")
    bare = in_child("bare", 1_000, 1_000)["events_per_s"]
    line("bare SimPy, 1,000 processes x 1,000 timeouts", f"{bare:,.0f} events/s cpu")

    print("Seed scenario (pacific-storage-down, seed 0)")
    seed = in_child("seed", 200)
    line("whole run, median of 200", f"{seed['median_ms']:.2f} ms ({seed['cpu_ms']:.2f} cpu)",
         f"< {SEED_RUN_TARGET_MS:.0f} ms", seed["median_ms"] < SEED_RUN_TARGET_MS)
    seed_rate = seed["events"] / (seed["cpu_ms"] / 1000)
    line(f"{seed['records']} records, {seed['events']} SimPy events: events/s cpu (ratio)",
         f"{seed_rate:,.0f} ({seed_rate / bare:.2f})", f">= {RATIO_TARGET:.2f}", seed_rate / bare >= RATIO_TARGET)
    if (Path(__file__).resolve().parent / "widget_step.py").exists():
        for name, figure in in_child("widget", args.clicks).items():
            line(f"widget step: {name}, median", f"{figure['median_ms']:.1f} ms ({figure['cpu_ms']:.1f} cpu)",
                 f"< {WIDGET_STEP_TARGET_MS:.0f} ms", figure["median_ms"] < WIDGET_STEP_TARGET_MS)
    else:
        line("widget step", "not measured (no benchmarks/widget_step.py)")

    print("Generated clusters, 2 simulated hours: storage NIC of a tenth of the hosts and one "
          "management NIC down at 600 s")
    sizes = SIZES[:-1] if args.quick else SIZES
    with tempfile.TemporaryDirectory() as tmp:
        for hosts, vms in sizes:
            path = str(Path(tmp) / f"{hosts}-{vms}.pickle")
            load = in_child("load", hosts, vms, path)
            run = in_child("run", path)
            seconds, gib = TARGETS[(hosts, vms)]
            name = f"{hosts:,} hosts / {vms:,} VMs"
            line(f"{name}: load the file ({load['yaml_mib']:.1f} MiB YAML)",
                 f"{load['load_s']:.2f} s ({load['load_cpu_s']:.2f} cpu)")
            line("  peak memory of loading", f"{load['load_peak_mib']:,.0f} MiB")
            line("  run: build + simulate", f"{run['wall_s']:.2f} s ({run['cpu_s']:.2f} cpu)",
                 f"< {seconds:.0f} s" if seconds else "", run["wall_s"] < seconds if seconds else None)
            line("  of which building the model", f"{run['build_s']:.2f} s")
            line("  records / SimPy events", f"{run['records']:,} / {run['events']:,}")
            rate = run["events"] / run["cpu_s"]
            line("  events/s cpu, whole run (ratio to bare SimPy)", f"{rate:,.0f} ({rate / bare:.2f})",
                 f">= {RATIO_TARGET:.2f}", rate / bare >= RATIO_TARGET)
            loop_rate = run["events"] / run["loop_cpu_s"]
            line("  events/s cpu, event loop only (ratio)", f"{loop_rate:,.0f} ({loop_rate / bare:.2f})",
                 f">= {RATIO_TARGET:.2f}", loop_rate / bare >= RATIO_TARGET)
            line("  peak memory of the run's process", f"{run['peak_mib']:,.0f} MiB",
                 f"< {gib:.0f} GiB" if gib else "", run["peak_mib"] < gib * 1024 if gib else None)
            line("  of which the loaded scenario + interpreter", f"{run['scenario_mib']:,.0f} MiB")

    print("Import time (fresh interpreter, best of 5)")
    for views in (False, True):
        runs = [in_child("import", views) for _ in range(5)]
        loaded = "matplotlib loaded" if runs[0]["matplotlib"] else "no matplotlib"
        line("import hacourse" + (" + hacourse.views" if views else "") + f" ({loaded})",
             f"{1000 * min(r['import_s'] for r in runs):.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
