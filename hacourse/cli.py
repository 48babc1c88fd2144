"""`hacourse`: run a scenario, check scenario files, start new ones, explain a run.

Every error a user can cause ends as a readable message and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_BAD_INPUT = 2
SCENARIO_SUFFIXES = (".yaml", ".yml")


def _outcome_columns() -> str:
    """The sweep's outcome columns and their meanings, for `hacourse sweep --help`."""
    import textwrap

    from hacourse.study.outcomes import OUTCOMES

    lines = ["outcome columns (in the CSV; any of them for --y):"]
    for name, meaning in OUTCOMES.items():
        lines.append(f"  {name}")
        lines += textwrap.wrap(meaning, 88, initial_indent="      ", subsequent_indent="      ")
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hacourse", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run a scenario and print its timeline")
    run.add_argument("scenario", help="a scenario YAML file")
    run.add_argument("--seed", type=int, default=None, help="random seed (default: the scenario's)")
    run.add_argument("--until", type=float, default=None, help="stop at this simulated second")
    run.add_argument("--json", action="store_true", help="print the event log as JSON Lines")
    run.add_argument("--plot", metavar="PNG", help="also write the timeline figure to this file")
    run.add_argument("--check", action="store_true", help="check the HA invariants on the log")

    validate = sub.add_parser("validate", help="check scenario files without running them")
    validate.add_argument("scenarios", nargs="+")

    new = sub.add_parser("new", help="write a commented starter scenario, or list the shipped ones")
    new.add_argument("file", nargs="?")
    new.add_argument("--from", dest="from_name", default=None, help="copy a shipped scenario by name")
    new.add_argument("--list", action="store_true", help="list the shipped scenarios, one line each")

    check = sub.add_parser("check", help="run scenarios and check their expected outcomes (expect:, golden logs)")
    check.add_argument("scenarios", nargs="*", metavar="scenario")
    check.add_argument("--seed", type=int, action="append", default=None,
                       help="seed to run; repeat for several (default: the scenario's)")
    check.add_argument("--seeds", default=None, metavar="SEEDS",
                       help="seeds to run, as ranges and lists: 0-99, 0,3,5, 0-4,10; with several seeds the "
                            "report gives, per expectation, how often it held and the spread of its time")
    check.add_argument("--suggest", action="store_true",
                       help="with --seeds: propose a `between:` window that covers the spread measured")
    check.add_argument("--golden", nargs="?", const=True, default=False, metavar="PATH",
                       help="also compare the event log with its golden log: beside the scenario "
                            "(NAME.golden.jsonl, or golden/NAME.jsonl), or in the folder or file PATH")
    check.add_argument("--update", action="store_true", help="with --golden: write the golden logs from this run")
    check.add_argument("-q", "--quiet", action="store_true", help="print only what fails")

    sweep = sub.add_parser("sweep", help="run a scenario over a grid of settings and seeds; one row per run",
                           epilog=_outcome_columns(), formatter_class=argparse.RawDescriptionHelpFormatter)
    sweep.add_argument("scenario", help="a scenario YAML file")
    sweep.add_argument("--set", dest="settings", action="append", default=[], metavar="KEY=V1,V2",
                       help="one axis of the grid: an engine-config key (NicDHCPDelayGraceInMS=30,60,90) or a "
                            "path (cluster.resilience_policy=migrate,do_not_migrate; faults[0].at=30,60); repeat")
    sweep.add_argument("--seeds", default=None, help="seeds to run at each point: 0-19, 0,3,5 (default: the "
                                                     "scenario's)")
    sweep.add_argument("-o", "--csv", default=None, metavar="CSV", help="write the rows as CSV")
    sweep.add_argument("--parquet", default=None, metavar="FILE", help="write the rows as Parquet (needs pyarrow)")
    sweep.add_argument("--plot", default=None, metavar="PNG",
                       help="draw --y against the first setting, a line per value of the second")
    sweep.add_argument("--y", default="ha_recovery_s",
                       help="the outcome column to plot (default: ha_recovery_s; the columns are listed below)")
    where = sweep.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=None, metavar="N",
                       help="processes on this machine (default: one per core; 1: no pool)")
    where.add_argument("--dask", default=None, metavar="ADDRESS",
                       help="a Dask scheduler to run on, e.g. tcp://10.0.0.5:8786 (pip install hacourse[sweep])")
    sweep.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary")
    avail = sub.add_parser("availability", help="run a scenario's failure_rates: over years: availability per "
                           "VM and class with 95%% intervals, and where the downtime went")
    avail.add_argument("scenario", help="a scenario YAML file with failure_rates: (and an operator:)")
    avail.add_argument("--years", type=float, default=1.0, help="simulated years per run (default: 1)")
    seeds = avail.add_mutually_exclusive_group()
    seeds.add_argument("--seed", type=int, default=None, help="one run (default: the scenario's seed); its "
                       "interval comes from one-year batches")
    seeds.add_argument("--seeds", default=None, help="independent runs, e.g. 0-9; the interval comes from them")
    avail.add_argument("--json", action="store_true", help="print the report as JSON")
    avail.add_argument("--plot", default=None, metavar="PNG", help="draw availability per class and downtime by phase")
    avail.add_argument("--check", action="store_true", help="also check the HA invariants on every run")
    avail_where = avail.add_mutually_exclusive_group()
    avail_where.add_argument("--workers", type=int, default=None, metavar="N",
                             help="processes on this machine (default: one per core; 1: no pool)")
    avail_where.add_argument("--dask", default=None, metavar="ADDRESS", help="a Dask scheduler to run on")
    explain = sub.add_parser("explain", help="why a VM or a host is in its state: the engine's decisions and timers")
    explain.add_argument("file", help="a scenario YAML file (it is run) or an event log (.jsonl)")
    target = explain.add_mutually_exclusive_group(required=True)
    target.add_argument("--vm", help="the VM to explain")
    target.add_argument("--host", help="the host to explain")
    explain.add_argument("--at", type=float, default=None, help="the simulated second to explain (default: the end)")
    explain.add_argument("--seed", type=int, default=None, help="random seed (default: the scenario's)")

    exercise = sub.add_parser("exercise", help="make a graded exercise (instructor and student notebooks) from a "
                                                "scenario; its expect: entries are the grader")
    exercise.add_argument("scenario", help="a scenario YAML file with expect: entries (and, optionally, "
                                           "NAME.exercise.yaml beside it)")
    exercise.add_argument("-o", "--out", required=True, metavar="DIR", help="the folder to write the bundles to")
    exercise.add_argument("--variants", type=int, default=0, metavar="N",
                          help="also N student bundles that differ in the seed (and --vary), in DIR/variants/")
    exercise.add_argument("--seeds", default=None, help="the variants' seeds (default: the scenario's seed, +1, ...)")
    exercise.add_argument("--vary", default=None, metavar="KEY=V1,V2|KEY=LO..HI",
                          help="a setting that differs between variants: values in turn, or N values from LO to HI")
    exercise.add_argument("--roster", default=None, metavar="CSV",
                          help="a class list with a student_id column: one variant per student, DIR/manifest.csv "
                               "says who got which, and each student's notebook finds its own by their user name")
    exercise.add_argument("--force", action="store_true", help="replace what DIR holds")
    exercise.add_argument("-q", "--quiet", action="store_true", help="print only problems")

    grade = sub.add_parser("grade", help="judge every submission against the variant the manifest issued, running "
                                          "none of the student's code (see `hacourse exercise --roster`)")
    grade.add_argument("exercise", help="the folder `hacourse exercise -o` made (instructor/, manifest.csv)")
    grade.add_argument("submitted", help="nbgrader's submitted/ folder: submitted/STUDENT/ASSIGNMENT/NAME.ipynb")
    grade.add_argument("-o", "--csv", default=None, metavar="CSV", help="write one row per student and question")
    grade.add_argument("--gradebook", default=None, metavar="DB",
                       help="nbgrader's gradebook.db: report every score its autograde gave otherwise")
    grade.add_argument("--assignment", default=None, help="nbgrader's assignment name (default: the submissions' "
                                                          "folder name)")
    summary = sub.add_parser("class-summary", help="per question: how many got it, the common wrong answers, the "
                                                   "hardest variants (a table, and a figure with --plot)")
    summary.add_argument("grades", help="the CSV of `hacourse grade -o`, or nbgrader's gradebook.db")
    summary.add_argument("--assignment", default=None, help="with a gradebook.db: the assignment's name")
    summary.add_argument("--plot", default=None, metavar="PNG", help="draw the share who got each question")

    link = sub.add_parser("link", help="a link to the course site that opens this scenario file in the lesson "
                                       "panel (the file travels in the link, compressed)")
    link.add_argument("scenario", help="a scenario YAML file (checked first: a broken file makes no link)")
    link.add_argument("--site", default=None, metavar="URL",
                      help="the course site (default: this repository's GitHub Pages, from its git remote)")

    sub.add_parser("generate", help="write a generated large-cluster scenario", add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["generate"]:
        from hacourse.study.generate import main as generate_main

        return generate_main(argv[1:])
    args = _parser().parse_args(argv)
    try:
        if args.command == "run":
            return _run(args)
        if args.command == "validate":
            return _validate(args.scenarios)
        if args.command == "new":
            return _new(args.file, args.from_name, args.list)
        if args.command == "check":
            return _check(args)
        if args.command == "sweep":
            return _sweep(args)
        if args.command == "availability":
            return _availability(args)
        if args.command == "explain":
            return _explain(args)
        if args.command == "exercise":
            return _exercise(args)
        if args.command == "grade":
            return _grade(args)
        if args.command == "class-summary":
            return _class_summary(args)
        if args.command == "link":
            return _link(args.scenario, args.site)
    except BrokenPipeError:
        return 0
    return EXIT_BAD_INPUT


def _link(path: str, site: str | None) -> int:
    from hacourse.scenario import ScenarioError, load_scenario
    from hacourse.scenario.gallery import link_query, pages_url

    try:
        load_scenario(path)
    except ScenarioError as err:
        print(err, file=sys.stderr)
        return EXIT_BAD_INPUT
    text = Path(path).read_text(encoding="utf-8")
    base = (site or pages_url() or "http://localhost:8000/").rstrip("/")
    print(f"{base}/lab/index.html?path=notebooks/open-scenario.ipynb&{link_query(text)}")
    return 0


def _run(args: argparse.Namespace) -> int:
    from hacourse import Simulation, load_scenario, to_jsonl
    from hacourse.scenario import ScenarioError

    try:
        scenario = load_scenario(args.scenario)
    except ScenarioError as err:
        print(err, file=sys.stderr)
        return EXIT_BAD_INPUT
    sim = Simulation(scenario, seed=args.seed)
    log = sim.run_until(scenario.duration if args.until is None else args.until)
    if args.json:
        sys.stdout.write(to_jsonl(log))
    else:
        print(_timeline_text(log, scenario))
    if args.plot:
        from hacourse.views.timeline import save_timeline_figure

        save_timeline_figure(log, scenario, args.plot)
        print(f"timeline figure written to {args.plot}", file=sys.stderr)
    if args.check:
        from hacourse.invariants import check_all

        violations = check_all(log, scenario, until=sim.now)
        for v in violations:
            print(f"VIOLATION {v}", file=sys.stderr)
        print(f"invariants: {len(violations)} violation(s)", file=sys.stderr)
        return 1 if violations else 0
    return 0


def _explain(args: argparse.Namespace) -> int:
    from hacourse import from_jsonl, load_scenario, simulate
    from hacourse.analysis.explain import explain_host, explain_text, explain_vm, state_line
    from hacourse.analysis.intervals import end_of
    from hacourse.scenario import ScenarioError

    path = Path(args.file)
    scenario = None
    try:
        if path.suffix == ".jsonl":
            log = from_jsonl(path.read_text())
        else:
            scenario = load_scenario(path)
            log = simulate(scenario, seed=args.seed)
    except ScenarioError as err:
        print(err, file=sys.stderr)
        return EXIT_BAD_INPUT
    except (OSError, ValueError, KeyError, TypeError) as err:
        print(f"{path}: cannot read it as an event log ({err})", file=sys.stderr)
        return EXIT_BAD_INPUT
    end = scenario.duration if scenario is not None else end_of(log)
    at = end if args.at is None else args.at
    if args.vm is not None:
        known = sorted({r.vm for r in log if hasattr(r, "vm")})
        name, what, steps = args.vm, "VM", explain_vm(log, args.vm, at)
    else:
        known = sorted({r.host for r in log if hasattr(r, "host") and r.host})
        name, what, steps = args.host, "host", explain_host(log, args.host, at)
    if name not in known:
        print(f"{path}: no {what} {name!r} in this run; {what}s: {', '.join(known)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(explain_text(steps, state_line(log, scenario, at, vm=args.vm, host=args.host)))
    return 0


def _timeline_text(log: list, scenario) -> str:
    """The run as the Events tab would show it, oldest first, with minutes:seconds."""
    from hacourse.analysis.audit import events_table

    rows = list(reversed(events_table(log)))
    lines = [f"{scenario.name}  ({scenario.engine_profile}, {len(log)} records)"]
    lines += [f"{row.time:>8}  {row.severity:<8} {row.message}" for row in rows]
    return "\n".join(lines)


def _validate(paths: list[str]) -> int:
    """Every problem of every file, the `expect:` entries included, without running anything."""
    from hacourse.grading.assignment import is_spec, read_spec
    from hacourse.scenario import ScenarioError, validate_files

    problems = validate_files([p for p in paths if not is_spec(p)])
    for spec in filter(is_spec, paths):  # lab.exercise.yaml: checked as what it is, not as a scenario
        try:
            read_spec(spec)
        except ScenarioError as err:
            problems += err.problems
    for problem in problems:
        print(problem, file=sys.stderr)
    files = len(paths)
    if problems:
        print(f"{len(problems)} problem(s) in {files} file(s)", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"{files} file(s) OK")
    return 0


def _check(args: argparse.Namespace) -> int:
    from hacourse.grading.assignment import is_spec
    from hacourse.grading.check import check_files, parse_seeds

    scenarios, golden = [p for p in args.scenarios if not is_spec(p)], args.golden  # `course/*.yaml` holds both
    if isinstance(golden, str) and Path(golden).suffix in SCENARIO_SUFFIXES:
        scenarios.insert(0, golden)  # `--golden lab.yaml`: the flag alone, then a scenario
        golden = True
    if not scenarios:
        print("hacourse check: name at least one scenario file", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.update and golden is False:
        print("--update writes golden logs: use it with --golden", file=sys.stderr)
        return EXIT_BAD_INPUT
    seeds = list(args.seed or [])
    if args.seeds:
        try:
            seeds += [s for s in parse_seeds(args.seeds) if s not in seeds]
        except ValueError as err:
            print(f"--seeds: {err}", file=sys.stderr)
            return EXIT_BAD_INPUT
    if isinstance(golden, str) and Path(golden).suffix == ".jsonl" and (len(scenarios) > 1 or len(seeds) > 1):
        print(f"--golden {golden}: one golden log holds one run; for several scenarios or seeds give a folder",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    return check_files(scenarios, seeds=seeds or None, golden=golden, update=args.update, suggest=args.suggest,
                       quiet=args.quiet)


def _sweep(args: argparse.Namespace) -> int:
    from hacourse.grading.check import parse_seeds
    from hacourse.study.sweep_cli import run_sweep

    try:
        seeds = parse_seeds(args.seeds) if args.seeds else None
    except ValueError as err:
        print(f"--seeds: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.workers is not None and args.workers < 1:
        print(f"--workers {args.workers}: give 1 or more", file=sys.stderr)
        return EXIT_BAD_INPUT
    return run_sweep(args.scenario, args.settings, seeds, args.csv, args.parquet, args.plot, args.y,
                     args.workers, args.dask, args.quiet)


def _availability(args: argparse.Namespace) -> int:
    from hacourse.study.availability_cli import run_availability

    return run_availability(args.scenario, args.years, args.seed, args.seeds, args.json, args.plot, args.check,
                            args.workers, args.dask)


def _exercise(args: argparse.Namespace) -> int:
    import yaml

    from hacourse.grading.check import parse_seeds
    from hacourse.grading.exercise_book import ExerciseError, make_exercise, spread
    from hacourse.grading.roster import read_roster
    from hacourse.scenario import ScenarioError

    try:
        seeds = parse_seeds(args.seeds) if args.seeds else None
        count = len(read_roster(args.roster)) if args.roster else args.variants
        vary = None
        if args.vary:
            key, equals, values = args.vary.partition("=")
            if not equals or not key.strip() or not values.strip():
                raise ExerciseError(f"--vary {args.vary!r}: expected KEY=V1,V2,... or KEY=LO..HI")
            if ".." in values and "," not in values:
                vary = (key.strip(), spread(values, max(count, 1)))
            else:
                vary = (key.strip(), yaml.safe_load(f"[{values}]"))
        if (seeds or vary) and count < 1:
            raise ExerciseError("--seeds and --vary choose what the variants differ in: give --variants N or "
                                "--roster CSV too")
        built = make_exercise(args.scenario, args.out, args.variants, seeds, vary, args.force, args.roster)
    except (ValueError, ScenarioError, yaml.YAMLError) as err:
        print(err, file=sys.stderr)
        return EXIT_BAD_INPUT
    for warning in built.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if not args.quiet:
        print(f"{built.kind} exercise, {built.items} graded cells, {built.points} points:")
        print(f"  {built.out / 'instructor'}   the solutions: the nbgrader source, or your answer key")
        print(f"  {built.out / 'student'}      hand this folder out: the notebook and the scenario it reads")
        if args.roster:
            print(f"  {built.out / 'manifest.csv'}  who was issued which of the {len(built.variants)} variants, "
                  "with the right answers\n  release the instructor folder with nbgrader as it is: each student's "
                  "notebook runs the variant issued to their user name; grade with `hacourse grade`")
        elif built.variants:
            print(f"  {built.out / 'variants'}     {len(built.variants)} student folders, one per student; "
                  f"which is which: {built.out / 'variants.csv'}")
            print("  to hand these out by name, and grade each student on the variant they were issued whatever "
                  "they hand back, use --roster CSV instead")
    return 0


def _grade(args: argparse.Namespace) -> int:
    from hacourse.grading.autograde import GradeError, grade_all, report, write_grades
    from hacourse.scenario import ScenarioError

    try:
        results = grade_all(args.exercise, args.submitted, args.gradebook, args.assignment)
    except (GradeError, ScenarioError) as err:
        print(err, file=sys.stderr)
        return EXIT_BAD_INPUT
    print(report(results))
    if args.csv:
        write_grades(results, args.csv)
    return 0


def _class_summary(args: argparse.Namespace) -> int:
    from hacourse.grading.summary import SummaryError, read_rows, summarize, table

    try:
        summaries = summarize(read_rows(args.grades, args.assignment))
    except SummaryError as err:
        print(err, file=sys.stderr)
        return EXIT_BAD_INPUT
    print(table(summaries))
    if args.plot:
        from hacourse.views.classroom import save_class_summary

        save_class_summary(summaries, args.plot)
    return 0


def _new(path: str | None, from_name: str | None, listing: bool) -> int:
    from hacourse.scenario import ScenarioError, write_starter

    if listing:
        from hacourse.scenario.gallery import listing as gallery
        from hacourse.scenario.starter import shipped_scenarios

        print(gallery())
        folder = next(iter(shipped_scenarios().values())).parent
        print(f"copy one with: hacourse new FILE --from NAME  (they live in {folder})")
        return 0
    if path is None:
        print("hacourse new: name the file to write (or --list to see the shipped scenarios)", file=sys.stderr)
        return EXIT_BAD_INPUT
    if Path(path).exists():
        print(f"{path}: already exists; choose another name or delete it first", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)  # a course's folder: courses/week3/lab.yaml
        write_starter(path, from_name=from_name)
    except ScenarioError as err:
        print(err, file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as err:
        print(f"{path}: cannot write it: {err.strerror or err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"wrote {path}; check it with: hacourse validate {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
