"""The shipped lessons stay as committed while a student uses them.

JupyterLab autosaves a notebook that ran: outputs, execution counts and the widgets' state land in
`notebooks/*.ipynb`, and the tests that hold the lessons clean (no outputs, the text twin matches)
turn red. `strip_outputs` is a Jupyter server `pre_save_hook` (binder/jupyter_server_config.py sets
it, for Binder and for `scripts/lesson.sh`): a notebook under `notebooks/` is saved with the
student's code and text as they are, and without what a run added. Other notebooks are untouched.
"""

from __future__ import annotations

from typing import Any

LESSONS = "notebooks/"
RUN_METADATA = ("widgets", "language_info")  # what a kernel run adds to a notebook's metadata


def strip_outputs(model: dict[str, Any], path: str = "", **_: Any) -> None:
    """Drop outputs, execution counts and run metadata from a notebook model about to be saved
    under `notebooks/` (in place, as Jupyter's `pre_save_hook` expects)."""
    if model.get("type") != "notebook" or not path.lstrip("/").startswith(LESSONS):
        return
    content = model.get("content") or {}
    for key in RUN_METADATA:
        content.get("metadata", {}).pop(key, None)
    for cell in content.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        cell.get("metadata", {}).pop("execution", None)
