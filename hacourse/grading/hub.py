"""What a student does on the class's JupyterHub, done from the instructor's shell: log in (the
hub starts their server) and run a cell in a notebook of that server. For trying a hub before the
class comes: the instructor guide's "Running a class" walk does it, and its test runs that walk.

    python -m hacourse.grading.hub alice '!nbgrader list'
    python -m hacourse.grading.hub bob '%%bash
    nbgrader fetch_assignment lab'

The hub is at $HUB_URL (default http://127.0.0.1:8000); $JUPYTERHUB_API_TOKEN is the token of a
service that may start the users' servers and use them (the scopes `admin:servers`,
`access:servers` and `read:users`, as the guide's `jupyterhub_config.py` gives it). The cell runs
in a new kernel of the user's server, started in their home folder, as a notebook's would; what
it prints is printed, and an error in the cell ends the command with status 1 and its traceback.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Sequence

DEFAULT_URL = "http://127.0.0.1:8000"


class HubError(RuntimeError):
    """The hub cannot do what was asked; the message says why, in one line. `status`: the HTTP
    status the hub answered with, if it answered."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class Hub:
    """A hub's REST API and its users' servers, with a service token."""

    def __init__(self, url: str, token: str, wait_s: float = 120) -> None:
        self.url, self.token, self.wait_s = url.rstrip("/"), token, wait_s

    def api(self, method: str, path: str, body: dict | None = None) -> object:
        request = urllib.request.Request(f"{self.url}{path}", method=method,
                                         data=None if body is None else json.dumps(body).encode(),
                                         headers={"Authorization": f"token {self.token}",
                                                  "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=120) as answer:
                text = answer.read().decode()
        except urllib.error.HTTPError as error:
            if error.code == 403:
                raise HubError(f"{self.url}: the token may not {method} {path} (HTTP 403); give the token of a "
                               "service with the scopes admin:servers, access:servers and read:users") from None
            raise HubError(f"{self.url}{path}: HTTP {error.code} {error.reason}", error.code) from None
        return json.loads(text) if text.strip() else None

    def wait_for_hub(self) -> None:
        """Until the hub answers (it may still be starting: nobody listens yet, or the proxy
        listens but does not route to the hub yet, 404, or the hub is not up behind it, 502/503)."""
        deadline = time.monotonic() + self.wait_s
        while True:
            try:
                self.api("GET", "/hub/api/")
                return
            except (urllib.error.URLError, ConnectionError, HubError) as error:
                if isinstance(error, HubError) and error.status not in (404, 502, 503):
                    raise
                if time.monotonic() > deadline:
                    raise HubError(f"{self.url}: no hub answers there after {self.wait_s:g} s; start it "
                                   "(jupyterhub -f jupyterhub_config.py) or give its address in HUB_URL") from None
                time.sleep(0.5)

    def start(self, user: str) -> None:
        """The user's server, as logging in starts it; waited for until it is ready."""
        self.wait_for_hub()
        if not self._ready(user):
            self.api("POST", f"/hub/api/users/{user}/server")
        deadline = time.monotonic() + self.wait_s
        while not self._ready(user):
            if time.monotonic() > deadline:
                raise HubError(f"{user}'s server did not start within {self.wait_s:g} s; see the hub's log")
            time.sleep(0.5)

    def _ready(self, user: str) -> bool:
        status = self.api("GET", f"/hub/api/users/{user}")
        server = (status.get("servers") or {}).get("", {}) if isinstance(status, dict) else {}
        return bool(server.get("ready"))

    def execute(self, user: str, code: str) -> str:
        """Run `code` in a new kernel of the user's server, over the kernel's websocket as
        JupyterLab does; what it printed. Raises HubError with the traceback on an error."""
        kernel = self.api("POST", f"/user/{user}/api/kernels", {"name": "python3"})
        assert isinstance(kernel, dict)
        try:
            url = self.url.replace("http", "ws", 1) + f"/user/{user}/api/kernels/{kernel['id']}/channels"
            return _in_own_loop(_execute(url, self.token, code))
        finally:
            self.api("DELETE", f"/user/{user}/api/kernels/{kernel['id']}")


def _in_own_loop(job) -> str:
    """asyncio.run, in a thread of its own: a caller's thread may already run an event loop
    (Playwright's sync API leaves one running), where asyncio.run() refuses to start."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, job).result()


async def _execute(url: str, token: str, code: str) -> str:
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    socket = await websocket_connect(HTTPRequest(url, headers={"Authorization": f"token {token}"}))
    msg_id = uuid.uuid4().hex
    socket.write_message(json.dumps({
        "header": {"msg_id": msg_id, "username": "hacourse", "session": uuid.uuid4().hex,
                   "msg_type": "execute_request", "version": "5.3"},
        "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
        "content": {"code": code, "silent": False, "store_history": False, "user_expressions": {},
                    "allow_stdin": False, "stop_on_error": True}}))
    printed, error = [], None
    while True:
        raw = await asyncio.wait_for(socket.read_message(), timeout=600)
        if raw is None:
            raise HubError("the kernel's websocket closed before the cell finished")
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
    if error is not None:
        raise HubError(f"the cell raised:\n{''.join(printed)}{error}")
    return "".join(printed)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 2 or args[0].startswith("-"):
        print("usage: python -m hacourse.grading.hub USER CODE   (the hub at $HUB_URL, a service token in "
              "$JUPYTERHUB_API_TOKEN)", file=sys.stderr)
        return 2
    token = os.environ.get("JUPYTERHUB_API_TOKEN")
    if not token:
        print("JUPYTERHUB_API_TOKEN is not set: give the api_token of the service your jupyterhub_config.py "
              "declares (c.JupyterHub.services)", file=sys.stderr)
        return 2
    user, code = args
    hub = Hub(os.environ.get("HUB_URL") or DEFAULT_URL, token)
    try:
        hub.start(user)
        print(hub.execute(user, code), end="")
    except HubError as error:
        print(f"{user}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
