"""Expected outcomes (`expect:`): the vocabulary judges a run the way an instructor reads it,
says what it saw, and rejects a badly written entry with its file, line and what is allowed."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest

from hacourse import load_scenario, parse_scenario, simulate
from hacourse.grading.expectations import evaluate, load_expectations, parse_expectations
from hacourse.scenario import ScenarioError
from tests.seed import ROOT, SEED, of, variant

SHIPPED = sorted((ROOT / "scenarios").glob("*.yaml"))
BASE = SEED.read_text().split("\nexpect:\n")[0] + "\n"  # the lesson's scenario without its own expect:


def hacourse(*args: str, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "hacourse.cli", *args],
        check=False,
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def judged(entries: list[dict], scenario=None, seed: int = 0):
    """Verdicts of `entries` on a run of the seed scenario (or another), in order."""
    scenario = dataclasses.replace(scenario or load_scenario(SEED), expect=tuple(entries))
    return evaluate(simulate(scenario, seed=seed), scenario)


def problems_of(entries_yaml: str) -> list:
    """The loader checks `expect:` with the rest of the file."""
    text = BASE + "expect:\n" + entries_yaml
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, "course.yaml")
    return caught.value.problems


# --- every shipped scenario keeps its promises ----------------------------------------------


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_shipped_scenario_keeps_what_its_description_promises(path, seed):
    scenario, expectations = load_expectations(path)
    assert expectations, f"{path.name} has no expect: list"
    failed = [str(v) for v in evaluate(simulate(scenario, seed=seed), scenario, expectations) if not v.passed]
    assert not failed, "\n".join(failed)


# --- what a verdict says ----------------------------------------------------------------------


def test_a_time_window_verdict_says_when_it_happened_relative_to_the_fault_and_what_was_expected():
    scenario = load_scenario(SEED)
    log = simulate(scenario, seed=0)
    nonop = of(log, "HostStatusChanged", host="pacific", new="NonOperational")[0]
    offset = nonop.t - scenario.faults[0].at
    entry = {"host": "pacific", "becomes": "NonOperational", "after": {"fault": 0}}
    (holds,) = judged([{**entry, "between": [offset - 1, offset + 1]}])
    (early,) = judged([{**entry, "between": [0, offset - 1]}])
    assert holds.passed and not early.passed
    assert f"{offset:g} s after fault 0 (ifdown storage on pacific at 60 s)" in holds.seen
    assert f"expected 0-{offset - 1:g} s after it" in early.seen


def test_a_longer_nic_grace_breaks_the_lessons_window_and_the_verdict_says_by_how_much():
    scenario = variant(SEED, engine_config={"NicDHCPDelayGraceInMS": 180})
    (verdict,) = judged(
        [{"host": "pacific", "becomes": "NonOperational", "between": [60, 80], "after": {"fault": 0}}],
        scenario,
    )
    assert not verdict.passed and "expected 60-80 s after it" in verdict.seen


@pytest.mark.parametrize(
    ("entry", "holds", "words"),
    [
        ({"vm": "db1", "starts_migrating_before": "web1"}, True, "#1 of 6"),
        ({"vm": "web1", "starts_migrating_before": "db1"}, False, "db1 at"),
        ({"vm": "dns1", "starts_migrating_before": "db1"}, False, "dns1 never started migrating"),
        ({"vm": "db1", "ends": "Up", "on": "atlantic"}, True, "db1 ended Up on atlantic"),
        ({"vm": "db1", "ends": "Up", "on": "pacific"}, False, "expected Up on pacific"),
        ({"vm": "db1", "paused": True}, True, "db1 became Paused"),
        (
            {"vm": "web1", "paused": True},
            False,
            "web1 never became Paused; it went Up on pacific -> MigratingFrom",
        ),
        ({"vm": "web1", "paused": False}, True, "never became Paused"),
        ({"vm": "db1", "becomes": "Up", "on": "atlantic"}, True, "db1 became Up on atlantic"),
        ({"vm": "db1", "never_becomes": "Paused"}, False, "db1 became Paused on pacific"),
        ({"host": "atlantic", "always": "Up"}, True, "from start to end"),
        ({"host": "pacific", "always": "Up"}, False, "pacific left Up at"),
        ({"host": "pacific", "ends": "NonOperational"}, True, "pacific ended NonOperational"),
        ({"host": "pacific", "never_becomes": "NonResponsive"}, True, "never became NonResponsive"),
        ({"spm": "atlantic", "always": True}, True, "held the SPM role from start to end"),
        ({"spm": "pacific", "always": True}, False, "atlantic did"),
        ({"spm": "pacific", "elected": True}, False, "pacific was never elected SPM; no host was elected"),
        ({"spm": "pacific", "elected": False}, True, "never elected"),
        ({"spm": "atlantic", "ends": True}, True, "at the end the SPM was atlantic"),
        ({"never": "HostFenced"}, True, "no HostFenced in the log"),
        ({"never": "MigrationStarted", "vm": "db1"}, False, "Migration started (VM: db1"),
        ({"event": "MigrationFinished", "vm": "db1", "destination": "atlantic"}, True, "Migration completed"),
        ({"event": "HostFenced"}, False, "no HostFenced in the log"),
    ],
)
def test_each_form_of_expectation_holds_or_not_on_the_lesson_run_and_says_what_it_saw(entry, holds, words):
    (verdict,) = judged([entry])
    assert verdict.passed is holds, verdict.seen
    assert words in verdict.seen


def test_an_event_outside_its_window_is_named_in_the_verdict():
    (verdict,) = judged(
        [{"event": "MigrationStarted", "vm": "db1", "between": [0, 10], "after": {"fault": 0}}]
    )
    assert (
        not verdict.passed and "no MigrationStarted {vm: db1} in the log 0-10 s after fault 0" in verdict.seen
    )
    assert "there is one at" in verdict.seen


def test_the_why_of_a_failed_expectation_is_printed_beside_it():
    (verdict,) = judged([{"never": "MigrationStarted", "why": "the policy keeps VMs home"}])
    assert "why it matters: the policy keeps VMs home" in str(verdict)
    assert "why" not in verdict.written


# --- order and counts ----------------------------------------------------------------------------


def test_before_holds_when_the_first_happens_earlier_and_says_how_long_between_them():
    """The per-host limit on outgoing migrations, asserted: log1 copies only after mail1 is done."""
    (held, reversed_) = judged([
        {"event": "MigrationFinished", "vm": "mail1", "before": {"event": "MigrationTransferStarted", "vm": "log1"}},
        {"event": "MigrationTransferStarted", "vm": "log1", "before": {"event": "MigrationFinished", "vm": "mail1"}},
    ])
    assert held.passed and "MigrationFinished {vm: mail1} at 196.4 s" in held.seen
    assert "(the same instant: the log's order)" in held.seen and held.measured == 0
    assert not reversed_.passed and "after MigrationFinished {vm: mail1}" in reversed_.seen


def test_before_between_two_status_changes_measures_the_gap():
    (verdict,) = judged([{"host": "pacific", "becomes": "NonOperational",
                          "before": {"vm": "db1", "becomes": "Up", "on": "atlantic"}}])
    log = simulate(load_scenario(SEED), seed=0)
    nonop = of(log, "HostStatusChanged", host="pacific", new="NonOperational")[0]
    landed = of(log, "VmStatusChanged", vm="db1", new="Up", host="atlantic")[0]
    assert verdict.passed and verdict.measured == pytest.approx(landed.t - nonop.t)


def test_before_fails_when_the_other_never_happens_and_says_so():
    (verdict,) = judged([{"vm": "db1", "becomes": "Paused", "before": {"spm": "pacific", "elected": True}}])
    assert not verdict.passed and "but pacific elected SPM never happened" in verdict.seen


@pytest.mark.parametrize(
    ("entry", "holds", "words"),
    [
        ({"event": "MigrationStarted", "times": 6}, True, "MigrationStarted: 6 times (at 2:06, 2:06"),
        ({"event": "MigrationStarted", "times": 5}, False, "6 times (at"),
        ({"event": "MigrationStarted", "at_least": 5}, True, "expected at least 5"),
        ({"event": "MigrationTransferStarted", "at_least": 3, "between": [0, 1], "after": {"fault": 0}}, False,
         "0 times 0-1 s after fault 0"),
        ({"host": "pacific", "becomes": "NonOperational", "times": 1}, True, "pacific becomes NonOperational: 1 time"),
        ({"vm": "db1", "becomes": "Up", "on": "atlantic", "times": 1}, True, "db1 becomes Up on atlantic: 1 time"),
    ],
)
def test_times_and_at_least_count_what_happened_in_the_window(entry, holds, words):
    (verdict,) = judged([entry])
    assert verdict.passed is holds, verdict.seen
    assert words in verdict.seen


def test_a_count_measures_when_the_nth_time_happened_and_keeps_the_count():
    (six, three) = judged([{"event": "MigrationFinished", "times": 6},
                           {"event": "MigrationTransferStarted", "at_least": 3, "after": {"fault": 0}}])
    assert six.count == 6 and six.measured == pytest.approx(268.831)
    assert three.count == 6 and three.measured == pytest.approx(126.0 - 60)


@pytest.mark.parametrize(
    ("entries", "words"),
    [
        ("  - {event: MigrationStarted, times: 0}\n", "expected a whole number, 1 or more, found 0"),
        ("  - {host: pacific, ends: Up, times: 2}\n", "'times' goes with becomes or event"),
        ("  - {event: MigrationStarted, times: 2, at_least: 1}\n", "say times (exactly N) or at_least"),
        ("  - {never: HostFenced, before: {event: NicDown}}\n", "'before' goes with becomes, spm elected"),
        ("  - {event: NicDown, between: [0, 5], before: {event: NicUp}}\n", "'between' does not go with before"),
        ("  - {event: NicDown, before: {vm: db1, ends: Up}}\n", "the entry under before must happen at a time"),
        ("  - {event: NicDown, before: {event: NicUp, times: 2}}\n", "'times' goes on the outer entry"),
        ("  - {event: NicDown, before: web1}\n", "expected another entry, e.g. before: {vm: mail1"),
        ("  - {event: NicDown, before: {vm: db2, becomes: Up}}\n", "unknown VM 'db2'"),
        ("  - {event: NicDown, before: {vm: db1, becomes: Upp}}\n", "unknown vm status 'Upp'"),
    ],
)
def test_a_badly_written_order_or_count_is_refused_with_what_is_allowed(entries, words):
    problems = problems_of(entries)
    assert any(words in str(p) for p in problems), [str(p) for p in problems]


def test_a_problem_in_the_entry_under_before_names_its_place():
    problems = [str(p) for p in problems_of("  - {event: NicDown, before: {vm: db2, becomes: Up}}\n")]
    assert any("expect[0].before.vm: unknown VM 'db2'" in p for p in problems), problems


# --- badly written entries ----------------------------------------------------------------------


def test_a_bare_on_key_which_yaml_reads_as_true_still_means_on():
    text = BASE + "expect:\n  - {vm: db1, ends: Up, on: atlantic}\n"
    scenario = parse_scenario(text, "course.yaml")
    (verdict,) = evaluate(simulate(scenario), scenario, parse_expectations(scenario, text))
    assert verdict.passed and verdict.written == "{vm: db1, ends: Up, on: atlantic}"


@pytest.mark.parametrize(
    ("entry", "path", "words"),
    [
        (
            "{vm: db1, becoms: Up}",
            "expect[0].becoms",
            "unknown key 'becoms' in a vm expectation; allowed: vm, becomes",
        ),
        ("{vm: db1, becoms: Up}", "expect[0].becoms", "(did you mean 'becomes'?)"),
        (
            "{host: pacifc, ends: Up}",
            "expect[0].host",
            "unknown host 'pacifc'; allowed: atlantic, pacific (did you mean",
        ),
        (
            "{host: pacific, becomes: NonOperatonal}",
            "expect[0].becomes",
            "unknown host status 'NonOperatonal'",
        ),
        ("{vm: db1, ends: Sleeping}", "expect[0].ends", "allowed: Up, Paused, MigratingFrom"),
        (
            "{host: pacific, becomes: Down, between: [90, 60]}",
            "expect[0].between",
            "0 <= lo <= hi, found [90, 60]",
        ),
        (
            "{host: pacific, becomes: Down, after: {fault: 5}}",
            "expect[0].after",
            "N from 0 to 1 (its index in faults)",
        ),
        ("{host: pacific, ends: Down, between: [1, 2]}", "expect[0].between", "'between' goes with becomes"),
        (
            "{vm: db1, paused: true, ends: Up}",
            "expect[0]",
            "exactly one of: becomes, never_becomes, ends, paused",
        ),
        ("{cpu: 3}", "expect[0]", "start it with host, vm or spm (a name), or event or never"),
        ("{never: HostFencd}", "expect[0].never", "unknown record kind 'HostFencd'"),
        (
            "{event: HostFenced, hots: pacific}",
            "expect[0].hots",
            "HostFenced has no field 'hots'; allowed: event, host",
        ),
        ("{spm: atlantic, always: false}", "expect[0].always", "write elected: false"),
        ("{vm: db1, starts_migrating_before: db1}", "expect[0].starts_migrating_before", "before itself"),
        (
            "{host: pacific, always: Up, on: atlantic}",
            "expect[0].on",
            "unknown key 'on' in a host expectation",
        ),
    ],
)
def test_a_badly_written_expectation_names_the_file_line_field_and_what_is_allowed(entry, path, words):
    problems = problems_of(f"  - {entry}\n")
    assert any(p.path == path and words in p.message for p in problems), "\n".join(map(str, problems))
    expect_line = len(BASE.splitlines()) + 2
    assert all(p.source == "course.yaml" and p.line == expect_line for p in problems)


def test_every_bad_entry_of_a_file_is_reported_at_once():
    problems = problems_of("  - {host: pacifc, becomes: Up}\n  - {vm: db1, ends: Sleeping}\n  - {cpu: 3}\n")
    assert [p.path for p in problems] == ["expect[0].host", "expect[1].ends", "expect[2]"]


# --- the command line ----------------------------------------------------------------------------


def test_check_passes_a_shipped_scenario_with_exit_status_0_and_prints_what_it_saw():
    out = hacourse("check", "scenarios/pacific-storage-down.yaml", "--seed", "3")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "seed 3: all" in out.stdout
    assert "pacific became NonOperational at" in out.stdout


def test_check_reports_a_broken_promise_with_exit_status_1(tmp_path):
    course = tmp_path / "course.yaml"
    course.write_text(
        BASE + "expect:\n  - {vm: web1, starts_migrating_before: db1, why: low first?}\n"
        "  - {never: HostFenced}\n"
    )
    out = hacourse("check", str(course))
    assert out.returncode == 1, out.stdout + out.stderr
    assert "1 of 2 expectations FAILED" in out.stdout
    assert "FAIL  expect[0] {vm: web1, starts_migrating_before: db1}" in out.stdout
    assert "why it matters: low first?" in out.stdout and "ok    expect[1]" in out.stdout


def test_check_rejects_a_bad_expectation_with_exit_status_2_and_no_traceback(tmp_path):
    course = tmp_path / "course.yaml"
    course.write_text(BASE + "expect:\n  - {vm: db1, becoms: Up}\n")
    out = hacourse("check", str(course))
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "course.yaml:" in out.stderr and "expect[0].becoms" in out.stderr and "becomes" in out.stderr


def test_check_without_expectations_says_there_is_nothing_to_judge_and_is_not_a_failure(tmp_path):
    course = tmp_path / "course.yaml"
    course.write_text(BASE)
    out = hacourse("check", str(course))
    assert out.returncode == 0 and "no expectations to judge" in out.stdout


def test_update_without_golden_is_refused():
    out = hacourse("check", "scenarios/pacific-storage-down.yaml", "--update")
    assert out.returncode == 2 and "--golden" in out.stderr
