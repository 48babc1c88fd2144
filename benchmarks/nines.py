"""How many nines, measured: the figures of issue 23 on this machine.

    python benchmarks/nines.py                 # every figure (several minutes on two cores)
    python benchmarks/nines.py --only year     # one simulated year of 1,000 hosts / 20,000 VMs
    python benchmarks/nines.py --only scaling  # 10 hosts over 1, 10 and 100 years
    python benchmarks/nines.py --only seeds    # 10 seeds of the 1,000-host year: process pool, then Dask

Every cluster is `hacourse generate --failure-rates typical` (docs/fidelity.md, section 11). The
year and each scaling point run in a fresh interpreter, so peak memory (`ru_maxrss`) is its own.
"Cost follows the faults" is read off the scaling rows: CPU seconds per drawn fault stay flat
while the simulated time grows a hundredfold.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
YEAR_S = 365 * 86400.0


def cluster(hosts: int, vms: int, years: float = 1.0):
    from hacourse import parse_scenario
    from hacourse.study.generate import generate_scenario

    return parse_scenario(generate_scenario(hosts, vms, 0, duration=years * YEAR_S, fault_at=0,
                                            failure_rates="typical"))


def child(hosts: int, vms: int, years: float) -> dict:
    """One run, measured in this interpreter: wall and CPU seconds, peak MiB, records, faults, events."""
    from hacourse.engine.simulation import Simulation
    from hacourse.events import FaultInjected

    scenario = cluster(hosts, vms, years)
    wall, cpu = time.perf_counter(), time.process_time()
    sim = Simulation(scenario, 0)
    log = sim.run()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"hosts": hosts, "vms": vms, "years": years, "wall_s": wall, "cpu_s": cpu,
            "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "records": len(log),
            "faults": sum(1 for r in log if isinstance(r, FaultInjected)),
            "events": next(sim.env._eid) - len(sim.env._queue)}


def fresh(hosts: int, vms: int, years: float) -> dict:
    code = (f"import json, sys; sys.path.insert(0, {str(ROOT)!r}); from benchmarks.nines import child; "
            f"print(json.dumps(child({hosts}, {vms}, {years})))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(done.stdout.splitlines()[-1])


def year_of(seed: int) -> float:
    """One seed's year of the 1,000-host cluster (a task for a pool or Dask): its wall seconds."""
    from hacourse.engine import simulate

    start = time.perf_counter()
    simulate(cluster(1000, 20000), seed)
    return time.perf_counter() - start


def show(row: dict) -> None:
    print(f"  {row['hosts']:>5} hosts / {row['vms']:>6} VMs, {row['years']:>5g} years: {row['wall_s']:7.2f} s wall, "
          f"{row['cpu_s']:7.2f} s CPU, {row['peak_mib']:6.0f} MiB, {row['faults']:>7} faults, "
          f"{row['records']:>8} records, {row['events']:>8} events, "
          f"{1000 * row['cpu_s'] / max(1, row['faults']):.2f} ms CPU per fault", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["year", "scaling", "seeds"], default=None)
    parser.add_argument("--workers", type=int, default=None, help="pool processes (default: one per core)")
    args = parser.parse_args()
    if args.only in (None, "year"):
        print("one simulated year, 1,000 hosts / 20,000 VMs, typical rates (target: < 10 s, < 1 GiB):")
        show(fresh(1000, 20000, 1))
    if args.only in (None, "scaling"):
        print("cost against simulated time, 10 hosts / 200 VMs (target: grows with the faults, not the time):")
        for years in (1, 10, 100):
            show(fresh(10, 200, years))
    if args.only in (None, "seeds"):
        print("10 seeds of the 1,000-host year (target: < 60 s):")
        start = time.perf_counter()
        with ProcessPoolExecutor(max_workers=args.workers) as pool:
            each = list(pool.map(year_of, range(10)))
        print(f"  process pool: {time.perf_counter() - start:.1f} s wall (runs {min(each):.1f}-{max(each):.1f} s)",
              flush=True)
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            print("  Dask: not installed (pip install \"hacourse[sweep]\")")
            return 0
        with LocalCluster(n_workers=args.workers or 2, threads_per_worker=1, dashboard_address=None) as local, \
                Client(local) as client:
            start = time.perf_counter()
            each = client.gather(client.map(year_of, range(10)))
            print(f"  Dask LocalCluster: {time.perf_counter() - start:.1f} s wall (runs {min(each):.1f}-{max(each):.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
