"""Write tests/corpus/schedules.jsonl: the fault schedules CI replays (`python -m tests.make_corpus`).

CI checks a committed corpus, not fresh draws: adding a fault kind or changing a strategy then
changes what CI checks only when someone regenerates this file on purpose (and reviews what it
finds). The corpus is the property search's own draws (derandomized, so the same code gives the
same file) topped up until every fault kind appears in at least `PER_KIND` examples. The random
search itself runs in the long profile (HACOURSE_HYPOTHESIS_PROFILE=long).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hacourse.actions import ACTIONS
from tests.strategies import clusters, fault_lists, scenario_data

CORPUS = Path(__file__).resolve().parent / "corpus" / "schedules.jsonl"
SCHEDULED, LIVE, PER_KIND = 80, 40, 3


@st.composite
def live_injections(draw: st.DrawFn) -> tuple[dict, list[dict]]:
    data = draw(clusters())
    data["faults"] = []
    return data, draw(fault_lists(data, max_faults=8))


def draws(strategy: st.SearchStrategy, count: int) -> list:
    """`count` examples of `strategy`, the same ones on every call (derandomized)."""
    out: list = []

    @settings(max_examples=count, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(example: object) -> None:
        out.append(example)

    collect()
    return out[:count]


def kinds(case: dict) -> set[str]:
    return {fault["action"] for fault in case.get("injected") or case["data"]["faults"]}


def corpus() -> list[dict]:
    cases = [{"data": data, "injected": None} for data in draws(scenario_data(), SCHEDULED)]
    cases += [{"data": data, "injected": injected} for data, injected in draws(live_injections(), LIVE)]
    seen = Counter(kind for case in cases for kind in kinds(case))
    extra = draws(scenario_data(), SCHEDULED * 10)[SCHEDULED:]  # more of the same draws, for rare kinds
    for data in extra:
        case = {"data": data, "injected": None}
        if any(seen[kind] < PER_KIND for kind in kinds(case)):
            cases.append(case)
            seen.update(kinds(case))
    missing = sorted(kind for kind in ACTIONS if seen[kind] < PER_KIND)
    if missing:
        print(f"fewer than {PER_KIND} examples of: {', '.join(missing)} (the strategies do not draw them)")
    return cases


def main() -> None:
    cases = corpus()
    CORPUS.parent.mkdir(parents=True, exist_ok=True)
    CORPUS.write_text("".join(json.dumps(case, sort_keys=True, separators=(",", ":")) + "\n" for case in cases))
    seen = Counter(kind for case in cases for kind in kinds(case))
    print(f"wrote {CORPUS} ({len(cases)} schedules); kinds: "
          + ", ".join(f"{kind} {n}" for kind, n in sorted(seen.items())))


if __name__ == "__main__":
    main()
