"""`hacourse new`: a commented starter scenario, or a copy of a shipped one, that validates.

The first line points the editor at the JSON Schema (yaml-language-server, used by VS Code's
YAML extension and others), so keys complete and mistakes are underlined while typing.
"""

from __future__ import annotations

import os
from pathlib import Path

from hacourse.scenario.checker import allowed_list, did_you_mean
from hacourse.scenario.errors import FILE, Problem, ScenarioError
from hacourse.scenario.schema import SCHEMA_PATH

SCHEMA_COMMENT = "# yaml-language-server: $schema="
SHIPPED_DIRS = (
    Path(__file__).resolve().parents[2] / "scenarios",  # a source checkout
    Path(__file__).resolve().parents[1] / "scenarios",  # package data of an installed wheel
)

STARTER = """\
# A scenario: a data center, its hosts and VMs, and the faults to inject.
# Every key is described in docs/scenario-format.md; check the file with
#     hacourse validate {file}
name: {title}
description: Two hosts; the storage NIC of one goes down and its VMs move to the other.
engine_profile: rhev-3.3        # rhev-3.3 (the RHEV 3.x guide's era) or ovirt-4.5
duration: 1200                  # seconds of simulated time
seed: 0                         # the default seed; a run with the same seed is the same run

engine_config:                  # override single defaults of the profile, by their real key
  NicDHCPDelayGraceInMS: 60     # seconds (despite the name) before a host that lost a required
                                # network turns NonOperational

cluster:
  resilience_policy: migrate    # migrate | migrate_ha_only | do_not_migrate
                                # (no fencing_policy: the cluster fencing policy came with oVirt 3.5;
                                # a 3.3 engine always fences. Under ovirt-4.5, e.g.
                                # fencing_policy: {{enabled: true, skip_if_sd_active: true}})

networks:                       # exactly one has role management
  - {{name: ovirtmgmt, role: management}}
  - {{name: storage, role: storage}}   # required (the default): losing it makes a host NonOperational

storage_domains:
  - {{name: data, type: iscsi, network: storage}}

spm: host1                      # the host holding the SPM role at t=0

hosts:                          # nics: NIC name -> the logical network it carries
  - {{name: host1, memory_gb: 64, spm_priority: 5, nics: {{em1: ovirtmgmt, p1p1: storage}}}}
  - {{name: host2, memory_gb: 64, spm_priority: 5, nics: {{em1: ovirtmgmt, p1p1: storage}}}}

vms:                            # priority: low | medium | high, or 0..100
  - {{name: db1, host: host2, memory_gb: 8, ha: true, priority: high, writes: true}}
  - {{name: app1, host: host2, memory_gb: 4, ha: true, priority: medium}}
  - {{name: web1, host: host2, memory_gb: 2, priority: low}}

faults:                         # failures and admin actions: docs/scenario-format.md lists each action
  - {{at: 60, action: ifdown, host: host2, nic: storage}}
  - {{at: 900, action: ifup, host: host2, nic: storage}}

# expect: a list of expected outcomes, checked by `hacourse check` (docs/instructor-guide.md)
"""


def write_starter(path: str | Path, from_name: str | None = None) -> Path:
    """Write a starter scenario to `path`, or a copy of the shipped scenario `from_name`.

    Never overwrites: an existing file, or an unknown `from_name`, raises ScenarioError with
    one problem (which `hacourse new` prints, exiting with status 2).
    """
    path = Path(path)
    if path.exists():
        raise ScenarioError([Problem(str(path), None, None, "", "the file already exists; not overwritten "
                                     "(choose another name, or delete it first)", FILE)])
    body = _shipped(from_name) if from_name else STARTER.format(file=path, title=_title(path))
    lines = [line for line in body.splitlines(keepends=True) if not line.startswith(SCHEMA_COMMENT)]
    path.write_text(schema_comment(path) + "\n" + "".join(lines), encoding="utf-8")
    return path


def schema_comment(path: Path) -> str:
    """The yaml-language-server line for a scenario at `path`: the shipped schema, relative to
    the file when both live in one tree (a checkout, a course folder), else absolute."""
    folder = path.resolve().parent
    try:
        shared = Path(os.path.commonpath([SCHEMA_PATH, folder]))
    except ValueError:  # another drive on Windows
        shared = None
    if shared is None or shared == Path(shared.anchor):
        return SCHEMA_COMMENT + SCHEMA_PATH.as_posix()
    return SCHEMA_COMMENT + Path(os.path.relpath(SCHEMA_PATH, folder)).as_posix()


def shipped_scenarios() -> dict[str, Path]:
    """The scenarios that ship with hacourse, by name (file name without .yaml)."""
    found: dict[str, Path] = {}
    for folder in SHIPPED_DIRS:
        for file in sorted(folder.glob("*.yaml")) if folder.is_dir() else ():
            found.setdefault(file.stem, file)
    return found


def _shipped(name: str) -> str:
    shipped = shipped_scenarios()
    key = name.removesuffix(".yaml")
    if key not in shipped:
        raise ScenarioError([Problem(name, None, None, "", f"no shipped scenario named '{key}'; allowed: "
                                     f"{allowed_list(sorted(shipped))}{did_you_mean(key, shipped)}", FILE)])
    return shipped[key].read_text(encoding="utf-8")


def _title(path: Path) -> str:
    return path.stem.replace("-", " ").replace("_", " ").capitalize() or "My scenario"
