"""A kernel error in the page fails a browser test at once, with the error's text, never a hang.

The recipe saw a test pass that looked only for the expected text while the page showed a
traceback. These tests run the error check against a notebook that is broken on purpose, in
JupyterLab and in Voila: a widget callback that raises after updating its label, and a cell that
raises while the notebook runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.browser

WAIT_S = 60  # what each wait below would allow; an error must fail far sooner

WIDGET = """\
import ipywidgets as widgets
from IPython.display import display

label = widgets.Label("clicks: 0")
out = widgets.Output()
button = widgets.Button(description="Break it")


@out.capture()
def on_click(_):
    label.value = "clicks: 1"
    1 / 0


button.on_click(on_click)
display(button, label, out)
"""


def _notebook(tmp_path: Path, *cells: str) -> Path:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "course" / "broken.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def _fails_fast_with(action: Callable[[], object], expected: str) -> float:
    """`action` fails with the page's kernel error (PageError), not with its own timeout."""
    start = time.perf_counter()
    with pytest.raises(AssertionError, match="the page shows a kernel error") as failure:
        action()
    took = time.perf_counter() - start
    assert expected in str(failure.value), str(failure.value)
    assert took < WAIT_S / 2, f"the error took {took:.0f} s to fail the test"
    return took


def test_lab_fails_fast_on_a_cell_that_raises(tmp_path: Path, jupyter_lab) -> None:
    nb = _notebook(tmp_path, "x = 1", "raise RuntimeError('broken on purpose')", "print('never')")
    lab = jupyter_lab(nb.parent)
    lab.open(nb.name)
    lab.run_all()
    never = lab.page.get_by_text("never", exact=True).locator("css=.jp-OutputArea-output")
    _fails_fast_with(lambda: lab.wait_for(never, "the last cell's output", WAIT_S), "broken on purpose")


def test_lab_fails_fast_on_a_widget_callback_that_raises(tmp_path: Path, jupyter_lab) -> None:
    nb = _notebook(tmp_path, WIDGET)
    lab = jupyter_lab(nb.parent)
    lab.open(nb.name)
    lab.run_all()
    lab.wait_until_idle()
    lab.page.get_by_role("button", name="Break it").click()
    label = lab.page.locator(".widget-label", has_text="clicks: 1")

    def click_then_wait() -> None:
        lab.wait_for(label, "the label to update", WAIT_S)
        lab.wait_for(lab.page.locator(".widget-label", has_text="clicks: 2"), "a second click", WAIT_S)

    _fails_fast_with(click_then_wait, "ZeroDivisionError")


def test_voila_fails_fast_on_a_widget_callback_that_raises(tmp_path: Path, voila) -> None:
    app = voila(_notebook(tmp_path, WIDGET))
    app.open()
    app.wait_for(app.page.get_by_role("button", name="Break it"), "the button", 120)
    app.page.get_by_role("button", name="Break it").click()
    label = app.page.locator(".widget-label", has_text="clicks: 2")
    _fails_fast_with(lambda: app.wait_for(label, "a second click", WAIT_S), "ZeroDivisionError")


def test_voila_fails_fast_on_a_cell_that_raises(tmp_path: Path, voila) -> None:
    app = voila(_notebook(tmp_path, "x = 1", "raise RuntimeError('broken on purpose')", "print('never')"))
    app.open()
    never = app.page.get_by_text("never", exact=True)
    _fails_fast_with(lambda: app.wait_for(never, "the last cell's output", WAIT_S), "broken on purpose")
