"""The fixtures the dashboard's browser tests share: one emulator and one Chromium per
module, the emulator reset for each test. A module sets SEED, and FROZEN_CLOCK = True to
have each test start on a frozen clock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from emulator.clients.client import AdminClient
from emulator.core.settings import Settings
from emulator.server import EmulatorThread

from ..browser import ChromiumMissing, chromium


@pytest.fixture(scope="module")
def emulator(request: pytest.FixtureRequest) -> Iterator[EmulatorThread]:
    with EmulatorThread(Settings(port=0, seed=request.module.SEED)) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    try:
        with chromium() as launched:
            yield launched
    except ChromiumMissing as missing:
        pytest.fail(str(missing))


@pytest.fixture
def admin(emulator: EmulatorThread, request: pytest.FixtureRequest) -> AdminClient:
    client = AdminClient(emulator.url)
    client.reset()
    if getattr(request.module, "FROZEN_CLOCK", False):
        client.set_clock(freeze=True)
    return client
