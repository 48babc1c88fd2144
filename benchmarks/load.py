"""The scenario loader's figures (issue 15): `hacourse validate` of a generated 1,000-host /
20,000-VM file and loading the 20,000-host / 40,000-VM file, beside their targets.

    python benchmarks/load.py            # both files, 3 repeats each, the best kept
    python benchmarks/load.py --quick    # the 1,000-host file only

Each measurement runs in a fresh interpreter (nothing warm from an earlier one). Wall time is
what an instructor waits for; CPU time is the same work without the other processes of a shared
machine, so both are printed. The parse alone (libyaml's nodes, the floor of any loader that
keeps line and column) is printed beside the whole load.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASES = [  # (what, hosts, vms, target wall seconds)
    ("validate", 1_000, 20_000, 1.0),
    ("load", 20_000, 40_000, 2.0),
]

CHILD = """
import json, sys, time
what, path = sys.argv[1], sys.argv[2]
text = open(path, encoding="utf-8").read()
if what == "parse":
    import gc, yaml
    from hacourse.scenario.checker import SafeLoader
    gc.disable()
    wall, cpu = time.perf_counter(), time.process_time()
    yaml.compose(text, Loader=SafeLoader)
elif what == "validate":
    from hacourse.cli import main
    wall, cpu = time.perf_counter(), time.process_time()
    status = main(["validate", path])
    assert status == 0, status
else:
    from hacourse.scenario import load_scenario
    wall, cpu = time.perf_counter(), time.process_time()
    load_scenario(path)
print(json.dumps({"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu}))
"""


def measure(what: str, path: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, what, str(path)], capture_output=True, text=True,
                          check=True, cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


def generate(hosts: int, vms: int, folder: Path) -> Path:
    from hacourse.study.generate import generate_scenario

    path = folder / f"generated-{hosts}-{vms}.yaml"
    path.write_text(generate_scenario(hosts, vms, seed=1), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the 1,000-host file only")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure; the best is kept")
    args = parser.parse_args(argv)
    print(f"{'what':<10} {'file':<22} {'MiB':>5} {'wall s':>7} {'CPU s':>6} {'parse CPU s':>11} {'target':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        for what, hosts, vms, target in CASES[:1] if args.quick else CASES:
            path = generate(hosts, vms, Path(tmp))
            runs = [measure(what, path) for _ in range(args.repeat)]
            parse = min(measure("parse", path)["cpu"] for _ in range(args.repeat))
            best_wall = min(r["wall"] for r in runs)
            best_cpu = min(r["cpu"] for r in runs)
            mib = path.stat().st_size / 2**20
            verdict = "ok" if best_wall < target else "over"
            print(f"{what:<10} {f'{hosts:,} hosts / {vms:,} VMs':<22} {mib:5.1f} {best_wall:7.2f} {best_cpu:6.2f} "
                  f"{parse:11.2f} {f'< {target:g} s':>7} {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
