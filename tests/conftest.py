"""Shared fixtures: `start_server` runs a Jupyter-family server on 127.0.0.1 for one test."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

# Property tests draw the same examples on every run unless the long search is asked for
# (HACOURSE_HYPOTHESIS_PROFILE=long, tests/test_properties.py): a red CI is then a change of ours.
hypothesis_settings.register_profile("hacourse-ci", derandomize=True)
if os.environ.get("HACOURSE_HYPOTHESIS_PROFILE", "ci") == "ci":
    hypothesis_settings.load_profile("hacourse-ci")

READY_TIMEOUT_S = 90


@dataclass(frozen=True)
class Server:
    """A running server: its base URL (no trailing slash), its token, its process and its log."""

    url: str
    token: str
    process: subprocess.Popen
    log: Path

    def log_tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(url: str) -> bool:
    """The server listens and its web app answers (a 4xx still proves that)."""
    try:
        urllib.request.urlopen(url, timeout=2).close()
        return True
    except urllib.error.HTTPError as error:
        return error.code < 500
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM lets a Jupyter server shut its kernels down; SIGKILL the group if it will not go."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


StartServer = Callable[..., Server]


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[StartServer]:
    """Returns `start(argv, cwd=..., ready="/api/status", env=None, name="server")`.

    `argv(port, token)` builds the command line. The server gets a free port and a random token,
    is waited for (bounded by READY_TIMEOUT_S, failing with its log if it exits or never answers)
    and is always terminated when the test ends, passed or not.
    """
    started: list[tuple[Server, object]] = []

    def start(
        argv: Callable[[int, str], list[str]],
        *,
        cwd: Path,
        ready: str = "/api/status",
        env: dict[str, str] | None = None,
        name: str = "server",
    ) -> Server:
        port, token = free_port(), secrets.token_hex(16)
        log_path = tmp_path / f"{name}-{port}.log"
        log = log_path.open("w")
        process = subprocess.Popen(
            argv(port, token),
            cwd=cwd,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        server = Server(f"http://127.0.0.1:{port}", token, process, log_path)
        started.append((server, log))
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not _answers(f"{server.url}{ready}?token={token}"):
            if process.poll() is not None:
                pytest.fail(f"{name} exited with {process.returncode} before answering:\n{server.log_tail()}")
            if time.monotonic() > deadline:
                pytest.fail(f"{name} did not answer within {READY_TIMEOUT_S} s:\n{server.log_tail()}")
            time.sleep(0.25)
        return server

    try:
        yield start
    finally:
        for server, log in reversed(started):
            _stop(server.process)
            log.close()


NBGRADER_VERSION = "0.9.6"
# nbgrader's own needs beyond what the test extras already install (pip install --dry-run nbgrader);
# setuptools too: nbgrader.utils imports setuptools.archive_util, and a venv made by uv (scripts/_venv.sh)
# has no setuptools, unlike one made by `python -m venv`.
NBGRADER_EXTRAS = ("Mako", "RapidFuzz", "SQLAlchemy", "alembic", "setuptools")


@dataclass(frozen=True)
class Nbgrader:
    """nbgrader, installed for this test session: `nbgrader(*args, cwd=...)` runs it and fails the
    test with its output when it exits non-zero; `env` lets a shell script call it by name."""

    env: dict[str, str]

    def __call__(self, *args: str, cwd: Path) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd, env=self.env, capture_output=True,
                              text=True, timeout=900, check=False)
        assert done.returncode == 0, f"nbgrader {' '.join(args)}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        return done


@pytest.fixture(scope="session")
def nbgrader(tmp_path_factory: pytest.TempPathFactory) -> Nbgrader:
    """The real nbgrader, installed for this test session only: `pip install --target` into a
    temporary folder that only the nbgrader processes see (PATH, PYTHONPATH), so its Jupyter
    extensions never load in the servers of the browser tests."""
    target = tmp_path_factory.mktemp("nbgrader")
    install = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                              "--no-deps", "--target", str(target), f"nbgrader=={NBGRADER_VERSION}",
                              *NBGRADER_EXTRAS], capture_output=True, text=True, timeout=600, check=False)
    if install.returncode != 0:
        pytest.fail(f"could not install nbgrader {NBGRADER_VERSION} for the test:\n{install.stderr[-3000:]}")
    root = Path(__file__).resolve().parent.parent
    # nbgrader runs `alembic`, a script of the folder, to make its database; `hacourse` is this venv's
    path = [str(target / "bin"), str(Path(sys.executable).parent), os.environ.get("PATH", "")]
    return Nbgrader({**os.environ, "PATH": os.pathsep.join(path),
                     "PYTHONPATH": os.pathsep.join(filter(None, [str(target), str(root),
                                                                 os.environ.get("PYTHONPATH")]))})
