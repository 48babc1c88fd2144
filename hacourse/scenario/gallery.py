"""The shipped scenarios as a gallery, and any scenario opened by name, by path or by a link.

`hacourse new --list` prints `listing()`; `Lesson("my-lab.yaml")` and `Lesson("pacific-mgmt-down")`
find their scenario with `find_scenario`; `notebooks/open-scenario.ipynb` opens the one a link
asks for (`requested()`): on Voila the page's query string (`?scenario=NAME`), which Voila hands to
the kernel as `QUERY_STRING`; on the static site (JupyterLite) the page hands its query string to
the kernel (`panel/page_query.py`); elsewhere (JupyterLab, a course's JupyterHub) the environment
variable `HACOURSE_SCENARIO`. A link may carry a whole scenario file (`?yaml=`, the file
zlib-compressed in base64url: `link_query`, `hacourse link FILE`), checked as a file is.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import subprocess
import zlib
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import parse_qs

import yaml

from hacourse.model import Scenario
from hacourse.scenario import ScenarioError, load_scenario, parse_scenario
from hacourse.scenario.checker import allowed_list, did_you_mean
from hacourse.scenario.errors import FILE, Problem
from hacourse.scenario.starter import shipped_scenarios

QUERY_KEY = "scenario"  # ?scenario=NAME in a Voila link
YAML_KEY = "yaml"  # ?yaml=... a scenario file carried by the link itself
LINK_SOURCE = "the link's scenario"  # how the loader's messages name a scenario carried by a link
ENV_KEY = "HACOURSE_SCENARIO"
DEFAULT = "pacific-storage-down"  # lesson 1's scenario: what a link without a choice opens
SUFFIXES = (".yaml", ".yml")


def listing() -> str:
    """The shipped scenarios, one line each: the name (for --from, Lesson, a link) and its title."""
    shipped = shipped_scenarios()
    width = max(map(len, shipped), default=0)
    lines = []
    for name, file in shipped.items():
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        lines.append(f"{name:<{width}}  {data.get('name', '')}")
    return "\n".join(lines)


def find_scenario(name_or_path: str | Path) -> Scenario:
    """A scenario file (`my-lab.yaml`, relative to the current folder) or a shipped scenario by
    name (`pacific-mgmt-down`); raises ScenarioError naming what exists when neither is found."""
    path = Path(name_or_path)
    if path.suffix in SUFFIXES and path.is_file():
        return load_scenario(path)
    shipped = shipped_scenarios()
    key = path.name.removesuffix(path.suffix) if path.suffix in SUFFIXES else str(name_or_path)
    if key in shipped and (path.suffix not in SUFFIXES or len(path.parts) == 1):
        return load_scenario(shipped[key])
    where = f"no file {path}" if path.suffix in SUFFIXES else f"no shipped scenario '{key}'"
    raise ScenarioError([Problem(str(name_or_path), None, None, "", f"{where}; give a scenario file (.yaml) or "
                                 f"one of the shipped scenarios: {allowed_list(sorted(shipped))}"
                                 f"{did_you_mean(key, shipped)}", FILE)])


def requested(environ: Mapping[str, str] | None = None) -> str:
    """The scenario a link or the environment asks for: `?scenario=` of a Voila page, else
    HACOURSE_SCENARIO, else lesson 1's."""
    environ = os.environ if environ is None else environ
    asked = parse_qs(environ.get("QUERY_STRING", "")).get(QUERY_KEY)
    return (asked[0] if asked else "") or environ.get(ENV_KEY, "") or DEFAULT


def link_query(text: str) -> str:
    """`yaml=...`: a scenario file's text, zlib-compressed and base64url-encoded, for a link's query."""
    packed = base64.urlsafe_b64encode(zlib.compress(text.encode("utf-8"), 9)).decode("ascii").rstrip("=")
    return f"{YAML_KEY}={packed}"


def _unpack(packed: str) -> str:
    try:
        raw = base64.urlsafe_b64decode(packed + "=" * (-len(packed) % 4))
        return zlib.decompress(raw).decode("utf-8")
    except (binascii.Error, ValueError, zlib.error, UnicodeDecodeError) as err:
        raise ScenarioError([Problem(LINK_SOURCE, None, None, "", (
            f"the link's ?{YAML_KEY}= is not a scenario file packed by `hacourse link` ({err}); the link may "
            "have been cut short: copy it whole"), FILE)]) from None


def requested_scenario(environ: Mapping[str, str] | None = None) -> tuple[Scenario, str]:
    """The scenario a link or the environment asks for, and how to name it: a file carried by the
    link (`?yaml=`), checked as a file is, or else `find_scenario(requested())`. Raises ScenarioError."""
    environ = os.environ if environ is None else environ
    carried = parse_qs(environ.get("QUERY_STRING", "")).get(YAML_KEY)
    if carried:
        return parse_scenario(_unpack(carried[0]), LINK_SOURCE), LINK_SOURCE
    name = requested(environ)
    return find_scenario(name), name


def pages_url(repo: Path | None = None) -> str | None:
    """The course site on GitHub Pages, from the git remote `origin` (github.com/OWNER/NAME ->
    https://owner.github.io/NAME/); None outside a clone of a GitHub repository."""
    try:
        remote = subprocess.run(["git", "remote", "get-url", "origin"], capture_output=True, text=True, check=False,
                                cwd=repo or Path(__file__).resolve().parent, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.search(r"github\.com[:/]([^/]+)/([^/]+?)(?:\.git)?/?$", remote)
    return f"https://{found[1].lower()}.github.io/{found[2]}/" if found else None
