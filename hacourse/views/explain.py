"""The "why did it do that?" chain as HTML: the lesson panel's explanation of a VM or a host."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from hacourse.analysis.audit import clock
from hacourse.analysis.explain import Step

_STYLE = "font-family:sans-serif;font-size:12px;line-height:1.4;max-height:360px;overflow-y:auto;"
_DECISIONS = ("PlacementDecided", "EvacuationPlanned", "SpmElectionDecided", "FenceChecksEvaluated",
              "HostNicProblemDetected", "StorageDomainTimerStarted")


def explain_html(steps: Sequence[Step], headline: str) -> str:
    """One `<li class="hacourse-why-step">` per step (decisions in bold), reasons as a nested list."""
    items = []
    for s in steps:
        what = f"<b>{escape(s.what)}</b>" if s.kind in _DECISIONS else escape(s.what)
        why = "".join(f"<li>{escape(w)}</li>" for w in s.why)
        nested = f'<ul class="hacourse-why-reasons" style="margin:0;padding-left:18px">{why}</ul>' if why else ""
        items.append(f'<li class="hacourse-why-step" data-kind="{escape(s.kind)}">'
                     f'<span style="font-family:monospace">{clock(s.t)}</span> {what}{nested}</li>')
    body = "".join(items) or "<li><i>Nothing happened to it yet.</i></li>"
    return (f'<div class="hacourse-why" style="{_STYLE}"><div class="hacourse-why-headline">'
            f"<b>Why? {escape(headline)}</b></div>"
            f'<ol style="margin:2px 0;padding-left:18px;list-style:none">{body}</ol></div>')
