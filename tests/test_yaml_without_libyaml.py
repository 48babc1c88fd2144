"""The scenario loader's messages are the same with libyaml (the server) and without it (the
browser's Pyodide kernel, whose PyYAML is the pure-Python build: scripts/build_site.sh).

The checker takes `yaml.CSafeLoader` when PyYAML has it and `yaml.SafeLoader` otherwise; both give
the same nodes with the same marks, so a broken file gets the same file, line, column and words
in a lesson in the browser as on the command line. Every file of tests/broken_scenarios/ and the
shipped scenarios are read both ways; the second way runs in a Python where libyaml's binding
cannot be imported, as in the browser.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from hacourse.scenario import ScenarioError, load_scenario
from hacourse.scenario.checker import SafeLoader
from hacourse.scenario.syntax import explain

REPO = Path(__file__).resolve().parent.parent
FILES = sorted((REPO / "tests" / "broken_scenarios").glob("*.yaml")) + sorted((REPO / "scenarios").glob("*.yaml"))

READ_ALL = """
import json, sys
from hacourse.scenario import ScenarioError, load_scenario
from hacourse.scenario.checker import SafeLoader
out = {"loader": [c.__name__ for c in SafeLoader.__mro__], "messages": {}}
for path in sys.argv[1:]:
    try:
        load_scenario(path)
        out["messages"][path] = []
    except ScenarioError as error:
        out["messages"][path] = [str(p) for p in error.problems]
print(json.dumps(out))
"""
WITHOUT_LIBYAML = "import sys; sys.modules['yaml._yaml'] = None; sys.modules['_yaml'] = None\n"


def messages_here() -> dict[str, list[str]]:
    out = {}
    for path in FILES:
        try:
            load_scenario(str(path))
            out[str(path)] = []
        except ScenarioError as error:
            out[str(path)] = [str(p) for p in error.problems]
    return out


def messages_without_libyaml() -> tuple[list[str], dict[str, list[str]]]:
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_LIBYAML + READ_ALL, *map(str, FILES)],
        capture_output=True, text=True, check=True, cwd=REPO,
    )
    out = json.loads(done.stdout)
    return out["loader"], out["messages"]


def test_the_server_reads_scenarios_with_libyaml():
    assert yaml.__with_libyaml__
    assert yaml.CSafeLoader in SafeLoader.__mro__


def test_without_libyaml_the_loader_gives_the_same_messages():
    loader, messages = messages_without_libyaml()
    assert "CSafeLoader" not in loader and "SafeLoader" in loader, loader  # the pure-Python parser read them
    here = messages_here()
    assert sum(bool(m) for m in here.values()) >= 60  # the broken corpus is broken both ways
    for path in here:
        assert messages[path] == here[path], path


# YAML slips the two parsers word apart (syntax.py gives them one wording); the pure-Python parser
# accepts an unknown directive (`%FOO`) that libyaml refuses: the one difference left.
SLIPS = [
    "a: {b: 1\nc: 2\n", "a: [1, 2\nb: 3\n", "[a, b: c\n", "- a\nb: 1\n", "a: 1\n- b\n", "a: [1, 2]]\n",
    "{a: 1}}\n", "a:\n  - 1\n  b: 2\n", "a: *x\n", "a: @x\n", "a: `x\n", "key: value: other\n",
    "a: b\n  c: d\n", "a:\n  b: 1\n c: 2\n", "a: 'x\n",
]


@pytest.mark.parametrize("text", SLIPS)
def test_a_yaml_slip_reads_the_same_with_and_without_libyaml(text):
    def explained(loader):
        with pytest.raises(yaml.MarkedYAMLError) as raised:
            yaml.compose(text, Loader=loader)
        return explain(raised.value, text)

    assert explained(yaml.CSafeLoader) == explained(yaml.SafeLoader)
