"""Shared fixtures: `start_server` runs a Jupyter-family server on 127.0.0.1 for one test."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

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
