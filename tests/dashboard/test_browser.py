"""The dashboard in a real browser: Debian's headless Chromium, driven by Playwright.

One emulator and one browser per module; each test starts from a full reset, in a fresh
browser context that refuses (and records) any request not aimed at the emulator. Every
wait is one of Playwright's auto-waiting assertions: nothing sleeps.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import (
    Browser,
    Locator,
    Page,
    expect,
)
from tencentcloud.common import credential
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.vod.v20180717 import models, vod_client

from emulator.clients.client import AdminClient, AdminError
from emulator.clients.receiver import CallbackReceiver
from emulator.core.settings import Settings
from emulator.server import EmulatorThread

from .conftest import Watch, new_page, open_dashboard

SEED = 20240601
APP = 1500000001
PUSH_APP = 1500000002


def event_row(page: Page, event_id: str) -> Locator:
    return page.locator(f'[data-testid="event-row"][data-event-id="{event_id}"]')


def sdk_client(emulator: EmulatorThread) -> vod_client.VodClient:
    # No secret is configured: any credentials are accepted.
    http = HttpProfile(protocol="http", endpoint=emulator.endpoint, reqTimeout=30)
    return vod_client.VodClient(credential.Credential("AKIDany", "any"), "",
                                ClientProfile(httpProfile=http))


# ----- tests


def test_loads_with_no_console_error_and_no_request_leaving(
    page: Page, emulator: EmulatorThread, admin: AdminClient, watch: Watch
) -> None:
    admin.emit("NewFileUpload", 3)
    admin.emit("FileDeleted", 2, APP)
    open_dashboard(page, emulator.url)

    expect(page.get_by_test_id("event-row")).to_have_count(5)
    expect(page.get_by_test_id("app-row")).to_have_count(2)
    expect(page.locator('[data-testid="app-row"][data-app="default"] [data-count="pullable"]')
           ).to_have_text("3 pullable")
    expect(page.get_by_test_id("feed").locator("li")).to_have_count(5)
    expect(page.get_by_test_id("clock-now")).to_contain_text("UTC")
    expect(page.get_by_test_id("emit-type").locator("option")).to_have_count(
        len(admin.request("GET", "/_emulator/catalog")["event_types"]))
    assert any(url.endswith("/_emulator/stream") for url in watch.requests)


def test_emit_through_the_form_and_see_the_events(
    page: Page, emulator: EmulatorThread, admin: AdminClient
) -> None:
    open_dashboard(page, emulator.url)
    page.get_by_test_id("emit-type").select_option("FileDeleted")
    page.get_by_test_id("emit-count").fill("2")
    page.get_by_test_id("emit-app").fill(str(APP))
    page.get_by_test_id("emit-submit").click()

    expect(page.get_by_test_id("action-result")).to_have_text(
        f"Emitted 2 FileDeleted events to {APP} (queued).")
    rows = page.get_by_test_id("event-row")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("FileDeleted")
    expect(page.locator(f'[data-testid="app-row"][data-app="{APP}"] [data-count="pullable"]')
           ).to_have_text("2 pullable")
    assert [event["event_type"] for event in admin.events()["events"]] == ["FileDeleted"] * 2


def test_open_an_event_and_see_its_payload_and_history(
    page: Page, emulator: EmulatorThread, admin: AdminClient
) -> None:
    [event] = admin.emit("NewFileUpload", overrides={
        "FileUploadEvent": {"MediaBasicInfo": {"Name": "holiday.mp4"}}})
    open_dashboard(page, emulator.url)
    event_row(page, event["event_id"]).get_by_test_id("event-open").click()

    expect(page.get_by_test_id("detail-id")).to_have_text(event["event_id"])
    detail = page.get_by_test_id("detail")
    expect(detail.get_by_test_id("history")).to_contain_text("enqueued")
    payload = detail.get_by_test_id("payload")
    expect(payload).to_contain_text("FileUploadEvent")
    payload.get_by_text("FileUploadEvent").click()  # open the collapsed member
    payload.get_by_text("MediaBasicInfo").click()
    expect(payload).to_contain_text('"holiday.mp4"')

    # A pull leases it: the open detail follows live, with the lease's handle.
    [pulled] = sdk_client(emulator).PullEvents(models.PullEventsRequest()).EventSet
    expect(detail.get_by_test_id("event-state")).to_have_text("leased")
    expect(detail.get_by_test_id("leases")).to_contain_text(pulled.EventHandle)
    expect(detail.get_by_test_id("history")).to_contain_text(pulled.EventHandle)


def test_advance_the_clock_and_see_a_lease_expire(
    page: Page, emulator: EmulatorThread, admin: AdminClient
) -> None:
    [event] = admin.emit("NewFileUpload")
    open_dashboard(page, emulator.url)
    state = event_row(page, event["event_id"]).get_by_test_id("event-state")
    expect(state).to_have_text("pullable")

    sdk_client(emulator).PullEvents(models.PullEventsRequest())
    expect(state).to_have_text("leased")

    window = admin.health()["confirm_window_seconds"]
    page.get_by_test_id("advance-seconds").fill(str(window + 1))
    page.get_by_test_id("advance").click()
    expect(state).to_have_text("pullable")
    expect(page.get_by_test_id("clock-offset")).to_contain_text("from real time")
    event_row(page, event["event_id"]).get_by_test_id("event-open").click()
    expect(page.get_by_test_id("history")).to_contain_text("expired")


def test_a_failing_callback_redelivered(
    page: Page, emulator: EmulatorThread, admin: AdminClient
) -> None:
    admin.update_settings(callback_retry_seconds=[])  # the first failure is final
    with CallbackReceiver() as receiver:
        receiver.answer(500)
        open_dashboard(page, emulator.url)
        # PUSH through the dashboard's event-config form, as ModifyEventConfig does.
        page.get_by_test_id("config-app").fill(str(PUSH_APP))
        page.get_by_test_id("config-mode").select_option("PUSH")
        page.get_by_test_id("config-url").fill(receiver.url)
        page.get_by_test_id("config-submit").click()
        app_row = page.locator(f'[data-testid="app-row"][data-app="{PUSH_APP}"]')
        expect(app_row.get_by_test_id("app-mode")).to_have_text("PUSH")

        page.get_by_test_id("emit-app").fill(str(PUSH_APP))
        page.get_by_test_id("emit-submit").click()
        row = page.get_by_test_id("event-row")
        expect(row).to_have_count(1)
        expect(row.get_by_test_id("event-state")).to_have_text("undelivered")
        expect(app_row.locator('[data-count="undelivered"]')).to_have_text("1 undelivered")

        receiver.answer(200)
        row.get_by_test_id("event-open").click()
        detail = page.get_by_test_id("detail")
        expect(detail.get_by_test_id("attempt")).to_have_count(1)
        expect(detail.get_by_test_id("attempt")).to_contain_text("status 500")
        detail.get_by_test_id("redeliver").click()

        expect(detail.get_by_test_id("event-state")).to_have_text("delivered")
        expect(detail.get_by_test_id("attempt")).to_have_count(2)
        expect(row.get_by_test_id("event-state")).to_have_text("delivered")
        expect(app_row.locator('[data-count="delivered"]')).to_have_text("1 delivered")
        # The exact body sent is shown: the one the receiver got.
        body = receiver.wait_for(2)[-1].body.decode()
        detail.get_by_test_id("attempt").last.locator("summary").click()
        expect(detail.get_by_test_id("attempt").last.get_by_test_id("attempt-body")).to_have_text(body)


def test_a_bad_override_shows_the_servers_error(
    page: Page, emulator: EmulatorThread, admin: AdminClient, watch: Watch
) -> None:
    # The browser reports the refused request (one 400) on its console; nothing else may.
    watch.tolerated = r"status of 400 \(Bad Request\)$"
    bad = {"FileUploadEvent": {"FileId": 5}}
    with pytest.raises(AdminError) as refused:
        admin.emit("NewFileUpload", overrides=bad)
    open_dashboard(page, emulator.url)
    page.get_by_test_id("emit-type").select_option("NewFileUpload")
    page.get_by_test_id("emit-overrides").fill('{"FileUploadEvent": {"FileId": 5}}')
    page.get_by_test_id("emit-submit").click()

    expect(page.get_by_test_id("emit-error")).to_have_text(refused.value.message)
    expect(page.get_by_test_id("emit-error")).to_be_visible()
    assert admin.events()["events"] == []
    # Fixed, the same form emits and the error goes.
    page.get_by_test_id("emit-overrides").fill('{"FileUploadEvent": {"FileId": "5"}}')
    page.get_by_test_id("emit-submit").click()
    expect(page.get_by_test_id("event-row")).to_have_count(1)
    expect(page.get_by_test_id("emit-error")).to_be_hidden()


def test_driven_by_keyboard(page: Page, emulator: EmulatorThread, admin: AdminClient) -> None:
    open_dashboard(page, emulator.url)
    for _ in range(40):  # Tab through the page to the emit form's first field
        if page.evaluate("document.activeElement.id") == "emit-type":
            break
        page.keyboard.press("Tab")
    expect(page.get_by_test_id("emit-type")).to_be_focused()
    page.keyboard.type("FileDel")  # a select's type-ahead picks FileDeleted
    expect(page.get_by_test_id("emit-type")).to_have_value("FileDeleted")
    page.keyboard.press("Tab")
    expect(page.get_by_test_id("emit-count")).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type("3")
    page.keyboard.press("Tab")
    page.keyboard.type(str(APP))
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("event-row")).to_have_count(3)

    # "/" searches the events; Enter in an event's id opens it; Escape closes it.
    wanted = admin.events()["events"][1]["event_id"]
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("/")
    expect(page.get_by_test_id("filter-q")).to_be_focused()
    page.keyboard.type(wanted)
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("event-row")).to_have_count(1)
    page.get_by_test_id("event-open").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("detail-id")).to_have_text(wanted)
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("detail")).to_be_hidden()


def test_usable_in_a_narrow_window(
    browser: Browser, watch: Watch, emulator: EmulatorThread, admin: AdminClient
) -> None:
    context, page = new_page(browser, watch, width=420)
    try:
        admin.emit("NewFileUpload", 2)
        open_dashboard(page, emulator.url)
        expect(page.get_by_test_id("event-row")).to_have_count(2)
        # Nothing is wider than the window: wide tables scroll inside their panels.
        assert page.evaluate("document.documentElement.scrollWidth") <= 420
        for panel in ("emit-form", "events-filter", "apps", "feed", "clock-form"):
            box = page.get_by_test_id(panel).bounding_box()
            assert box is not None and box["width"] > 0 and box["x"] >= 0
        page.get_by_test_id("emit-submit").click()
        expect(page.get_by_test_id("event-row")).to_have_count(3)
        page.get_by_test_id("event-open").first.click()
        expect(page.get_by_test_id("payload")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 420
    finally:
        context.close()
    watch.check()


def test_ten_thousand_events(
    page: Page, emulator: EmulatorThread, admin: AdminClient, watch: Watch
) -> None:
    admin.emit("NewFileUpload", 10_000, with_content=False)
    open_dashboard(page, emulator.url)
    rows = page.get_by_test_id("event-row")
    expect(rows.first).to_have_attribute("data-event-id", "evt-00010000")
    expect(rows).to_have_count(50)
    expect(page.get_by_test_id("events-matched")).to_have_text("(10000 matching)")
    page.get_by_test_id("events-older").click()
    expect(rows.first).to_have_attribute("data-event-id", "evt-00009950")
    # Only pages of summaries were fetched: no payload of the list, no whole list.
    searches = [url for url in watch.requests if "/_emulator/events?" in url]
    assert searches and all("content=false" in url and "limit=50" in url for url in searches)


def test_recovers_by_itself_when_the_emulator_restarts(browser: Browser) -> None:
    first = EmulatorThread(Settings(port=0, seed=SEED)).start()
    port = first.port
    watch = Watch(first.url)
    context, page = new_page(browser, watch)
    try:
        AdminClient(first.url).emit("NewFileUpload")
        open_dashboard(page, first.url)
        expect(page.get_by_test_id("event-row")).to_have_count(1)
        first.stop()
        expect(page.get_by_test_id("connection")).to_contain_text("disconnected")
        with EmulatorThread(Settings(port=port, seed=SEED)) as second:
            AdminClient(second.url).emit("FileDeleted", 2)
            expect(page.get_by_test_id("connection")).to_have_text("live")
            expect(page.get_by_test_id("event-row")).to_have_count(2)
            expect(page.get_by_test_id("event-row").first).to_contain_text("FileDeleted")
    finally:
        first.stop()
        context.close()
    # The browser reports the refused connections while the emulator is down.
    watch.tolerated = r"ERR_CONNECTION_REFUSED|Failed to load resource"
    watch.check()


def test_a_page_of_another_origin_cannot_drive_the_emulator(
    browser: Browser, emulator: EmulatorThread, admin: AdminClient
) -> None:
    context = browser.new_context()
    # Another local origin: any page of a server on another port (here, a receiver's).
    with CallbackReceiver() as elsewhere:
        try:
            page = context.new_page()
            page.goto(elsewhere.url)
            # A "simple" request (no preflight): the browser sends it, so only the
            # emulator itself can refuse it. The page cannot read the answer (no-cors):
            # the proof is that nothing was emitted.
            sent = page.evaluate(
                """url => fetch(url, {method: "POST", mode: "no-cors",
                                      headers: {"Content-Type": "text/plain"},
                                      body: JSON.stringify({type: "NewFileUpload"})})
                         .then(() => "answered", error => String(error))""",
                emulator.url + "/_emulator/events")
        finally:
            context.close()
    assert sent == "answered"
    assert admin.events()["events"] == []
    assert admin.journal() == []
