"""Generated artefacts of the scenario definition: the JSON Schema that ships in the package
and the key tables, the table of fault kinds and admin actions and the table of `expect:` entries
of docs/scenario-format.md. Regenerate both after changing the definition:

    python -m hacourse.scenario

Tests fail while either is stale, so the editor, the docs and the loader never disagree.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from hacourse.actions import ACTIONS
from hacourse.events import KINDS
from hacourse.profiles import PROFILES
from hacourse.scenario.definition import SCENARIO
from hacourse.scenario.engine_config import EngineConfig
from hacourse.scenario.expect import FIXED_FIELDS, KEY_DOCS, NAMED_FIELDS, PREDICATES, STATUSES
from hacourse.scenario.fields import NO_DEFAULT, ListOf, Nullable, Record

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "scenario.schema.json"
DOCS_PATH = Path(__file__).resolve().parents[2] / "docs" / "scenario-format.md"
BEGIN, END = "<!-- BEGIN generated key tables -->", "<!-- END generated key tables -->"
ACTIONS_BEGIN, ACTIONS_END = "<!-- BEGIN generated actions table -->", "<!-- END generated actions table -->"
EXPECT_BEGIN, EXPECT_END = "<!-- BEGIN generated expect table -->", "<!-- END generated expect table -->"


def json_schema() -> dict:
    """The JSON Schema (draft 2020-12) of a scenario file. It checks structure only: a reference
    to a host, a duplicate name or a fault after the duration is the loader's to find."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "hacourse scenario",
        "description": "A data center, its hosts, networks and VMs, and the faults to inject "
        "(docs/scenario-format.md). Cross-references are checked by `hacourse validate`.",
        **SCENARIO.json_schema(),
    }


def schema_text() -> str:
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


def _records(record: Record, title: str) -> list[tuple[str, Record]]:
    """The records of the format, in the order a reader meets them, each with its place."""
    found = [(title, record)]
    for name, field in record.fields.items():
        kind = field.kind.kind if isinstance(field.kind, Nullable) else field.kind
        kind = kind.item if isinstance(kind, ListOf) else kind
        if isinstance(kind, Record):
            place = f"{title}.{name}" if title != "top level" else name
            found += _records(kind, place + ("[]" if isinstance(field.kind, ListOf) else ""))
    return found


def _default(record: Record, name: str) -> str:
    if isinstance(record.fields[name].kind, Record):
        return "see below"
    default = record.default(name)
    if default is NO_DEFAULT:
        return ""
    return f"`{json.dumps(list(default) if isinstance(default, tuple) else default)}`"


def reference_tables() -> str:
    """Markdown tables of every key: type and allowed values, default, meaning."""
    out = []
    for title, record in _records(SCENARIO, "top level"):
        out += [f"### `{title}`" if title != "top level" else "### Top level", "",
                "| key | allowed | default | meaning |", "|---|---|---|---|"]
        for name, field in record.fields.items():
            default = "**required**" if field.required else _default(record, name)
            out.append(f"| `{name}` | {field.kind.describe()} | {default} | {field.doc} |")
        out.append("")
    config = SCENARIO.fields["engine_config"].kind
    assert isinstance(config, EngineConfig)
    out += ["### `engine_config` keys", "",
            "| key | allowed | " + " | ".join(f"{p} default" for p in PROFILES) + " |",
            "|---|---|" + "---|" * len(PROFILES)]
    for key, kind in config.kinds.items():
        defaults = " | ".join(f"`{json.dumps(p.get(key))}`" for p in PROFILES.values())
        out.append(f"| `{key}` | {kind.describe()} | {defaults} |")
    return "\n".join(out) + "\n"


def actions_table() -> str:
    """A Markdown table of the fault kinds and admin actions (`hacourse.actions`)."""
    out = ["| action | kind | targets | what happens |", "|---|---|---|---|"]
    for kind in ACTIONS.values():
        targets = [f"`{key}`" for key in kind.targets] + [f"`{key}` (optional)" for key in kind.optional]
        out.append(f"| `{kind.name}` | {kind.side} | {', '.join(targets)} | {kind.doc} |")
    return "\n".join(out) + "\n"


def expect_table() -> str:
    """A Markdown table of what an `expect:` entry may say (`hacourse/scenario/expect.py`)."""
    out = ["| the entry is about | it says one of | and may add |", "|---|---|---|"]
    windows = "`between`, `after`"
    more = {"host": "`before`, `times`/`at_least` (with becomes)", "vm": "`before`, `times`/`at_least` (with becomes)",
            "spm": "`before` (with elected: true)"}
    for subject, predicates in PREDICATES.items():
        said = "<br>".join(f"`{name}: {_expect_value(subject, name)}`: {doc}" for name, doc in predicates.items())
        extra = (f"`on: HOST` (with becomes, ends), {windows}" if subject == "vm" else windows) + f", {more[subject]}, `why`"
        about = "`spm: HOST` (a host and the SPM role)" if subject == "spm" else (
            f"`{subject}: NAME`; STATUS is one of {', '.join(STATUSES[subject])}")
        out.append(f"| {about} | {said} | {extra} |")
    out.append(f"| `event: KIND` | the record kind appears in the log, with the fields given (`host: pacific`) | "
               f"any field of KIND, {windows}, `before`, `times`/`at_least`, `why` |")
    out.append(f"| `never: KIND` | no record of that kind (with those fields) appears | any field of KIND, {windows}, "
               "`why` |")
    out += ["", "| key | meaning |", "|---|---|"]
    out += [f"| `{key}` | {doc} |" for key, doc in KEY_DOCS.items()]
    out += ["", "| record field | allowed |", "|---|---|"]
    out += [f"| `{field}` | a {what} of the scenario |" for field, what in NAMED_FIELDS.items()]
    out += [f"| `{field}` | {what}: {', '.join(values)} |" for field, (what, values) in FIXED_FIELDS.items()]
    out.append("| `old`, `new` | a host status (Host... records) or a VM status (Vm... records) |")
    out += ["", "Record kinds: " + ", ".join(f"`{kind}`" for kind in sorted(KINDS)) + "."]
    return "\n".join(out) + "\n"


def _expect_value(subject: str, predicate: str) -> str:
    if subject == "spm":
        return "true" if predicate == "always" else "true/false"
    if predicate == "paused":
        return "true/false"
    if predicate == "starts_migrating_before":
        return "VM"
    return "STATUS"


def docs_with_tables(docs: str) -> str:
    """The docs text with its generated blocks replaced by the current tables."""
    for begin, end, table in ((ACTIONS_BEGIN, ACTIONS_END, actions_table), (EXPECT_BEGIN, EXPECT_END, expect_table),
                              (BEGIN, END, reference_tables)):
        pattern = re.compile(re.escape(begin) + ".*?" + re.escape(end), re.DOTALL)
        if not pattern.search(docs):
            raise ValueError(f"docs have no {begin} ... {end} block")
        docs = pattern.sub(_literal(f"{begin}\n{table()}{end}"), docs)
    return docs


def _literal(text: str) -> Callable[[re.Match[str]], str]:
    """A replacement for `re.sub` that inserts `text` as it is (its backslashes are no escapes)."""
    return lambda _: text
