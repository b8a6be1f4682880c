"""What ``vod-emulator serve`` loads before it answers (only what answering needs), and
that the event machinery still loads once it has answered, so the first emit does not
wait for it. Read from the real process: ``python -X importtime -m emulator serve``."""

from __future__ import annotations

import os
import queue
import re
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest

IMPORTED = re.compile(r"^import time:\s+\d+ \|\s+\d+ \| *(\S+)$")
READY = "vod-emulator listening on http://127.0.0.1:"

NOT_BEFORE_THE_FIRST_ANSWER = (
    "emulator.admin.openapi",  # the API's description: built when asked for
    "emulator.admin.openapi_schemas",
    # The event machinery, loaded after the first answer. -X importtime does not see the
    # factory's own module (importlib.import_module loads it), only what it imports.
    "emulator.events.factory",
    "emulator.events.context",
    "emulator.events.values",
    "emulator.events.scenarios",
    "emulator.clients",  # the clients and the command line's client side
    "emulator.cli.client_grammar",
    "emulator.cli.commands",
    "emulator.cli.emit",
    "emulator.cli.follow",
    "emulator.cli.report",
    "emulator.cli.wait",
    "emulator.recording",
    "emulator.core.statefile",  # only with --state-file
    "emulator.core.state",  # with the first snapshot
    "emulator.events.vocabulary",  # with the first task
    "sqlite3",
    "emulator.base.allocator",  # once answered: the C allocator told to give memory back
    "ctypes",
)


class Serving:
    """``serve`` under ``-X importtime``: its output, line by line, as it comes."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-X", "importtime", "-m", "emulator", "serve", "--port", "0"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env={**os.environ, "TENCENTCLOUD_SECRET_ID": "", "TENCENTCLOUD_SECRET_KEY": "",
                 "VOD_EMULATOR_SECRET_ID": "", "VOD_EMULATOR_SECRET_KEY": ""},
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)  # the process ended

    def until(self, wanted: str) -> Iterator[str]:
        """The modules imported from here until the line containing ``wanted``; then that
        line. Fails if the process ends first."""
        while True:
            line = self.lines.get(timeout=60)
            assert line is not None, f"serve ended before {wanted!r}"
            if wanted in line:
                yield line
                return
            imported = IMPORTED.match(line)
            if imported:
                yield imported.group(1)


@pytest.fixture
def serving() -> Iterator[Serving]:
    running = Serving()
    try:
        yield running
    finally:
        running.process.kill()
        running.process.wait(timeout=30)
        running.reader.join(timeout=30)  # it reads to the end: then the pipe is closed
        assert running.process.stdout is not None
        running.process.stdout.close()


def _first_answer(port: int) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(b"GET /_emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                           b"Connection: close\r\n\r\n")
        return connection.recv(65536)


def test_serve_answers_before_it_loads_what_answering_does_not_need(serving: Serving) -> None:
    *before, ready = serving.until(READY)
    loaded = [name for name in before
              if any(name == unwanted or name.startswith(unwanted + ".")
                     for unwanted in NOT_BEFORE_THE_FIRST_ANSWER)]
    assert loaded == []
    assert {"emulator.server", "emulator.core.backend", "emulator.cloudapi.endpoint",
            "emulator.admin.routes"} <= set(before), "the probe reads the imports"

    port = int(ready.split(READY)[1].split()[0])
    assert b" 200 " in _first_answer(port).split(b"\r\n")[0]
    # Once answered, the event machinery loads (off the loop) without being asked for.
    assert "emulator.events.values" in list(serving.until("emulator.events.values"))[-1]
    assert "emulator.base.allocator" in list(serving.until("emulator.base.allocator"))[-1]


def test_the_pytest_plugin_loads_no_http_client_on_import() -> None:
    """pytest imports the plugin in every session of its users, most of which never ask
    for its fixtures: urllib.request (~15 ms) waits for the first AdminClient."""
    probe = ("import sys, pytest, emulator.pytest_plugin\n"
             "loaded = {'urllib.request', 'http.client', 'aiohttp'} & set(sys.modules)\n"
             "assert not loaded, loaded\n"
             "from emulator.clients.client import AdminClient\n"
             "AdminClient('http://127.0.0.1:9')\n"
             "assert 'urllib.request' in sys.modules\n")
    subprocess.run([sys.executable, "-c", probe], check=True, timeout=60)
