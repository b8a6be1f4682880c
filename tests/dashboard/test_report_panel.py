"""The dashboard's consumer report panel, in a real browser (Debian's headless Chromium,
driven by Playwright).

The mistakes are made as an application makes them: through the official Python SDK, or
a raw Cloud API request with a User-Agent of its own; the emulator's clock is frozen and
moved through the AdminClient. Every wait is one of Playwright's auto-waiting assertions:
nothing sleeps.
"""

from __future__ import annotations

import json
import re
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Locator, Page, Route, expect
from tencentcloud.common import credential
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.vod.v20180717 import models, vod_client

from emulator.clients.client import AdminClient
from emulator.server import EmulatorThread

from .conftest import Watch, new_page, open_dashboard

FROZEN_CLOCK = True  # a confirm window passes when the test moves the clock
SEED = 20240701
APP = 1500000061
CONFIRM_WINDOW_PASSED = 31  # seconds: the 30 s confirm window, and one more
CLEAN = "No finding: nothing the real service would punish."
MARKUP_AGENT = ('worker/1.0 <img src=x onerror="window.injected=1" data-injected="1">'
                '<b>bold</b> ' + "token" * 30)
"""A User-Agent that would be markup (and a long word) if the panel wrote it as HTML."""

# What the report panel holds when `data-ready` appears, recorded by the page itself at
# that moment (a MutationObserver installed before any of the page's scripts run).
RECORD_AT_READY = """
new MutationObserver((changes, observer) => {
  if (!document.body || !document.body.hasAttribute("data-ready")) return;
  observer.disconnect();
  const panel = document.getElementById("report-panel");
  window.reportAtReady = { text: document.getElementById("report").textContent,
    visible: panel.checkVisibility() && panel.getBoundingClientRect().height > 0 };
}).observe(document, { attributes: true, attributeFilter: ["data-ready"], subtree: true });
"""


@pytest.fixture
def sdk(emulator: EmulatorThread) -> vod_client.VodClient:
    # No secret is configured: any credentials are accepted.
    http = HttpProfile(protocol="http", endpoint=emulator.endpoint, reqTimeout=30)
    return vod_client.VodClient(credential.Credential("AKIDany", "any"), "",
                                ClientProfile(httpProfile=http))


def poll_state_twice(sdk: vod_client.VodClient) -> str:
    """DescribeEventsState twice within a minute (a finding no journal entry announces);
    answer the second call's RequestId, the one the finding names."""
    request = models.DescribeEventsStateRequest()
    sdk.DescribeEventsState(request)
    request_id: str = sdk.DescribeEventsState(request).RequestId
    return request_id


def raw_pull(emulator: EmulatorThread, user_agent: str) -> list[dict[str, Any]]:
    """PullEvents of the default application as a hand-written client sends it."""
    request = urllib.request.Request(
        emulator.url + "/", data=b"{}", method="POST",
        headers={"Content-Type": "application/json", "X-TC-Action": "PullEvents",
                 "X-TC-Version": "2018-07-17", "User-Agent": user_agent})
    with urllib.request.urlopen(request, timeout=30) as answer:
        response: dict[str, Any] = json.load(answer)["Response"]
    assert "Error" not in response, response
    events: list[dict[str, Any]] = response["EventSet"]
    return events


def page_time(seconds: float) -> str:
    """Emulator time as the page writes it: "YYYY-MM-DD HH:MM:SS.mmm" UTC."""
    return datetime.fromtimestamp(seconds, UTC).isoformat(sep=" ", timespec="milliseconds")[:23]


def finding(page: Page, kind: str) -> Locator:
    return page.get_by_test_id("report").locator(f'[data-testid="finding"][data-kind="{kind}"]')


def test_an_event_pulled_and_never_confirmed_and_its_link(
    page: Page, emulator: EmulatorThread, admin: AdminClient, sdk: vod_client.VodClient
) -> None:
    [event] = admin.emit("FileDeleted", sub_app_id=APP)
    request = models.PullEventsRequest()
    request.SubAppId = APP
    assert len(sdk.PullEvents(request).EventSet) == 1
    open_dashboard(page, emulator.url)
    # Within its confirm window the lease is no mistake yet.
    expect(page.get_by_test_id("report-clean")).to_have_text(CLEAN)

    admin.advance_clock(CONFIRM_WINDOW_PASSED)
    never = finding(page, "never_confirmed")
    expect(never.get_by_test_id("finding-title")).to_have_text("pulled and never confirmed")
    [expected] = admin.report()["findings"]
    expect(never.get_by_test_id("finding-count")).to_have_text("×1")
    expect(never.get_by_test_id("finding-when")).to_have_text(page_time(expected["first_at"]))
    expect(never.get_by_test_id("finding-event")).to_have_text([event["event_id"]])
    expect(never.get_by_test_id("finding-explanation")).to_have_text(
        "Why: " + expected["explanation"])
    expect(never.get_by_test_id("finding-fix")).to_contain_text("Fix: " + expected["fix"])
    expect(page.get_by_test_id("report-count")).to_have_text("(1 finding)")
    # Grouped by application, then by client: the SDK's address and User-Agent.
    application = page.locator(f'[data-testid="report-app"][data-app="{APP}"]')
    expect(application.get_by_role("heading", level=3)).to_have_text(f"Application {APP}")
    who = application.get_by_test_id("report-client").get_by_test_id("report-who")
    expect(who).to_contain_text("Client 127.0.0.1")
    expect(who.get_by_test_id("report-agent")).to_have_text(expected["client"]["user_agent"])

    never.get_by_test_id("finding-event").click()
    expect(page.get_by_test_id("detail-id")).to_have_text(event["event_id"])
    expect(page.get_by_test_id("payload")).to_contain_text("FileDeleted")
    expect(page.locator("#detail-title")).to_be_focused()


def test_a_user_agent_holding_markup_stays_text_in_a_narrow_window(
    browser: Browser, watch: Watch, emulator: EmulatorThread, admin: AdminClient
) -> None:
    [event] = admin.emit("FileDeleted")
    assert len(raw_pull(emulator, MARKUP_AGENT)) == 1
    admin.advance_clock(CONFIRM_WINDOW_PASSED)
    context, page = new_page(browser, watch, width=420)
    open_dashboard(page, emulator.url)

    never = finding(page, "never_confirmed")
    expect(never.get_by_test_id("finding-event")).to_have_text([event["event_id"]])
    application = page.locator('[data-testid="report-app"][data-app="default"]')
    expect(application.get_by_role("heading", level=3)).to_have_text("The default application")
    [expected] = admin.report()["findings"]
    agent = expected["client"]["user_agent"]  # the emulator keeps its first 200 characters
    assert agent.startswith(MARKUP_AGENT[:100])
    expect(page.get_by_test_id("report-agent")).to_have_text(agent)  # as text
    expect(page.get_by_test_id("report").locator("img, b")).to_have_count(0)
    expect(page.locator("[data-injected]")).to_have_count(0)
    assert page.evaluate("window.injected") is None
    # 420 px: the long User-Agent wraps inside the panel; nothing scrolls sideways.
    panel = page.get_by_role("region", name=re.compile("^Consumer report"))
    expect(panel).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 420
    box = panel.bounding_box()
    shown = page.get_by_test_id("report-agent").bounding_box()
    assert box and shown and shown["x"] + shown["width"] <= box["x"] + box["width"]
    context.close()
    watch.check()


def test_a_clean_emulator_then_a_finding_no_journal_entry_announces(
    page: Page, emulator: EmulatorThread, admin: AdminClient, sdk: vod_client.VodClient
) -> None:
    open_dashboard(page, emulator.url)
    expect(page.get_by_test_id("report-clean")).to_have_text(CLEAN)
    expect(page.get_by_test_id("report-count")).to_have_text("(0 findings)")
    panel = page.get_by_role("region", name=re.compile("^Consumer report"))
    expect(panel.get_by_role("heading", level=2)).to_contain_text("Consumer report")

    # DescribeEventsState writes no journal entry: the page finds the finding by asking.
    request_id = poll_state_twice(sdk)
    polled = finding(page, "state_polled")
    expect(polled.get_by_test_id("finding-id")).to_have_text([request_id])
    expect(polled.get_by_test_id("finding-event")).to_have_count(0)  # a RequestId: no link
    expect(page.get_by_test_id("report-clean")).to_have_count(0)

    admin.reset()  # a full reset forgets the findings: the page says so
    expect(page.get_by_test_id("report-clean")).to_have_text(CLEAN)


@pytest.mark.parametrize("address", ["/_emulator/ui/", "/_emulator/ui/?live=0"],
                         ids=["live", "no-live"])
def test_the_report_is_on_the_page_before_it_says_ready(
    page: Page, emulator: EmulatorThread, admin: AdminClient, sdk: vod_client.VodClient,
    address: str
) -> None:
    request_id = poll_state_twice(sdk)
    held: list[Route] = []
    page.route(lambda url: urlsplit(url).path == "/_emulator/report",  # the first one held
               lambda route: route.continue_() if held else held.append(route))
    page.add_init_script(RECORD_AT_READY)
    page.goto(emulator.url + address)

    # Every other panel has its data; the report's answer is held back: not ready.
    expect(page.get_by_test_id("settings")).to_have_value(re.compile("callback_retry_seconds"))
    expect(page.get_by_test_id("faults")).to_contain_text("No fault in force.")
    assert len(held) == 1
    assert not page.evaluate("document.body.hasAttribute('data-ready')")

    held[0].continue_()
    expect(page.locator("body")).to_have_attribute("data-ready", "")
    at_ready = page.evaluate("window.reportAtReady")
    assert at_ready["visible"]
    assert "DescribeEventsState polled more than once a minute" in at_ready["text"]
    assert request_id in at_ready["text"]


def test_the_report_is_fetched_about_once_a_second_while_entries_flow(
    page: Page, emulator: EmulatorThread, admin: AdminClient, watch: Watch
) -> None:
    # The page's timers run when the test says: paused from the start, its time moves only
    # by run_for (installed alone, it would also flow with the real time a slow machine
    # spends in each wait, and fetch more often than the two seconds the test counts).
    # (Paused an hour on: the blank page's installed time already flows, pausing at an
    # instant it has passed would be refused.)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    page.clock.install(time=start)
    page.clock.pause_at(start + timedelta(hours=1))
    open_dashboard(page, emulator.url)
    expect(page.locator("body")).to_have_attribute("data-ready", "")

    def fetched() -> int:
        return sum(urlsplit(url).path == "/_emulator/report" for url in watch.requests)

    loaded = fetched()
    for _ in range(10):  # an entry every 200 ms of the page's time, for two seconds
        [event] = admin.emit("FileDeleted")
        expect(page.get_by_test_id("feed")).to_contain_text(event["event_id"])
        page.clock.run_for(200)
    page.get_by_test_id("clock-now").inner_text()  # a round trip: the timers' fetches are seen
    assert 1 <= fetched() - loaded <= 2
