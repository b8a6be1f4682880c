"""Make the docs' screenshots of the dashboard: ``python docs/screenshots.py``.

Starts an emulator on a free port, gives it some realistic activity (two PULL
applications with events pulled, confirmed and left to expire, a PUSH application whose
receiver fails some callbacks, a fault rule acting), then photographs the dashboard with
Debian's headless Chromium through Playwright into docs/*.png. Deterministic: a fixed seed.
Generated payloads hold Chinese text: without a CJK font (Debian's fonts-wqy-microhei)
Chromium draws it as boxes.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import Page, expect
from tencentcloud.common import credential
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.vod.v20180717 import models, vod_client

from emulator.clients.client import AdminClient
from emulator.clients.receiver import CallbackReceiver
from emulator.core.settings import Settings
from emulator.server import EmulatorThread

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.browser import chromium  # noqa: E402  (the one way the browser is started)

DOCS = Path(__file__).resolve().parent
MEDIA_APP = 1500000001
WEBHOOK_APP = 1500000002


def fill(emulator: EmulatorThread, receiver: CallbackReceiver) -> str:
    """Activity worth looking at; answer the id of an event whose callback failed first."""
    admin = AdminClient(emulator.url)
    http = HttpProfile(protocol="http", endpoint=emulator.endpoint)
    vod = vod_client.VodClient(credential.Credential("AKIDany", "any"), "",
                               ClientProfile(httpProfile=http))

    def pull(sub_app_id: int | None = None) -> list[str]:
        request = models.PullEventsRequest()
        request.SubAppId = sub_app_id
        return [event.EventHandle for event in vod.PullEvents(request).EventSet or []]

    def confirm(handles: list[str], sub_app_id: int | None = None) -> None:
        request = models.ConfirmEventsRequest()
        request.EventHandles = handles
        request.SubAppId = sub_app_id
        vod.ConfirmEvents(request)

    # The default application: uploads and transcodes, some pulled and confirmed, some
    # pulled and never confirmed (their leases expire when the clock moves).
    for _ in range(3):
        admin.emit_scenario("upload-transcode")
    confirm(pull()[:6])
    admin.emit("NewFileUpload", 4)
    pull()
    admin.advance_clock(31)
    admin.emit("FileDeleted", 2)

    # A second PULL application, where a fault duplicates deliveries of FileDeleted.
    admin.add_fault("PullEvents", "duplicate", event_type="FileDeleted", sub_app_id=MEDIA_APP)
    admin.emit_scenario("delete", MEDIA_APP)
    admin.emit("PullComplete", 3, MEDIA_APP)
    confirm(pull(MEDIA_APP), MEDIA_APP)

    # A PUSH application: a webhook that fails for a while, then recovers.
    admin.update_settings(callback_retry_seconds=[5, 30])
    admin.request("POST", f"/_emulator/event-config/{WEBHOOK_APP}",
                  {"Mode": "PUSH", "NotificationUrl": receiver.url})
    receiver.answer(500)
    [failed] = admin.emit("NewFileUpload", sub_app_id=WEBHOOK_APP)
    receiver.wait_for(1)
    receiver.answer(200)
    admin.advance_clock(5)
    receiver.wait_for(2)
    receiver.answer(503)
    admin.emit("ProcedureStateChanged", 2, WEBHOOK_APP)
    receiver.wait_for(4)
    admin.advance_clock(5)
    receiver.wait_for(6)
    admin.advance_clock(30)
    admin.wait(WEBHOOK_APP, callbacks_undelivered=2)
    receiver.answer(200)
    admin.emit("NewFileUpload", 5, WEBHOOK_APP)
    admin.wait(WEBHOOK_APP, callbacks_delivered=6)
    admin.add_fault("callback", "fail", status=503, times=3, sub_app_id=WEBHOOK_APP)
    return str(failed["event_id"])


def shoot(page: Page, url: str, failed_event: str) -> None:
    page.goto(url + "/_emulator/ui/")
    expect(page.locator("body")).to_have_attribute("data-ready", "")  # every panel loaded
    expect(page.get_by_test_id("connection")).to_have_text("live")
    expect(page.get_by_test_id("app-row")).to_have_count(3)
    expect(page.get_by_test_id("fault")).to_have_count(2)
    page.screenshot(path=DOCS / "dashboard.png", full_page=True)

    page.locator(f'[data-event-id="{failed_event}"]').get_by_test_id("event-open").click()
    detail = page.get_by_test_id("detail")
    expect(detail.get_by_test_id("attempt")).to_have_count(2)
    detail.get_by_test_id("attempt").first.locator("summary").click()
    page.evaluate("document.getElementById('detail-panel').scrollIntoView()")
    page.screenshot(path=DOCS / "event.png")

    page.set_viewport_size({"width": 420, "height": 820})
    page.get_by_test_id("emit-overrides").fill('{"FileUploadEvent": {"FileId": 5}}')
    page.get_by_test_id("emit-submit").click()
    expect(page.get_by_test_id("emit-error")).to_be_visible()
    page.get_by_test_id("emit-error").scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, 120)")
    page.screenshot(path=DOCS / "narrow.png")


def main() -> int:
    with EmulatorThread(Settings(port=0, seed=2024)) as emulator, \
            CallbackReceiver() as receiver, chromium() as browser:
        failed_event = fill(emulator, receiver)
        context = browser.new_context(viewport={"width": 1280, "height": 900},
                                      color_scheme="light")
        # Nothing but the emulator: the page needs no other origin.
        context.route("**/*", lambda route: route.continue_()
                      if route.request.url.startswith(emulator.url + "/") else route.abort())
        shoot(context.new_page(), emulator.url, failed_event)
    for name in ("dashboard.png", "event.png", "narrow.png"):
        print(DOCS / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
