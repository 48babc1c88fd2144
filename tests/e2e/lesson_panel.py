"""What a student reads on a lesson's control panel, read the same way by every browser test.

The panel writes, hidden under the timeline's text form, every word and mark the picture shows
with its box in the image's pixels (`hacourse-word`, `data-box`), and the legend's words for
what the figure draws, read off its artists (`hacourse-shown`). A test compares those boxes (no
two overlap) and compares the visible legend (`hacourse-legend-words`) with what is drawn.
Each click is timed from the click to the changed picture (`click`), into test-output/.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from playwright.sync_api import Locator, Page

LATENCIES: list[str] = []  # one line per test: written to test-output/click-latency.txt by conftest


def panel_of(page: Page) -> Locator:
    """The student's control panel: the first box holding a step button (a replay panel may come later)."""
    return page.locator(".widget-vbox").filter(has=page.get_by_role("button", name="+15 s")).first


def lanes(panel: Locator, lane: str = "", **data: str) -> Locator:
    """Lanes of the timeline's text form whose key starts with `lane` (`host:pacific`, `vm:`), with these data."""
    wanted = "".join(f'[data-{key}="{value}"]' for key, value in data.items())
    return panel.locator(f'.hacourse-timeline-text li.hacourse-lane[data-lane^="{lane}"]{wanted}')


@dataclass
class Word:
    kind: str
    text: str
    box: tuple[float, float, float, float]

    def overlaps(self, other: Word) -> bool:
        a, b = self.box, other.box
        return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def words(panel: Locator) -> list[Word]:
    """Every word and mark the timeline picture shows now, with its box."""
    found = panel.locator(".hacourse-figure-words .hacourse-word")
    out = []
    for kind, text, box in zip(found.evaluate_all("els => els.map(e => e.dataset.kind)"),
                               found.all_text_contents(),
                               found.evaluate_all("els => els.map(e => e.dataset.box)")):
        out.append(Word(kind, text, tuple(float(v) for v in box.split(","))))
    return out


def _settled(read: Callable[[], object], ok: Callable[[object], bool], tries: int = 50) -> object:
    """What `read` returns once `ok` holds (the panel's widgets update one message after another), or
    the last reading after `tries` tenths of a second, for the assertion to report."""
    for _ in range(tries):
        value = read()
        if ok(value):
            return value
        time.sleep(0.1)
    return read()


def assert_words_apart(panel: Locator, *expected: str) -> list[Word]:
    """No two words or marks of the picture overlap; each `expected` text is among them."""
    shown = _settled(lambda: words(panel), lambda ws: all(t in [w.text for w in ws] for t in expected))
    texts = [w.text for w in shown]
    for text in expected:
        assert text in texts, f"{text!r} is not written on the timeline; it shows {texts}"
    clashes = [(a.text, b.text) for i, a in enumerate(shown) for b in shown[i + 1:] if a.overlaps(b)]
    assert not clashes, f"words drawn over each other on the timeline: {clashes}"
    return shown


def assert_legend_is_what_is_drawn(panel: Locator) -> list[str]:
    """The legend a student reads lists exactly what the picture draws (read off its artists)."""
    def read() -> tuple[list[str], list[str]]:
        return (panel.locator(".hacourse-legend .hacourse-legend-words").all_text_contents(),
                panel.locator(".hacourse-figure-words .hacourse-shown").all_text_contents())

    legend, drawn = _settled(read, lambda pair: pair[0] == pair[1])
    assert legend, "the timeline has no legend"
    assert legend == drawn, f"the legend lists {legend}, the figure draws {drawn}"
    return legend


@dataclass
class Driver:
    """Clicks on one panel, each timed to the changed timeline picture."""

    app: Any  # conftest.JupyterPage
    record_timing: Callable[[str, float], None]
    latencies: list[float] = field(default_factory=list)

    @property
    def panel(self) -> Locator:
        return panel_of(self.app.page)

    def __post_init__(self) -> None:
        self.app.wait_for(self.panel.locator("img").first, "the control panel's timeline", timeout_s=120)
        self.panel.scroll_into_view_if_needed()  # JupyterLab renders text out of view lazily

    def click(self, name: str, what: str = "") -> float:
        timeline = self.panel.locator("img").first
        old = timeline.get_attribute("src")
        self.panel.get_by_role("button", name=name).first.click()  # not exact: an icon adds a glyph
        took = self.app.wait_for_change(timeline, old, what or f"the timeline after '{name}'")
        self.latencies.append(took)
        self.record_timing(f"click '{name}' -> updated timeline", took)
        return took

    def clock(self) -> str:
        return self.panel.locator(".widget-html").first.inner_text()

    def until(self, button: str, done: Callable[[], bool], most: int, what: str) -> None:
        for _ in range(most):
            if done():
                return
            self.click(button)
        assert done(), f"after {most} clicks on {button!r}: {what} never showed; the panel says {self.clock()}"

    def shot(self, label: str) -> None:
        """A screenshot of the panel at a key moment, in test-output/."""
        self.panel.scroll_into_view_if_needed()
        self.app.screenshot(label, of=self.panel)

    def report(self) -> None:
        """The median click-to-picture time of this test, one line in test-output/click-latency.txt."""
        if not self.latencies:
            return
        ms = sorted(round(t * 1000) for t in self.latencies)
        LATENCIES.append(f"{self.app.name}: {len(ms)} clicks, median {statistics.median(ms):.0f} ms, "
                         f"max {ms[-1]} ms; all (ms): {ms}")
        self.record_timing("median click -> updated timeline", statistics.median(self.latencies))
