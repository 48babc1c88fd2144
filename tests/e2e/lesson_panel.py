"""What a student reads on a lesson's control panel, read the same way by every browser test.

The timeline is an SVG in the page: every word is a `<text class="hacourse-word">` and every
mark a `<g class="hacourse-mark">`, measured here as the browser draws them (`getBBox`, in the
picture's units); every span, mark and line carries its legend key (`data-key`) and a `<title>`
(what hovering it shows). A test compares the boxes (no two overlap, none right of the now
line) and the legend a student reads (`hacourse-legend-entry`) with the keys drawn; it checks that
now is inside the window (the step just taken is in view) and each shell's newest line shows. The
`Driver` checks all of it as the notebook left the panel and after every click. Each click is timed from the click to the changed picture (`click`, the SVG's `data-render`), into test-output/.
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


TIMELINE = "svg.hacourse-timeline"
ZOOM = "svg.hacourse-timeline-zoom"  # the inset of a moment a lesson enlarges (`Lesson(window=...)`)


def words(panel: Locator, svg: str = TIMELINE) -> list[Word]:
    """Every word, mark and bracket a timeline picture shows now, with its box as the browser drew it."""
    found = panel.locator(f"{svg} .hacourse-word, {svg} .hacourse-mark, {svg} .hacourse-bracket").evaluate_all(
        """els => els.map(e => {
            const b = e.getBBox();
            const title = e.querySelector('title');
            const drawn = e.classList.contains('hacourse-mark') ? 'mark' : e.classList.contains('hacourse-bracket') ? 'bracket' : '';
            const text = drawn ? title.textContent.split('\\n')[0] : e.textContent;
            return [e.dataset.kind || drawn, text, [b.x, b.y, b.x + b.width, b.y + b.height]];
        })""")
    return [Word(kind, text, tuple(box)) for kind, text, box in found]


def now_x(panel: Locator, svg: str = TIMELINE) -> float | None:
    """Where the now line is drawn, in the picture's units (None: now is outside the window)."""
    value = panel.locator(svg).first.get_attribute("data-now-x")
    return float(value) if value is not None else None


def window(panel: Locator) -> tuple[float, float]:
    """The time window the timeline shows, in seconds."""
    svg = panel.locator(TIMELINE).first
    return float(svg.get_attribute("data-xmin")), float(svg.get_attribute("data-xmax"))


def hover_title(panel: Locator, lane: str, key: str) -> str:
    """Hovers the first span or mark of `lane` with legend key `key`; returns the `<title>` of what is
    under the pointer there (what the browser's tooltip shows)."""
    target = panel.locator(f'{TIMELINE} [data-lane="{lane}"][data-key="{key}"]').first
    target.hover()
    box = target.bounding_box()
    assert box, f"{lane} {key}: not drawn"
    return target.page.evaluate(
        """([x, y]) => { let e = document.elementFromPoint(x, y);
                         while (e && !(e.querySelector && e.querySelector(':scope > title'))) e = e.parentElement;
                         return e ? e.querySelector(':scope > title').textContent : ''; }""",
        [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2])


def _settled(read: Callable[[], object], ok: Callable[[object], bool], tries: int = 50) -> object:
    """What `read` returns once `ok` holds (the panel's widgets update one message after another), or
    the last reading after `tries` tenths of a second, for the assertion to report."""
    for _ in range(tries):
        value = read()
        if ok(value):
            return value
        time.sleep(0.1)
    return read()


def _apart(panel: Locator, shown: list[Word], svg: str) -> None:
    clashes = [(a.text, b.text) for i, a in enumerate(shown) for b in shown[i + 1:] if a.overlaps(b)]
    assert not clashes, f"words drawn over each other on the timeline ({svg}): {clashes}"
    line = now_x(panel, svg)
    if line is not None:
        past = [w.text for w in shown if w.kind not in ("mark", "bracket") and w.box[2] > line + 1]
        assert not past, f"written past the now line (x={line}) on {svg}: {past}"


def assert_words_apart(panel: Locator, *expected: str) -> list[Word]:
    """No two words, marks or brackets of the picture (and of its enlarged inset, if shown) overlap,
    no word is written right of the now line; each `expected` text is on the timeline."""
    shown = _settled(lambda: words(panel), lambda ws: all(t in [w.text for w in ws] for t in expected))
    texts = [w.text for w in shown]
    for text in expected:
        assert text in texts, f"{text!r} is not written on the timeline; it shows {texts}"
    _apart(panel, shown, TIMELINE)
    if panel.locator(ZOOM).count():
        _apart(panel, words(panel, ZOOM), ZOOM)
    return shown


def assert_legend_is_what_is_drawn(panel: Locator) -> list[str]:
    """The legend a student reads lists exactly what the picture draws (read off its artists)."""
    def read() -> tuple[list[str], list[str]]:
        legend = panel.locator(".hacourse-legend .hacourse-legend-entry").evaluate_all(
            "els => els.map(e => e.dataset.key)")
        drawn = panel.locator(f"{TIMELINE} [data-key], {ZOOM} [data-key]").evaluate_all(
            "els => els.map(e => e.dataset.key)")
        return legend, sorted(set(drawn))

    legend, drawn = _settled(read, lambda pair: sorted(pair[0]) == pair[1])
    assert legend, "the timeline has no legend"
    assert sorted(legend) == drawn and len(set(legend)) == len(legend), \
        f"the legend lists {legend}, the figure draws {drawn}"
    return panel.locator(".hacourse-legend .hacourse-legend-words").all_text_contents()


def assert_now_in_the_window(panel: Locator) -> float:
    """The step the student is at (now, where the last click left the clock) is inside the timeline's
    window: the now line is drawn. Returns its x."""
    line = _settled(lambda: now_x(panel), lambda x: x is not None)
    assert line is not None, f"the timeline's window {window(panel)} leaves out now: the step just taken is not in view"
    return line


def assert_newest_shell_line_in_view(panel: Locator) -> None:
    """Each shell on the panel shows its newest line (the prompt) inside its box, not below its fold."""
    screens = panel.locator(".hacourse-shell-screen")
    for i in range(screens.count()):
        last, frame = screens.nth(i).evaluate("""el => {
            const range = document.createRange();
            range.selectNodeContents(el);
            const rects = range.getClientRects();
            const last = rects[rects.length - 1];
            const frame = el.getBoundingClientRect();
            return [[last.top, last.bottom], [frame.top, frame.bottom]];
        }""")
        assert frame[0] - 1 <= last[0] and last[1] <= frame[1] + 1, \
            f"the shell's newest line ({last}) is out of its box ({frame})"


def assert_what_every_picture_holds(panel: Locator) -> None:
    """What the panel must show after every click: no two words or marks overlap, nothing written past
    now, the legend lists what is drawn, now inside the window, each shell's newest line in view."""
    assert_words_apart(panel)
    assert_legend_is_what_is_drawn(panel)
    assert_now_in_the_window(panel)
    assert_newest_shell_line_in_view(panel)


_PRESS_WATCH = """() => {
    if (window.__hacoursePress === undefined)
        for (const kind of ['mousedown', 'keydown'])
            window.addEventListener(kind, () => { window.__hacoursePress = performance.now(); }, true);
    window.__hacoursePress = 0;
}"""
"""The page notes when the student last pressed a button or a key, before any handler of its own runs."""


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
        self.app.wait_for(self.panel.locator(TIMELINE).first, "the control panel's timeline", timeout_s=120)
        self.panel.scroll_into_view_if_needed()  # JupyterLab renders text out of view lazily
        self.check("as the notebook left it")

    def check(self, after: str) -> None:
        """`assert_what_every_picture_holds`, with a screenshot of the panel when it fails."""
        try:
            assert_what_every_picture_holds(self.panel)
        except AssertionError as failed:
            self.app.screenshot("panel-check-failed", of=self.panel)
            raise AssertionError(f"{self.app.name}, {after}: {failed}") from failed

    def click(self, name: str, what: str = "") -> float:
        """Click, wait for the redrawn timeline (timed), then check what every picture must hold
        (`assert_what_every_picture_holds`)."""
        button = self.panel.get_by_role("button", name=name).first  # not exact: an icon adds a glyph
        return self.act(f"click '{name}'", button.click, what or f"the timeline after '{name}'")

    def act(self, name: str, do: Callable[[], object], what: str) -> float:
        """`do` (a click, a key pressed), the wait for the redrawn timeline (timed), then the checks.

        Timed in the page's own clock, from the browser's mousedown or keydown to the frame that
        shows the new picture: what the student waits for. Playwright's own work before a click
        (scrolling, waiting for the button to hold still, about 30-100 ms here) is left out; the
        wall time with it goes to the timings file too, labelled as such."""
        page = self.app.page
        page.evaluate(_PRESS_WATCH)
        old = self.panel.locator(TIMELINE).first.get_attribute("data-render")
        start = time.perf_counter()
        do()
        self._wait_for_render(old, what)
        wall = time.perf_counter() - start
        pressed, drawn = page.evaluate("() => [window.__hacoursePress, window.__hacourseDrawn]")
        took = (drawn - pressed) / 1000 if pressed else wall
        self.latencies.append(took)
        self.record_timing(f"{name} -> updated timeline", took)
        self.record_timing(f"{name} -> updated timeline, with Playwright's handling of the click", wall)
        self.check(f"after {name}")
        return took

    def _wait_for_render(self, old: str | None, what: str, timeout_s: float = 30) -> None:
        """Until the panel shows a timeline rendered after `old` (its `data-render` changed); the
        page notes the moment (`window.__hacourseDrawn`)."""
        try:
            self.app.page.wait_for_function(
                f"([el, old]) => {{ const s = el.querySelector('{TIMELINE}'); "
                "if (!s || s.getAttribute('data-render') === old) return false; "
                "window.__hacourseDrawn = performance.now(); return true; }",
                arg=[self.panel.element_handle(), old], polling="raf", timeout=timeout_s * 1000)
        except Exception as timeout:
            self.app.assert_no_errors()
            self.app.screenshot("timeout")
            raise AssertionError(f"{self.app.name}: waited {timeout_s:.0f} s for {what}; it never showed") from timeout
        self.app.assert_no_errors()

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
