"""What the real engine promises, checked on any event log: the guarantees a lesson relies on.

Each rule is a pure function `rule(log, scenario, until) -> list[Violation]`; `check_all` runs
them all. They replay the log record by record and never look inside the engine, so they judge
the CLI's `--check`, an exercise, a widget's half-finished run or a hand-written log alike.

The log mixes two kinds of facts, and the rules keep them apart:
- physical truth: power (`HostPoweredOff/On`), links (`NicDown/NicUp`), whether a host reaches
  storage and where a VM's qemu process lives, as `hacourse.physical` reads them off the log with
  the engine's own rules;
- the engine's view: host and VM statuses, the SPM role, fencing and restart decisions.
A promise is broken when the engine's view acts on something it could not know, or when the
physical truth shows the outcome the engine exists to prevent (a VM running twice).

`until` is how far the run went (a partial log from `Simulation.run_until` ends earlier than the
scenario's duration); deadlines after it are not judged. It defaults to the last record's time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from hacourse import events as ev
from hacourse.invariants.liveness import check_liveness
from hacourse.invariants.log_shape import check_well_formed
from hacourse.invariants.recovery import (
    check_fencing,
    check_ha_restart_bound,
    check_restart_after_confirmed_down,
)
from hacourse.invariants.spm_lease import check_spm
from hacourse.invariants.vms import check_resume_with_storage, check_single_owner, check_writes_pause
from hacourse.invariants.world import Violation
from hacourse.model import Scenario

Rule = Callable[[Sequence[ev.Record], Scenario, float], list[Violation]]
RULES: tuple[Rule, ...] = (
    check_well_formed,
    check_single_owner,
    check_spm,
    check_writes_pause,
    check_resume_with_storage,
    check_fencing,
    check_restart_after_confirmed_down,
    check_ha_restart_bound,
    check_liveness,
)


def check_all(log: Sequence[ev.Record], scenario: Scenario, until: float | None = None) -> list[Violation]:
    """Every rule on the log, violations in time order (an empty list: every promise kept)."""
    end = until if until is not None else (log[-1].t if log else 0.0)
    found = [v for rule in RULES for v in rule(log, scenario, end)]
    return sorted(found, key=lambda v: v.t)
