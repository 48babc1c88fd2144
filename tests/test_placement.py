"""The scheduler's free-memory heap answers exactly what a scan of every host would."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hacourse.engine.placement import FreeMemoryIndex
from hacourse.status import HostStatus


class FakeHost:
    def __init__(self, name: str, free: float) -> None:
        self.name = name
        self.free = free
        self.status = HostStatus.UP

    def free_memory_gb(self) -> float:
        return self.free


def scan(hosts: list[FakeHost], memory_gb: float, exclude: FakeHost | None) -> FakeHost | None:
    """The scheduler as a full scan: Up, not the source, fits; most free memory, then file order."""
    fits = [(h.free, -i, h) for i, h in enumerate(hosts)
            if h is not exclude and h.status == HostStatus.UP and h.free >= memory_gb]
    return max(fits, key=lambda f: f[:2])[2] if fits else None


change = st.tuples(st.integers(0, 7), st.sampled_from(["free", "status"]),
                   st.sampled_from([0.0, 0.5, 1.0, 2.0, 4.0, 8.0]), st.sampled_from(list(HostStatus)))
question = st.tuples(st.sampled_from([0.5, 1.0, 2.0, 4.0, 9.0]), st.one_of(st.none(), st.integers(0, 7)))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([0.0, 1.0, 2.0, 4.0]), min_size=1, max_size=8),
       st.lists(st.tuples(st.lists(change, max_size=4), question), max_size=30))
def test_the_heap_picks_the_host_a_full_scan_picks(frees, steps):
    hosts = [FakeHost(f"host{i}", free) for i, free in enumerate(frees)]
    index = FreeMemoryIndex({h.name: h for h in hosts}, {h.name: i for i, h in enumerate(hosts)})
    for changes, (memory_gb, exclude_at) in steps:
        for at, what, free, status in changes:
            host = hosts[at % len(hosts)]
            if what == "free":
                host.free = free
            else:
                host.status = status
            index.changed(host)
        exclude = hosts[exclude_at % len(hosts)] if exclude_at is not None else None
        assert index.best(memory_gb, exclude) is scan(hosts, memory_gb, exclude)


def test_ties_go_to_the_host_listed_first_and_the_source_is_never_chosen():
    hosts = [FakeHost(name, 8.0) for name in ("atlantic", "pacific", "indian")]
    index = FreeMemoryIndex({h.name: h for h in hosts}, {h.name: i for i, h in enumerate(hosts)})
    assert index.best(1.0).name == "atlantic"
    assert index.best(1.0, exclude=hosts[0]).name == "pacific"
    assert index.best(9.0) is None
