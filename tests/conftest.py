"""Shared fixtures: a running emulator with signature verification on, and clients of it.

`make test` runs the suite in parallel (pytest-xdist, ``--dist worksteal``): any
test may run in any worker process, after any other, while other tests run in other
workers. So a test listens on port 0 (never a fixed port), writes under ``tmp_path``
(never into the tree or a fixed path), starts its own emulator or resets the one it
shares, and leaves no process-wide state behind (environment, working directory, an
event loop, a running thread). ``make test PYTEST_WORKERS=0`` runs it in one process.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest
from tencentcloud.common import credential
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.vod.v20180717 import models, vod_client

from emulator.clients.client import AdminClient
from emulator.core.settings import Settings
from emulator.server import EmulatorThread

SECRET_ID = "AKIDemulatorTestSecretId0000000000"
SECRET_KEY = "emulatorTestSecretKey000000000000"

# (HTTP method, signature method): the four request styles, with both v1 digests.
STYLES = [
    pytest.param(("POST", "TC3-HMAC-SHA256"), id="tc3-post"),
    pytest.param(("GET", "TC3-HMAC-SHA256"), id="tc3-get"),
    pytest.param(("POST", "HmacSHA256"), id="v1-post-sha256"),
    pytest.param(("GET", "HmacSHA1"), id="v1-get-sha1"),
    pytest.param(("POST", "HmacSHA1"), id="v1-post-sha1"),
    pytest.param(("GET", "HmacSHA256"), id="v1-get-sha256"),
]


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "port": 0, "secret_id": SECRET_ID, "secret_key": SECRET_KEY, "seed": 1234,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def emulator_settings() -> Settings:
    """Override to change how the emulator under test is configured."""
    return make_settings()


@pytest.fixture
def emulator(emulator_settings: Settings) -> Iterator[EmulatorThread]:
    with EmulatorThread(emulator_settings) as running:
        yield running


@pytest.fixture
def admin(emulator: EmulatorThread) -> AdminClient:
    return AdminClient(emulator.url)


SdkFactory = Callable[..., vod_client.VodClient]


@pytest.fixture
def make_sdk(emulator: EmulatorThread) -> SdkFactory:
    """Build an official SDK client aimed at the emulator."""

    def build(
        method: str = "POST",
        sign_method: str = "TC3-HMAC-SHA256",
        secret_id: str = SECRET_ID,
        secret_key: str = SECRET_KEY,
    ) -> vod_client.VodClient:
        http = HttpProfile(protocol="http", endpoint=emulator.endpoint, reqMethod=method,
                           reqTimeout=30)
        profile = ClientProfile(signMethod=sign_method, httpProfile=http)
        return vod_client.VodClient(credential.Credential(secret_id, secret_key), "", profile)

    return build


@pytest.fixture
def sdk(make_sdk: SdkFactory) -> vod_client.VodClient:
    return make_sdk()


@pytest.fixture
def background() -> Iterator[Callable[..., Future[Any]]]:
    """Run a blocking call (a held PullEvents) in a thread; answer its Future."""
    with ThreadPoolExecutor(max_workers=16) as pool:
        yield pool.submit


def pull(client: vod_client.VodClient, sub_app_id: int | None = None) -> list[Any]:
    request = models.PullEventsRequest()
    request.SubAppId = sub_app_id
    return list(client.PullEvents(request).EventSet or [])


def confirm(
    client: vod_client.VodClient, handles: list[str], sub_app_id: int | None = None
) -> None:
    request = models.ConfirmEventsRequest()
    request.EventHandles = handles
    request.SubAppId = sub_app_id
    client.ConfirmEvents(request)


def pull_expecting_nothing(
    client: vod_client.VodClient,
    admin: AdminClient,
    background: Callable[..., Future[Any]],
    sub_app_id: int | None = None,
) -> list[Any]:
    """A pull that finds nothing is held: wait until it is, then end the hold with the clock."""
    held_before = admin.queue(sub_app_id)["held_pulls"]
    result = background(pull, client, sub_app_id)
    admin.wait(sub_app_id, held_pulls=held_before + 1)
    admin.advance_clock(admin_long_poll_seconds(admin))
    return list(result.result(timeout=10))


def admin_long_poll_seconds(admin: AdminClient) -> float:
    return float(admin.health()["long_poll_seconds"])


def wait_for_health(
    admin: AdminClient, what: str, holds: Callable[[dict[str, Any]], bool],
    timeout: float = 10.0,
) -> dict[str, Any]:
    """Ask /health until ``holds(health)``, for what no admin wait covers (a held wait is
    in; a held pull has gone). Each answer paces the next: no sleeping. Fails naming
    ``what`` and the counts last seen if it does not hold within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        health = admin.health()
        if holds(health):
            return health
        if time.monotonic() >= deadline:
            pytest.fail(f"waited {timeout:g} s for {what}; /health last said held_pulls="
                        f"{health['held_pulls']}, held_waits={health['held_waits']}")
