"""Sweeps: one tidy row per setting and seed, the same rows on any executor, outcomes read off the log."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import matplotlib
import pytest

from hacourse import load_scenario, parse_scenario, simulate
from hacourse.scenario import ScenarioError, vary
from hacourse.study.generate import generate_scenario
from hacourse.study.sweep import OUTCOMES, outcomes, sweep
from hacourse.views.sweep import coinciding_note, draw_sweep, sweep_lines

matplotlib.use("Agg")

SEED_SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "pacific-storage-down.yaml"
BANDWIDTH = "engine_config.migration_max_bandwidth"


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(SEED_SCENARIO)


@pytest.fixture(scope="module")
def bandwidth_rows(scenario):
    """The default executor: a process pool on this machine."""
    return sweep(scenario, {BANDWIDTH: [16, 32, 64]}, seeds=range(3))


def test_one_row_per_setting_and_seed_in_grid_order(bandwidth_rows):
    assert [(r[BANDWIDTH], r["seed"]) for r in bandwidth_rows] == [
        (bw, seed) for bw in (16, 32, 64) for seed in range(3)]
    assert all(list(r)[2:] == list(OUTCOMES) for r in bandwidth_rows)


def test_the_seed_story_in_numbers(scenario):
    row = outcomes(simulate(scenario, 0), scenario)
    assert row["vms_paused"] == 3  # db1, app1, log1 write and lose their storage
    assert row["migrations"] == 6  # every VM of Pacific leaves, Atlantic's dns1 stays
    assert row["hosts_non_operational"] == 1
    assert row["hosts_non_responsive"] == row["hosts_fenced"] == 0
    assert row["vms_down_at_end"] == 0
    assert row["ha_recovery_s"] > 0


def test_a_faster_migration_network_brings_the_ha_vms_back_sooner(bandwidth_rows):
    def mean_recovery(bandwidth):
        values = [r["ha_recovery_s"] for r in bandwidth_rows if r[BANDWIDTH] == bandwidth]
        return sum(values) / len(values)

    assert mean_recovery(64) < mean_recovery(32)


def test_a_slow_migration_under_rhev_33_switches_over_late_instead_of_aborting(bandwidth_rows):
    """VDSM 4.13 has no overall cap (only migration_timeout without progress): at 16 MiB/s db1's
    migration still switches over, later than at 32 MiB/s."""
    slow = [r for r in bandwidth_rows if r[BANDWIDTH] == 16]
    fast = [r for r in bandwidth_rows if r[BANDWIDTH] == 32]
    assert all(r["migrations_failed"] == 0 and r["ha_recovery_s"] is not None for r in slow)
    assert min(r["ha_recovery_s"] for r in slow) > max(r["ha_recovery_s"] for r in fast)


def test_every_executor_gives_the_same_rows(scenario, bandwidth_rows):
    with ThreadPoolExecutor(max_workers=2) as threads:
        assert sweep(scenario, {BANDWIDTH: [16, 32, 64]}, seeds=3, executor=threads) == bandwidth_rows


@pytest.mark.slow
def test_a_local_dask_cluster_gives_the_same_rows(scenario, bandwidth_rows):
    distributed = pytest.importorskip("distributed")
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=2,
                            dashboard_address=None) as client:
        rows = sweep(scenario, {BANDWIDTH: [16, 32, 64]}, seeds=range(3), executor=client.get_executor())
    assert rows == bandwidth_rows


def test_a_file_path_and_several_settings_at_once():
    with ThreadPoolExecutor(max_workers=2) as threads:
        rows = sweep(str(SEED_SCENARIO), {"cluster.resilience_policy": ["migrate", "do_not_migrate"],
                                          "faults[0].at": [30, 120]}, seeds=1, executor=threads)
    assert [(r["cluster.resilience_policy"], r["faults[0].at"]) for r in rows] == [
        ("migrate", 30), ("migrate", 120), ("do_not_migrate", 30), ("do_not_migrate", 120)]
    assert all(r["migrations"] == 0 for r in rows if r["cluster.resilience_policy"] == "do_not_migrate")


def test_a_builder_function_receives_the_keys_it_names():
    def cluster(hosts: int):
        return parse_scenario(generate_scenario(hosts, 10 * hosts, seed=0))

    with ThreadPoolExecutor(max_workers=2) as threads:
        rows = sweep(cluster, {"hosts": [10, 20], "duration": [1800]}, seeds=1, executor=threads)
    assert [r["hosts"] for r in rows] == [10, 20]
    assert [r["hosts_non_operational"] for r in rows] == [1, 2]  # a tenth of the hosts lose storage


def test_settings_reach_nested_fields_and_engine_keys_with_dots(scenario):
    scenario = vary(scenario, {"engine_profile": "ovirt-4.5"})  # the fencing policy came with 3.5
    changed = vary(scenario, {
        "cluster.fencing_policy.skip_if_connectivity_broken": True,
        "engine_config.node.session.timeo.replacement_timeout": 30,
        "faults[-1].at": 90,
    })
    assert changed.cluster.fencing_policy.skip_if_connectivity_broken is True
    assert changed.config().node_session_timeo_replacement_timeout == 30
    assert changed.faults[-1].at == 90 and changed.faults[0].at == scenario.faults[0].at
    assert scenario.cluster.fencing_policy.skip_if_connectivity_broken is False  # the original is untouched


@pytest.mark.parametrize(("key", "message"), [
    ("engine_config.migration_max_bandwith", "did you mean 'migration_max_bandwidth'?"),
    ("clustr.resilience_policy", "did you mean 'cluster'?"),
    ("faults[7].at", "index 7 is out of range: faults has 2 faults ([0] to [1])"),
    ("faults[0]..at", "expected .name or [index]"),
])
def test_a_wrong_key_is_refused_before_anything_runs(scenario, key, message):
    with pytest.raises(ScenarioError) as error:
        sweep(scenario, {key: [1]})
    assert message in str(error.value)


def test_an_impossible_setting_is_refused_with_the_loaders_message(scenario):
    with pytest.raises(ScenarioError) as error:
        sweep(scenario, {"engine_config.NicDHCPDelayGraceInMS": [30, "60s"]})
    assert str(error.value) == (f"{SEED_SCENARIO} (varied): engine_config.NicDHCPDelayGraceInMS: expected an "
                                "integer >= 0, found text '60s'")


def test_the_figure_has_a_line_per_policy_and_crosses_for_runs_that_never_recovered():
    rows = [
        {"bw": 16, "policy": "a", "seed": 0, "ha_recovery_s": None},
        {"bw": 32, "policy": "a", "seed": 0, "ha_recovery_s": 200.0},
        {"bw": 32, "policy": "a", "seed": 1, "ha_recovery_s": 210.0},
        {"bw": 16, "policy": "b", "seed": 0, "ha_recovery_s": 300.0},
        {"bw": 32, "policy": "b", "seed": 0, "ha_recovery_s": 100.0},
    ]
    a, b = sweep_lines(rows, "bw", "ha_recovery_s", hue="policy")
    assert (a.label, a.xs, a.means, a.missing) == ("a", (16, 32), (None, 205.0), (16,))
    assert (b.label, b.means) == ("b", (300.0, 100.0))
    ax = draw_sweep(rows, "bw", "ha_recovery_s", hue="policy")
    labels = ax.get_legend_handles_labels()[1]
    assert labels == ["policy: a", "no number (1 runs), policy: a", "policy: b"]
    assert [list(line.get_xdata()) for line in ax.get_lines()] == [[32], [16, 32]]


def test_categorical_settings_get_one_tick_each():
    rows = [{"skip": flag, "seed": s, "vms_down_at_end": n} for flag, s, n in
            [(False, 0, 3), (False, 1, 5), (True, 0, 0), (True, 1, 0)]]
    ax = draw_sweep(rows, "skip", "vms_down_at_end")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["no", "yes"]
    assert list(ax.get_lines()[0].get_ydata()) == [4.0, 0.0]


def test_axes_and_legends_are_named_for_people_not_config_keys():
    key = "engine_config.migration_max_bandwidth"
    rows = [{key: bw, "engine_profile": era, "seed": 0, "ha_vm_down_s": 10.0 / bw}
            for bw in (16, 32) for era in ("rhev-3.3", "ovirt-4.5")]
    ax = draw_sweep(rows, key, "ha_vm_down_s", hue="engine_profile")
    assert ax.get_xlabel() == "migration bandwidth per VM (MiB/s)"
    assert ax.get_ylabel() == "HA VM-seconds not running"
    assert ax.get_legend_handles_labels()[1] == ["engine era: rhev-3.3", "engine era: ovirt-4.5"]


def test_coinciding_lines_are_drawn_apart_and_the_figure_says_they_coincide():
    """rhev-3.3's line exactly under ovirt-4.5's looked like one line to a class."""
    key = "engine_config.migration_max_bandwidth"
    rows = [{key: bw, "engine_profile": era, "seed": 0, "ha_vm_down_s": 10.0 / bw}
            for bw in (16, 32, 64) for era in ("rhev-3.3", "ovirt-4.5")]
    ax = draw_sweep(rows, key, "ha_vm_down_s", hue="engine_profile")
    first, second = ax.get_lines()
    assert list(first.get_ydata()) == list(second.get_ydata())
    assert all(b > a for a, b in zip(first.get_xdata(), second.get_xdata(), strict=True))  # side by side, not on top
    assert first.get_marker() != second.get_marker()
    assert coinciding_note(ax) == ("engine era ovirt-4.5 coincides with engine era rhev-3.3 "
                                   "(drawn a little to the right)")


def test_lines_that_differ_get_no_note():
    rows = [{"bw": bw, "era": era, "seed": 0, "y": bw * (2 if era == "b" else 1)} for bw in (1, 2) for era in "ab"]
    ax = draw_sweep(rows, "bw", "y", hue="era")
    assert coinciding_note(ax) is None
    assert [list(line.get_xdata()) for line in ax.get_lines()] == [[1, 2], [1, 2]]
