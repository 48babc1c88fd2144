"""Two exercises in JupyterLab, as a student works them: run, answer wrong, read the feedback.

The notebook runs whole with the instructor's answers ("Right: ..." under every check, no error).
Then the student writes a wrong answer in the answer cell and runs it and its check (Shift+Enter,
twice): the check prints "Not yet: ..." with the reason, and the failed assertion under it tells
what to do next; nothing else goes wrong in the page. Screenshots go to test-output/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

EXERCISES = {  # notebook, its checks, the answer cell's first line, a wrong answer, what the feedback says of it
    "exercise-1": ("notebooks/exercises/01-predict-the-migration-order.ipynb", 1, "answer = ",
                   'answer = ["web1", "db1"]', "Not yet:"),
    "exercise-4": ("notebooks/exercises/04-why-did-this-vm-stay-paused.ipynb", 2, "reason = ",
                   'reason = "a"', "Not yet:"),
}


@pytest.mark.parametrize("name", EXERCISES)
def test_in_jupyterlab_an_exercise_runs_and_a_wrong_answer_gets_its_feedback(served_dir: Path, jupyter_lab,
                                                                             name: str) -> None:
    notebook, checks, answer_line, wrong, said = EXERCISES[name]
    lab = jupyter_lab(served_dir)
    lab.open(notebook)
    lab.run_all()
    lab.wait_until_idle(timeout_s=240)
    outputs = lab.page.locator(".jp-OutputArea-output")
    right = outputs.filter(has_text=re.compile(r"^Right: "))
    assert right.count() == checks, f"{lab.name}: {right.count()} checks say 'Right:', of {checks}"
    lab.assert_no_errors()

    cells = lab.page.locator(".jp-Notebook .jp-CodeCell")
    texts = cells.all_inner_texts()
    at = next(i for i, text in enumerate(texts) if answer_line in text and "BEGIN SOLUTION" in text)
    answer, check = cells.nth(at), cells.nth(at + 1)  # by place: the edit changes the answer cell's text
    answer.locator(".cm-content").click()
    lab.page.keyboard.press("Control+a")
    lab.page.keyboard.type(wrong)
    lab.page.keyboard.press("Shift+Enter")  # the answer cell, then the check cell under it
    lab.page.keyboard.press("Shift+Enter")
    try:
        check.locator(".jp-OutputArea-output", has_text=said).first.wait_for(timeout=60_000)  # an error is expected
    except Exception as timeout:
        lab.screenshot("no-feedback")
        raise AssertionError(f"{lab.name}: no '{said}' under the check after a wrong answer") from timeout
    feedback = check.locator(".jp-OutputArea-output").first.inner_text()
    assert feedback.startswith(said) and len(feedback) > len(said) + 20, f"{lab.name}: feedback without a reason: {feedback}"
    errors = check.locator("[data-mime-type='application/vnd.jupyter.stderr']")  # after the print, the assertion
    errors.first.wait_for(timeout=30_000)
    error = lab.errors()
    assert error is not None and "read the feedback above, change your answer" in error, error
    assert lab.page.locator("[data-mime-type='application/vnd.jupyter.stderr']").count() == 1, \
        "an error besides the failed check"
    check.scroll_into_view_if_needed()
    lab.screenshot("wrong-answer", of=check)
