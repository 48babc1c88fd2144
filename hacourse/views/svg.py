"""The lesson panel's timeline as SVG, drawn in pure Python: the same picture on a server and in a
browser kernel (Pyodide, where matplotlib, numpy and Pillow are not available).

The lanes are data (`views.lanes`); this module writes them as an SVG string that the page draws
(an `ipywidgets.HTML`). It is vector, sized by its `viewBox`, so it stays crisp at any zoom and on a
projector. Every span, mark and line carries a `<title>`: hovering it tells what it is, since
when, until when and why (the browser's own tooltip, in JupyterLab, Voila and JupyterLite alike,
and what a screen reader reads). Words go where nothing else is (`labels.first_free`), measured
with the font's width table (`views.fonts`); nothing is written past "now". A span too short to
see (a 5 s Reboot in a 15-minute window) is drawn `MIN_SPAN` wide.

`render_timeline` returns a `Picture`: the SVG and what it shows as data (spans, marks, words with
their boxes, legend keys), so a test reads the figure without a browser, and a browser test
reads the same things off the page (`data-` attributes, `getBBox`).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

from hacourse.analysis import audit
from hacourse.views import palette
from hacourse.views.fonts import ASCENT, DESCENT, FAMILY, text_width
from hacourse.views.labels import PAD_PX, Box, first_free
from hacourse.views.lanes import (
    GRACE,
    NIC_DOWN,
    NOW,
    WAITING,
    Instant,
    Lane,
    Span,
    Swatch,
    _time_ticks,
    lane_positions,
    mark_style,
    swatch,
    under,
)

WIDTH = 960.0  # the viewBox's width; the page scales the picture to its column
LANE_PX, SPAN_PX = 36.0, 24.0  # the gap between lanes holds a grace bracket, under its lane
RIGHT, BOTTOM = 20.0, 44.0
LANE_FONT, SPAN_FONT, NOTE_FONT, TOP_FONT, HEADING_FONT, TICK_FONT, TITLE_FONT = 14, 13, 12, 13, 13, 13, 16
TOP_ROWS = 3  # rows of words above the lanes: now, the faults and admin actions
GROUP_PX = 8.0  # faults (or admin actions) closer than this on the figure share one label
ROW_PX = TOP_FONT * 1.45
TITLE_PX = 24.0
MIN_SPAN = 6.0  # the narrowest a span is drawn (a 5 s Reboot still reads as one)
MARK_PX = 1.3  # a mark's size in pixels per point of its MarkStyle.size
ARROW_PX = 12.0  # the arrowhead at the end of a migration copying memory
BAND_SHARE, BAND_MOST = 0.42, 8.0  # an enlarged stretch takes this share of the width, at most this many times its own
TICK_GAP = 44.0  # the least room between two ticks' labels
BAND_FILL, BAND_INK = "#fff59d", "#6d5d00"  # an enlarged stretch's shade, and its words

SHORT_WORDS = {  # what a span says when its full words do not fit (the legend and the hover say them whole)
    "NonOperational": "NonOp", "NonResponsive": "NonResp", "Initializing": "Init", "Connecting": "Conn",
    "PreparingForMaintenance": "PrepMaint", "Maintenance": "Maint", "MigratingFrom": "Migr",
    "MigratingTo": "Migr", "WaitForLaunch": "Wait", "Unassigned": "Unassig",
}

_IDS = itertools.count()  # each picture's pattern ids differ: two panels on one page share no <defs>


@dataclass(frozen=True)
class DrawnSpan:
    lane: str
    status: str
    start: float
    end: float
    color: str


@dataclass(frozen=True)
class DrawnMark:
    lane: str
    kind: str
    t: float
    text: str


@dataclass
class Picture:
    """A drawn SVG timeline and what it shows, in data (times in seconds, boxes in the SVG's units)."""

    svg: str
    xmin: float
    xmax: float
    now: float | None
    now_x: float | None
    width: float
    height: float
    spans: list[DrawnSpan] = field(default_factory=list)
    marks: list[DrawnMark] = field(default_factory=list)
    words: list[tuple[str, str, Box]] = field(default_factory=list)  # (kind, text, box): every word and mark
    keys: set[str] = field(default_factory=set)  # legend keys of what is drawn
    lines: list[tuple[str, float]] = field(default_factory=list)  # (key, t): now, faults, admin actions
    lane_labels: list[str] = field(default_factory=list)
    band: tuple[float, float] | None = None  # a stretch shown enlarged, `factor` times slower than the rest
    factor: float = 1.0

    def get_xlim(self) -> tuple[float, float]:
        return self.xmin, self.xmax


def _f(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def _title(text: str) -> str:
    return f"<title>{escape(text)}</title>"


class _Text:
    """Words measured before they are drawn: the box they take for a given anchor and position."""

    def __init__(self, text: str, size: float, bold: bool = False) -> None:
        self.text, self.size, self.bold = text, size, bold
        self.width = text_width(text, size, bold)

    def box(self, x: float, cy: float, anchor: str) -> Box:
        x0 = x - {"start": 0.0, "middle": self.width / 2, "end": self.width}[anchor]
        return Box(x0, cy - (ASCENT - 0.35) * self.size, x0 + self.width, cy + (DESCENT + 0.35) * self.size)

    def svg(self, x: float, cy: float, anchor: str, cls: str, fill: str = "#212121", extra: str = "") -> str:
        weight = ' font-weight="bold"' if self.bold else ""
        return (f'<text class="{cls}" x="{_f(x)}" y="{_f(cy + 0.35 * self.size)}" font-size="{self.size}"'
                f'{weight} text-anchor="{anchor}" fill="{fill}" textLength="{_f(self.width)}" '
                f'lengthAdjust="spacing" pointer-events="none"{extra}>{escape(self.text)}</text>')


def mark_svg(marker: str, x: float, y: float, size: float, color: str) -> str:
    """A mark's shape centred at (x, y), `size` wide: drawn as paths, so no font is needed for it."""
    h = size / 2
    if marker == "v":
        return (f'<path d="M{_f(x - h)} {_f(y - h)}H{_f(x + h)}L{_f(x)} {_f(y + h)}Z" fill="{color}" stroke="#fff" '
                f'stroke-width="0.6"/>')
    if marker == "X":
        w = size / 5
        return (f'<path d="M{_f(x - h)} {_f(y - h)}L{_f(x + h)} {_f(y + h)}M{_f(x + h)} {_f(y - h)}L{_f(x - h)} '
                f'{_f(y + h)}" stroke="{color}" stroke-width="{_f(w)}"/>')
    if marker == "D":
        return (f'<path d="M{_f(x)} {_f(y - h)}L{_f(x + h)} {_f(y)}L{_f(x)} {_f(y + h)}L{_f(x - h)} {_f(y)}Z" '
                f'fill="{color}" stroke="#fff" stroke-width="0.6"/>')
    if marker in ("$\u2691$", "$\u2690$"):  # a flag: a pole and a pennant, filled or hollow
        fill = color if marker == "$\u2691$" else "#fff"
        return (f'<path d="M{_f(x - 0.35 * size)} {_f(y + h)}V{_f(y - h)}" stroke="{color}" stroke-width="1.6"/>'
                f'<path d="M{_f(x - 0.35 * size)} {_f(y - h)}H{_f(x + h)}L{_f(x + 0.2 * size)} {_f(y - 0.12 * size)}'
                f'L{_f(x + h)} {_f(y + 0.25 * size)}H{_f(x - 0.35 * size)}Z" fill="{fill}" stroke="{color}" '
                f'stroke-width="1.2"/>')
    if marker == "$\u21bb$":  # a circular arrow
        r = 0.36 * size
        return (f'<path d="M{_f(x + r)} {_f(y)}A{_f(r)} {_f(r)} 0 1 1 {_f(x)} {_f(y - r)}" fill="none" '
                f'stroke="{color}" stroke-width="{_f(size / 7)}"/>'
                f'<path d="M{_f(x - 0.1 * size)} {_f(y - r - 0.18 * size)}L{_f(x + 0.14 * size)} {_f(y - r)}'
                f'L{_f(x - 0.1 * size)} {_f(y - r + 0.18 * size)}Z" fill="{color}"/>')
    return f'<circle cx="{_f(x)}" cy="{_f(y)}" r="{_f(h)}" fill="{color}"/>'


def patterns(prefix: str) -> str:
    """The hatches (`Span.hatch`) as SVG patterns, with ids under `prefix`."""
    return (
        f'<pattern id="{prefix}xx" width="6" height="6" patternUnits="userSpaceOnUse">'
        f'<path d="M0 0L6 6M6 0L0 6" stroke="#c62828" stroke-width="0.7"/></pattern>')


_HATCH_IDS = {"xx": "xx"}


def _arrowhead(x: float, cy: float, size: float = ARROW_PX) -> str:
    """A white arrowhead pointing right, its tip at `x` - 2, on a dark rim so it reads on any status."""
    tip, back = x - 2, x - 2 - size
    return (f'<path d="M{_f(back)} {_f(cy - size / 2)}L{_f(tip)} {_f(cy)}L{_f(back)} {_f(cy + size / 2)}Z" '
            f'fill="#fff" stroke="{palette.MIGRATION_EDGE}" stroke-width="0.8" pointer-events="none"/>')


def swatch_svg(s: Swatch, prefix: str, w: float = 24, h: float = 12) -> str:
    """A legend entry's picture, drawn as the figure draws it (a small inline SVG)."""
    if s.shape == "box":
        hatch = (f'<rect width="{w}" height="{h}" fill="url(#{prefix}{_HATCH_IDS[s.hatch]})"/>'
                 if s.hatch in _HATCH_IDS else "")
        dash = ' stroke-dasharray="4 3"' if s.dashed else ""
        body = f'<rect width="{w}" height="{h}" fill="{s.color}" stroke="{s.edge or s.color}"{dash}/>{hatch}'
        if s.arrow:
            body += _arrowhead(w, h / 2, h - 2)
    elif s.shape == "mark":
        body = mark_svg(s.marker, w / 2, h / 2, min(h, s.size * MARK_PX), s.color)
    elif s.shape == "bracket":
        body = (f'<path d="M1 {h / 2}H{w - 1}M1 2V{h - 2}M{w - 1} 2V{h - 2}" stroke="{s.color}" '
                f'stroke-width="{s.width}" fill="none"/>')
    else:
        dash = ' stroke-dasharray="5 3"' if s.dashed else ""
        body = f'<path d="M0 {h / 2}H{w}" stroke="{s.color}" stroke-width="{s.width * 1.3}"{dash}/>'
    return (f'<svg width="{w}" height="{h}" viewBox="0 0 {w} {h}" style="vertical-align:middle;overflow:visible">'
            f"<defs>{patterns(prefix) if s.hatch else ''}</defs>{body}</svg>")


_STYLE = ("<style>svg[class^=hacourse-timeline] text{pointer-events:none}.hcsvg-hover:hover{stroke:#000;stroke-width:1.5px}"
          ".hcsvg-hit{stroke:transparent;stroke-width:9px}.hcsvg-hit:hover{stroke:rgba(0,0,0,.15)}</style>")


class _Canvas:
    """The geometry of one timeline picture: time -> x, lane -> y, and the boxes words may take.

    With `band` (a stretch of the window), time runs slower there: the band takes `BAND_SHARE` of
    the width (the moment a lesson teaches, in place, among the minutes around it) and the rest of
    the window shares what is left; the frame shades the band and ticks it finer.
    """

    def __init__(self, lanes: Sequence[Lane], xmin: float, xmax: float, title: str | None,
                 band: tuple[float, float] | None = None) -> None:
        self.ys, self.headings = lane_positions(lanes)
        names = [_Text(lane.label, LANE_FONT) for lane in lanes]
        self.left = min(300.0, max(120.0, max((n.width for n in names), default=0.0) + 18))
        self.top = (TITLE_PX if title else 6.0) + TOP_ROWS * ROW_PX + 8
        self.xmin, self.xmax = xmin, xmax
        self.right = WIDTH - RIGHT
        self.bottom = self.top + ((self.ys[-1] + 1.0) * LANE_PX if self.ys else LANE_PX)
        self.height = self.bottom + BOTTOM
        self.plot = Box(self.left, self.top, self.right, self.bottom)
        self.page = Box(0, 0, WIDTH, self.height)
        self.band: tuple[float, float] | None = None
        self.factor = 1.0  # how much slower time runs in the band
        if band is not None:
            a, b = max(band[0], xmin), min(band[1], xmax)
            natural = (b - a) / (xmax - xmin)
            share = min(BAND_SHARE, natural * BAND_MOST)
            if b > a and share > natural and natural < 1:
                self.band = (a, b)
                self.factor = share / natural * (1 - natural) / (1 - share)
        width = (xmax - xmin) + (self.band[1] - self.band[0]) * (self.factor - 1) if self.band else xmax - xmin
        self.scale = (self.right - self.left) / width  # units per second outside the band

    def x(self, t: float) -> float:
        if self.band is None:
            return self.left + (t - self.xmin) * self.scale
        a, b = self.band
        slow = min(max(t, a), b) - a
        return self.left + ((t - self.xmin) + slow * (self.factor - 1)) * self.scale

    def ticks(self) -> list[float]:
        """The time axis's ticks: the window's, and the band's finer ones, none crowding another."""
        if self.band is None:
            return _time_ticks(self.xmin, self.xmax)
        a, b = self.band
        inside = _time_ticks(a, b, most=max(2, int((self.x(b) - self.x(a)) // TICK_GAP)))
        outside = _time_ticks(self.xmin, self.xmax, most=max(2, int((self.right - self.left) // TICK_GAP)))
        kept: list[float] = []
        for t in sorted({*inside, *(t for t in outside if not a < t < b)}):
            if not kept or self.x(t) - self.x(kept[-1]) >= TICK_GAP:
                kept.append(t)
        return kept

    def y(self, lane_y: float) -> float:
        """The centre of a lane."""
        return self.top + (lane_y + 0.5) * LANE_PX


class _Drawing:
    """One picture in the making: its elements, the words' boxes, and what it shows."""

    def __init__(self, canvas: _Canvas, now: float | None, prefix: str) -> None:
        self.c, self.now, self.prefix = canvas, now, prefix
        self.now_x = canvas.x(now) if now is not None and canvas.xmin <= now <= canvas.xmax else None
        self.limit = self.now_x if self.now_x is not None else canvas.right  # nothing written right of it
        self.back: list[str] = []  # spans, lines: under the words
        self.front: list[str] = []  # marks and words
        self.taken: list[Box] = []
        self.picture_words: list[tuple[str, str, Box]] = []
        self.spans: list[DrawnSpan] = []
        self.marks: list[DrawnMark] = []
        self.keys: set[str] = set()
        self.lines: list[tuple[str, float]] = []
        self.stem_boxes: list[Box] = []

    def place(self, words: _Text, spots: Sequence[tuple[float, float, str]], kind: str, fill: str,
              within: Box, lane: str = "", leader: float | None = None, halo: str = "") -> bool:
        """Write `words` at the first of `spots` (x, centre y, anchor) where they touch nothing.

        With `leader` (an x), a thin line runs from y `within.y1` up to the words' middle at that x,
        so words in a higher row read as their line's; it must touch nothing either. With `halo` (a
        colour), the words sit on a white label edged in it: words about a span drawn beside it.
        """
        for x, cy, anchor in spots:
            box = words.box(x, cy, anchor)
            stem = Box(leader - 0.7, cy, leader + 0.7, within.y1) if leader is not None else None
            if first_free([box], self.taken, within) is None:
                continue
            if stem is not None and first_free([stem], [t for t in self.taken if t not in self.stem_boxes]) is None:
                continue  # a leader crosses no words (leaders of lines close together may run side by side)
            break
        else:
            return False
        if leader is not None and stem is not None:
            self.taken.append(stem)
            self.stem_boxes.append(stem)
            self.front.append(f'<path d="M{_f(leader)} {_f(stem.y1)}V{_f(cy)}" stroke="{fill}" stroke-width="1"/>')
        self.taken.append(box)
        self.picture_words.append((kind, words.text, box))
        if halo:
            self.front.append(f'<rect x="{_f(box.x0 - 2)}" y="{_f(box.y0)}" width="{_f(box.x1 - box.x0 + 4)}" '
                              f'height="{_f(box.y1 - box.y0)}" rx="3" fill="#fff" stroke="{halo}" stroke-width="1.2" '
                              f'pointer-events="none"/>')
        extra = f' data-kind="{kind}"' + (f' data-lane="{escape(lane)}"' if lane else "")
        self.front.append(words.svg(x, cy, anchor, "hacourse-word", fill, extra))
        return True


def _clock(t: float) -> str:
    return audit.clock(t)


def _hatch_fill(d: _Drawing, hatch: str | None) -> str | None:
    return f"url(#{d.prefix}{_HATCH_IDS[hatch]})" if hatch in _HATCH_IDS else None


def _span_title(lane: Lane, status: str, start: float, end: float, now: float | None, text: str,
                reason: str) -> str:
    until = f"until {_clock(end)}" + (" (still, at now)" if now is not None and end >= now else "")
    what = f"{lane.label}: {status}" + (f" {text}" if text else "")
    return "\n".join(filter(None, [what, f"since {_clock(start)}", until, f"why: {reason}" if reason else ""]))


def _draw_spans(d: _Drawing, lane: Lane, cy: float) -> None:
    c = d.c
    top, h = cy - SPAN_PX / 2, SPAN_PX
    short: list[str] = []  # drawn last, over their neighbours: a minimum width must not be hidden
    for s in lane.spans:
        a, b = max(s.start, c.xmin), min(s.end, c.xmax)
        if b <= a:
            continue
        x0, x1 = c.x(a), c.x(b)
        if x1 - x0 < MIN_SPAN:
            x1 = min(d.limit, x0 + MIN_SPAN)
            x0 = x1 - MIN_SPAN
        title = _span_title(lane, s.status, s.start, s.end, d.now, s.text, s.reason)
        hatch = _hatch_fill(d, s.hatch)
        rect = (f'<rect class="hacourse-span hcsvg-hover" data-lane="{escape(lane.key)}" '
                f'data-key="{escape(s.status)}" data-start="{s.start:g}" data-end="{s.end:g}" x="{_f(x0)}" '
                f'y="{_f(top)}" width="{_f(x1 - x0)}" height="{_f(h)}" fill="{s.color}" stroke="#fff" '
                f'stroke-width="0.6">{_title(title)}</rect>')
        if hatch:
            rect += (f'<rect x="{_f(x0)}" y="{_f(top)}" width="{_f(x1 - x0)}" height="{_f(h)}" fill="{hatch}" '
                     f'pointer-events="none"/>')
        (short if c.x(b) - c.x(a) < MIN_SPAN else d.back).append(rect)
        d.spans.append(DrawnSpan(lane.key, s.status, s.start, s.end, s.color))
        d.keys.add(s.status)
    d.back += short
    for s in lane.overlays:
        a, b = max(s.start, c.xmin), min(s.end, c.xmax)
        if b <= a:
            continue
        x0, x1 = c.x(a), max(c.x(b), c.x(a) + 1.0)
        title = _span_title(lane, s.status, s.start, s.end, d.now, s.text, s.reason)
        data = (f'data-lane="{escape(lane.key)}" data-key="{escape(s.status)}" data-start="{s.start:g}" '
                f'data-end="{s.end:g}"')
        if s.status == NIC_DOWN:
            d.back.append(f'<rect class="hacourse-span hcsvg-hover" {data} x="{_f(x0)}" y="{_f(top + h - 5)}" '
                          f'width="{_f(x1 - x0)}" height="5" fill="{s.color}">{_title(title)}</rect>')
        elif s.status == GRACE:  # under the lane, short ticks at its ends: apart from the marks on top and its words
            y = top + h + 2
            d.back.append(f'<g class="hacourse-span hacourse-bracket" {data}>{_title(title)}'
                          f'<path d="M{_f(x0)} {_f(y)}H{_f(x1)}M{_f(x0)} {_f(y - 3)}V{_f(y + 3)}M{_f(x1)} {_f(y - 3)}'
                          f'V{_f(y + 3)}" stroke="{palette.GRACE_COLOR}" stroke-width="1.4" fill="none"/>'
                          f'<path class="hcsvg-hit" d="M{_f(x0)} {_f(y)}H{_f(x1)}"/></g>')
            box = Box(x0 - 0.7, y - 3, x1 + 0.7, y + 3)
            d.taken.append(box)
            d.picture_words.append(("bracket", s.text or GRACE, box))
        elif s.status == WAITING:  # the status paled under a veil, its edge dashed: nothing moves yet
            d.back.append(f'<g class="hacourse-span" {data}>{_title(title)}<rect class="hcsvg-hover" x="{_f(x0)}" '
                          f'y="{_f(top)}" width="{_f(x1 - x0)}" height="{_f(h)}" fill="{s.color}" '
                          f'fill-opacity="{palette.WAITING_VEIL_OPACITY}" stroke="{palette.MIGRATION_EDGE}" '
                          f'stroke-width="1" stroke-dasharray="4 3"/></g>')
        else:  # copying: the status shows through, framed, a white arrowhead at its end points to the new host
            head = _arrowhead(x1, cy) if x1 - x0 >= ARROW_PX + 2 else ""
            d.back.append(f'<g class="hacourse-span" {data}>{_title(title)}<rect class="hcsvg-hover" x="{_f(x0)}" '
                          f'y="{_f(top)}" width="{_f(x1 - x0)}" height="{_f(h)}" fill="none" '
                          f'stroke="{palette.MIGRATION_EDGE}" stroke-width="1.2"/>{head}</g>')
            if head:
                d.taken.append(Box(x1 - ARROW_PX - 2, cy - ARROW_PX / 2, x1, cy + ARROW_PX / 2))
        if s.status != GRACE:  # a bracket, not a span (as `timeline.drawn_spans` reads the figure too)
            d.spans.append(DrawnSpan(lane.key, s.status, s.start, s.end, s.color))
        d.keys.add(s.status)
    if lane.shares:
        _draw_shares(d, lane, top, h)


def _draw_shares(d: _Drawing, lane: Lane, top: float, h: float) -> None:
    """A share lane: per status, a stack of rectangles (one path) of its share over time."""
    c = d.c
    xs = [*lane.share_times, c.xmax if d.now is None else min(d.now, c.xmax)]
    bottom = [0.0] * len(lane.share_times)
    for status, fractions in lane.shares:
        parts = []
        for i, frac in enumerate(fractions):
            a, b = max(xs[i], c.xmin), min(xs[i + 1], c.xmax)
            if b <= a or frac <= 0:
                continue
            y1 = top + h - bottom[i] * h
            parts.append(f"M{_f(c.x(a))} {_f(y1 - frac * h)}H{_f(c.x(b))}V{_f(y1)}H{_f(c.x(a))}Z")
        bottom = [b + f for b, f in zip(bottom, fractions, strict=True)]
        if parts:
            d.back.append(f'<path class="hacourse-span" data-lane="{escape(lane.key)}" data-key="{escape(status)}" '
                          f'd="{"".join(parts)}" fill="{palette.status_color(status)}">'
                          f'{_title(f"{lane.label}: share {status}")}</path>')
            d.spans.append(DrawnSpan(lane.key, status, xs[0], xs[-1], palette.status_color(status)))
            d.keys.add(status)


def _draw_marks(d: _Drawing, lane: Lane, cy: float) -> None:
    """The lane's instants on its top edge; one that would touch the one before slides right, and a
    run that would pass "now" slides back left as a whole."""
    c = d.c
    y = cy - SPAN_PX / 2
    shown = [m for m in sorted(lane.marks, key=lambda m: m.t) if c.xmin <= m.t <= c.xmax]
    sizes = [mark_style(m.kind).size * MARK_PX for m in shown]
    centres: list[float] = []
    for m, size in zip(shown, sizes, strict=True):
        x = c.x(m.t)
        if centres:
            x = max(x, centres[-1] + sizes[len(centres) - 1] / 2 + PAD_PX + size / 2)
        centres.append(x)
    over = max((x + s / 2 - d.limit for x, s in zip(centres, sizes, strict=True)), default=0.0)
    if over > 0:
        centres = [max(c.left + s / 2, x - over) for x, s in zip(centres, sizes, strict=True)]
    for m, x, size in zip(shown, centres, sizes, strict=True):
        style = mark_style(m.kind)
        box = Box(x - size / 2, y - size / 2, x + size / 2, y + size / 2)
        d.taken.append(box)
        d.picture_words.append(("mark", m.text, box))
        title = f"{m.text}\nat {_clock(m.t)}" + (f"\n{m.note}" if m.note else "")
        d.front.append(f'<g class="hacourse-mark" data-lane="{escape(lane.key)}" data-key="{escape(m.kind)}" '
                       f'data-t="{m.t:g}">{_title(title)}{mark_svg(style.marker, x, y, size, style.color)}'
                       f'<rect x="{_f(box.x0)}" y="{_f(box.y0)}" width="{_f(size)}" height="{_f(size)}" '
                       f'fill="transparent"/></g>')
        d.marks.append(DrawnMark(lane.key, m.kind, m.t, m.text))
        d.keys.add(m.kind)
    for m, x, size in zip(shown, centres, sizes, strict=True):
        if m.note:  # right of the mark, or left of it, in the lane's lower half
            words = _Text(m.note, NOTE_FONT)
            within = Box(c.left, c.top, d.limit, c.bottom)
            d.place(words, [(x + size / 2 + 3, cy + 4, "start"), (x - size / 2 - 3, cy + 4, "end")], "note",
                    "#212121", within, lane.key)


def _span_fill(lane: Lane, t: float) -> str:
    return next((s.color for s in lane.spans if s.start <= t < s.end), "#ffffff")


def _draw_lane_words(d: _Drawing, lane: Lane, cy: float) -> None:
    """Each span's words centred in what shows of it, or slid to a side, or shortened; never past now."""
    c = d.c
    spm = lane.kind == "spm"  # its news is its newest span: placed first, and beside a sliver too narrow for it
    for start, stop, text, shorter in (reversed(lane.labels) if spm else lane.labels):
        a, b = max(start, c.xmin), min(stop, c.xmax)
        if b <= a:
            continue
        x0, x1 = c.x(a), min(c.x(b), d.limit)
        if x1 <= x0:
            continue
        fill = _span_fill(lane, start)
        color = palette.text_color(fill) if fill.startswith("#") else "#212121"
        within = Box(x0, cy - SPAN_PX / 2, x1, cy + SPAN_PX / 2)
        forms = [text, *shorter]
        if text in SHORT_WORDS:
            forms.append(SHORT_WORDS[text])
        placed = False
        for form in forms:
            words = _Text(form, SPAN_FONT)
            if d.place(words, [((x0 + x1) / 2, cy, "middle"), (x0 + 4, cy, "start"), (x1 - 4, cy, "end")], "span",
                       color, within, lane.key):
                placed = True
                break
        if spm and not placed:  # on a white label at the sliver's left, else its right (before now)
            row = Box(c.left, cy - SPAN_PX / 2, d.limit, cy + SPAN_PX / 2)
            words = _Text(text, SPAN_FONT)
            d.place(words, [(x0 - 4, cy, "end"), (x1 + 4, cy, "start")], "span", "#212121", row, lane.key,
                    halo=fill)
    for s in lane.overlays:
        if s.words:
            _place_in(d, lane, s, cy)
    for s in lane.overlays:
        if s.status != GRACE or not s.text:
            continue
        a, b = max(s.start, c.xmin), min(s.end, c.xmax, d.now if d.now is not None else s.end)
        if b <= a:
            continue
        fill = _span_fill(lane, s.start)
        color = palette.text_color(fill) if fill.startswith("#") else "#212121"
        x0, x1 = c.x(a), c.x(b)
        d.place(_Text(s.text, NOTE_FONT), [((x0 + x1) / 2, cy, "middle")], "grace", color,
                Box(x0, cy - SPAN_PX / 2, x1, cy + SPAN_PX / 2), lane.key)


def _place_in(d: _Drawing, lane: Lane, s: Span, cy: float) -> None:
    """An overlay's words (a migration's order and host) inside what shows of it, the first form that
    fits, in a colour that reads on what the student sees there (a waiting migration's veil pales it)."""
    c = d.c
    a, b = max(s.start, c.xmin), min(s.end, c.xmax)
    if b <= a:
        return
    fill, b = under(lane, s, a, b)
    x0, x1 = c.x(a), min(c.x(b), d.limit)
    color = palette.text_color(fill) if fill.startswith("#") else "#212121"
    within = Box(x0, cy - SPAN_PX / 2, x1, cy + SPAN_PX / 2)
    for form in s.words:
        words = _Text(form, SPAN_FONT)
        if d.place(words, [((x0 + x1) / 2, cy, "middle"), (x0 + 4, cy, "start")], "span", color, within, lane.key):
            return


_INSTANT_STYLE = {  # key -> colour, dash
    "fault": (palette.FAULT_COLOR, "6 4"), "admin action": (palette.ADMIN_COLOR, ""),
    "admin action refused": (palette.REFUSED_COLOR, "2 3"),
}


def _draw_top(d: _Drawing, moments: Sequence[Instant]) -> None:
    """The now line, the lines of faults and admin actions, and their words in the rows above the
    lanes: now left of its line, then each action left of its line, or right of it up to now."""
    c = d.c
    rows = [c.top - 6 - ROW_PX * (i + 0.5) for i in range(TOP_ROWS)]
    if d.now_x is not None and d.now is not None:  # now is in the window
        x = d.now_x
        d.back.append(f'<g class="hacourse-now" data-key="{NOW}" data-t="{d.now:g}">{_title(f"now {_clock(d.now)}")}'
                      f'<path d="M{_f(x)} {_f(c.top - 4)}V{_f(c.bottom)}" stroke="{palette.NOW_COLOR}" '
                      f'stroke-width="1.6"/><path class="hcsvg-hit" d="M{_f(x)} {_f(c.top - 4)}V{_f(c.bottom)}"/></g>')
        d.keys.add(NOW)
        d.lines.append((NOW, d.now))
        d.place(_Text(f"now {_clock(d.now)}", TOP_FONT, bold=True), [(x - 3, cy, "end") for cy in rows], "now",
                palette.NOW_COLOR, Box(0, 0, WIDTH, c.top - 4), leader=x)
    groups: list[list[Instant]] = []  # per key, instants closer than GROUP_PX on the figure share one label
    for m in sorted((m for m in moments if c.xmin <= m.t <= c.xmax), key=lambda m: (m.key, m.t)):
        last = groups[-1][-1] if groups else None
        if last is not None and last.key == m.key and c.x(m.t) - c.x(last.t) < GROUP_PX:
            groups[-1].append(m)
        else:
            groups.append([m])
    for ms in sorted(groups, key=lambda g: g[0].t):
        key = ms[0].key
        color, dash = _INSTANT_STYLE[key]
        for t in sorted({m.t for m in ms}):
            x = c.x(t)
            title = "\n".join(f"{swatch(key).words}: {m.text} at {_clock(m.t)}" + (f"\nwhy: {m.why}" if m.why else "")
                              for m in ms if m.t == t)
            dashed = f' stroke-dasharray="{dash}"' if dash else ""
            d.back.append(f'<g class="hacourse-instant" data-key="{escape(key)}" data-t="{t:g}">{_title(title)}'
                          f'<path d="M{_f(x)} {_f(c.top - 4)}V{_f(c.bottom)}" stroke="{color}" stroke-width="1.3"'
                          f'{dashed}/><path class="hcsvg-hit" d="M{_f(x)} {_f(c.top - 4)}V{_f(c.bottom)}"/></g>')
            d.lines.append((key, t))
        d.keys.add(key)
        x = c.x(ms[0].t)
        prefix = "refused: " if key == "admin action refused" else ""
        texts = [m.text for m in ms]
        forms = [prefix + "; ".join(texts[:2]) + (f"; +{len(texts) - 2} more" if len(texts) > 2 else "")]
        if len(texts) > 1:
            forms.append(prefix + f"{texts[0]} +{len(texts) - 1} more")
        for form in forms:
            text = _Text(form, TOP_FONT)
            spots = [(x - 3, cy, "end") for cy in rows]
            if x + 3 + text.width <= d.limit:
                spots += [(x + 3, cy, "start") for cy in rows]
            if d.place(text, spots, key, color, Box(0, 0, d.limit, c.top - 4), leader=x):
                break


def _band_words(d: _Drawing) -> None:
    """What the shaded band is, in the rows above the lanes, over its middle (or its left), before now."""
    c = d.c
    assert c.band is not None
    a, b = c.x(c.band[0]), c.x(c.band[1])
    stretch = f"{_clock(c.band[0])}-{_clock(c.band[1])}"
    rows = [c.top - 6 - ROW_PX * (i + 0.5) for i in range(TOP_ROWS)]
    for form in (f"{stretch} enlarged ×{c.factor:.0f}", f"enlarged ×{c.factor:.0f}", f"×{c.factor:.0f}"):
        spots = [((a + b) / 2, cy, "middle") for cy in rows] + [(a + 2, cy, "start") for cy in rows]
        if d.place(_Text(form, TOP_FONT), spots, "band", BAND_INK, Box(0, 0, d.limit, c.top - 4)):
            return


def _frame(d: _Drawing, lanes: Sequence[Lane], title: str | None) -> str:
    """Lane names, group headings, the time axis, the title: what does not change while the clock runs."""
    c = d.c
    out = []
    for t in c.ticks():
        x = c.x(t)
        out.append(f'<path d="M{_f(x)} {_f(c.top)}V{_f(c.bottom)}" stroke="#eceff1" stroke-width="1"/>'
                   f'<path d="M{_f(x)} {_f(c.bottom)}v5" stroke="#455a64"/>')
        out.append(f'<text class="hacourse-tick" x="{_f(x)}" y="{_f(c.bottom + 19)}" font-size="{TICK_FONT}" '
                   f'text-anchor="middle" fill="#37474f">{_clock(t)}</text>')
    out.append(f'<path d="M{_f(c.left)} {_f(c.bottom)}H{_f(c.right)}" stroke="#455a64"/>')
    out.append(f'<text x="{_f((c.left + c.right) / 2)}" y="{_f(c.bottom + 38)}" font-size="{TICK_FONT}" '
               f'text-anchor="middle" fill="#37474f">simulated time (minutes:seconds)</text>')
    for lane, y in zip(lanes, c.ys, strict=True):
        out.append(f'<text class="hacourse-lane-name" data-lane="{escape(lane.key)}" x="{_f(c.left - 8)}" '
                   f'y="{_f(c.y(y) + 0.35 * LANE_FONT)}" font-size="{LANE_FONT}" text-anchor="end" '
                   f'fill="#212121">{escape(lane.label)}</text>')
    for y, text in d.c.headings:  # over the lines that cross them, on a white halo
        d.front.append(f'<text class="hacourse-heading" x="4" y="{_f(c.y(y) + 0.35 * HEADING_FONT)}" '
                       f'font-size="{HEADING_FONT}" font-weight="bold" fill="#37474f" stroke="#fff" stroke-width="4" '
                       f'paint-order="stroke" stroke-linejoin="round">{escape(text)}</text>')
        d.taken.append(_Text(text, HEADING_FONT, True).box(4, c.y(y), "start"))
    if title:
        out.append(f'<text class="hacourse-title" x="4" y="18" font-size="{TITLE_FONT}" font-weight="bold" '
                   f'fill="#212121">{escape(title)}</text>')
    return "".join(out)


def render_timeline(lanes: Sequence[Lane], moments: Sequence[Instant], *, xmin: float, xmax: float,
                    now: float | None = None, title: str | None = None, label: str = "timeline",
                    serial: int = 0, highlight: tuple[float, float] | None = None,
                    highlight_words: str = "", magnify: tuple[float, float] | None = None) -> Picture:
    """The lanes in the window [`xmin`, `xmax`] as an SVG `Picture`, with now at `now`.

    `serial` numbers the renders of one live figure (`data-render`): a browser test waits for it to change.
    `highlight` shades a stretch behind the lanes, `highlight_words` its hover. `magnify` enlarges a
    stretch in place (the moment a lesson teaches: `views.zoom`), shaded, its words above it.

    Order of placing: the frame (headings take their room), spans and overlays, now and the
    actions' lines with their words on top, marks, then the spans' words where room is left.
    """
    xmax = max(xmax, xmin + 1.0)
    if magnify is not None and now is not None and magnify[0] < now < magnify[1]:
        magnify = (magnify[0], now)  # a moment still unfolding: enlarged up to now, no shaded future
    c = _Canvas(lanes, xmin, xmax, title, magnify)
    if highlight is None and c.band is not None:
        highlight = c.band
    d = _Drawing(c, now, f"hc{next(_IDS)}-")
    frame = _frame(d, lanes, title)
    if highlight is not None and highlight[1] > xmin and highlight[0] < xmax:
        a, b = c.x(max(highlight[0], xmin)), c.x(min(highlight[1], xmax))
        frame += (f'<rect class="hacourse-highlight" x="{_f(a)}" y="{_f(c.top - 4)}" width="{_f(max(b - a, 2.0))}" '
                  f'height="{_f(c.bottom - c.top + 4)}" fill="{BAND_FILL}" opacity="0.55">'
                  f'{_title(highlight_words)}</rect>')
    for lane, y in zip(lanes, c.ys, strict=True):
        _draw_spans(d, lane, c.y(y))
    _draw_top(d, moments)
    if c.band is not None:
        _band_words(d)
    for lane, y in zip(lanes, c.ys, strict=True):
        _draw_marks(d, lane, c.y(y))
    for lane, y in zip(lanes, c.ys, strict=True):
        _draw_lane_words(d, lane, c.y(y))
    now_attr = f' data-now="{now:g}" data-now-x="{_f(d.now_x)}"' if d.now_x is not None else ""
    if c.band is not None:
        now_attr += f' data-band="{c.band[0]:g} {c.band[1]:g}" data-band-factor="{c.factor:.2f}"'
    svg = (f'<svg class="hacourse-{label}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_f(WIDTH)} '
           f'{_f(c.height)}" width="100%" style="max-width:{_f(WIDTH)}px;display:block;font-family:{FAMILY}" '
           f'role="img" aria-label="{escape(title or label)}" data-xmin="{xmin:g}" data-xmax="{xmax:g}" '
           f'data-left="{_f(c.left)}" data-right="{_f(c.right)}" data-render="{serial}"{now_attr}>'
           f'{_STYLE}<defs>{patterns(d.prefix)}</defs>'
           f'<rect width="100%" height="100%" fill="#fff"/>{frame}{"".join(d.back)}{"".join(d.front)}</svg>')
    return Picture(svg, xmin, xmax, now, d.now_x, WIDTH, c.height, d.spans, d.marks, d.picture_words, d.keys,
                   d.lines, [lane.label for lane in lanes], c.band, c.factor)
