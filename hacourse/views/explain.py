"""The "why did it do that?" chain as HTML: the lesson panel's explanation of a VM, a host or an event.

The answer comes first: the steps since the subject was last Up (its own chain of causes, ending
with the event asked about), in time order; what happened before is folded under "Earlier", one
click away. No height limit cuts the chain: the box grows with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from hacourse.analysis.audit import clock
from hacourse.analysis.explain import Step

_STYLE = "font-family:sans-serif;font-size:12px;line-height:1.4;"
_DECISIONS = ("PlacementDecided", "EvacuationPlanned", "SpmElectionDecided", "FenceChecksEvaluated",
              "HostNicProblemDetected", "StorageDomainTimerStarted")
_LIST = '<ol class="{cls}" style="margin:2px 0;padding-left:18px;list-style:none">{items}</ol>'


def _items(steps: Sequence[Step]) -> str:
    items = []
    for s in steps:
        what = f"<b>{escape(s.what)}</b>" if s.kind in _DECISIONS else escape(s.what)
        why = "".join(f"<li>{escape(w)}</li>" for w in s.why)
        nested = f'<ul class="hacourse-why-reasons" style="margin:0;padding-left:18px">{why}</ul>' if why else ""
        items.append(f'<li class="hacourse-why-step" data-kind="{escape(s.kind)}">'
                     f'<span style="font-family:monospace">{clock(s.t)}</span> {what}{nested}</li>')
    return "".join(items)


def explain_html(steps: Sequence[Step], headline: str, since: float | None = None) -> str:
    """One `<li class="hacourse-why-step">` per step (decisions in bold), reasons as a nested list.

    With `since` (when the subject was last Up before the state or event explained), the steps
    after it are the answer, shown first in `<ol class="hacourse-why-chain">`; the steps up to it
    are folded in `<details class="hacourse-why-earlier">`.
    """
    chain = [s for s in steps if since is None or s.t > since]
    earlier = [s for s in steps if since is not None and s.t <= since]
    body = _items(chain) or "<li><i>Nothing happened to it yet.</i></li>"
    folded = ""
    if earlier and since is not None:  # steps up to `since` exist only when it is given
        folded = (f'<details class="hacourse-why-earlier"><summary>Earlier: {len(earlier)} step'
                  f'{"s" if len(earlier) != 1 else ""} up to {clock(since)}, when it was last Up</summary>'
                  + _LIST.format(cls="hacourse-why-before", items=_items(earlier)) + "</details>")
    return (f'<div class="hacourse-why" style="{_STYLE}"><div class="hacourse-why-headline">'
            f"<b>Why? {escape(headline)}</b></div>"
            + _LIST.format(cls="hacourse-why-chain", items=body) + folded + "</div>")
