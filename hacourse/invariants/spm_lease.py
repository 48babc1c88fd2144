"""One SPM at a time, on a host that reaches storage, never before the last holder's lease is free,
and never while the last holder is neither released nor confirmed down."""

from __future__ import annotations

from collections.abc import Sequence

from hacourse import events as ev
from hacourse import sanlock
from hacourse.invariants.world import Violation, World, instants, overdue
from hacourse.model import Scenario
from hacourse.physical import TOL
from hacourse.status import PROVES_DOWN, HostStatus

TALKS = frozenset({HostStatus.UP, HostStatus.NON_OPERATIONAL, HostStatus.INITIALIZING,
                   HostStatus.PREPARING_FOR_MAINTENANCE, HostStatus.MAINTENANCE})
"""Statuses in which the engine talks to the host's VDSM: an SpmStop to it can succeed."""


def check_spm(log: Sequence[ev.Record], scenario: Scenario, until: float) -> list[Violation]:
    """At most one SPM at any instant, elected only on a host that reaches storage, and only once the
    previous holder's lease is free: at once if it stopped while reaching storage (it released the
    lease), otherwise not before `sanlock.dead_no_sooner_than_s` after it lost storage. A holder that
    cannot reach storage loses the role within `sanlock.renewal_fail_s` (sanlock kills VDSM when
    renewal fails), unless it has no power or lost it since it took the role: nothing ran there to
    kill, the lease went with the power, and the engine learns it when SpmStatus answers Free.
    A new SPM needs proof that the last one is gone (spm-proof, [E] IrsProxyImpl): the engine
    talked to it after it stopped (SpmStop succeeded), or a power fence confirmed it off."""
    out: list[Violation] = []
    config = scenario.config()
    give_up, dead = sanlock.renewal_fail_s(config), sanlock.dead_no_sooner_than_s(config)
    world = World(scenario)
    holder: str | None = None
    last: str | None = None
    free_at = 0.0
    reported: set[tuple[str, float]] = set()
    status: dict[str, str] = {}
    fenced: set[str] = set()  # hosts a power fence confirmed off since the engine last lost them
    expired_at: dict[str, float] = {}  # when sanlock last gave up each host's lease (and killed VDSM)
    proof = True  # the last holder was released or confirmed down
    cycled: set[str] = set()  # holders that lost power since they took the role: their lease went with it

    def overstay(now: float, strict: bool) -> None:
        host = holder
        if not host or not world.physical.is_powered(host) or host in cycled:
            return
        since = world.physical.no_storage_since.get(host)
        if since is not None and (host, since) not in reported and overdue(since + give_up, now, strict):
            reported.add((host, since))
            out.append(Violation(since + give_up, "spm-storage", f"{host} still holds the SPM role "
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
                elif holder is None and last is not None and r.host != last and not proof:
                    out.append(Violation(t, "spm-proof", f"{r.host} became SPM while {last}, the last SPM, "
                                         f"is {status.get(last, 'Up')}: neither released nor fenced"))
                if not world.physical.reaches_storage(r.host):
                    out.append(Violation(t, "spm-storage", f"{r.host} became SPM without reaching storage"))
                holder = r.host
                cycled.discard(r.host)
            elif isinstance(r, ev.HostPoweredOff):
                cycled.add(r.host)
            elif isinstance(r, ev.SpmStopped):
                if holder != r.host:
                    out.append(Violation(t, "single-spm", f"{r.host} stopped being SPM but {holder} held it"))
                    continue
                stopped = world.physical.lease_stopped(r.host, t)
                free_at = t if stopped is None else stopped + dead
                holder, last = None, r.host
                # SpmStop to a host the engine talks to (ResetIrs, ForceSelectSPM), unless sanlock just
                # killed its VDSM; or the fence's FenceVdsManualy
                killed = expired_at.get(r.host) == t
                proof = (status.get(r.host, HostStatus.UP) in TALKS and not killed) or r.host in fenced
            elif isinstance(r, ev.HostStatusChanged):
                status[r.host] = r.new
                if r.new == HostStatus.CONNECTING:
                    fenced.discard(r.host)
                if r.host == last and r.new in TALKS:
                    proof = True
            elif isinstance(r, ev.SpmLeaseExpired):
                expired_at[r.host] = t
            elif isinstance(r, ev.HostFenced) and r.method in PROVES_DOWN:
                fenced.add(r.host)
                proof = proof or r.host == last
            world.apply(r)
            if last is not None and holder is None and world.physical.renewing(last, t):
                free_at = min(free_at, t)  # storage back: the old holder can release its lease
    overstay(until, strict=True)  # the run never processed `until` (world.overdue)
    return out
