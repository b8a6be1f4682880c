"""`vod-emulator listen`'s delivery, driven in this process: an emulator started with a
secret (it verifies every TC3 signature) stands in for the real service upstream, a real
aiohttp handler (CallbackReceiver) on 127.0.0.1 is the local one. Nothing waits on time:
each step waits on what the receiver got, on the listener's outcomes or on the upstream's
counts, and the confirm window passes by advancing the upstream's clock."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import pytest
from aiohttp import web

from emulator.base.background import BackgroundServer
from emulator.base.jsontext import plain
from emulator.clients.client import AdminClient
from emulator.clients.listener import (
    DELIVERED,
    FAILED,
    SKIPPED,
    Handled,
    Listener,
    ListenError,
    ListenOptions,
    Observer,
)
from emulator.clients.receiver import CallbackReceiver, refused_url
from emulator.clients.vodapi import Credentials, call_interval
from emulator.core import signature
from emulator.core.ratetable import DEFAULT_PER_SECOND
from emulator.core.settings import Settings
from emulator.server import EmulatorThread

SECRET_ID = "AKIDlistenUpstream000000000000000"
SECRET_KEY = "listenUpstreamSecretKey0000000000"
SIGN_KEY = "localSignKey42"
WINDOW = 30.0  # the upstream's confirm window (its default, the real one)
PAST_THE_WINDOW = WINDOW + 1


@pytest.fixture
def upstream() -> Iterator[EmulatorThread]:
    settings = Settings(port=0, seed=5, secret_id=SECRET_ID, secret_key=SECRET_KEY)
    with EmulatorThread(settings) as running:
        yield running


@pytest.fixture
def admin(upstream: EmulatorThread) -> AdminClient:
    return AdminClient(upstream.url)


@pytest.fixture
def receiver() -> Iterator[CallbackReceiver]:
    with CallbackReceiver(sign_key=SIGN_KEY) as running:
        yield running


def options(upstream: EmulatorThread, forward_to: str | None, **given: Any) -> ListenOptions:
    return ListenOptions(credentials=Credentials(SECRET_ID, SECRET_KEY), endpoint=upstream.url,
                         forward_to=forward_to, sign_key=SIGN_KEY, **given)


class Seen(Observer):
    """Everything a listener told, for a test thread to wait on."""

    def __init__(self) -> None:
        self.changed = threading.Condition()
        self.pulls: list[int] = []  # each PullEvents answer's count of events
        self.events: list[dict[str, Any]] = []
        self.answers: list[Handled] = []
        self.handled: list[Handled] = []  # each event once its batch's confirm is answered
        self.notes: list[str] = []

    def _add(self, where: list[Any], item: Any) -> None:
        with self.changed:
            where.append(item)
            self.changed.notify_all()

    def pulled(self, count: int) -> None:  # type: ignore[override]
        self._add(self.pulls, count)

    def received(self, content: dict[str, Any], skipped: bool) -> None:
        self._add(self.events, content)

    def answered(self, handled: Handled) -> None:
        self._add(self.answers, handled)

    def confirmed(self, batch: list[Handled], error: str | None) -> None:
        for one in batch:
            self._add(self.handled, one)

    def note(self, text: str) -> None:
        self._add(self.notes, text)

    def wait_until(self, what: str, condition: Callable[[], bool],
                   timeout: float = 15.0) -> None:
        with self.changed:
            assert self.changed.wait_for(condition, timeout), (
                f"{what} not seen within {timeout} s: "
                f"{[(one.event_type, one.outcome, one.error) for one in self.handled]}")

    def wait_handled(self, count: int, outcome: str | None = None) -> list[Handled]:
        """Until ``count`` events (of ``outcome``) had their batch confirmed or not."""
        self.wait_until(f"{count} {outcome or ''} outcomes", lambda: len(
            [one for one in self.handled if outcome is None or one.outcome == outcome]
        ) >= count)
        return list(self.handled)


@contextmanager
def listening(given: ListenOptions) -> Iterator[tuple[Listener, Seen]]:
    """The listener on its own loop in a thread, stopped (and its failure raised) after."""
    seen = Seen()
    listener = Listener(given, seen)
    failure: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(listener.run())
        except BaseException as error:  # raised in the test's thread below
            failure.append(error)

    thread = threading.Thread(target=run, name="listen", daemon=True)
    thread.start()
    try:
        yield listener, seen
    finally:
        listener.stop()
        thread.join(15)
        assert not thread.is_alive(), "the listener did not stop"
    if failure:
        raise failure[0]


def without_signature(body: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in body.items() if name not in ("T", "Sign")}


# ----- forwarding and confirming


def test_each_event_is_posted_as_the_real_service_posts_it_then_confirmed(
        upstream: EmulatorThread, admin: AdminClient, receiver: CallbackReceiver) -> None:
    emitted = admin.emit_scenario("upload-transcode")
    assert len(emitted) == 3
    with listening(options(upstream, receiver.url)) as (_, seen):
        received = receiver.wait_for(3)
        admin.wait(confirmed=3, pullable="==0", leased="==0")
        seen.wait_handled(3)
    assert receiver.refused == []  # each Sign is MD5(SignKey + T), each T in the future
    contents = sorted((event["content"] for event in emitted), key=plain)
    assert sorted((without_signature(one.json) for one in received), key=plain) == contents
    for one in received:
        assert "EventHandle" not in one.json
        assert one.headers["Content-Type"] == "application/json"
        # Byte for byte the body the emulator's own PUSH delivery builds for that content.
        assert one.body == signature.callback_body(
            plain(without_signature(one.json)), SIGN_KEY, one.json["T"])
    assert [one.outcome for one in seen.handled] == [DELIVERED] * 3
    assert all(one.confirmed and one.status == 200 for one in seen.handled)


def test_an_event_is_confirmed_only_once_its_handler_answered_200(
        upstream: EmulatorThread, admin: AdminClient, receiver: CallbackReceiver) -> None:
    receiver.hang()
    (event,) = admin.emit("FileDeleted")
    with listening(options(upstream, receiver.url)) as (_, seen):
        receiver.wait_for(1)
        queue = admin.queue()  # the handler has not answered: leased, not confirmed
        assert [one["event_id"] for one in queue["leased"]] == [event["event_id"]]
        assert queue["confirmed"] == 0
        receiver.release()
        admin.wait_for_confirmed([event["event_id"]])
        (handled,) = seen.wait_handled(1)
    assert (handled.outcome, handled.status, handled.confirmed) == (DELIVERED, 200, True)
    kinds = [entry["kind"] for entry in admin.journal(event_id=event["event_id"])]
    assert kinds.index("confirmed") > kinds.index("leased")


@pytest.mark.parametrize(("success", "confirmed"), [("200", False), ("2xx", True)])
def test_the_success_rule_says_which_answers_confirm(
        upstream: EmulatorThread, admin: AdminClient, receiver: CallbackReceiver,
        success: str, confirmed: bool) -> None:
    receiver.answer(204)
    admin.emit("NewFileUpload")
    with listening(options(upstream, receiver.url, success=success)) as (_, seen):
        (handled,) = seen.wait_handled(1)
        assert (handled.status, handled.confirmed) == (204, confirmed)
        assert admin.queue()["confirmed"] == int(confirmed)


def test_a_handler_failing_twice_then_succeeding_loses_nothing(
        upstream: EmulatorThread, admin: AdminClient, receiver: CallbackReceiver) -> None:
    receiver.fail_first(2)  # 500, 500, then 200
    (event,) = admin.emit("NewFileUpload")
    with listening(options(upstream, receiver.url)) as (_, seen):
        for failures in (1, 2):
            seen.wait_handled(failures, FAILED)
            assert admin.queue()["confirmed"] == 0  # left leased: it comes back
            admin.advance_clock(PAST_THE_WINDOW)
        admin.wait_for_confirmed([event["event_id"]])
        seen.wait_handled(1, DELIVERED)
    bodies = [without_signature(one.json) for one in receiver.received]
    assert [one.status for one in receiver.received] == [500, 500, 200]
    assert bodies == [event["content"]] * 3  # the same event, forwarded again each time
    assert [one.error for one in seen.handled] == ["HTTP 500", "HTTP 500", None]
    kinds = [entry["kind"] for entry in admin.journal(event_id=event["event_id"])]
    assert kinds == ["enqueued", "leased", "expired", "leased", "expired", "leased",
                     "confirmed"]


class Handler(BackgroundServer):
    """A local handler that starts listening on a socket bound before: while it was only
    bound, connections to it were refused (a handler down), and no other process could
    take its port meanwhile."""

    def __init__(self, bound: socket.socket) -> None:
        super().__init__("the handler", "handler")
        self.bound = bound
        self.bodies: list[dict[str, Any]] = []

    async def _open(self) -> tuple[web.AppRunner, int]:
        async def handle(request: web.Request) -> web.Response:
            body = await request.json()
            assert signature.is_genuine(SIGN_KEY, body["T"], body["Sign"])
            self.bodies.append(without_signature(body))
            return web.Response(text="ok")

        app = web.Application()
        app.router.add_post("/vod", handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.SockSite(runner, self.bound).start()
        port: int = self.bound.getsockname()[1]
        return runner, port


def test_a_handler_down_for_longer_than_the_confirm_window_loses_nothing(
        upstream: EmulatorThread, admin: AdminClient) -> None:
    bound = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    bound.bind(("127.0.0.1", 0))  # bound, not listening: connections are refused
    down = f"http://127.0.0.1:{bound.getsockname()[1]}/vod"
    emitted = admin.emit("NewFileUpload", count=2)
    with bound, listening(options(upstream, down)) as (_, seen):
        for rounds in (1, 2, 3):  # refused, then back after the window, three times over
            seen.wait_handled(2 * rounds, FAILED)
            assert admin.queue()["confirmed"] == 0
            admin.advance_clock(PAST_THE_WINDOW)
        seen.wait_handled(8, FAILED)  # pulled a fourth time, still down
        with Handler(bound) as handler:
            admin.advance_clock(PAST_THE_WINDOW)
            admin.wait_for_confirmed([one["event_id"] for one in emitted])
            seen.wait_handled(2, DELIVERED)
    assert sorted(handler.bodies, key=plain) == sorted((one["content"] for one in emitted),
                                                       key=plain)
    assert all(one.error and "Connect" in one.error for one in seen.handled[:8])


# ----- what is forwarded, and what is left upstream


def test_types_not_listened_to_are_confirmed_without_being_forwarded(
        upstream: EmulatorThread, admin: AdminClient, receiver: CallbackReceiver) -> None:
    uploads = admin.emit("NewFileUpload", count=2)
    deletes = admin.emit("FileDeleted", count=2)
    given = options(upstream, receiver.url, types=frozenset({"NewFileUpload"}))
    with listening(given) as (_, seen):
        admin.wait_for_confirmed([one["event_id"] for one in uploads + deletes])
        seen.wait_handled(4)
        findings = admin.report()["findings"]
    assert sorted(without_signature(one.json)["EventType"] for one in receiver.received) == [
        "NewFileUpload"] * 2
    assert sorted(one.outcome for one in seen.handled) == [DELIVERED, DELIVERED, SKIPPED,
                                                           SKIPPED]
    assert findings == []  # no type silently left unconfirmed


def test_printing_hands_each_event_over_and_no_confirm_leaves_the_queue_as_it_was(
        upstream: EmulatorThread, admin: AdminClient) -> None:
    (event,) = admin.emit("ProcedureStateChanged")
    with listening(options(upstream, None, confirm=False)) as (_, seen):
        seen.wait_handled(1)
        admin.advance_clock(PAST_THE_WINDOW)  # never confirmed: it comes back
        seen.wait_handled(2)
        assert admin.queue()["confirmed"] == 0
    assert seen.events == [event["content"]] * 2
    assert [(one.outcome, one.status, one.confirmed) for one in seen.handled] == [
        (DELIVERED, None, False)] * 2
    assert seen.answers == []  # nothing was forwarded


def test_printing_confirms_each_event_and_max_events_stops_after_its_batch(
        upstream: EmulatorThread, admin: AdminClient) -> None:
    emitted = admin.emit("FileDeleted", count=3)
    seen = Seen()
    listener = Listener(options(upstream, None, max_events=2), seen)
    asyncio.run(listener.run())  # returns by itself: the batch of three brought the second
    assert len(seen.handled) == 3 and all(one.confirmed for one in seen.handled)
    admin.wait_for_confirmed([one["event_id"] for one in emitted])


# ----- the upstream's configuration, its errors, and being a good consumer


def test_a_push_mode_upstream_is_said_and_left_as_it_is(
        upstream: EmulatorThread, admin: AdminClient, receiver: CallbackReceiver) -> None:
    from tencentcloud.common import credential
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile
    from tencentcloud.vod.v20180717 import models, vod_client

    http = HttpProfile(protocol="http", endpoint=upstream.endpoint)
    sdk = vod_client.VodClient(credential.Credential(SECRET_ID, SECRET_KEY), "",
                               ClientProfile(httpProfile=http))
    change = models.ModifyEventConfigRequest()
    change.Mode, change.NotificationUrl, change.SubAppId = "PUSH", receiver.url, 1500000001
    change.UploadMediaCompleteEventSwitch = "OFF"
    sdk.ModifyEventConfig(change)
    with listening(options(upstream, receiver.url, sub_app_id=1500000001)) as (_, seen):
        seen.wait_until("two notes", lambda: len(seen.notes) >= 2)
        admin.wait(1500000001, held_pulls=1)  # it listens all the same
    push, switch = seen.notes
    assert "application 1500000001 is in PUSH mode" in push
    assert "ModifyEventConfig Mode=PULL" in push
    assert "tccli vod ModifyEventConfig --Mode PULL --SubAppId 1500000001" in push
    assert switch.startswith("UploadMediaCompleteEventSwitch is OFF")
    ask = models.DescribeEventConfigRequest()
    ask.SubAppId = 1500000001
    assert sdk.DescribeEventConfig(ask).Mode == "PUSH"  # not switched


def test_refused_credentials_stop_it_at_once(upstream: EmulatorThread) -> None:
    given = replace(options(upstream, None), credentials=Credentials(SECRET_ID, "wrong"))
    with pytest.raises(ListenError, match=r"AuthFailure\.SignatureFailure.*--secret-key"):
        asyncio.run(Listener(given).run())


def test_an_unreachable_endpoint_at_the_start_is_an_error() -> None:
    given = ListenOptions(Credentials(SECRET_ID, SECRET_KEY),
                          endpoint=refused_url().removesuffix("/callback"))
    with pytest.raises(ListenError, match="cannot reach"):
        asyncio.run(Listener(given).run())


def test_errors_are_backed_off_and_nothing_is_lost(
        upstream: EmulatorThread, admin: AdminClient, receiver: CallbackReceiver) -> None:
    admin.add_fault("PullEvents", "error", code="InternalError", times=3)
    admin.add_fault("ConfirmEvents", "error", code="RequestLimitExceeded", times=1)
    emitted = admin.emit("NewFileUpload", count=2)
    given = options(upstream, receiver.url, backoff_seconds=(0.05, 0.2))
    with listening(given) as (listener, seen):
        admin.wait_for_confirmed([one["event_id"] for one in emitted])
        seen.wait_handled(2)
        waits = [note for note in seen.notes if "trying again" in note]
        findings = admin.report()["findings"]  # (a stop hangs up on the held pull)
    assert [note.rsplit("in ", 1)[1] for note in waits] == ["0.05 s", "0.1 s", "0.2 s"]
    assert listener.counts.errors == 4  # three pulls, one confirm tried again
    assert all(one.confirmed for one in seen.handled)
    assert findings == []


def test_the_consumer_report_finds_nothing_to_say_about_listen(
        upstream: EmulatorThread, admin: AdminClient, receiver: CallbackReceiver) -> None:
    """A backlog of 13 batches drained (paced under the rate limits), confirmed once each,
    then idle long polls; the report, asked before the listener stops, is empty."""
    emitted = admin.emit_scenario("upload-transcode") + admin.emit("FileDeleted", count=200)
    with listening(options(upstream, receiver.url)) as (listener, seen):
        admin.wait_for_confirmed([one["event_id"] for one in emitted])
        for _ in range(2):  # empty long polls: no busy loop after them
            admin.wait(held_pulls=1)
            admin.advance_clock(5)
        admin.wait(held_pulls=1)
        admin.advance_clock(PAST_THE_WINDOW)  # nothing left unconfirmed
        admin.wait(held_pulls=1)
        findings = admin.report()["findings"]
    assert findings == [], json.dumps(findings, indent=1)
    assert listener.counts.confirmed == len(emitted) == 203
    assert len(seen.handled) == 203 and listener.counts.pulls >= 13


def test_each_action_is_called_at_most_half_as_often_as_the_real_service_allows() -> None:
    assert [call_interval(action) for action in ("PullEvents", "ConfirmEvents")] == [
        1 / 50, 1 / 50]  # real: 100 a second
    assert call_interval("DescribeEventsState") == 1 / 10  # real: 20 a second
    assert call_interval("AnActionWithoutAStatedLimit") == 2 / DEFAULT_PER_SECOND


def test_a_service_that_does_not_hold_pulls_is_not_polled_in_a_busy_loop(
        upstream: EmulatorThread, admin: AdminClient) -> None:
    admin.update_settings(long_poll_seconds=0)  # every empty pull answered at once
    with listening(options(upstream, None)) as (listener, seen):
        seen.wait_until("three empty pulls", lambda: seen.pulls[:3] == [0, 0, 0])
        findings = admin.report()["findings"]
    assert findings == [], json.dumps(findings, indent=1)


def test_null_fields_are_left_out_as_the_real_service_leaves_them_out(
        upstream: EmulatorThread, admin: AdminClient, receiver: CallbackReceiver) -> None:
    content = {"EventType": "FileDeleted",
               "FileDeleteEvent": {"FileIdSet": ["5285890784273533167"],
                                   "FileDeleteResultInfo": None}}
    (event,) = admin.emit_events([content])
    with listening(options(upstream, receiver.url)) as (_, seen):
        (request,) = receiver.wait_for(1)
        seen.wait_handled(1)
    assert b"null" not in request.body
    assert without_signature(request.json) == {
        "EventType": "FileDeleted", "FileDeleteEvent": {"FileIdSet": ["5285890784273533167"]}}
    assert event["content"]["FileDeleteEvent"]["FileDeleteResultInfo"] is None
