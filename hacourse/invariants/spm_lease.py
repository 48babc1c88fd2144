"""One SPM at a time, on a host that reaches storage, and never before the last holder's lease is free."""

from __future__ import annotations

from collections.abc import Sequence

from hacourse import events as ev
from hacourse import sanlock
from hacourse.invariants.world import Violation, World, instants, overdue
from hacourse.model import Scenario
from hacourse.physical import TOL


def check_spm(log: Sequence[ev.Record], scenario: Scenario, until: float) -> list[Violation]:
    """At most one SPM at any instant, elected only on a host that reaches storage, and only once the
    previous holder's lease is free: at once if it stopped while reaching storage (it released the
    lease), otherwise not before `sanlock.dead_no_sooner_than_s` after it lost storage. A holder that
    cannot reach storage loses the role within `sanlock.renewal_fail_s` (sanlock kills VDSM when
    renewal fails)."""
    out: list[Violation] = []
    config = scenario.config()
    give_up, dead = sanlock.renewal_fail_s(config), sanlock.dead_no_sooner_than_s(config)
    world = World(scenario)
    holder: str | None = None
    last: str | None = None
    free_at = 0.0
    reported: set[tuple[str, float]] = set()

    def overstay(now: float, strict: bool) -> None:
        since = world.physical.no_storage_since.get(holder) if holder else None
        if since is not None and (holder, since) not in reported and overdue(since + give_up, now, strict):
            reported.add((holder, since))
            out.append(Violation(since + give_up, "spm-storage", f"{holder} still holds the SPM role "
                                 f"{give_up:g} s after it lost storage at {since:g} s"))

    for t, group in instants(log):
        overstay(t, strict=True)
        for r in group:
            if isinstance(r, ev.SpmStarted):
                if holder is not None and holder != r.host:
                    out.append(Violation(t, "single-spm",
                                         f"{r.host} became SPM while {holder} holds the role"))
                elif r.host != last and t < free_at - TOL:
                    out.append(Violation(t, "single-spm", f"{r.host} became SPM while the lease of {last} "
                                         f"may live until {free_at:g} s"))
                if not world.physical.reaches_storage(r.host):
                    out.append(Violation(t, "spm-storage", f"{r.host} became SPM without reaching storage"))
                holder = r.host
            elif isinstance(r, ev.SpmStopped):
                if holder != r.host:
                    out.append(Violation(t, "single-spm", f"{r.host} stopped being SPM but {holder} held it"))
                    continue
                stopped = world.physical.lease_stopped(r.host, t)
                free_at = t if stopped is None else stopped + dead
                holder, last = None, r.host
            world.apply(r)
            if last is not None and holder is None and world.physical.renewing(last, t):
                free_at = min(free_at, t)  # storage back: the old holder can release its lease
    overstay(until, strict=False)
    return out
