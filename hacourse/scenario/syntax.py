"""YAML syntax errors in an instructor's words: the common mistakes (a missing space after a
colon, a key indented too far or not far enough, a tab) named on the line where they are, with
what to write instead. Anything else keeps the parser's own wording and position.
"""

from __future__ import annotations

import re

import yaml

_KEY_WITHOUT_SPACE = re.compile(r"^(\s*(?:-\s+)?)([^\s:#'\"{}\[\],][^\s:{}\[\],]*):([^\s:/].*?)\s*(?:#.*)?$")
_VALUE_WITH_COLON = re.compile(r"^(\s*(?:-\s+)?)([^\s:#'\"{}\[\],][^:#]*?):\s+([^'\"{\[].*?:\s.*?)\s*$")
_KEY = re.compile(r"^\s*(?:-\s+)?([^\s:#'\"{}\[\],-][^:#]*?):(?:\s|$)")


def explain(exc: yaml.MarkedYAMLError, text: str) -> tuple[int | None, int | None, str]:
    """Line, column (1-based) and message of a syntax error."""
    mark = exc.problem_mark or exc.context_mark
    lines = text.splitlines()
    for rule in (_tab, _missing_space, _indented_too_far, _indented_off):
        found = rule(exc, lines)
        if found is not None:
            return found
    context = f" ({exc.context})" if exc.context else ""
    line = mark.line + 1 if mark else None
    column = mark.column + 1 if mark else None
    return line, column, f"YAML syntax error: {_one_wording(exc, lines)}{context}"


# PyYAML's pure-Python parser (the browser's: no libyaml in Pyodide) words some errors apart from
# libyaml (the server's); both say them libyaml's way, with what the pure parser adds that the
# text shows (the alias, the character). tests/test_yaml_without_libyaml.py holds them to it.
_PURE_WORDING = [
    (re.compile(r"^expected (',' or '[]}]'), but got .*$"), r"did not find expected \1"),
    (re.compile(r"^expected '<document start>', but found .*$"), "did not find expected <document start>"),
    (re.compile(r"^mapping values are not allowed here$"), "mapping values are not allowed in this context"),
    (re.compile(r"^found character .* that cannot start any token$"), "found character that cannot start any token"),
    (re.compile(r"^found undefined alias .*$"), "found undefined alias"),
]
_ALIAS = re.compile(r"\*([^\s,\[\]{}]+)")


def _one_wording(exc: yaml.MarkedYAMLError, lines: list[str]) -> str:
    """The parser's words, the same from libyaml and from PyYAML's pure-Python parser."""
    problem = exc.problem or "invalid YAML"
    if problem.startswith("expected <block end>, but found"):
        block = "key" if "mapping" in (exc.context or "") else "'-' indicator"
        problem = f"did not find expected {block}"
    for pure, libyaml in _PURE_WORDING:
        problem = pure.sub(libyaml, problem)
    mark = exc.problem_mark
    at = _text(lines, mark.line)[mark.column:] if mark else ""
    if problem == "found character that cannot start any token" and at:
        problem = f"found character {at[0]!r} that cannot start any token"
    if problem == "found undefined alias" and (alias := _ALIAS.match(at)):
        problem = f"found undefined alias {alias.group(1)!r}"
    return problem


def _text(lines: list[str], index: int) -> str:
    return lines[index] if 0 <= index < len(lines) else ""


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _previous(lines: list[str], index: int) -> int | None:
    """The nearest line above `index` with content (not blank, not only a comment)."""
    for i in range(index - 1, -1, -1):
        stripped = lines[i].strip()
        if stripped and not stripped.startswith("#"):
            return i
    return None


def _key(line: str) -> str | None:
    match = _KEY.match(line)
    return match.group(1).strip() if match else None


def _tab(exc: yaml.MarkedYAMLError, lines: list[str]) -> tuple[int, int, str] | None:
    mark = exc.problem_mark or exc.context_mark
    if mark is None:
        return None
    line = _text(lines, mark.line)
    lead = line[: len(line) - len(line.lstrip(" \t"))]
    if "\t" not in lead and "\t" not in line[: mark.column + 1]:
        return None
    column = line.index("\t") + 1
    return (mark.line + 1, column, (f"YAML syntax error: this line has a tab: YAML indents with spaces only; "
            f"replace the tab at column {column} with spaces"))


def _missing_space(exc: yaml.MarkedYAMLError, lines: list[str]) -> tuple[int, int, str] | None:
    """`duration:600` is one piece of text to YAML, not a key and a value; the parser notices
    only on a later line, so the error is placed back on the line of the colon."""
    if exc.context_mark is None or "could not find expected ':'" not in (exc.problem or ""):
        return None
    index = exc.context_mark.line
    match = _KEY_WITHOUT_SPACE.match(_text(lines, index))
    if match is None:
        return (index + 1, exc.context_mark.column + 1, ("YAML syntax error: this line is neither `key: value` nor a "
                "list item (`- ...`), and YAML could not find where it ends; a key needs a colon and a space"))
    lead, key, value = match.groups()
    return (index + 1, len(lead) + len(key) + 1, (f"YAML syntax error: `{key}:{value}` needs a space after the "
            f"colon: write `{key}: {value}`"))


def _indented_too_far(exc: yaml.MarkedYAMLError, lines: list[str]) -> tuple[int, int, str] | None:
    """`spm: atlantic` and below it `  extra: 1`: the second line is read as more of the first
    one's value, which cannot hold a key."""
    if exc.problem_mark is None or "mapping values are not allowed" not in (exc.problem or ""):
        return None
    index = exc.problem_mark.line
    line = _text(lines, index)
    above = _previous(lines, index)
    key = _key(line)
    if key is None:
        return None
    if above is not None and (joined := _KEY_WITHOUT_SPACE.match(lines[above])) and _key(lines[above]) is None:
        lead, name, value = joined.groups()  # `- name:atlantic` runs on into the next line
        return (above + 1, len(lead) + len(name) + 1, (f"YAML syntax error: `{name}:{value}` needs a space after "
                f"the colon: write `{name}: {value}`"))
    if above is None or _indent(line) <= _indent(lines[above]) or _key(lines[above]) is None:
        written = _VALUE_WITH_COLON.match(line)
        if written:  # `description: note: more` on one line
            lead, name, value = written.groups()
            quoted = value.replace("'", "''")
            return (index + 1, len(lead) + len(name) + 3, (f"YAML syntax error: a value that contains ': ' must be "
                    f"quoted: write `{name}: '{quoted}'`"))
        return None
    parent = _key(lines[above])
    return (index + 1, _indent(line) + 1, (f"YAML syntax error: `{key}` is indented more than `{parent}` on line "
            f"{above + 1}, so YAML reads it as part of {parent}'s value; indent `{key}` as its neighbours are "
            f"(column {_indent(lines[above]) + 1})"))


def _indented_off(exc: yaml.MarkedYAMLError, lines: list[str]) -> tuple[int, int, str] | None:
    """A key or list item whose indentation matches no level above it."""
    problem, context = exc.problem or "", exc.context or ""
    block = ("did not find expected" in problem and "block" in context) or problem.startswith("expected <block end>")
    if exc.problem_mark is None or not block:
        return None
    index = exc.problem_mark.line
    line = _text(lines, index)
    above = _previous(lines, index)
    if not line.strip() or above is None or _indent(line) == _indent(lines[above]):
        return None
    what = f"`{_key(line)}`" if _key(line) else "this line"
    neighbour = _key(lines[above]) or lines[above].strip()
    return (index + 1, _indent(line) + 1, (f"YAML syntax error: {what} starts at column {_indent(line) + 1}, but "
            f"the entry above it (`{neighbour}`, line {above + 1}) starts at column {_indent(lines[above]) + 1}; "
            "keys of one mapping, and items of one list, start at the same column"))
