"""Figures that are redrawn many times a minute: the widget's timeline and topology picture.

A click in the lesson must show its effect within about a tenth of a second. Drawing the whole
timeline costs several times that on the lesson machines, most of it text (lane labels, tick
labels, the legend) that does not change while the clock runs. So the live timeline draws that
frame once, keeps its pixels, and on each step restores them and draws only the spans, labels and
lines of the moment (matplotlib's blitting). The topology picture is redrawn only when what it
shows changed, into the same axes. Their canvas rasterises each distinct label once and pastes
the pixels afterwards (the same "pacific" is drawn dozens of times a minute; Agg lays text out
glyph by glyph, a millisecond a label). Both return PNG bytes; the figures stay inspectable
(`drawn_spans(live.ax)`).

The label cache subclasses matplotlib's Agg renderer, whose methods are not a public API: if a
matplotlib release changes them, the first failure switches the cache off for the session with
a warning and the figures are drawn by plain Agg (correct, only slower);
`tests/test_live_renderer.py` fails with the same message.
"""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Sequence

import matplotlib
import numpy as np
from matplotlib import rcParams
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from PIL import Image

from hacourse import events as ev
from hacourse.analysis import intervals
from hacourse.model import Scenario
from hacourse.views.labels import label_boxes
from hacourse.views.timeline import (
    draw_content,
    draw_frame,
    drawn_keys,
    lane_positions,
    legend_words,
    place_axes,
    set_window,
    timeline_lanes,
    timeline_size,
    timeline_span,
)
from hacourse.views.topology import FULL, draw_graph, topology_graph, topology_size


def png_bytes(fig: Figure) -> bytes:
    """The figure's canvas as it was last drawn, as PNG (fast compression: it goes to a browser)."""
    width, height = fig.canvas.get_width_height(physical=True)
    image = Image.frombuffer("RGBA", (width, height), fig.canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="png", compress_level=1)
    return buffer.getvalue()


_LABELS: dict[tuple, tuple[np.ndarray, float]] = {}  # shared by every live figure: same labels, same pixels
CACHE_BROKEN = (
    "hacourse.views.live: the label cache does not work with matplotlib {version} ({error}); the live "
    "figures are drawn by plain Agg from now on (correct, but clicks are slower). Update "
    "_TextCachingRenderer for this matplotlib or pin an earlier release."
)


class _Cache:
    works = True  # the label cache; switched off for the session by its first failure


def _cache_failed(error: Exception) -> None:
    _Cache.works = False
    _LABELS.clear()
    warnings.warn(CACHE_BROKEN.format(version=matplotlib.__version__, error=f"{type(error).__name__}: {error}"),
                  RuntimeWarning, stacklevel=3)


class _TextCachingRenderer(RendererAgg):
    """Agg, but a label already drawn (same string, font, colour, size) is pasted from its pixels.

    Rotated and math text are drawn as usual. A pasted label may sit up to half a pixel away
    from where Agg would have placed it, which no one sees at the widget's size.
    """

    PAD = 2  # pixels around a label's box, for antialiasing that spills over
    MAX_LABELS = 4096

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if ismath or angle or not _Cache.works:
            return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
        try:
            self._paste(gc, x, y, s, prop)
        except (AttributeError, TypeError, ValueError, IndexError) as error:  # Agg internals moved
            _cache_failed(error)
            super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)

    def _paste(self, gc, x, y, s, prop) -> None:
        key = (s, prop, tuple(gc.get_rgb()), gc.get_alpha(), gc.get_antialiased(), self.dpi,
               rcParams["text.hinting"], rcParams["text.hinting_factor"])
        label = _LABELS.get(key)
        if label is None:
            if len(_LABELS) >= self.MAX_LABELS:
                _LABELS.clear()
            label = _LABELS[key] = self._rasterise(gc, s, prop)
        pixels, baseline = label
        # y comes from the top of the canvas to the text's baseline; draw_image wants the bottom-left corner
        self.draw_image(gc, round(x - self.PAD), round(self.height - (y - baseline) - pixels.shape[0]), pixels)

    def _rasterise(self, gc, s, prop) -> tuple[np.ndarray, float]:
        width, height, descent = self.get_text_width_height_descent(s, prop, False)
        scratch = RendererAgg(math.ceil(width) + 2 * self.PAD, math.ceil(height) + 2 * self.PAD, self.dpi)
        pen = scratch.new_gc()
        pen.set_foreground(gc.get_rgb())
        pen.set_alpha(gc.get_alpha())
        pen.set_antialiased(gc.get_antialiased())
        baseline = self.PAD + height - descent
        scratch.draw_text(pen, self.PAD, baseline, s, prop, 0)
        pen.restore()
        return np.asarray(scratch.buffer_rgba())[::-1].copy(), baseline  # draw_image's rows go bottom up


class _LiveCanvas(FigureCanvasAgg):
    _size: tuple | None = None

    def get_renderer(self):
        if not _Cache.works:
            return super().get_renderer()
        size = (*self.get_width_height(physical=True), self.figure.dpi)
        if size != self._size:
            self.renderer = _TextCachingRenderer(*size)
            self._size = size
        return self.renderer


def _new_figure(dpi: float) -> Figure:
    fig = Figure(dpi=dpi)
    _LiveCanvas(fig)
    return fig


class LiveTimeline:
    """The timeline of a run in progress, redrawn in place as the clock advances.

    The legend lists what the figure shows at this moment, so it changes as things happen: the
    page shows it beside the picture (`legend_keys`, `views.legend.legend_html`), so a change costs
    no redraw of the frame. `render` shows the window [`xmin`, `xmax`] of the run.
    """

    def __init__(self, scenario: Scenario, dpi: float = 80) -> None:
        self.scenario = scenario
        self.fig = _new_figure(dpi)
        self._frame: tuple | None = None
        self.legend_keys: set[str] = set()  # what the last render drew, as legend keys (the page shows the legend)
        self._background = None
        self._content: list[Artist] = []

    @property
    def ax(self):
        return self.fig.axes[0]

    def render(self, log: Sequence[ev.Record], now: float, xmax: float, xmin: float | None = None) -> bytes:
        lanes = timeline_lanes(log, self.scenario, now)
        t0, end = timeline_span(log, self.scenario, now)
        xmin = t0 if xmin is None else max(t0, xmin)
        xmax = max(xmin + 1.0, xmax)
        ys, headings = lane_positions(lanes)
        faults = intervals.injected_faults(log, end)
        frame = (tuple(lane.label for lane in lanes), xmin, xmax)
        for artist in self._content:
            artist.remove()
        self._content = []
        if frame != self._frame:
            if self._frame is not None and frame[0] == self._frame[0]:
                self._move_window(xmin, xmax, frame)  # same lanes: only the time axis changes
            else:
                self._draw_frame(lanes, ys, headings, xmin, xmax, frame)
        self._content, self.legend_keys = draw_content(self.ax, lanes, ys, t0, end, xmax, fault_records=faults,
                                                       now=now, xmin=xmin)
        self.fig.canvas.restore_region(self._background)
        for artist in self._content:
            self.ax.draw_artist(artist)
        return png_bytes(self.fig)

    def drawn(self) -> dict:
        """What the last render shows, in words and boxes (pixels from the image's top left corner).

        `labels`: every placed word and mark as (kind, text, [x0, y0, x1, y1]); `shown`: the legend's
        words for what the figure draws, read off its artists (`drawn_keys`). The lesson writes these
        into the page, hidden, for browser tests to compare with the legend a student reads.
        """
        height = self.fig.canvas.get_width_height(physical=True)[1]
        return {
            "labels": [(kind, text, [round(b.x0, 1), round(height - b.y1, 1), round(b.x1, 1), round(height - b.y0, 1)])
                       for kind, text, b in label_boxes(self.ax)],
            "shown": legend_words(drawn_keys(self.ax)),
        }

    def _move_window(self, xmin: float, xmax: float, frame: tuple) -> None:
        """The frame of another time window on the same lanes: new limits and ticks, the rest kept."""
        set_window(self.ax, xmin, xmax)
        self.fig.canvas.draw()
        self._background = self.fig.canvas.copy_from_bbox(self.fig.bbox)
        self._frame = frame

    def _draw_frame(self, lanes, ys, headings, xmin: float, xmax: float, frame: tuple) -> None:
        self.fig.clear()
        self.fig.set_size_inches(timeline_size(len(lanes), legend_beside=False))
        ax = self.fig.add_subplot()
        place_axes(ax, legend_beside=False)
        draw_frame(ax, lanes, ys, headings, xmin, xmax, title=self.scenario.name, legend=())
        self.fig.canvas.draw()
        self._background = self.fig.canvas.copy_from_bbox(self.fig.bbox)
        self._content = []
        self._frame = frame


class LiveTopology:
    """The topology picture of a run in progress, redrawn only when what it shows has changed."""

    def __init__(self, scenario: Scenario, dpi: float = 80) -> None:
        self.scenario = scenario
        self.fig = _new_figure(dpi)
        self._shown: tuple | None = None
        self._png = b""

    def render(self, log: Sequence[ev.Record], now: float) -> bytes:
        g = topology_graph(self.scenario, log, now)
        shown = (tuple((n, d["label"], d["color"]) for n, d in g.nodes(data=True)),
                 tuple((a, b, d["up"]) for a, b, d in g.edges(data=True)))
        if shown != self._shown:
            if not self.fig.axes:
                self.fig.add_axes(FULL)
            ax = self.fig.axes[0]
            for artist in [*ax.texts, *ax.collections, *ax.lines, *ax.patches]:
                artist.remove()
            self.fig.set_size_inches(topology_size(g))
            draw_graph(g, ax, heading="Data center now")
            self.fig.canvas.draw()
            self._png, self._shown = png_bytes(self.fig), shown
        return self._png
