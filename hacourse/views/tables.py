"""Tables as HTML: the Events tab, any list of rows, and a collapsed answer.

Plain HTML strings, so the same table shows in JupyterLab, Voila, an `ipywidgets.HTML` and a
static page without any widget or dataframe library.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from itertools import groupby

from hacourse.analysis.audit import ALERT, ERROR, NORMAL, WARNING, EventRow, clock

_SEVERITY_STYLE = {
    NORMAL: ("●", "#2e7d32"),
    WARNING: ("▲", "#ef6c00"),
    ERROR: ("✖", "#c62828"),
    ALERT: ("⚑", "#6a1b9a"),
}
_TABLE = "border-collapse:collapse;font-size:12px;font-family:sans-serif;"
_CELL = "padding:2px 8px;border-bottom:1px solid #eceff1;text-align:left;vertical-align:top;"


SEVERITY_RANK = {NORMAL: 0, WARNING: 1, ERROR: 2, ALERT: 2}
SEVERITY_FILTERS = {"all": NORMAL, "warnings and errors": WARNING, "errors": ERROR}
"""The Events tab's filter, as the portal offers it: the words, and the least severity shown."""
PINNED = 3


def _rank(severity: str) -> int:
    return SEVERITY_RANK.get(severity, 0)


def _event_rows(rows: Sequence[EventRow]) -> str:
    body = []
    for r in rows:
        icon, color = _SEVERITY_STYLE.get(r.severity, ("●", "#455a64"))
        body.append(
            f'<tr class="event event-{escape(r.severity.lower())}">'
            f'<td style="{_CELL}color:{color};white-space:nowrap" title="{escape(r.severity)}">{icon} '
            f'{escape(r.severity)}</td>'
            f'<td style="{_CELL}font-family:monospace">{r.time}</td>'
            f'<td style="{_CELL}">{escape(r.message)}</td></tr>'
        )
    return "".join(body)


def events_html(rows: Sequence[EventRow], limit: int | None = None, height_px: int | None = 260, *,
                least: str = NORMAL, pinned: int = 0) -> str:
    """The Events tab, newest first as `analysis.events_table` returns it, scrolling past `height_px`.

    Within one second (rows of one time stay where they were) the more severe rows come first, so an Error is never below the fold under
    the Normal lines logged with it. `least` hides rows less severe than it (the filter). With
    `pinned`, the newest that many Warnings and Errors also show above the list, where no burst of
    Normal lines can push them away.
    """
    rows = [r for r in rows if _rank(r.severity) >= _rank(least)]
    rows = [r for _, same in groupby(rows, key=lambda r: r.t) for r in sorted(same, key=lambda r: -_rank(r.severity))]
    shown = rows if limit is None else rows[:limit]
    head = "".join(f'<th style="{_CELL}">{h}</th>' for h in ("Severity", "Time", "Message"))
    top = ""
    if pinned:
        alarms = sorted((r for r in rows if _rank(r.severity) >= _rank(WARNING)),
                        key=lambda r: (-_rank(r.severity), -r.t))[:pinned]
        if alarms:
            top = (f'<div class="hacourse-events-pinned" style="border-left:3px solid #c62828;padding-left:4px;'
                   f'margin:2px 0 6px 0"><div style="font-size:12px;font-family:sans-serif"><b>Latest errors '
                   f'and warnings</b></div><table style="{_TABLE}"><tbody>{_event_rows(alarms)}</tbody></table></div>')
    body = _event_rows(shown) or f'<tr><td style="{_CELL}" colspan="3"><i>No events yet.</i></td></tr>'
    more = "" if limit is None or len(rows) <= limit else f"<div><i>{len(rows) - limit} older events not shown</i></div>"
    scroll = f"max-height:{height_px}px;overflow-y:auto;" if height_px else ""
    return (f'{top}<div class="hacourse-events" style="{scroll}"><table style="{_TABLE}">'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}</div>")


def _cell(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    return escape(str(value))


def _time_cell(value: object) -> str:
    """A cell of a `times` column: seconds as m:ss."""
    return clock(value) if isinstance(value, int | float) else _cell(value)


def table_html(rows: Sequence[Mapping[str, object]], columns: Sequence[str] | None = None,
               times: Sequence[str] = (), labels: Mapping[str, str] | None = None) -> str:
    """Rows of dicts as an HTML table; the `times` columns (seconds) are shown as m:ss.

    `labels` gives a column's header words (the column's key stays as the header's tooltip). A
    table wider than the page scrolls sideways instead of being cut off.
    """
    if not rows:
        return "<p><i>(no rows)</i></p>"
    columns = list(columns or rows[0].keys())
    labels = labels or {}
    head = "".join(f'<th style="{_CELL}" title="{escape(c)}">{escape(labels.get(c, c))}</th>' for c in columns)
    body = "".join(
        "<tr>" + "".join(
            f'<td style="{_CELL}">{_time_cell(row.get(c)) if c in times else _cell(row.get(c))}</td>'
            for c in columns) + "</tr>"
        for row in rows
    )
    return (f'<div style="overflow-x:auto;max-width:100%"><table style="{_TABLE}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>")


def details_html(summary: str, body_html: str) -> str:
    """A collapsed block that opens on click: the answer to a "predict, then run" question."""
    return (f'<details style="margin:4px 0;font-family:sans-serif"><summary style="cursor:pointer">'
            f"<b>{escape(summary)}</b></summary><div style='margin:6px 0 0 16px'>{body_html}</div></details>")
