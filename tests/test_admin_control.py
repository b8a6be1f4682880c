"""Control for tests on one running emulator: settings changed per test, one application
reset, the stats, and following the journal and the emitted events live."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

import pytest
from tencentcloud.vod.v20180717 import models, vod_client

from emulator.clients.client import AdminClient, AdminError
from emulator.clients.receiver import CallbackReceiver
from emulator.core.settings import RUNTIME_SETTINGS
from emulator.server import EmulatorThread

from .conftest import confirm, make_settings, pull, wait_for_health

APP, OTHER = 1500000001, 1500000002


def settings(admin: AdminClient, **changes: Any) -> dict[str, Any]:
    if not changes:
        shown: dict[str, Any] = admin.request("GET", "/_emulator/settings")
        return shown
    changed: dict[str, Any] = admin.request("POST", "/_emulator/settings", changes)
    return changed


def failed_attempts(admin: AdminClient, event_id: str) -> int:
    """How many attempts to call back ``event_id`` failed, once at least one has."""
    return len(admin.follow_journal(kind="attempt_failed", event_id=event_id,
                                    wait_seconds=10)["entries"])


def describe(sdk: vod_client.VodClient, sub_app_id: int | None = None) -> Any:
    request = models.DescribeEventConfigRequest()
    request.SubAppId = sub_app_id
    return sdk.DescribeEventConfig(request)


# ----- settings per test


def test_settings_show_what_the_server_started_with(admin: AdminClient) -> None:
    shown = settings(admin)
    assert list(shown) == list(RUNTIME_SETTINGS)
    assert shown["confirm_window_seconds"] == 30.0 and shown["callback_success"] == "200"


def test_a_shorter_confirm_window_applies_to_the_next_pull_and_a_reset_restores_it(
    sdk: vod_client.VodClient, admin: AdminClient
) -> None:
    assert settings(admin, confirm_window_seconds=1)["confirm_window_seconds"] == 1.0
    admin.emit("NewFileUpload")
    (first,) = pull(sdk)
    admin.advance_clock(1)
    (again,) = pull(sdk)  # the 1-second window passed: delivered again
    assert again.EventHandle != first.EventHandle
    admin.reset()
    assert settings(admin)["confirm_window_seconds"] == 30.0
    admin.emit("NewFileUpload")
    (leased,) = pull(sdk)
    assert leased.EventHandle
    lease = admin.queue()["leased"][0]
    assert lease["expires_at"] - lease["enqueued_at"] == pytest.approx(30, abs=1)


@pytest.mark.parametrize("emulator_settings", [make_settings(long_poll_seconds=3600)])
def test_no_long_poll_answers_an_empty_pull_at_once(
    background: Callable[..., Future[Any]],  # set up first: the emulator stops before it
    sdk: vod_client.VodClient, admin: AdminClient,
) -> None:
    settings(admin, long_poll_seconds=0)
    empty = background(pull, sdk)
    assert empty.result(timeout=10) == []  # held for the real hour otherwise
    assert admin.health()["held_pulls"] == 0


def test_a_shorter_retention_drops_events_already_queued(
    sdk: vod_client.VodClient, admin: AdminClient
) -> None:
    (event,) = admin.emit("FileDeleted")
    admin.advance_clock(20)
    settings(admin, retention_seconds=10)
    # Dropped by the queue's timer, re-planned by the change: wait for its journal entry.
    dropped = admin.follow_journal(kind="dropped", event_id=event["event_id"],
                                   wait_seconds=10)["entries"]
    assert [e["event_id"] for e in dropped] == [event["event_id"]]
    assert admin.queue()["pullable"] == []
    assert [e["kind"] for e in admin.journal(event_id=event["event_id"])] == [
        "enqueued", "dropped"]


def test_callback_timeout_and_retries_change_per_test(
    sdk: vod_client.VodClient, admin: AdminClient
) -> None:
    settings(admin, callback_timeout_seconds=0.1, callback_retry_seconds=[2])
    with CallbackReceiver() as receiver:
        request = models.ModifyEventConfigRequest()
        request.Mode, request.NotificationUrl = "PUSH", receiver.url
        sdk.ModifyEventConfig(request)
        receiver.hang()
        (event,) = admin.emit("NewFileUpload")
        assert failed_attempts(admin, event["event_id"]) == 1
        receiver.clear()  # answers 200 from now on
        admin.advance_clock(2)
        admin.wait(callbacks_delivered=1)
    first, second = admin.request(
        "GET", f"/_emulator/callbacks?event_id={event['event_id']}")["attempts"]
    assert first["error"] == "no answer within 0.1 s" and second["outcome"] == "delivered"
    assert second["at"] - first["at"] >= 2


def test_new_applications_can_start_as_on_the_real_service(
    sdk: vod_client.VodClient, admin: AdminClient
) -> None:
    settings(admin, new_app_defaults="real")
    config = describe(sdk, APP)
    assert (config.Mode, config.UploadMediaCompleteEventSwitch) == ("PUSH", "OFF")
    (event,) = admin.emit("NewFileUpload", sub_app_id=APP)
    assert event["route"] == "suppressed"
    admin.reset()
    assert describe(sdk, APP).Mode == "PULL"


@pytest.mark.parametrize(("changes", "says"), [
    ({"confirm_window_seconds": "soon"}, "not a number: 'soon'"),
    ({"confirm_window_seconds": True}, "must be a number"),
    ({"confirm_window_seconds": -1}, "finite number >= 0"),
    ({"callback_retry_seconds": 5}, "list of numbers"),
    ({"callback_retry_seconds": [1, None]}, "list of numbers"),
    ({"callback_timeout_seconds": 0}, "more than 0"),
    ({"callback_success": "3xx"}, "200 or 2xx"),
    ({"port": 1}, "cannot be changed while the emulator runs"),
    ({}, "name at least one setting"),
])
def test_a_bad_setting_changes_nothing(
    admin: AdminClient, changes: dict[str, Any], says: str
) -> None:
    before = settings(admin)
    with pytest.raises(AdminError) as refused:
        admin.request("POST", "/_emulator/settings",
                      {"long_poll_seconds": 1, **changes} if changes else {})
    assert refused.value.status == 400 and says in refused.value.message
    assert settings(admin) == before


# ----- one application reset


def test_resetting_one_application_leaves_the_others(
    sdk: vod_client.VodClient, admin: AdminClient,
    background: Callable[..., Future[Any]],
) -> None:
    kept = admin.emit("NewFileUpload", 2, sub_app_id=OTHER)
    admin.emit("NewFileUpload", 3, sub_app_id=APP)
    request = models.ModifyEventConfigRequest()
    request.SubAppId, request.PersistenceCompleteEventSwitch = APP, "OFF"
    sdk.ModifyEventConfig(request)
    pull(sdk, APP)
    held = background(pull, sdk, APP)  # nothing left to pull: held
    admin.wait(APP, held_pulls=1)
    assert admin.request("POST", "/_emulator/reset", {"sub_app_id": APP}) == {
        "reset": True, "sub_app_id": APP}
    assert held.result(timeout=10) == []  # answered empty at once
    assert admin.queue(APP)["pullable"] == [] and admin.queue(APP)["confirmed"] == 0
    assert describe(sdk, APP).PersistenceCompleteEventSwitch == "ON"
    assert {entry["sub_app_id"] for entry in admin.journal()} == {OTHER}
    assert [e["event_id"] for e in admin.queue(OTHER)["pullable"]] == [
        e["event_id"] for e in kept]
    (later,) = admin.emit("FileDeleted", sub_app_id=APP)
    assert later["event_id"] == "evt-00000006"  # ids go on: only a full reset restarts them


def test_resetting_the_default_application(admin: AdminClient) -> None:
    admin.emit("NewFileUpload")
    admin.emit("NewFileUpload", sub_app_id=APP)
    admin.request("POST", "/_emulator/reset", {"sub_app_id": "default"})
    assert admin.queue()["pullable"] == [] and len(admin.queue(APP)["pullable"]) == 1


# ----- stats


def test_stats_count_each_application_and_the_total(
    sdk: vod_client.VodClient, admin: AdminClient
) -> None:
    admin.emit("NewFileUpload", 3)
    admin.emit("FileDeleted", 2, sub_app_id=APP)
    leased = pull(sdk)
    confirm(sdk, [leased[0].EventHandle])
    admin.advance_clock(30)
    stats = admin.request("GET", "/_emulator/stats")
    default, app = stats["applications"]
    assert default["sub_app_id"] is None and app["sub_app_id"] == APP
    assert (default["emitted"], default["pullable"], default["leased"],
            default["confirmed"], default["expired"]) == (3, 2, 0, 1, 2)
    assert (app["emitted"], app["pullable"], app["mode"]) == (2, 2, "PULL")
    assert stats["totals"]["emitted"] == 5 and stats["totals"]["pullable"] == 4
    assert stats["journal"]["entries"] == len(admin.journal())
    admin.reset()
    assert admin.request("GET", "/_emulator/stats")["applications"] == []


# ----- following


def test_a_follower_is_held_until_the_next_entry(
    admin: AdminClient, emulator: EmulatorThread,
    background: Callable[..., Future[Any]],
) -> None:
    admin.emit("NewFileUpload")
    first = admin.request("GET", "/_emulator/journal?after=0")
    assert first["last_seq"] == 1 and first["epoch"] == 0
    follower = AdminClient(emulator.url)
    answer = background(follower.request, "GET", "/_emulator/journal?after=1&wait_seconds=30")
    until_held(admin)
    (event,) = admin.emit("FileDeleted")
    entries = answer.result(timeout=10)["entries"]
    assert [(e["seq"], e["event_id"]) for e in entries] == [(2, event["event_id"])]


def until_held(admin: AdminClient) -> None:
    """Wait (on the server's own count) until the follower's request is held."""
    wait_for_health(admin, "the follower's request to be held",
                    lambda health: health["held_waits"] == 1)


def test_a_follower_sees_a_new_epoch_after_a_full_reset(
    admin: AdminClient, emulator: EmulatorThread,
    background: Callable[..., Future[Any]],
) -> None:
    admin.emit("NewFileUpload", 2)
    answer = background(AdminClient(emulator.url).request, "GET",
                        "/_emulator/journal?after=2&wait_seconds=30")
    until_held(admin)
    admin.reset()
    assert answer.result(timeout=10)["epoch"] == 1


def test_after_and_limit_page_through_the_journal(admin: AdminClient) -> None:
    admin.emit("NewFileUpload", 5)
    page = admin.request("GET", "/_emulator/journal?after=1&limit=2")["entries"]
    assert [entry["seq"] for entry in page] == [2, 3]
    assert admin.request("GET", "/_emulator/journal?after=5&wait_seconds=0")["entries"] == []
    for query in ("after=-1", "limit=0", "after=x", "wait_seconds=301", "wait_seconds=nan"):
        with pytest.raises(AdminError) as refused:
            admin.request("GET", f"/_emulator/journal?{query}")
        assert refused.value.status == 400, query


def test_the_emitted_events_feed_keeps_every_route_with_content(
    sdk: vod_client.VodClient, admin: AdminClient
) -> None:
    request = models.ModifyEventConfigRequest()
    request.SubAppId, request.UploadMediaCompleteEventSwitch = APP, "OFF"
    sdk.ModifyEventConfig(request)
    queued = admin.emit("FileDeleted")
    suppressed = admin.emit("NewFileUpload", sub_app_id=APP)
    feed = admin.request("GET", "/_emulator/events?after=0")
    assert [(e["seq"], e["route"]) for e in feed["events"]] == [(1, "queued"),
                                                                 (2, "suppressed")]
    assert feed["events"][1]["content"] == suppressed[0]["content"]
    assert feed["events"][0]["content"] == queued[0]["content"]
    admin.emit("FileDeleted", 3)
    feed = admin.request("GET", "/_emulator/events?after=1&content=false&limit=2")
    assert [e["seq"] for e in feed["events"]] == [2, 3] and feed["last_seq"] == 5
    assert "content" not in feed["events"][0]


def test_the_feed_keeps_as_many_events_as_the_journal_entries() -> None:
    with EmulatorThread(make_settings(journal_max_entries=3)) as emulator:
        admin = AdminClient(emulator.url)
        admin.emit("FileDeleted", 5)
        feed = admin.request("GET", "/_emulator/events")
        assert feed["evicted"] == 2 and [e["seq"] for e in feed["events"]] == [3, 4, 5]


def test_a_retry_already_scheduled_keeps_its_time_when_the_schedule_changes(
    sdk: vod_client.VodClient, admin: AdminClient
) -> None:
    settings(admin, callback_retry_seconds=[5, 5, 5])
    with CallbackReceiver() as receiver:
        request = models.ModifyEventConfigRequest()
        request.Mode, request.NotificationUrl = "PUSH", receiver.url
        sdk.ModifyEventConfig(request)
        receiver.answer(500)
        (event,) = admin.emit("NewFileUpload")
        assert failed_attempts(admin, event["event_id"]) == 1
        settings(admin, callback_retry_seconds=[])  # no more retries from now on
        admin.advance_clock(5)  # the retry scheduled before the change still happens...
        admin.wait(callbacks_undelivered=1)  # ...and, the schedule now empty, is the last
    attempts = admin.request(
        "GET", f"/_emulator/callbacks?event_id={event['event_id']}")["attempts"]
    assert [a["outcome"] for a in attempts] == ["pending_retry", "undelivered"]


def test_the_readme_lists_the_runtime_settings() -> None:
    from pathlib import Path

    section = (Path(__file__).parent.parent / "docs" / "faults-and-time.md").read_text(
        encoding="utf-8").split("## Settings per test", 1)[1].split("\n## ", 1)[0]
    paragraph = section.split("What a change does")[0]
    named = [word.strip("`,().") for word in paragraph.split() if word.startswith("`")]
    assert [name for name in named if name in RUNTIME_SETTINGS] == list(RUNTIME_SETTINGS)
