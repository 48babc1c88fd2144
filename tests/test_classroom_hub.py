"""A real classroom on this machine: JupyterHub (DummyAuthenticator, SimpleLocalProcessSpawner,
configurable-http-proxy from npm) with nbgrader's exchange. The instructor makes an exercise with
a roster of two and releases it; alice and bob each get a server from the hub, fetch the exercise
in their own kernel and see their own variant; alice hands in right answers, bob wrong ones; the
instructor collects and autogrades with nbgrader, then `hacourse grade` and `hacourse
class-summary` read the submissions. JupyterHub, nbgrader and the proxy are installed by the test
itself (pip into a throwaway folder, npm into a cache folder), so CI runs it as it is.
"""

from __future__ import annotations

import asyncio
import csv
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import NBGRADER_VERSION, free_port
from tests.seed import ROOT, SEED

pytestmark = pytest.mark.slow

JUPYTERHUB_VERSION = "6.1.1"
CHP_VERSION = "4"  # configurable-http-proxy, JupyterHub's proxy, from npm
# what jupyterhub and nbgrader need beyond the test extras (pip install --dry-run jupyterhub nbgrader)
HUB_EXTRAS = ("alembic", "certipy", "oauthlib", "pamela", "pydantic", "pydantic_core", "annotated-types",
              "SQLAlchemy", "typing-inspection", "Mako", "RapidFuzz", "setuptools", "aiohttp", "multidict", "yarl",
              "aiohappyeyeballs", "aiosignal", "frozenlist", "propcache")
STUDENTS = ("alice", "bob")
HOST_KEYED = """  - {event: NicDown, host: pacific, why: "the storage NIC goes down first"}
  - {never: HostFenced, host: pacific, why: "Pacific still answers the engine"}
"""
COURSE = "hacourse"
TOKEN = uuid.uuid4().hex
START = time.monotonic()


def _cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "hacourse-tests"


@pytest.fixture(scope="module")
def installed() -> dict[str, str]:
    """jupyterhub and nbgrader in a cache folder only this test's processes see (so their Jupyter
    extensions never load in the other tests' servers); the proxy from npm, in the cache too.
    Each is installed once per machine and version: a folder is used once its install finished."""
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
    path = os.pathsep.join([str(target / "bin"), str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    pythonpath = os.pathsep.join(filter(None, [str(target), str(ROOT), os.environ.get("PYTHONPATH")]))
    return {"PATH": path, "PYTHONPATH": pythonpath, "proxy": str(proxy)}


def run(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    print(f"{time.monotonic() - START:6.1f} s  {' '.join(args[1:4])}")
    done = subprocess.run(list(args), cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, f"{' '.join(args)}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


HUB_CONFIG = """
c = get_config()  # noqa
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {port}
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api_port}"
c.ConfigurableHTTPProxy.command = [{proxy!r}]
c.JupyterHub.db_url = "sqlite:///{folder}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "{folder}/cookie_secret"
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allowed_users = {students!r}
c.JupyterHub.spawner_class = "jupyterhub.spawner.SimpleLocalProcessSpawner"
c.SimpleLocalProcessSpawner.home_dir_template = "{folder}/home/{{username}}"
c.Spawner.cmd = [{python!r}, "-m", "jupyterhub.singleuser"]
c.Spawner.args = ["--allow-root"]  # the test runs as root in CI
c.Spawner.environment = {{"PYTHONPATH": {pythonpath!r}, "PATH": {path!r}}}
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.JupyterHub.services = [{{"name": "classroom-test", "api_token": {token!r}}}]
c.JupyterHub.load_roles = [{{"name": "classroom-test", "services": ["classroom-test"],
                            "scopes": ["admin:users", "admin:servers", "access:servers", "read:users"]}}]
"""

NBGRADER_CONFIG = """
c = get_config()  # noqa
c.CourseDirectory.course_id = {course!r}
c.Exchange.root = {exchange!r}
"""
# Every server of this hub runs as one Unix user, so nbgrader's exchange, which names a student by
# their Unix account, is told the hub user instead (the guide says the same for such hubs).
STUDENT_CONFIG = """
import os
c.CourseDirectory.student_id = os.environ["JUPYTERHUB_USER"]
"""


class Hub:
    def __init__(self, url: str, folder: Path) -> None:
        self.url, self.folder = url, folder

    def api(self, method: str, path: str, body: dict | None = None) -> object:
        request = urllib.request.Request(f"{self.url}{path}", method=method,
                                         data=None if body is None else json.dumps(body).encode(),
                                         headers={"Authorization": f"token {TOKEN}",
                                                  "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=120) as answer:
            text = answer.read().decode()
        return json.loads(text) if text.strip() else None

    def start(self, user: str) -> None:
        """The user's server, started through the hub's REST API, waited for."""
        print(f"{time.monotonic() - START:6.1f} s  start {user}'s server")
        self.api("POST", f"/hub/api/users/{user}/server")
        for _ in range(240):
            status = self.api("GET", f"/hub/api/users/{user}")
            server = (status.get("servers") or {}).get("", {})
            if server.get("ready"):
                return
            time.sleep(0.5)
        pytest.fail(f"{user}'s server did not start:\n{(self.folder / 'hub.log').read_text()[-3000:]}")

    def execute(self, user: str, code: str) -> str:
        """Run `code` in a new kernel of the user's server (over the kernel's websocket, as
        JupyterLab does) and return what it printed; fail with the traceback on an error."""
        print(f"{time.monotonic() - START:6.1f} s  {user}: {code.strip().splitlines()[-1][:60]}")
        kernel = self.api("POST", f"/user/{user}/api/kernels", {"name": "python3"})
        try:
            url = self.url.replace("http", "ws", 1) + f"/user/{user}/api/kernels/{kernel['id']}/channels"
            # In a thread of its own: after the browser tests, Playwright's sync API keeps an event
            # loop running in this thread, where asyncio.run() refuses to start.
            with ThreadPoolExecutor(max_workers=1) as thread:
                return thread.submit(asyncio.run, _execute(url, code)).result()
        finally:
            self.api("DELETE", f"/user/{user}/api/kernels/{kernel['id']}")


async def _execute(url: str, code: str) -> str:
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    socket = await websocket_connect(HTTPRequest(url, headers={"Authorization": f"token {TOKEN}"}))
    msg_id = uuid.uuid4().hex
    socket.write_message(json.dumps({
        "header": {"msg_id": msg_id, "username": "test", "session": uuid.uuid4().hex, "msg_type": "execute_request",
                   "version": "5.3"},
        "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
        "content": {"code": code, "silent": False, "store_history": False, "user_expressions": {},
                    "allow_stdin": False, "stop_on_error": True}}))
    printed, error = [], None
    while True:
        raw = await asyncio.wait_for(socket.read_message(), timeout=300)
        assert raw is not None, "the kernel's websocket closed"
        message = json.loads(raw)
        if message.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind = message["msg_type"]
        if kind == "stream":
            printed.append(message["content"]["text"])
        elif kind == "error":
            error = "\n".join(message["content"]["traceback"])
        elif kind == "status" and message["content"]["execution_state"] == "idle":
            break
    socket.close()
    assert error is None, f"the kernel raised:\n{error}\n{''.join(printed)}"
    return "".join(printed)


@pytest.fixture(scope="module")
def classroom(installed, tmp_path_factory):
    folder = tmp_path_factory.mktemp("classroom")
    exchange, course = folder / "exchange", folder / "course"
    for path in (exchange, course, *(folder / "home" / s for s in STUDENTS)):
        path.mkdir(parents=True)
    exchange.chmod(0o777)
    config = NBGRADER_CONFIG.format(course=COURSE, exchange=str(exchange))
    (course / "nbgrader_config.py").write_text(config)
    for student in STUDENTS:  # each student's server reads ~/.jupyter/nbgrader_config.py
        (folder / "home" / student / ".jupyter").mkdir()
        (folder / "home" / student / ".jupyter" / "nbgrader_config.py").write_text(config + STUDENT_CONFIG)
    env = {**os.environ, "PATH": installed["PATH"], "PYTHONPATH": installed["PYTHONPATH"]}
    # the instructor: an exercise with a roster of two, released through nbgrader's exchange
    # a scenario with entries keyed by host (the form that once crashed the exercise maker), checked
    # over 30 seeds, and a class of 30 of whom alice and bob come to this lab
    (folder / "lab.yaml").write_text(SEED.read_text() + HOST_KEYED)
    run(sys.executable, "-m", "hacourse.cli", "check", "lab.yaml", "--seeds", "0-29", "-q", cwd=folder, env=env)
    others = "".join(f"student{k:02d},Student {k}\n" for k in range(3, 31))
    (folder / "roster.csv").write_text("student_id,name\nalice,Alice\nbob,Bob\n" + others)
    run(sys.executable, "-m", "hacourse.cli", "exercise", "lab.yaml", "-o", "lab-exercise", "--roster", "roster.csv",
        "--vary", "NicDHCPDelayGraceInMS=60,180", "-q", cwd=folder, env=env)
    shutil.copytree(folder / "lab-exercise" / "instructor", course / "source" / "lab")
    run(sys.executable, "-m", "nbgrader", "generate_assignment", "lab", cwd=course, env=env)
    run(sys.executable, "-m", "nbgrader", "release_assignment", "lab", cwd=course, env=env)
    # the hub
    port = free_port()
    (folder / "jupyterhub_config.py").write_text(HUB_CONFIG.format(
        port=port, hub_port=free_port(), proxy_api_port=free_port(), proxy=installed["proxy"], folder=folder,
        students=set(STUDENTS), python=sys.executable, pythonpath=installed["PYTHONPATH"], path=installed["PATH"],
        token=TOKEN))
    log = open(folder / "hub.log", "w")  # noqa: SIM115 -- closed when the hub stops
    hub_process = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(folder / "jupyterhub_config.py")],
                                   cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    hub = Hub(f"http://127.0.0.1:{port}", folder)
    try:
        for _ in range(240):
            try:
                hub.api("GET", "/hub/api/")
                break
            except OSError:
                if hub_process.poll() is not None:
                    pytest.fail(f"jupyterhub exited:\n{(folder / 'hub.log').read_text()[-3000:]}")
                time.sleep(0.5)
        else:
            pytest.fail(f"jupyterhub did not answer:\n{(folder / 'hub.log').read_text()[-3000:]}")
        yield hub, folder, course, env
    finally:
        hub_process.terminate()
        try:
            hub_process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(hub_process.pid, 9)
            hub_process.wait(timeout=10)
        log.close()


def _answers(folder: Path, student: str) -> dict[str, str]:
    with open(folder / "lab-exercise" / "manifest.csv", newline="") as table:
        row = next(r for r in csv.DictReader(table) if r["student_id"] == student)
    return {k.removeprefix("answer:"): v for k, v in row.items() if k.startswith("answer:")}


FILL = """
import json, pathlib
book = json.loads(pathlib.Path("lab/lab.ipynb").read_text())
answers = json.loads({answers!r})
for cell in book["cells"]:
    grade_id = cell["metadata"].get("nbgrader", {{}}).get("grade_id", "")
    if grade_id.endswith("-answer"):
        question = grade_id.removesuffix("-answer")
        cell["source"] = "answer_" + question[1:] + " = " + answers[question] + "\\n"
pathlib.Path("lab/lab.ipynb").write_text(json.dumps(book))
"""


@pytest.fixture(scope="module")
def graded(classroom):
    hub, folder, course, env = classroom
    seen = {}
    for student in STUDENTS:
        hub.start(student)
        fetched = hub.execute(student, "import subprocess, sys\n"
                              "done = subprocess.run([sys.executable, '-m', 'nbgrader', 'fetch_assignment', 'lab'], "
                              "capture_output=True, text=True)\nprint(done.returncode, done.stderr[-2000:])")
        assert fetched.startswith("0 "), fetched
        seen[student] = hub.execute(student, "import os\nos.chdir('lab')\n"
                                    "from hacourse.grading.assignment import Lab\n"
                                    "print(Lab('lab.yaml').overview().splitlines()[0])")
        right = _answers(folder, student)
        given = right if student == "alice" else {q: _answers(folder, "alice")[q] for q in right}  # bob copies
        hub.execute(student, FILL.format(answers=json.dumps(given)))
        submitted = hub.execute(student, "import subprocess, sys\n"
                                "done = subprocess.run([sys.executable, '-m', 'nbgrader', 'submit', 'lab'], "
                                "capture_output=True, text=True)\nprint(done.returncode, done.stderr[-2000:])")
        assert submitted.startswith("0 "), submitted
    run(sys.executable, "-m", "nbgrader", "collect", "lab", cwd=course, env=env)
    run(sys.executable, "-m", "nbgrader", "autograde", "lab", "--create", cwd=course, env=env)
    run(sys.executable, "-m", "nbgrader", "export", "--to", "grades.csv", cwd=course, env=env)
    graded = run(sys.executable, "-m", "hacourse.cli", "grade", str(folder / "lab-exercise"), "submitted",
                 "--gradebook", "gradebook.db", "-o", "hacourse-grades.csv", cwd=course, env=env)
    summary = run(sys.executable, "-m", "hacourse.cli", "class-summary", "hacourse-grades.csv", "--plot",
                  "summary.png", cwd=course, env=env)
    return seen, course, graded.stdout, summary.stdout


def test_each_student_fetches_the_exercise_and_sees_their_own_variant(graded):
    seen, *_ = graded
    assert seen["alice"].startswith("Your variant 01 (seed 0, NicDHCPDelayGraceInMS=60), issued to alice")
    assert seen["bob"].startswith("Your variant 02 (seed 1, NicDHCPDelayGraceInMS=180), issued to bob")


def test_nbgrader_and_hacourse_grade_agree_right_answers_full_marks_a_copy_loses(graded, classroom):
    _, course, report, _ = graded
    folder = classroom[1]
    with open(course / "grades.csv", newline="") as table:
        scores = {r["student_id"]: (float(r["score"]), float(r["max_score"])) for r in csv.DictReader(table)}
    points = float(len(_answers(folder, "alice")))
    assert scores["alice"] == (points, points)
    assert scores["bob"][0] < points
    assert f"alice            variant 01  {points:g}/{points:g}" in report
    assert "bob              variant 02" in report
    assert "scored otherwise" not in report and "not the one issued" not in report  # nbgrader restored the files
    with open(folder / "lab-exercise" / "manifest.csv", newline="") as table:
        assert len(list(csv.DictReader(table))) == 30


def test_after_autograding_the_feedback_says_what_the_run_showed_and_why(graded):
    _, course, _, _ = graded
    book = json.loads((course / "autograded" / "bob" / "lab" / "lab.ipynb").read_text())
    q1 = next(c for c in book["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "q1")
    said = "".join("".join(o.get("text", "")) for o in q1["outputs"])  # text: a string or its lines
    assert said.startswith("Not yet: 66 s is ") and "too early" in said
    assert "What the run showed: pacific became NonOperational at" in said
    assert "Why it matters: NicDHCPDelayGraceInMS" in said


def test_the_class_summary_shows_who_got_each_question(graded, classroom):
    _, course, _, summary = graded
    folder = classroom[1]
    differ = [q for q, a in _answers(folder, "alice").items() if _answers(folder, "bob")[q] != a]
    assert "q1" in differ
    for question in _answers(folder, "alice"):
        line = next(row for row in summary.splitlines() if row.startswith(f"| {question} |"))
        assert (f"| {question} | 1/2 (50%) |" if question in differ else f"| {question} | 2/2 (100%) |") in line
    assert "| 02 (0/1) |" in next(row for row in summary.splitlines() if row.startswith("| q1 |"))
    assert (course / "summary.png").stat().st_size > 5_000
