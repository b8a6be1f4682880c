"""The README's `listen` handler example (listen_handler.py), run as printed but on a port
of its own: imported, its aiohttp application served on 127.0.0.1 port 0, and real events
forwarded to it by `vod-emulator listen` from an emulator standing in for the service."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from aiohttp import web

from emulator.base.background import BackgroundServer, listen
from emulator.clients.client import AdminClient
from emulator.core.settings import Settings
from emulator.server import EmulatorThread

from .process import clean_environment

HERE = Path(__file__).parent
SIGN_KEY = "handlerExampleKey1"
SECRET = {"TENCENTCLOUD_SECRET_ID": "AKIDhandlerExample0000000000000",
          "TENCENTCLOUD_SECRET_KEY": "handlerExampleSecretKey00000000"}


def load_example(monkeypatch: pytest.MonkeyPatch, sign_key: str = SIGN_KEY) -> ModuleType:
    """The example as a module, its SignKey read from the environment as it says."""
    monkeypatch.setenv("VOD_SIGN_KEY", sign_key)
    spec = importlib.util.spec_from_file_location("vod_handler", HERE / "listen_handler.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Serving(BackgroundServer):
    """An aiohttp application (the example's) on 127.0.0.1, in a thread: on port 0, or
    where a handler is expected to come up."""

    def __init__(self, app: web.Application, port: int = 0) -> None:
        super().__init__("the example handler", "example-handler")
        self.app = app
        self.wanted = port

    async def _open(self) -> tuple[web.AppRunner, int]:
        runner = web.AppRunner(self.app, access_log=None)
        return runner, await listen(runner, "127.0.0.1", self.wanted)


@pytest.fixture
def handler(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with Serving(load_example(monkeypatch).app) as serving:
        yield f"http://127.0.0.1:{serving.port}/vod"


def post(url: str, body: dict[str, object]) -> int:
    request = urllib.request.Request(url, json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return error.code


def test_the_handler_example_takes_what_listen_forwards(
        handler: str, capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings(port=0, seed=3, secret_id=SECRET["TENCENTCLOUD_SECRET_ID"],
                        secret_key=SECRET["TENCENTCLOUD_SECRET_KEY"])
    with EmulatorThread(settings) as upstream:
        admin = AdminClient(upstream.url)
        emitted = admin.emit_scenario("upload-transcode")
        result = subprocess.run(
            [sys.executable, "-m", "emulator", "listen", "--endpoint", upstream.url,
             "--forward-to", handler, "--sign-key", SIGN_KEY, "--max-events", "3"],
            capture_output=True, text=True, timeout=60, env=clean_environment(**SECRET))
        assert result.returncode == 0, result.stderr
        admin.wait_for_confirmed([one["event_id"] for one in emitted])
    assert sorted(capsys.readouterr().out.splitlines()) == sorted(
        f"handled {one['event_type']}" for one in emitted)
    assert result.stdout.count("<-- [200]") == 3


def test_the_handler_example_refuses_what_it_cannot_trust(handler: str) -> None:
    def signed(expiry: int, key: str = SIGN_KEY) -> dict[str, object]:
        sign = hashlib.md5(f"{key}{expiry}".encode()).hexdigest()
        return {"EventType": "FileDeleted", "T": expiry, "Sign": sign}

    assert post(handler, signed(int(time.time()) + 600, "notTheKey")) == 401
    assert post(handler, signed(int(time.time()) - 1)) == 403
