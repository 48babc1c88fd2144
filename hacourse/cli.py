"""`hacourse`: run a scenario, check scenario files, start new ones.

Every error a user can cause ends as a readable message and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_BAD_INPUT = 2


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

    new = sub.add_parser("new", help="write a commented starter scenario")
    new.add_argument("file")
    new.add_argument("--from", dest="from_name", default=None, help="copy a shipped scenario by name")

    check = sub.add_parser("check", help="run scenarios and check their expected outcomes (expect:, golden logs)")
    check.add_argument("scenarios", nargs="+")
    check.add_argument("--seed", type=int, action="append", default=None,
                       help="seed to run; repeat for several (default: the scenario's)")
    check.add_argument("--golden", action="store_true", help="also compare the event log with its golden log")
    check.add_argument("--update", action="store_true", help="with --golden: write the golden logs from this run")
    check.add_argument("--golden-dir", default="tests/golden", help="where golden logs live (default: tests/golden)")

    sub.add_parser("generate", help="write a generated large-cluster scenario", add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["generate"]:
        from hacourse.generate import main as generate_main

        return generate_main(argv[1:])
    args = _parser().parse_args(argv)
    try:
        if args.command == "run":
            return _run(args)
        if args.command == "validate":
            return _validate(args.scenarios)
        if args.command == "new":
            return _new(args.file, args.from_name)
        if args.command == "check":
            return _check(args)
    except BrokenPipeError:
        return 0
    return EXIT_BAD_INPUT


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


def _timeline_text(log: list, scenario) -> str:
    """The run as the Events tab would show it, oldest first, with minutes:seconds."""
    from hacourse.analysis import events_table

    rows = list(reversed(events_table(log)))
    lines = [f"{scenario.name}  ({scenario.engine_profile}, {len(log)} records)"]
    lines += [f"{row.time:>8}  {row.severity:<8} {row.message}" for row in rows]
    return "\n".join(lines)


def _validate(paths: list[str]) -> int:
    """Every problem of every file, the `expect:` entries included, without running anything."""
    from hacourse.expectations import load_expectations
    from hacourse.scenario import ScenarioError, validate_files

    problems = []
    for path in paths:
        found = validate_files([path])
        if not found:
            try:
                load_expectations(path)
            except ScenarioError as err:
                found = list(err.problems)
        problems += found
    for problem in problems:
        print(problem, file=sys.stderr)
    files = len(paths)
    if problems:
        print(f"{len(problems)} problem(s) in {files} file(s)", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"{files} file(s) OK")
    return 0


def _check(args: argparse.Namespace) -> int:
    from hacourse.expectations import check_files

    if args.update and not args.golden:
        print("--update writes golden logs: use it with --golden", file=sys.stderr)
        return EXIT_BAD_INPUT
    return check_files(args.scenarios, seeds=args.seed, golden_dir=args.golden_dir if args.golden else None,
                       update=args.update)


def _new(path: str, from_name: str | None) -> int:
    from hacourse.scenario import ScenarioError, write_starter

    if Path(path).exists():
        print(f"{path}: already exists; choose another name or delete it first", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        write_starter(path, from_name=from_name)
    except ScenarioError as err:
        print(err, file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"wrote {path}; check it with: hacourse validate {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
