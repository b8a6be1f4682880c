"""The dashboard's tasks view, a task's panel, the media library and a file's page, in a
real browser (Debian's headless Chromium, driven by Playwright).

Tasks are started as an application starts them, through the official Python SDK; the
emulator's clock is frozen and moved through the AdminClient, so every task is where the
test put it. Every wait is one of Playwright's auto-waiting assertions: nothing sleeps.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from tencentcloud.common import credential
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.vod.v20180717 import models, vod_client

from emulator.clients.client import AdminClient, AdminError
from emulator.core.tasks import WAIT_SECONDS
from emulator.server import EmulatorThread

from .conftest import Watch, new_page, open_dashboard

FROZEN_CLOCK = True  # each task stays where the test puts it
SEED = 20240611
APP = 1500000001
OTHER_APP = 1500000002
MARKUP = '<img src="x" data-injected="1"><b>bold</b>'
"""Text that would be markup if a view wrote it as HTML."""


@pytest.fixture
def sdk(emulator: EmulatorThread) -> vod_client.VodClient:
    # No secret is configured: any credentials are accepted.
    http = HttpProfile(protocol="http", endpoint=emulator.endpoint, reqTimeout=30)
    return vod_client.VodClient(credential.Credential("AKIDany", "any"), "",
                                ClientProfile(httpProfile=http))


def call(sdk: vod_client.VodClient, action: str, params: dict[str, Any]) -> dict[str, Any]:
    """One Cloud API action through the SDK, its response as JSON."""
    request = getattr(models, action + "Request")()
    request.from_json_string(json.dumps(params))
    answer: dict[str, Any] = json.loads(getattr(sdk, action)(request).to_json_string())
    return answer


def process_media(sdk: vod_client.VodClient, file_id: str, sub_app_id: int | None = None,
                  **params: Any) -> str:
    task_id: str = call(sdk, "ProcessMedia", {
        "FileId": file_id, "SubAppId": sub_app_id,
        "MediaProcessTask": {"TranscodeTaskSet": [{"Definition": 100030}]}, **params})["TaskId"]
    return task_id


def task_of(admin: AdminClient, task_id: str, sub_app_id: int | None) -> dict[str, Any]:
    app = "default" if sub_app_id is None else str(sub_app_id)
    task: dict[str, Any] = admin.request("GET", f"/_emulator/tasks/{task_id}?sub_app_id={app}")
    return task


def task_row(scope: Page | Locator, task_id: str) -> Locator:
    return scope.locator(f'[data-testid="task-row"][data-task-id="{task_id}"]')


def tasks_table(page: Page) -> Locator:
    return page.get_by_test_id("tasks-list")


# ----- the tasks view


def test_a_task_followed_from_waiting_to_finish_then_its_event_and_its_file(
    page: Page, emulator: EmulatorThread, admin: AdminClient, sdk: vod_client.VodClient
) -> None:
    file_id = admin.seed_media(sub_app_id=APP, basic_info={"Name": "holiday"})["FileId"]
    open_dashboard(page, emulator.url)
    expect(tasks_table(page)).to_contain_text("No task matches")

    task_id = process_media(sdk, file_id, APP, TasksNotifyMode="Change", SessionId="s-1",
                            SessionContext=MARKUP)
    # Starting a task writes no journal entry: the view finds it by asking again.
    row = task_row(tasks_table(page), task_id)
    expect(row.get_by_test_id("task-status")).to_have_text("WAITING")
    expect(row.get_by_test_id("task-progress")).to_have_text("0%")
    expect(row.get_by_test_id("task-type")).to_have_text("Procedure")
    expect(row.get_by_test_id("task-action")).to_have_text("ProcessMedia")
    expect(row.get_by_test_id("task-file")).to_have_text(file_id)
    expect(row.get_by_test_id("task-session-id")).to_have_text("s-1")
    expect(row.get_by_test_id("task-context")).to_have_text(MARKUP)  # as text, not markup
    expect(row.get_by_test_id("task-events")).to_have_text("none yet")
    expect(page.get_by_test_id("tasks-matched")).to_have_text("(1 matching)")
    expect(page.locator("[data-injected]")).to_have_count(0)

    # The clock moves it on: PROCESSING, and (TasksNotifyMode Change) its first event.
    admin.advance_clock(WAIT_SECONDS + 1)
    expect(row.get_by_test_id("task-status")).to_have_text("PROCESSING")
    expect(row.get_by_test_id("task-progress")).not_to_have_text("0%")
    expect(row.get_by_test_id("task-event")).to_have_count(1)

    page.get_by_test_id("tasks-finish").click()
    expect(page.get_by_test_id("action-result")).to_contain_text(
        "Tasks finished: the clock advanced by")
    expect(row.get_by_test_id("task-status")).to_have_text("FINISH")
    expect(row.get_by_test_id("task-progress")).to_have_text("100%")
    expect(row.get_by_test_id("task-failed")).to_have_count(0)
    task = task_of(admin, task_id, APP)
    assert task["status"] == "FINISH" and len(task["events"]) >= 2
    expect(row.get_by_test_id("task-event")).to_have_text(task["events"])

    # Its last event opens in the event view.
    row.get_by_test_id("task-event").last.click()
    expect(page.get_by_test_id("detail-id")).to_have_text(task["events"][-1])
    expect(page.get_by_test_id("payload")).to_contain_text("ProcedureStateChanged")

    # Its file's page: the library's MediaInfo, with the transcode the task made.
    row.get_by_test_id("task-file").click()
    expect(page.get_by_test_id("file-id")).to_have_text(file_id)
    detail = page.get_by_test_id("file-detail")
    parts = detail.get_by_test_id("file-part")
    expect(parts.first).to_have_attribute("data-part", "BasicInfo")
    expect(parts.nth(1)).to_have_attribute("data-part", "MetaData")
    expect(detail.locator('[data-part="BasicInfo"]')).to_contain_text('"holiday"')
    transcodes = detail.locator('[data-part="TranscodeInfo"]')
    transcodes.get_by_text("TranscodeSet").click()
    transcodes.locator("summary", has_text=re.compile(r"^0")).click()
    expect(transcodes).to_contain_text("Definition: 100030")
    expect(detail.get_by_test_id("file-absent")).not_to_contain_text("TranscodeInfo")
    expect(task_row(detail.get_by_test_id("file-tasks"), task_id)
           .get_by_test_id("task-status")).to_have_text("FINISH")
    info = admin.media_file(file_id, APP)
    present = [name for name, part in info.items() if part is not None and name != "FileId"]
    expect(parts).to_have_count(len(present))


def test_all_applications_newest_first_filtered_and_a_failed_task_marked(
    page: Page, emulator: EmulatorThread, admin: AdminClient, sdk: vod_client.VodClient,
    watch: Watch
) -> None:
    # A bad filter is refused (400): the browser reports it on its console.
    watch.tolerated = r"status of 400 \(Bad Request\)$"
    admin.add_fault("PullUpload", "fail_task", message="the source answered 404")
    file_id = admin.seed_media()["FileId"]
    first = process_media(sdk, file_id)
    admin.advance_clock(0.5)
    pulled = call(sdk, "PullUpload", {"MediaUrl": "http://example.com/a.mp4",
                                      "SubAppId": OTHER_APP})["TaskId"]
    open_dashboard(page, emulator.url)

    rows = tasks_table(page).get_by_test_id("task-row")
    expect(rows).to_have_count(2)
    expect(rows.first).to_have_attribute("data-task-id", pulled)
    expect(rows.last).to_have_attribute("data-task-id", first)
    failing = task_row(tasks_table(page), pulled)
    expect(failing.get_by_test_id("task-failed")).to_have_text("will fail")
    expect(failing).to_contain_text(str(OTHER_APP))

    page.get_by_test_id("tasks-app").fill(str(OTHER_APP))
    page.get_by_test_id("tasks-app").press("Enter")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-task-id", pulled)
    page.get_by_test_id("tasks-app").fill("default")
    page.get_by_test_id("tasks-app").press("Enter")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-task-id", first)

    with pytest.raises(AdminError) as refused:
        admin.request("GET", "/_emulator/tasks?sub_app_id=nope")
    page.get_by_test_id("tasks-app").fill("nope")
    page.get_by_test_id("tasks-app").press("Enter")
    expect(page.get_by_test_id("action-result")).to_have_text(
        f"{refused.value.code}: {refused.value.message}")

    page.get_by_test_id("tasks-app").fill("")
    page.get_by_test_id("tasks-status").select_option("FINISH")
    expect(tasks_table(page)).to_contain_text("No task matches")
    expect(page.get_by_test_id("tasks-matched")).to_have_text("(0 matching)")
    advanced = admin.request("POST", "/_emulator/tasks/finish")["advanced_seconds"]
    assert advanced > 0
    expect(rows).to_have_count(2)  # both finished: the clock's change refreshed the view
    expect(failing.get_by_test_id("task-status")).to_have_text("FINISH")
    expect(failing.get_by_test_id("task-failed")).to_have_text("failed")
    expect(failing.get_by_test_id("task-failed")).to_have_class(re.compile("state-failed"))
    expect(task_row(tasks_table(page), first).get_by_test_id("task-failed")).to_have_count(0)

    # Finishing when nothing runs says so.
    page.get_by_test_id("tasks-finish").click()
    expect(page.get_by_test_id("action-result")).to_have_text("No task was running.")


def test_a_task_s_panel_its_link_and_escape(
    page: Page, browser: Browser, watch: Watch, emulator: EmulatorThread, admin: AdminClient,
    sdk: vod_client.VodClient
) -> None:
    file_id = admin.seed_media(sub_app_id=APP)["FileId"]
    started = call(sdk, "ProcessMedia", {"FileId": file_id, "SubAppId": APP,
                                         "SessionContext": MARKUP})
    task_id = started["TaskId"]
    open_dashboard(page, emulator.url)
    task_row(tasks_table(page), task_id).get_by_test_id("task-open").click()

    expect(page.get_by_test_id("task-id")).to_have_text(task_id)
    panel = page.get_by_test_id("task-detail")
    expect(panel.get_by_test_id("task-status")).to_have_text("WAITING")
    expect(panel.get_by_test_id("task-caused-by")).to_have_text(
        f"ProcessMedia {started['RequestId']}")
    expect(panel.get_by_test_id("task-context")).to_have_text(MARKUP)
    expect(panel.get_by_test_id("task-detail-tree")).to_contain_text(task_id)
    expect(page.locator("#task-title")).to_be_focused()
    expect(page.locator("[data-injected]")).to_have_count(0)

    # It follows the clock while open.
    admin.request("POST", "/_emulator/tasks/finish")
    expect(panel.get_by_test_id("task-status")).to_have_text("FINISH")
    expect(panel.get_by_test_id("task-event")).to_have_count(
        len(task_of(admin, task_id, APP)["events"]))

    # The address names it: opened elsewhere, the link shows the same task.
    link = page.url
    assert "task=" + task_id in link and f"task_app={APP}" in link
    context, again = new_page(browser, watch)
    try:
        again.goto(link)
        expect(again.get_by_test_id("connection")).to_have_text("live")
        expect(again.get_by_test_id("task-id")).to_have_text(task_id)
        expect(again.get_by_test_id("task-detail").get_by_test_id("task-status")
               ).to_have_text("FINISH")
    finally:
        context.close()

    # Escape closes the panel opened last: the event, then the task.
    page.get_by_test_id("task-detail").get_by_test_id("task-event").first.click()
    expect(page.get_by_test_id("detail")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("detail")).to_be_hidden()
    expect(page.get_by_test_id("task-detail")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("task-detail")).to_be_hidden()
    assert "task=" not in page.url


def test_with_the_clock_running_a_silent_task_moves_on_by_itself(
    page: Page, emulator: EmulatorThread, admin: AdminClient, sdk: vod_client.VodClient
) -> None:
    # No event (TasksNotifyMode None), no clock change after this: only the view's own
    # reading of the clock can show the task's progress and its end.
    admin.update_settings(task_seconds={"Procedure": 30})
    file_id = admin.seed_media()["FileId"]
    open_dashboard(page, emulator.url)
    admin.set_clock(freeze=False, scale=10)
    task_id = process_media(sdk, file_id, TasksNotifyMode="None")
    row = task_row(tasks_table(page), task_id)
    expect(row.get_by_test_id("task-progress")).to_have_text(re.compile(r"^[1-9][0-9]?%$"))
    expect(row.get_by_test_id("task-status")).to_have_text("PROCESSING")
    expect(row.get_by_test_id("task-status")).to_have_text("FINISH")
    expect(row.get_by_test_id("task-progress")).to_have_text("100%")
    expect(row.get_by_test_id("task-events")).to_have_text("none (TasksNotifyMode None)")
    assert task_of(admin, task_id, None)["events"] == []


# ----- the media library and a file's page


def test_the_media_library_lists_an_application_s_files_and_opens_one(
    page: Page, emulator: EmulatorThread, admin: AdminClient, watch: Watch,
    sdk: vod_client.VodClient
) -> None:
    # The file's page asks for it once more after its deletion: the browser reports the 404.
    watch.tolerated = r"status of 404 \(Not Found\)$"
    admin.seed_media(sub_app_id=OTHER_APP)
    older = admin.seed_media(sub_app_id=APP, basic_info={"Name": "older"})["FileId"]
    admin.advance_clock(1)
    newer = admin.seed_media(sub_app_id=APP, basic_info={"Name": MARKUP})["FileId"]
    open_dashboard(page, emulator.url)
    expect(page.get_by_test_id("media-total")).to_have_text("(application default, 0 files)")

    page.get_by_test_id("media-app").fill(str(APP))
    page.get_by_test_id("media-app").press("Enter")
    rows = page.get_by_test_id("media-row")
    expect(rows).to_have_count(2)
    expect(page.get_by_test_id("media-total")).to_have_text(f"(application {APP}, 2 files)")
    expect(rows.first).to_have_attribute("data-file-id", newer)
    expect(rows.first.get_by_test_id("media-name")).to_have_text(MARKUP)
    expect(rows.last).to_have_attribute("data-file-id", older)
    expect(page.locator("[data-injected]")).to_have_count(0)

    rows.first.get_by_test_id("media-open").click()
    expect(page.get_by_test_id("file-id")).to_have_text(newer)
    detail = page.get_by_test_id("file-detail")
    expect(detail.locator('[data-part="BasicInfo"]')).to_contain_text(json.dumps(MARKUP))
    expect(detail.locator('[data-part="MetaData"]')).to_contain_text("Duration")
    expect(detail.get_by_test_id("file-absent")).to_contain_text("TranscodeInfo")
    expect(detail.get_by_test_id("file-part")).to_have_count(2)
    expect(detail.get_by_test_id("file-tasks")).to_have_text("No task has worked on this file.")
    expect(rows.first).to_have_class(re.compile("selected"))
    expect(page.locator("[data-injected]")).to_have_count(0)

    # A file seeded without an event shows up too (the view asks again).
    admin.advance_clock(1)
    newest = admin.seed_media(sub_app_id=APP)["FileId"]
    expect(rows).to_have_count(3)
    expect(rows.first).to_have_attribute("data-file-id", newest)

    # Deleted (DeleteMedia, its FileDeleted 1 s later): gone from the list and the page.
    call(sdk, "DeleteMedia", {"FileId": newer, "SubAppId": APP})
    admin.advance_clock(2)
    expect(rows).to_have_count(2)
    expect(detail).to_contain_text(f"does not hold {newer}")


def test_a_long_library_shows_its_newest_files_then_more(
    page: Page, emulator: EmulatorThread, admin: AdminClient
) -> None:
    for _ in range(51):
        admin.seed_media()
    open_dashboard(page, emulator.url)
    rows = page.get_by_test_id("media-row")
    expect(rows).to_have_count(50)
    expect(page.get_by_test_id("media-shown")).to_have_text("the newest 50 shown")
    page.get_by_test_id("media-more").click()
    expect(rows).to_have_count(51)
    expect(page.get_by_test_id("media-more")).to_be_disabled()
    expect(page.get_by_test_id("media-shown")).to_have_text("")


def test_an_application_s_tasks_and_media_from_its_row_in_a_narrow_window(
    browser: Browser, watch: Watch, emulator: EmulatorThread, admin: AdminClient,
    sdk: vod_client.VodClient
) -> None:
    file_id = admin.seed_media(sub_app_id=APP)["FileId"]
    admin.seed_media()
    task_id = process_media(sdk, file_id, APP, SessionContext="x" * 1000)
    process_media(sdk, admin.seed_media()["FileId"])
    admin.request("POST", "/_emulator/tasks/finish")  # its events make the application known
    context, page = new_page(browser, watch, width=420)
    try:
        open_dashboard(page, emulator.url)
        app_row = page.locator(f'[data-testid="app-row"][data-app="{APP}"]')
        app_row.get_by_role("button", name="Tasks").click()
        rows = tasks_table(page).get_by_test_id("task-row")
        expect(rows).to_have_count(1)
        expect(rows.first).to_have_attribute("data-task-id", task_id)
        # A long SessionContext is cut in the row, whole on hover and in the task's panel.
        context_cell = rows.first.get_by_test_id("task-context")
        expect(context_cell).to_have_text("x" * 60 + "…")
        expect(context_cell).to_have_attribute("title", "x" * 1000)
        app_row.get_by_role("button", name="Media").click()
        expect(page.get_by_test_id("media-row")).to_have_count(1)
        expect(page.get_by_test_id("media-row")).to_have_attribute("data-file-id", file_id)
        page.get_by_test_id("media-open").click()
        expect(page.get_by_test_id("file-tasks").get_by_test_id("task-row")).to_have_count(1)
        # Nothing is wider than the window: wide tables scroll inside their panels.
        assert page.evaluate("document.documentElement.scrollWidth") <= 420
    finally:
        context.close()
    watch.check()
