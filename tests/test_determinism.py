"""One scenario and one seed give one log, byte for byte, whatever the process and its hash seed.

Set iteration order, `hash()` and dict order must never leak into the log: each run here happens in
a fresh interpreter with a different PYTHONHASHSEED, and the JSON Lines must be identical.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from hacourse import from_jsonl, load_scenario, parse_scenario, simulate, to_jsonl
from hacourse.study.generate import generate_scenario
from tests.seed import SEED, of

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted((ROOT / "scenarios").glob("*.yaml")) + sorted((ROOT / "tests" / "regressions").glob("*.yaml"))
SEPARATOR = "=== next run ===\n"
RUNS = f"""
import sys
from hacourse import load_scenario, parse_scenario, simulate, to_jsonl
from hacourse.study.generate import generate_scenario
for path in sys.argv[1:]:
    for seed in (0, 7):
        sys.stdout.write(to_jsonl(simulate(load_scenario(path), seed=seed)) + {SEPARATOR!r})
generated = parse_scenario(generate_scenario(hosts=12, vms=120, seed=3, duration=1800, fault_at=300))
sys.stdout.write(to_jsonl(simulate(generated, seed=5)))
"""


def logs_in_fresh_process(hash_seed: str) -> bytes:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    done = subprocess.run([sys.executable, "-c", RUNS, *map(str, FILES)], cwd=ROOT, env=env,
                          capture_output=True, check=True, timeout=300)
    return done.stdout


def test_same_scenario_and_seed_give_byte_identical_logs_across_processes_and_hash_seeds():
    outputs = {h: logs_in_fresh_process(h) for h in ("0", "1", "4242", "random")}
    assert outputs["0"].count(SEPARATOR.encode()) == 2 * len(FILES)
    assert len(set(outputs.values())) == 1, "logs differ between processes: " + ", ".join(
        f"PYTHONHASHSEED={h}: {len(out)} bytes" for h, out in outputs.items())
    in_process = "".join(to_jsonl(simulate(load_scenario(p), seed=s)) + SEPARATOR
                         for p in FILES for s in (0, 7))
    assert outputs["0"].decode().startswith(in_process)


def test_a_run_repeated_in_one_process_gives_the_same_log():
    scenario = parse_scenario(generate_scenario(hosts=12, vms=120, seed=3, duration=1800, fault_at=300))
    assert to_jsonl(simulate(scenario, seed=5)) == to_jsonl(simulate(scenario, seed=5))


def test_the_wire_form_reads_back_into_the_same_records():
    log = simulate(load_scenario(SEED), seed=0)
    assert from_jsonl(to_jsonl(log)) == log


def test_the_seed_is_recorded_and_different_seeds_may_tell_different_stories():
    scenario = load_scenario(SEED)
    logs = {seed: simulate(scenario, seed=seed) for seed in range(6)}
    assert all(log[0].seed == seed for seed, log in logs.items())
    non_operational = {of(log, "HostStatusChanged", host="pacific", new="NonOperational")[0].t
                       for log in logs.values()}
    assert len(non_operational) > 1, "the statistics poll's phase is drawn from the seed"


def test_adding_a_vm_elsewhere_does_not_move_pacifics_story():
    """Named random streams: a VM more on Atlantic draws from no stream that times Pacific's NIC rule."""
    base = load_scenario(SEED)
    more = parse_scenario(SEED.read_text().replace(
        "\nfaults:\n", "\n  - {name: extra1, host: atlantic, memory_gb: 1}\nfaults:\n", 1))
    assert len(more.vms) == len(base.vms) + 1
    for seed in range(4):
        times = [[(r.t, r.event) for r in simulate(s, seed=seed) if getattr(r, "host", None) == "pacific"
                  and r.event in ("HostNicProblemDetected", "HostStatusChanged", "StorageConnectionLost")]
                 for s in (base, more)]
        assert times[0] == times[1]
