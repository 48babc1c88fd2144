"""A real classroom on this machine, as the instructor guide's "Running a class" walks it: its `sh`
blocks run in order, in an empty folder. JupyterHub (DummyAuthenticator, SimpleLocalProcessSpawner,
configurable-http-proxy from npm) with nbgrader's exchange; the instructor checks a scenario with
host-keyed entries, makes an exercise with a roster of 30 and releases it; alice and bob each get
a server from the hub, fetch the exercise in their own kernel and see their own variant; alice
hands in right answers, bob alice's; the instructor collects and autogrades with nbgrader, then
`hacourse grade` and `hacourse class-summary` read the submissions. A guide edit that breaks the
walk fails here. JupyterHub, nbgrader and the proxy are installed by the test itself (pip into a
cache folder, npm into another), so CI runs it as it is.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import NBGRADER_VERSION, free_port
from tests.seed import ROOT
from tests.test_instructor_guide import sh_blocks

pytestmark = pytest.mark.slow

JUPYTERHUB_VERSION = "6.1.1"
CHP_VERSION = "4"  # configurable-http-proxy, JupyterHub's proxy, from npm
# what jupyterhub and nbgrader need beyond the test extras (pip install --dry-run jupyterhub nbgrader)
HUB_EXTRAS = ("alembic", "certipy", "oauthlib", "pamela", "pydantic", "pydantic_core", "annotated-types",
              "SQLAlchemy", "typing-inspection", "Mako", "RapidFuzz", "setuptools", "aiohttp", "multidict", "yarl",
              "aiohappyeyeballs", "aiosignal", "frozenlist", "propcache")
START, END = "<!-- hub walk -->", "<!-- end hub walk -->"
# The commands of the pip --target folder, run by this interpreter: the scripts pip wrote there
# start with the interpreter of whoever installed the cache, which may be another venv.
COMMANDS = {"jupyterhub": "jupyterhub", "jupyterhub-singleuser": "jupyterhub.singleuser", "nbgrader": "nbgrader",
            "alembic": "alembic"}
# What only a test machine needs beyond the guide's jupyterhub_config.py: ports nobody else uses,
# root (CI), patience under load.
TEST_CONFIG = """
cat >> jupyterhub_config.py <<'TEST'
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api_port}"
c.Spawner.args = ["--allow-root"]
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
TEST
"""


def _cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "hacourse-tests"


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict[str, str]:
    """jupyterhub and nbgrader in a cache folder only this test's processes see (so their Jupyter
    extensions never load in the other tests' servers); the proxy from npm, in the cache too.
    Each is installed once per machine and version: a folder is used once its install finished.
    The guide's install step then finds them on PATH."""
    target = _cache() / f"hub-python{sys.version_info[0]}.{sys.version_info[1]}-{JUPYTERHUB_VERSION}-{NBGRADER_VERSION}"
    if not (target / "installed").exists():
        shutil.rmtree(target, ignore_errors=True)
        pip = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                              "--no-deps", "--target", str(target), f"jupyterhub=={JUPYTERHUB_VERSION}",
                              f"nbgrader=={NBGRADER_VERSION}", *HUB_EXTRAS],
                             capture_output=True, text=True, timeout=600, check=False)
        assert pip.returncode == 0, f"could not install jupyterhub and nbgrader:\n{pip.stderr[-3000:]}"
        (target / "installed").write_text("ok\n")
    proxy_home = _cache() / f"configurable-http-proxy-{CHP_VERSION}"
    proxy = proxy_home / "node_modules" / ".bin" / "configurable-http-proxy"
    if not proxy.exists():
        npm = shutil.which("npm")
        assert npm, "npm is needed to install configurable-http-proxy (apt-get install npm)"
        done = subprocess.run([npm, "install", "--prefix", str(proxy_home), "--no-fund", "--no-audit",
                               f"configurable-http-proxy@{CHP_VERSION}"], capture_output=True, text=True, timeout=600,
                              check=False)
        assert done.returncode == 0, f"npm could not install configurable-http-proxy:\n{done.stderr[-3000:]}"
    commands = tmp_path_factory.mktemp("bin")
    for name, module in COMMANDS.items():
        (commands / name).write_text(f'#!/bin/sh\nexec "{sys.executable}" -m {module} "$@"\n')
        (commands / name).chmod(0o755)
    path = os.pathsep.join([str(commands), str(proxy.parent), str(Path(sys.executable).parent),
                            os.environ.get("PATH", "")])
    pythonpath = os.pathsep.join(filter(None, [str(target), str(ROOT), os.environ.get("PYTHONPATH")]))
    return {"PATH": path, "PYTHONPATH": pythonpath}


def _stop_group(walk: subprocess.Popen) -> None:
    """SIGTERM to the walk's process group (the hub stops its proxy and servers), SIGKILL to what
    is left after 30 s."""
    try:
        os.killpg(walk.pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            os.killpg(walk.pid, 0)  # raises once nobody of the group is left
            time.sleep(0.5)
        os.killpg(walk.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    walk.wait(timeout=30)


def _stop_proxy(pid_file: Path) -> None:
    """The proxy the hub started, when the hub did not stop it (a walk that failed while the hub
    was starting): by the pid the hub wrote, if that process is still the proxy."""
    try:
        pid = int(pid_file.read_text())
        if b"configurable-http-proxy" in Path(f"/proc/{pid}/cmdline").read_bytes():
            os.kill(pid, signal.SIGTERM)
    except (OSError, ValueError):
        pass


def hub_walk() -> list[str]:
    return sh_blocks(START, END)


def test_the_hub_walk_has_its_seven_steps_in_sh_blocks():
    said = hub_walk()
    assert len(said) == 7
    for step, commands in enumerate((
            ("pip install", "npm install configurable-http-proxy"),
            ("hacourse check", "--seeds 0-29", "hacourse exercise", "--roster"),
            ("nbgrader_config.py", "nbgrader release_assignment lab"),
            ("cat > jupyterhub_config.py", "allowed_users", "SimpleLocalProcessSpawner", "api_token"),
            ("jupyterhub -f jupyterhub_config.py",),
            ("python -m hacourse.grading.hub", "fetch_assignment lab", "nbgrader submit lab"),
            ("nbgrader collect lab", "nbgrader autograde lab", "hacourse grade", "hacourse class-summary"))):
        assert all(command in said[step] for command in commands), (step, said[step])


@pytest.fixture(scope="module")
def walked(installed, tmp_path_factory):
    """The guide's hub walk, run by bash in an empty folder; what it printed. Between writing the
    hub's config and starting the hub, the test adds what only a test machine needs (TEST_CONFIG)."""
    folder = tmp_path_factory.mktemp("classroom")
    blocks = hub_walk()
    config = next(i for i, block in enumerate(blocks) if "cat > jupyterhub_config.py" in block)
    blocks.insert(config + 1, TEST_CONFIG.format(hub_port=free_port(), proxy_api_port=free_port()))
    env = {**os.environ, **installed, "HUB_URL": f"http://127.0.0.1:{free_port()}"}
    env.pop("JUPYTERHUB_API_TOKEN", None)
    walk = subprocess.Popen(["bash", "-c", "set -euo pipefail\n" + "\n".join(blocks)], cwd=folder, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = walk.communicate(timeout=1500)
    finally:  # the hub and the servers are in the walk's process group; the proxy, in a session of its own
        _stop_group(walk)
        _stop_proxy(folder / "jupyterhub-proxy.pid")
    log = (folder / "hub.log").read_text()[-3000:] if (folder / "hub.log").exists() else ""
    assert walk.returncode == 0, f"the guide's hub walk stopped:\n{out[-4000:]}\n{err[-4000:]}\nhub.log:\n{log}"
    return folder, out


def _answers(folder: Path, student: str) -> dict[str, str]:
    with open(folder / "lab-exercise" / "manifest.csv", newline="") as table:
        row = next(r for r in csv.DictReader(table) if r["student_id"] == student)
    return {k.removeprefix("answer:"): v for k, v in row.items() if k.startswith("answer:")}


def test_each_student_fetches_the_exercise_and_sees_their_own_variant(walked):
    _, out = walked
    assert "Your variant 01 (seed 0, NicDHCPDelayGraceInMS=60), issued to alice" in out
    assert "Your variant 02 (seed 1, NicDHCPDelayGraceInMS=180), issued to bob" in out


def test_nbgrader_and_hacourse_grade_agree_right_answers_full_marks_a_copy_loses(walked):
    folder, out = walked
    with open(folder / "course" / "grades.csv", newline="") as table:
        scores = {r["student_id"]: (float(r["score"]), float(r["max_score"])) for r in csv.DictReader(table)}
    points = float(len(_answers(folder, "alice")))
    assert scores["alice"] == (points, points)
    assert scores["bob"][0] < points
    assert f"alice            variant 01  {points:g}/{points:g}" in out
    assert "bob              variant 02" in out
    assert "scored otherwise" not in out and "not the one issued" not in out  # nbgrader restored the files
    with open(folder / "lab-exercise" / "manifest.csv", newline="") as table:
        assert len(list(csv.DictReader(table))) == 30


def test_after_autograding_the_feedback_says_what_the_run_showed_and_why(walked):
    folder, _ = walked
    book = json.loads((folder / "course" / "autograded" / "bob" / "lab" / "lab.ipynb").read_text())
    q1 = next(c for c in book["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "q1")
    said = "".join("".join(o.get("text", "")) for o in q1["outputs"])  # text: a string or its lines
    assert said.startswith("Not yet: 66 s is ") and "too early" in said
    assert "What the run showed: pacific became NonOperational at" in said
    assert "Why it matters: NicDHCPDelayGraceInMS" in said


def test_the_class_summary_shows_who_got_each_question(walked):
    folder, out = walked
    differ = [q for q, a in _answers(folder, "alice").items() if _answers(folder, "bob")[q] != a]
    assert "q1" in differ
    for question in _answers(folder, "alice"):
        line = next(row for row in out.splitlines() if row.startswith(f"| {question} |"))
        assert (f"| {question} | 1/2 (50%) |" if question in differ else f"| {question} | 2/2 (100%) |") in line
    assert "| 02 (0/1) |" in next(row for row in out.splitlines() if row.startswith("| q1 |"))
    assert (folder / "course" / "lab-summary.png").stat().st_size > 5_000


def test_the_scenario_with_host_keyed_entries_became_questions(walked):
    folder, _ = walked
    book = json.loads((folder / "lab-exercise" / "student" / "lab.ipynb").read_text())
    asked = "".join("".join(c["source"]) for c in book["cells"] if c["cell_type"] == "markdown")
    assert "a NicDown record with host: pacific appears in the log" in asked
    assert "no HostFenced record with host: pacific appears in the log" in asked
