"""Where a figure's words go: measured, placed where nothing else is, or not at all.

One rule for both timelines (`first_free`): a label goes to its first free place among a few
candidates (centred in its span, beside its mark, in the next row above the lanes), "free"
meaning its box touches no box already taken (labels, marks, brackets, the words of faults and
of now) and lies within its bounds. A label with no free place is not drawn, never drawn over
another one. The matplotlib figure measures its `Text`s (`Placer`); the lesson panel's SVG
measures with the font's width table (`views.fonts`). The boxes stay readable afterwards
(`label_boxes`, `svg.Picture.words`), so a test, and a browser test, can check that no two overlap.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

if TYPE_CHECKING:  # Box and the rule are pure Python (the SVG panel uses them); Placer works on matplotlib's
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.text import Text

PAD_PX = 2.0  # what two boxes must keep between them
_METRICS: dict[tuple, tuple[float, float, float]] = {}  # (text, font, dpi) -> width, height, descent in pixels


@dataclass(frozen=True)
class Box:
    """A rectangle: in display pixels from the bottom left (matplotlib), or in an SVG's units from the top left."""

    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: Box, pad: float = 0.0) -> bool:
        return (self.x0 < other.x1 + pad and other.x0 < self.x1 + pad
                and self.y0 < other.y1 + pad and other.y0 < self.y1 + pad)

    def inside(self, other: Box) -> bool:
        return self.x0 >= other.x0 and self.x1 <= other.x1 and self.y0 >= other.y0 and self.y1 <= other.y1


def first_free(boxes: Sequence[Box], taken: Sequence[Box], within: Box | None = None) -> int | None:
    """The index of the first box that lies `within` and keeps `PAD_PX` from every `taken` box, or None."""
    for i, box in enumerate(boxes):
        if (within is None or box.inside(within)) and not any(box.overlaps(t, PAD_PX) for t in taken):
            return i
    return None


_PLACED: WeakKeyDictionary[Artist, Box] = WeakKeyDictionary()  # artist -> the box its placing gave it


def remember(artist: Artist, box: Box) -> None:
    """Keep the box the placing gave `artist`: `label_boxes` reports it without measuring again."""
    _PLACED[artist] = box


class Placer:
    """Takes boxes on one Axes and places texts where no box is taken yet."""

    def __init__(self, ax: Axes) -> None:
        self.ax = ax
        # an Agg canvas (every backend these figures are drawn with); the stubs type it as the base class
        self.renderer = ax.figure.canvas.get_renderer()  # type: ignore[attr-defined]
        self.taken: list[Box] = []

    def take(self, box: Box) -> None:
        self.taken.append(box)

    def free(self, box: Box, within: Box | None = None) -> bool:
        return first_free([box], self.taken, within) is not None

    def box_of(self, text: Text) -> Box:
        """The text's extent as matplotlib lays it out (one line, no rotation), from cached metrics.

        `Text.get_window_extent` lays the text out anew each call (a millisecond); the live view
        places dozens of words a click. tests/test_timeline_words.py checks the result against
        `get_window_extent` itself (`label_boxes(ax, measure=True)`).
        """
        props = text.get_fontproperties()
        key = (text.get_text(), hash(props), self.ax.figure.dpi)
        metrics = _METRICS.get(key)
        if metrics is None:
            w, h, d = self.renderer.get_text_width_height_descent(text.get_text(), props, ismath=False)
            _, lp_h, lp_d = self.renderer.get_text_width_height_descent("lp", props, ismath=False)
            metrics = _METRICS[key] = (w, max(h, lp_h), max(d, lp_d))
        w, h, d = metrics
        x, y = text.get_transform().transform(text.get_unitless_position())
        x0 = x - {"left": 0.0, "center": w / 2, "right": w}[text.get_horizontalalignment()]
        y0 = {"bottom": y, "center": y - h / 2, "top": y - h, "baseline": y - (h - d),
              "center_baseline": y - (h - d) / 2}[text.get_verticalalignment()]
        pad = 0.0
        patch = text.get_bbox_patch()
        if patch is not None:  # a box around the words: its pad (in font sizes) and a pixel for its edge
            # a box style keeps its pad as an attribute; the stubs' BoxStyle does not declare it
            pad = patch.get_boxstyle().pad * text.get_fontsize() * self.ax.figure.dpi / 72 + 1  # type: ignore[attr-defined]
        return Box(x0 - pad, y0 - pad, x0 + w + pad, y0 + h + pad)

    def _remember(self, artist: Artist, box: Box) -> None:
        remember(artist, box)

    def place(self, text: Text, candidates: Iterable[dict], within: Box | None = None) -> Text | None:
        """Try `text` at each candidate (keyword arguments of `Text.set`); keep the first free one.

        Returns the text, added to the Axes and its box taken; or None, the text dropped.
        """
        for where in candidates:
            text.set(**where)
            box = self.box_of(text)
            if self.free(box, within):
                self.take(box)
                self._remember(text, box)
                return text
        text.remove()
        return None


def label_boxes(ax: Axes, *, measure: bool = False) -> list[tuple[str, str, Box]]:
    """(kind, text, box) of every placed label and mark of a drawn timeline, as drawn last.

    The boxes are those the placing used; with `measure`, matplotlib's own extents of the drawn
    artists (slower: what a test compares them with).
    """
    from matplotlib.text import Text

    renderer = ax.figure.canvas.get_renderer()  # type: ignore[attr-defined]  # Agg, as in Placer
    out = []
    for artist in (*ax.texts, *ax.lines):
        gid = artist.get_gid() or ""
        if not gid.startswith(("label|", "mark|")) or not artist.get_visible():
            continue
        box = None if measure else _PLACED.get(artist)
        if box is None:
            e = artist.get_window_extent(renderer)
            box = Box(e.x0, e.y0, e.x1, e.y1)
        text = artist.get_text() if gid.startswith("label|") and isinstance(artist, Text) else gid.split("|", 3)[3]
        out.append((gid.split("|")[1] if gid.startswith("label|") else "mark", text, box))
    return out


def overlapping(boxes: Sequence[tuple[str, str, Box]]) -> list[tuple[str, str]]:
    """The pairs of texts whose boxes overlap (what a student would see as a collision)."""
    return [(a[1], b[1]) for i, a in enumerate(boxes) for b in boxes[i + 1:] if a[2].overlaps(b[2])]
