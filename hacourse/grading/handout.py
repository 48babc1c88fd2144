"""What `hacourse exercise` writes beside the notebooks for people: a printable hand-out for the
students and a solution walk-through for the instructor.

`handout.html` is one page that prints cleanly to PDF from a browser: the title, the story (the
exercise file's intro), the data center's picture as it starts, what the scenario holds, and the
questions with room to write, never an answer. `walkthrough.md` is the instructor's: each
question with its answer, the entry's `why:`, what the run showed, and the engine's chain of
decisions and timers behind it (`hacourse explain`'s), and with variants the answers' range.
Neither goes in `instructor/`, the folder nbgrader releases from.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence

from hacourse.analysis.explain import explain_host, explain_text, explain_vm
from hacourse.model import Scenario

CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; max-width: 46em; margin: 2em auto; color: #222; }
h1 { font-size: 1.6em; margin-bottom: .2em; }
.story { font-size: 1.05em; line-height: 1.45; }
figure { margin: 1em 0; text-align: center; }
figure svg { max-width: 100%; height: auto; }
pre.holds { background: #f5f5f5; padding: .6em; font-size: .85em; white-space: pre-wrap; }
.question { margin: 1.2em 0; page-break-inside: avoid; break-inside: avoid; }
.answer { border-bottom: 1px solid #999; height: 2.2em; margin-top: .4em; }
.answer span { color: #777; font-size: .85em; }
footer { margin-top: 2em; color: #777; font-size: .8em; }
@media print { body { margin: 0; max-width: none; } a { color: inherit; } }
"""


def _inline(text: str) -> str:
    """The little Markdown the prompts use (**bold**, `code`) as HTML."""
    out = html.escape(text)
    out = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", out)
    return re.sub(r"`(.+?)`", r"<code>\1</code>", out)


def handout_html(title: str, story: str, scenario: Scenario, overview: str,
                 questions: Sequence[tuple[str, str]], note: str = "") -> str:
    """The printable hand-out: `questions` are (prompt, what to write) pairs, without answers."""
    from hacourse.views.svg_topology import render_topology
    from hacourse.views.topology import topology_graph

    picture = render_topology(topology_graph(scenario), heading="The data center at the start")
    paragraphs = "".join(f"<p>{_inline(p.strip())}</p>" for p in story.split("\n\n") if p.strip())
    asked = "".join(
        f'<div class="question"><p>{_inline(prompt)}</p><div class="answer"><span>{html.escape(hint)}</span></div></div>'
        for prompt, hint in questions)
    extra = f"<p>{_inline(note)}</p>" if note else ""
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
            f"<style>{CSS}</style></head><body>\n<h1>{html.escape(title)}</h1>\n<div class=\"story\">{paragraphs}"
            f"{extra}</div>\n<figure>{picture}</figure>\n<h2>What the scenario holds</h2>\n"
            f"<pre class=\"holds\">{html.escape(overview)}</pre>\n<h2>Questions</h2>\n{asked}\n"
            "<footer>Made by hacourse exercise. Print it from the browser (Ctrl+P), or save it as PDF.</footer>\n"
            "</body></html>\n")


def _chain(entry: Mapping, log: Sequence, scenario: Scenario, at: float | None) -> str:
    """The engine's decisions behind an entry's answer, up to when it happened."""
    if "vm" in entry and "event" not in entry and "never" not in entry:
        steps = explain_vm(log, entry["vm"], at)
        return explain_text(steps[-8:], f"Why {entry['vm']} (the last steps up to the answer):")
    host = entry.get("host") or entry.get("spm")
    if host and host in {h.name for h in scenario.hosts}:
        steps = explain_host(log, host, at)
        return explain_text(steps[-8:], f"Why {host} (the last steps up to the answer):")
    return ""


def walkthrough_md(title: str, scenario: Scenario, log: Sequence, rows: Sequence[dict],
                   spread: Mapping[str, str]) -> str:
    """The instructor's walk through the solution. `rows`: per question its prompt, answer, entry
    (or None), why, what the run showed and when (seconds, or None); `spread`: question -> the
    answers across the variants, in words."""
    lines = [f"# {title}: the solution, step by step", "",
             f"For the instructor (do not hand out). Scenario {scenario.name!r}, seed {scenario.seed}"
             + (": each student's variant has its own numbers (manifest.csv)." if spread else "."), ""]
    for row in rows:
        lines += [f"## {row['prompt'].replace('**', '')}", "", f"**Answer:** `{row['answer']!r}`", ""]
        if row["question"] in spread:
            lines += [f"Across the variants: {spread[row['question']]}.", ""]
        if row.get("why"):
            lines += [f"**Why it matters:** {row['why']}", ""]
        if row.get("seen"):
            lines += [f"**What the run showed:** {row['seen']}", ""]
        if row.get("entry") is not None:
            chain = _chain(row["entry"], log, scenario, row.get("at"))
            if chain:
                lines += ["```", chain, "```", ""]
    return "\n".join(lines)
