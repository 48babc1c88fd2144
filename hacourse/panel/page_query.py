"""The page's link, read in the browser's kernel (the static site: JupyterLite, Pyodide).

Voila hands a page's query string to its kernel as `QUERY_STRING`; JupyterLite does not, and its
kernel cannot look: it runs in a Web Worker, whose `location` is the worker script's address, not
the page's. So the page hands it over: a hidden text box on the panel and a line of JavaScript
(the cell's output, run by the page as any output the kernel just made) that writes
`window.location.search` into the box; ipywidgets carries the value to the kernel, which then
opens the scenario the link names, as `QUERY_STRING` would have.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping

import ipywidgets as widgets

BOX_CLASS = "hacourse-page-query"
_HAND_OVER = """
(function () {
  let tries = 0;
  const timer = setInterval(function () {
    const box = document.querySelector(".BOX input");
    if (!box && ++tries < 200) { return; }
    clearInterval(timer);
    if (box) {
      box.value = "?" + window.location.search.replace(/^[?]/, "");
      box.dispatchEvent(new Event("input", {bubbles: true}));
    }
  }, 50);
})();
""".replace("BOX", BOX_CLASS)


def in_browser() -> bool:
    """Whether this kernel is Pyodide's, in a browser tab."""
    return sys.platform == "emscripten"


def from_the_page(open_with: Callable[[Mapping[str, str]], object]) -> widgets.Widget:
    """A box that shows `open_with({"QUERY_STRING": the page's query})` once the page handed it over."""
    from IPython.display import Javascript, display

    query = widgets.Text(layout=widgets.Layout(display="none"))
    query.add_class(BOX_CLASS)
    shown = widgets.Output()

    def handed_over(change: dict) -> None:
        if not change["new"].startswith("?"):
            return
        shown.clear_output()
        with shown:
            opened = open_with({"QUERY_STRING": change["new"][1:]})
            if opened is not None:
                display(opened)

    query.observe(handed_over, "value")
    display(Javascript(_HAND_OVER))
    return widgets.VBox([query, shown])
