"""Using the lessons never dirties them: the shipped Jupyter config saves a lesson without what a run added."""

from __future__ import annotations

from pathlib import Path

import nbformat
from traitlets.config.loader import PyFileConfigLoader

from hacourse.panel.saving import strip_outputs

ROOT = Path(__file__).resolve().parent.parent
LESSON = "notebooks/01-storage-network-down-non-spm.ipynb"


def _ran(path: str = LESSON) -> dict:
    """The lesson as JupyterLab sends it to be saved after Run All: outputs, counts, widget state."""
    nb = nbformat.read(ROOT / path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="ran\n")]
            cell.execution_count = 7
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {}}
    nb.metadata["language_info"] = {"name": "python"}
    return {"type": "notebook", "content": nb}


def test_a_lesson_is_saved_as_committed_with_the_students_code_kept():
    model = _ran()
    model["content"].cells[-1].source += "\nprint('my own line')"
    strip_outputs(model, path=LESSON)
    committed = nbformat.read(ROOT / LESSON, as_version=4)
    saved = model["content"]
    assert [c.get("outputs") for c in saved.cells] == [c.get("outputs") for c in committed.cells]
    assert all(c.get("execution_count") is None for c in saved.cells if c.cell_type == "code")
    assert saved.metadata == committed.metadata
    assert saved.cells[-1].source.endswith("print('my own line')")


def test_a_notebook_outside_the_lessons_keeps_its_outputs():
    model = _ran()
    strip_outputs(model, path="my-work/scratch.ipynb")
    assert model["content"].cells[-1].get("outputs") or model["content"].cells[-2].get("outputs")


def test_the_shipped_config_sets_the_hook_and_silences_the_news():
    config = PyFileConfigLoader("jupyter_server_config.py", path=str(ROOT / "binder")).load_config()
    assert config.ContentsManager.pre_save_hook is strip_outputs
    assert config.LabApp.news_url is None
    assert config.TagRemovePreprocessor.remove_cell_tags == ["lab-only"]
    overrides = (ROOT / "binder" / "overrides.json").read_text()
    assert '"fetchNews": "false"' in overrides
