"""The live figures' label cache leans on matplotlib's Agg renderer internals: guard the trick.

If a matplotlib release breaks it, these tests fail with the message that says what to do, and
a lesson keeps working: the live figures fall back to plain Agg drawing.
"""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from hacourse import load_scenario, simulate
from hacourse.views import live
from tests.seed import SEED

BROKEN = live.CACHE_BROKEN.format(version=matplotlib.__version__, error="see the assertion")
LABELS = ["pacific", "atlantic", "app1 (HA)", "NonOperational", "pacific"]


def _labels(fig: Figure) -> np.ndarray:
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    for i, text in enumerate(LABELS):
        ax.text(0.1 + 0.15 * (i % 2), 0.1 + 0.18 * i, text, fontsize=9, color="#212121")
    fig.set_size_inches(3, 2)
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3].astype(int)


def test_live_labels_come_from_the_cache_and_look_like_plain_agg():
    live._LABELS.clear()
    cached = _labels(live._new_figure(dpi=80))
    plain_fig = Figure(dpi=80)
    FigureCanvasAgg(plain_fig)
    plain = _labels(plain_fig)
    assert live._Cache.works and live._LABELS, BROKEN  # the canvas drew through the caching renderer
    ink = (plain < 128).any(axis=-1)
    assert ink.sum() > 100  # the labels were drawn at all
    differs = (np.abs(cached - plain) > 96).any(axis=-1)
    assert differs.sum() <= 0.1 * ink.sum(), BROKEN  # pasted labels sit within half a pixel of Agg's


def test_a_matplotlib_that_breaks_the_trick_gives_a_warning_and_a_plainly_drawn_picture(monkeypatch):
    def moved(*args, **kwargs):
        raise AttributeError("RendererAgg has no attribute 'get_text_width_height_descent'")

    monkeypatch.setattr(live._TextCachingRenderer, "_rasterise", moved)
    monkeypatch.setattr(live._Cache, "works", True)
    live._LABELS.clear()
    scenario = load_scenario(SEED)
    log = simulate(scenario, seed=0)
    with pytest.warns(RuntimeWarning, match="label cache does not work with matplotlib"):
        png = live.LiveTopology(scenario).render(log, 120.0)
    assert png.startswith(b"\x89PNG") and not live._Cache.works
    assert live.LiveTopology(scenario).render(log, 300.0).startswith(b"\x89PNG")  # later figures: plain Agg
