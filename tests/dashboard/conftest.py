"""What the dashboard's browser tests share: one emulator and one Chromium per module,
the emulator reset for each test, and a page watched for errors and for requests that
leave the emulator. A module sets SEED, and FROZEN_CLOCK = True to
have each test start on a frozen clock."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

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

# Auto-waiting assertions wait up to this long (Playwright's default is 5 s): room for a
# slow CI machine, and for EventSource's own reconnection delay after a restart.
expect.set_options(timeout=15_000)


@dataclass
class Watch:
    """What a page did that it should not: console errors, uncaught exceptions, and
    requests to anywhere but the emulator (refused, and recorded here)."""

    origin: str
    errors: list[str] = field(default_factory=list)
    tolerated: str | None = None  # console errors a test expects (a pattern)
    requests: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    def attach(self, context: BrowserContext, page: Page) -> None:
        def only_the_emulator(route: Route) -> None:
            if route.request.url.startswith(self.origin + "/"):
                route.continue_()
            else:
                self.refused.append(route.request.url)
                route.abort()

        context.route("**/*", only_the_emulator)
        page.on("console", lambda message: self.errors.append(message.text)
                if message.type == "error" else None)
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))
        page.on("request", lambda request: self.requests.append(request.url))

    def check(self) -> None:
        tolerated = self.tolerated
        errors = [text for text in self.errors if not (tolerated and re.search(tolerated, text))]
        assert errors == []
        assert self.refused == []
        assert [url for url in self.requests if not url.startswith(self.origin + "/")] == []


@pytest.fixture
def watch(emulator: EmulatorThread) -> Watch:
    return Watch(emulator.url)


def new_page(browser: Browser, watch: Watch, width: int = 1280) -> tuple[BrowserContext, Page]:
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    watch.attach(context, page)
    return context, page


@pytest.fixture
def page(browser: Browser, watch: Watch, admin: AdminClient) -> Iterator[Page]:
    context, opened = new_page(browser, watch)
    yield opened
    context.close()
    watch.check()


def open_dashboard(page: Page, url: str) -> None:
    page.goto(url + "/_emulator/ui/")
    expect(page.get_by_test_id("connection")).to_have_text("live")
