"""PUSH delivery ("normal callbacks") as a receiver sees it: one signed POST per event,
retries on the emulator clock, every attempt recorded, redelivery on demand, the three
switches, run-time mode changes, and no delivery outliving a reset or a shutdown.

Configuration goes through the official SDK (ModifyEventConfig), emits and waits through
the admin API, and callbacks land on a real HTTP server (tests/callback_receiver.py).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from typing import Any

import pytest
from tencentcloud.common import credential
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.vod.v20180717 import models, vod_client

from emulator import __version__
from emulator.base.jsontext import RawJson, plain
from emulator.clients.client import AdminClient, AdminError
from emulator.clients.receiver import EXPIRED_STATUS
from emulator.core.backend import VodBackend
from emulator.core.callbacks import CallbackSettings, Dispatcher, SendResult
from emulator.core.clock import Clock
from emulator.core.event import EmittedEvent
from emulator.core.faults import Faults
from emulator.core.journal import Journal
from emulator.core.settings import Settings
from emulator.server import EmulatorThread

from .callback_receiver import Receiver, refused_url
from .conftest import make_settings
from .examples.process import clean_environment, serve

RETRIES = (5.0, 10.0, 20.0)
SIGN_KEY = "emulatorSignKey42"
GOVERNED = [  # each switch and the EventType it governs
    ("UploadMediaCompleteEventSwitch", "NewFileUpload"),
    ("DeleteMediaCompleteEventSwitch", "FileDeleted"),
    ("PersistenceCompleteEventSwitch", "PersistenceComplete"),
]
UNGOVERNED = "ProcedureStateChanged"
DAY = 86400.0


def callback_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {"callback_retry_seconds": RETRIES}
    values.update(overrides)
    return make_settings(**values)


@pytest.fixture
def emulator_settings() -> Settings:
    return callback_settings()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


@pytest.fixture
def make_receiver() -> Iterator[Callable[[], Receiver]]:
    started: list[Receiver] = []

    def start() -> Receiver:
        started.append(Receiver().start())
        return started[-1]

    yield start
    for each in started:
        each.stop()


# ----- helpers


def configure(sdk: vod_client.VodClient, sub_app_id: int | None = None, **fields: str) -> None:
    """ModifyEventConfig with the given parameters (Mode, NotificationUrl, SignKey...)."""
    request = models.ModifyEventConfigRequest()
    request.SubAppId = sub_app_id
    for name, value in fields.items():
        setattr(request, name, value)
    sdk.ModifyEventConfig(request)


def describe(sdk: vod_client.VodClient, sub_app_id: int | None = None) -> Any:
    request = models.DescribeEventConfigRequest()
    request.SubAppId = sub_app_id
    return sdk.DescribeEventConfig(request)


def records(admin: AdminClient, **query: str) -> list[dict[str, Any]]:
    """GET /_emulator/callbacks with the given filters."""
    text = urllib.parse.urlencode(query)
    attempts: list[dict[str, Any]] = admin.request(
        "GET", "/_emulator/callbacks" + (f"?{text}" if text else ""))["attempts"]
    return attempts


def redeliver(admin: AdminClient, event_id: str | None = None) -> list[str]:
    body = {} if event_id is None else {"event_id": event_id}
    chosen: list[str] = admin.request("POST", "/_emulator/callbacks/redeliver", body)[
        "redelivering"]
    return chosen


def clock_now(admin: AdminClient) -> float:
    now: float = admin.request("GET", "/_emulator/clock")["now"]
    return now


def history(admin: AdminClient, event_id: str) -> list[tuple[str, str | None]]:
    return [(entry["kind"], entry["detail"]) for entry in admin.journal(event_id=event_id)]


def without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [without_nulls(item) for item in value]
    return value


def until(emulator: EmulatorThread, condition: Callable[[VodBackend], bool],
          timeout: float = 10.0) -> None:
    """Wait on the emulator's own journal until ``condition(backend)`` holds (it is
    re-checked on every journal entry): no admin wait counts failed attempts."""
    reached: Future[bool] = Future()
    tasks: list[asyncio.Task[bool]] = []  # held here: the loop keeps only weak references

    def start(backend: VodBackend) -> None:
        task = asyncio.ensure_future(
            backend.journal.wait_for(lambda: condition(backend), timeout))
        task.add_done_callback(lambda done: reached.set_result(done.result()))
        tasks.append(task)

    emulator.call(start)
    assert reached.result(timeout + 5), "the condition did not hold in time"


def attempts_recorded(event_id: str, count: int) -> Callable[[VodBackend], bool]:
    return lambda backend: len(backend.callbacks.attempts(event_id)) >= count


def signed(key: str, expiry: int) -> str:
    return hashlib.md5((key + str(expiry)).encode()).hexdigest()


def post_status(url: str, body: bytes) -> int:
    """POST ``body`` as JSON; answer the status."""
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            status: int = answer.status
            return status
    except urllib.error.HTTPError as refused:
        refused.close()
        return refused.code


# ----- the body, its headers, its signature


def test_one_post_per_event_its_body_the_content_without_nulls(
    sdk: vod_client.VodClient, admin: AdminClient, receiver: Receiver
) -> None:
    # Contents made by the emulator (in an application still in PULL), given nulls.
    contents = [event["content"] for event in admin.emit("NewFileUpload", 2, sub_app_id=7)]
    for content in contents:
        content["FileDeleteEvent"] = None  # a null member of EventContent
        content["FileUploadEvent"]["ProcedureTaskId"] = None
        content["FileUploadEvent"]["MediaBasicInfo"]["Description"] = None
    configure(sdk, Mode="PUSH", NotificationUrl=receiver.url)

    emitted = admin.emit_events(contents)
    assert [event["route"] for event in emitted] == ["pushed", "pushed"]
    admin.wait(callbacks_delivered=2)

    received = receiver.wait_for(2)
    assert receiver.count == 2
    by_file_id = {request.json["FileUploadEvent"]["FileId"]: request for request in received}
    for content in contents:
        request = by_file_id[content["FileUploadEvent"]["FileId"]]
        assert (request.method, request.path) == ("POST", "/callback")
        assert request.headers["Content-Type"] == "application/json"
        assert request.headers["User-Agent"] == f"vod-emulator/{__version__}"
        assert request.json == without_nulls(content)
        assert b"null" not in request.body
        assert "EventHandle" not in request.json
        assert "T" not in request.json and "Sign" not in request.json  # no SignKey
    # The record holds exactly what was sent; nothing went to the queue.
    assert sorted(record["body"].encode() for record in records(admin)) == sorted(
        request.body for request in received)
    assert admin.queue()["pullable"] == []


@pytest.mark.parametrize("emulator_settings", [callback_settings(signature_ttl_seconds=90)])
def test_signed_callbacks_carry_t_and_sign_following_the_emulator_clock(
    sdk: vod_client.VodClient, admin: AdminClient, receiver: Receiver
) -> None:
    configure(sdk, Mode="PUSH", NotificationUrl=receiver.url, SignKey=SIGN_KEY)
    expiries = []
    for turn in range(2):
        # T is the TTL after the later of the emulator's now and real time.
        before = max(clock_now(admin), time.time())
        admin.emit(UNGOVERNED)
        admin.wait(callbacks_delivered=turn + 1)
        after = max(clock_now(admin), time.time())
        body = receiver.wait_for(turn + 1)[turn].json
        expiry = body["T"]
        assert isinstance(expiry, int)
        assert int(before + 90) <= expiry <= int(after + 90)
        assert body["Sign"] == signed(SIGN_KEY, expiry)
        expiries.append(expiry)
        admin.advance_clock(3600)
    assert expiries[1] - expiries[0] >= 3600

    # A SignKey set back to "" signs no more.
    configure(sdk, SignKey="")
    admin.emit(UNGOVERNED)
    admin.wait(callbacks_delivered=3)
    assert not {"T", "Sign"} & set(receiver.wait_for(3)[2].json)


@pytest.mark.parametrize("handler_clock", ["real", "emulator"])
@pytest.mark.parametrize("ahead", [5.0, 3 * DAY])
def test_t_is_judged_right_by_a_handler_on_either_clock_when_the_emulator_runs_ahead(
    ahead: float, handler_clock: str, emulator: EmulatorThread, sdk: vod_client.VodClient,
    admin: AdminClient,
) -> None:
    # As after an earlier test's advance: a reset keeps the clock where it is.
    admin.advance_clock(ahead)

    def emulator_now() -> float:
        return emulator.call(lambda backend: backend.clock.now())

    clock = time.time if handler_clock == "real" else emulator_now
    with Receiver(sign_key=SIGN_KEY, clock=clock) as receiver:
        configure(sdk, Mode="PUSH", NotificationUrl=receiver.url, SignKey=SIGN_KEY)
        admin.add_fault("callback", "expired_signature", times=1)
        event_id = admin.emit(UNGOVERNED)[0]["event_id"]
        until(emulator, attempts_recorded(event_id, 1))
        real_before = time.time()
        admin.advance_clock(RETRIES[0])
        admin.wait(callbacks_delivered=1)

        expired, valid = receiver.wait_for(2)
        assert (expired.status, valid.status) == (EXPIRED_STATUS, 200)
        assert expired.refused is not None and "expired signature" in expired.refused
        first, second = records(admin, event_id=event_id)
        # Expired: before the emulator's now (and real time's: refused on that clock too).
        assert expired.json["T"] < first["at"]
        # Valid: the TTL after the later of the two, whichever the handler reads.
        assert valid.json["T"] >= int(max(second["at"], real_before) + 600)


@pytest.mark.parametrize("offset", [-3 * DAY, -5.0, 0.0, 5.0, 3 * DAY])
def test_t_is_judged_right_on_either_clock_whatever_the_emulator_offset(offset: float) -> None:
    """The emulator's clock runs behind real time too (frozen, or at a scale below 1):
    bodies signed on a clock ``offset`` from real time, judged by handlers on each."""
    emulator_clock = Clock.frozen(start=time.time() + offset)
    faults = Faults(emulator_clock, Journal(), seed=1)
    faults.add({"action": "callback", "effect": "expired_signature", "times": 1})
    dispatcher = Dispatcher(emulator_clock, Journal(), CallbackSettings(), faults)
    sent: list[bytes] = []

    async def send(url: str, body: bytes, timeout: float) -> SendResult:
        sent.append(body)
        return SendResult(200, None)

    async def deliver_two() -> None:
        dispatcher.sender = send
        for n in (1, 2):  # the first spoiled by the fault, the second signed right
            payload = RawJson(plain({"EventType": UNGOVERNED, "N": n}))
            dispatcher.push(EmittedEvent(f"evt-{n}", n, None, UNGOVERNED, payload,
                                        emulator_clock.now()), "http://receiver", SIGN_KEY)
        delivered = await dispatcher.journal.wait_for(
            lambda: dispatcher.counts(None)["callbacks_delivered"] == 2, 10)
        assert delivered

    asyncio.run(deliver_two())
    expired, valid = sorted(sent, key=lambda body: json.loads(body)["N"])
    for clock in (time.time, emulator_clock.now):
        with Receiver(sign_key=SIGN_KEY, clock=clock) as receiver:
            assert [post_status(receiver.url, body) for body in (expired, valid)] == [
                EXPIRED_STATUS, 200]


# ----- retries on the emulator clock


@pytest.mark.parametrize("failures", [1, 3])
def test_failing_k_times_then_delivered_retries_only_as_the_clock_advances(
    failures: int, emulator: EmulatorThread, sdk: vod_client.VodClient, admin: AdminClient,
    receiver: Receiver,
) -> None:
    receiver.behave(fail_first=failures, fail_status=500)
    configure(sdk, Mode="PUSH", NotificationUrl=receiver.url, SignKey=SIGN_KEY)
    event_id = admin.emit("NewFileUpload")[0]["event_id"]

    for failed in range(1, failures + 1):
        until(emulator, attempts_recorded(event_id, failed))
        # Recorded as failed, the next attempt waits for the emulator clock.
        assert receiver.count == failed
        assert len(records(admin, event_id=event_id)) == failed
        admin.advance_clock(RETRIES[failed - 1])
    admin.wait(callbacks_delivered=1)

    received = receiver.wait_for(failures + 1)
    assert len(received) == failures + 1
    attempts = records(admin, event_id=event_id)
    assert [a["attempt"] for a in attempts] == list(range(1, failures + 2))
    assert [a["status"] for a in attempts] == [500] * failures + [200]
    assert [a["outcome"] for a in attempts] == ["pending_retry"] * failures + ["delivered"]
    assert [a["error"] for a in attempts] == ["HTTP 500"] * failures + [None]
    assert all(a["url"] == receiver.url and a["latency_ms"] >= 0 for a in attempts)
    assert [a["body"].encode() for a in attempts] == [request.body for request in received]
    for earlier, later, wait in zip(attempts, attempts[1:], RETRIES, strict=False):
        assert later["at"] >= earlier["at"] + wait
    # Each attempt is signed afresh at its own time.
    expiries = [request.json["T"] for request in received]
    assert expiries == sorted(expiries) and len(set(expiries)) == len(expiries)

    assert history(admin, event_id) == [
        ("routed", f"PUSH to {receiver.url}"),
        *((("attempt_failed", f"attempt {n}: HTTP 500")) for n in range(1, failures + 1)),
        ("delivered", f"attempt {failures + 1}: HTTP 200"),
    ]


def test_an_advance_past_several_due_times_makes_those_attempts_at_once(
    sdk: vod_client.VodClient, admin: AdminClient, receiver: Receiver
) -> None:
    receiver.behave(status=500)
    configure(sdk, Mode="PUSH", NotificationUrl=receiver.url)
    event_id = admin.emit(UNGOVERNED)[0]["event_id"]
    receiver.wait_for(1)
    admin.advance_clock(sum(RETRIES))  # every retry is due from the one before it was due
    admin.wait(callbacks_undelivered=1)
    assert [a["attempt"] for a in records(admin, event_id=event_id)] == [1, 2, 3, 4]
    assert receiver.count == 4


NO_RETRY = callback_settings(callback_retry_seconds=())
# Only the hanging receiver meets the short timeout: any other answer has the default 5 s,
# so a loaded machine never turns an answer into a timeout.
SHORT_TIMEOUT = callback_settings(callback_timeout_seconds=0.3, callback_retry_seconds=())


@pytest.mark.parametrize(
    ("emulator_settings", "behaviour", "status", "error"),
    [
        pytest.param(SHORT_TIMEOUT, {"hang": True}, None, "no answer within 0.3 s", id="hangs"),
        pytest.param(NO_RETRY, {"drop": True}, None, "ServerDisconnectedError", id="hangs-up"),
        pytest.param(NO_RETRY, "refused", None, "ClientConnectorError", id="refused"),
        pytest.param(NO_RETRY, {"status": 500}, 500, "HTTP 500", id="500"),
        pytest.param(NO_RETRY, {"status": 404}, 404, "HTTP 404", id="404"),
        pytest.param(NO_RETRY, {"status": 302}, 302, "HTTP 302", id="redirect-not-followed"),
        pytest.param(NO_RETRY, {"status": 204}, 204, "HTTP 204", id="204-is-not-200"),
    ],
)
def test_a_failed_last_attempt_leaves_the_event_undelivered(
    behaviour: Any, status: int | None, error: str, sdk: vod_client.VodClient,
    admin: AdminClient, receiver: Receiver,
) -> None:
    url = refused_url() if behaviour == "refused" else receiver.url
    if behaviour != "refused":
        # A redirect names a place that would answer 200, were it followed.
        receiver.behave(**behaviour, headers=(("Location", receiver.url + "/moved"),))
    configure(sdk, Mode="PUSH", NotificationUrl=url)
    event_id = admin.emit(UNGOVERNED)[0]["event_id"]

    state = admin.wait(callbacks_undelivered=1)["state"]
    assert (state["callbacks_pending"], state["callbacks_delivered"]) == (0, 0)
    [attempt] = records(admin, event_id=event_id)
    assert (attempt["attempt"], attempt["status"], attempt["outcome"]) == (
        1, status, "undelivered")
    assert error in attempt["error"]
    assert attempt["body"] is not None
    [(kind, detail)] = [entry for entry in history(admin, event_id) if entry[0] != "routed"]
    assert kind == "undelivered" and detail is not None and detail.startswith("attempt 1: ")
    assert error in detail
    # Kept for a redelivery, never queued.
    assert records(admin, outcome="failed") == [attempt]
    assert admin.queue()["pullable"] == []
    assert receiver.count == (0 if behaviour == "refused" else 1)


@pytest.mark.parametrize(
    ("emulator_settings", "status", "delivered"),
    [
        pytest.param(callback_settings(callback_success=success, callback_retry_seconds=()),
                     status, delivered,
                     id=f"{success}-{status}")
        for success, status, delivered in [
            ("200", 200, True), ("200", 204, False), ("2xx", 204, True), ("2xx", 299, True),
            ("2xx", 300, False)]
    ],
)
def test_what_counts_as_delivered(
    status: int, delivered: bool, sdk: vod_client.VodClient, admin: AdminClient,
    receiver: Receiver,
) -> None:
    receiver.behave(status=status)
    configure(sdk, Mode="PUSH", NotificationUrl=receiver.url)
    admin.emit(UNGOVERNED)
    outcome = "callbacks_delivered" if delivered else "callbacks_undelivered"
    state = admin.wait(**{outcome: 1})["state"]
    assert (state["callbacks_delivered"], state["callbacks_undelivered"]) == (
        (1, 0) if delivered else (0, 1))
    assert receiver.count == 1


def test_a_slow_answer_within_the_timeout_is_delivered(
    sdk: vod_client.VodClient, admin: AdminClient, receiver: Receiver
) -> None:
    receiver.behave(delay=0.2)  # well within the default 5 s
    configure(sdk, Mode="PUSH", NotificationUrl=receiver.url)
    event_id = admin.emit(UNGOVERNED)[0]["event_id"]
    admin.wait(callbacks_delivered=1)
    [attempt] = records(admin, event_id=event_id)
    assert (attempt["status"], attempt["outcome"]) == (200, "delivered")
    assert attempt["latency_ms"] >= 190  # it did wait for the answer


# ----- undelivered, then redelivered


@pytest.mark.parametrize("emulator_settings", [callback_settings(callback_retry_seconds=(5,))])
def test_undelivered_events_are_kept_and_redelivered_on_demand(
    sdk: vod_client.VodClient, admin: AdminClient, receiver: Receiver
) -> None:
    receiver.behave(status=500)
    configure(sdk, Mode="PUSH", NotificationUrl=receiver.url)
    first, second = (event["event_id"] for event in admin.emit(UNGOVERNED, 2))
    admin.advance_clock(5)  # the one retry of each
    admin.wait(callbacks_undelivered=2)
    assert receiver.count == 4
    for event_id in (first, second):
        assert [a["outcome"] for a in records(admin, event_id=event_id)] == [
            "pending_retry", "undelivered"]
        assert history(admin, event_id)[-1] == ("undelivered", "attempt 2: HTTP 500")

    # One event, by its id, to a receiver that works again: attempt numbers go on.
    receiver.behave(status=200)
    assert redeliver(admin, first) == [first]
    state = admin.wait(callbacks_delivered=1)["state"]
    assert state["callbacks_undelivered"] == 1
    last = records(admin, event_id=first)[-1]
    assert (last["attempt"], last["outcome"]) == (3, "delivered")
    assert history(admin, first)[-2:] == [("redelivery", "redelivery requested"),
                                         ("delivered", "attempt 3: HTTP 200")]

    # Every undelivered one: only the second is still undelivered.
    assert redeliver(admin) == [second]
    admin.wait(callbacks_delivered=2)
    assert records(admin, event_id=second)[-1]["attempt"] == 3
    assert receiver.count == 6
    assert redeliver(admin) == []

    with pytest.raises(AdminError) as refused:
        redeliver(admin, "evt-unknown")
    assert refused.value.status == 404


@pytest.mark.parametrize("emulator_settings", [callback_settings(callback_retry_seconds=(5,))])
def test_a_redelivery_that_fails_gets_a_fresh_series_of_retries(
    sdk: vod_client.VodClient, admin: AdminClient, receiver: Receiver
) -> None:
    receiver.behave(status=503)
    configure(sdk, Mode="PUSH", NotificationUrl=receiver.url)
    event_id = admin.emit(UNGOVERNED)[0]["event_id"]
    admin.advance_clock(5)
    admin.wait(callbacks_undelivered=1)

    redeliver(admin, event_id)
    receiver.wait_for(3)
    admin.advance_clock(5)
    admin.wait(callbacks_undelivered=1)
    receiver.wait_for(4)
    assert [(a["attempt"], a["outcome"]) for a in records(admin, event_id=event_id)] == [
        (1, "pending_retry"), (2, "undelivered"), (3, "pending_retry"), (4, "undelivered")]


# ----- configuration at run time


def test_mode_changed_at_run_time_routes_the_events_emitted_after(
    sdk: vod_client.VodClient, admin: AdminClient, receiver: Receiver
) -> None:
    queued = admin.emit(UNGOVERNED)[0]
    assert queued["route"] == "queued"

    configure(sdk, Mode="PUSH", NotificationUrl=receiver.url, SignKey=SIGN_KEY)
    answer = describe(sdk)
    assert (answer.Mode, answer.NotificationUrl) == ("PUSH", receiver.url)
    assert "SignKey" not in answer.to_json_string()
    pushed = admin.emit(UNGOVERNED)[0]
    assert pushed["route"] == "pushed"
    admin.wait(callbacks_delivered=1)
    body = receiver.wait_for(1)[0].json
    assert body["Sign"] == signed(SIGN_KEY, body["T"])
    # The event queued before the change stays queued, and is not POSTed.
    assert [event["event_id"] for event in admin.queue()["pullable"]] == [queued["event_id"]]

    configure(sdk, Mode="PULL")
    assert "SignKey" not in describe(sdk).to_json_string()
    again = admin.emit(UNGOVERNED)[0]
    assert again["route"] == "queued"
    assert [event["event_id"] for event in admin.queue()["pullable"]] == [
        queued["event_id"], again["event_id"]]
    assert receiver.count == 1
    assert [a["event_id"] for a in records(admin)] == [pushed["event_id"]]
    assert records(admin, sub_app_id="default") == records(admin)
    assert records(admin, sub_app_id="1500000001") == []


@pytest.mark.parametrize("mode", ["PULL", "PUSH"])
@pytest.mark.parametrize(("switch", "event_type"), GOVERNED)
def test_a_switch_off_suppresses_its_event_type_only(
    mode: str, switch: str, event_type: str, sdk: vod_client.VodClient, admin: AdminClient,
    receiver: Receiver,
) -> None:
    app = 1500000003
    configure(sdk, app, Mode=mode, NotificationUrl=receiver.url, **{switch: "OFF"})
    off = admin.emit(event_type, sub_app_id=app)[0]
    assert off["route"] == "suppressed"
    flowing = [admin.emit(other, sub_app_id=app)[0]
               for other in [t for _, t in GOVERNED if t != event_type] + [UNGOVERNED]]
    expected = "pushed" if mode == "PUSH" else "queued"
    assert [event["route"] for event in flowing] == [expected] * 3

    if mode == "PUSH":
        admin.wait(app, callbacks_delivered=3)
        got = {request.json["EventType"] for request in receiver.wait_for(3)}
        assert got == {event["event_type"] for event in flowing}
        assert receiver.count == 3
    else:
        assert {e["event_id"] for e in admin.queue(app)["pullable"]} == {
            e["event_id"] for e in flowing}
        assert receiver.count == 0
    reason = f"{switch} is OFF: {event_type} events are not notified"
    assert history(admin, off["event_id"]) == [("suppressed", reason)]
    [record] = records(admin, event_id=off["event_id"])
    assert (record["attempt"], record["outcome"], record["error"], record["body"]) == (
        0, "suppressed", reason, None)
    assert records(admin, outcome="suppressed", sub_app_id=str(app)) == [record]


def test_push_without_a_url_suppresses_with_the_reason(
    sdk: vod_client.VodClient, admin: AdminClient
) -> None:
    configure(sdk, Mode="PUSH")
    event = admin.emit(UNGOVERNED)[0]
    assert event["route"] == "suppressed"
    assert admin.queue()["pullable"] == []
    [(kind, detail)] = history(admin, event["event_id"])
    assert kind == "suppressed"
    assert detail is not None and "no NotificationUrl" in detail
    assert admin.wait(callbacks_pending=0)["state"]["callbacks_pending"] == 0


@pytest.mark.parametrize("emulator_settings", [callback_settings(new_app_defaults="real")])
def test_real_defaults_start_push_without_url_switches_off(
    sdk: vod_client.VodClient, admin: AdminClient
) -> None:
    for app in (None, 1500000009):
        answer = describe(sdk, app)
        assert (answer.Mode, answer.NotificationUrl, answer.UploadMediaCompleteEventSwitch,
                answer.DeleteMediaCompleteEventSwitch,
                answer.PersistenceCompleteEventSwitch) == ("PUSH", "", "OFF", "OFF", "OFF")
        upload = admin.emit("NewFileUpload", sub_app_id=app)[0]
        assert upload["route"] == "suppressed"
        assert history(admin, upload["event_id"]) == [(
            "suppressed",
            "UploadMediaCompleteEventSwitch is OFF: NewFileUpload events are not notified")]
        # Any other type: nowhere to send it.
        assert admin.emit(UNGOVERNED, sub_app_id=app)[0]["route"] == "suppressed"
        assert admin.queue(app)["pullable"] == []


# ----- the command line


@pytest.mark.parametrize("via", ["flags", "environment"])
def test_serve_starts_the_default_application_in_push(via: str, receiver: Receiver) -> None:
    if via == "flags":
        process = serve("--callback-url", receiver.url, "--sign-key", SIGN_KEY)
    else:
        process = serve(env=clean_environment(VOD_EMULATOR_CALLBACK_URL=receiver.url))
    with process as (url, _):
        http = HttpProfile(protocol="http", endpoint=url.removeprefix("http://"))
        client = vod_client.VodClient(credential.Credential("AKIDany", "any"), "",
                                      ClientProfile(httpProfile=http))
        answer = describe(client)
        assert (answer.Mode, answer.NotificationUrl) == ("PUSH", receiver.url)
        admin = AdminClient(url)
        admin.emit("NewFileUpload")
        admin.wait(callbacks_delivered=1)
        body = receiver.wait_for(1)[0].json
        assert body["EventType"] == "NewFileUpload"
        if via == "flags":
            assert body["Sign"] == signed(SIGN_KEY, body["T"])
        else:
            assert "Sign" not in body and "T" not in body
        # Other applications start as new ones do: PULL.
        assert admin.emit(UNGOVERNED, sub_app_id=1500000001)[0]["route"] == "queued"


# ----- isolation, reset, shutdown, volume


@pytest.mark.parametrize("emulator_settings",
                         [callback_settings(callback_timeout_seconds=60)])
def test_a_hanging_receiver_never_holds_up_another_application(
    sdk: vod_client.VodClient, admin: AdminClient, make_receiver: Callable[[], Receiver]
) -> None:
    dead, alive = make_receiver(), make_receiver()
    dead.behave(hang=True)
    configure(sdk, 1500000001, Mode="PUSH", NotificationUrl=dead.url)
    configure(sdk, 1500000002, Mode="PUSH", NotificationUrl=alive.url)
    admin.emit(UNGOVERNED, 15, sub_app_id=1500000001)
    dead.wait_for(10)  # as many as the per-application limit, all hanging
    admin.emit(UNGOVERNED, 15, sub_app_id=1500000002)

    admin.wait(1500000002, callbacks_delivered=15)
    assert alive.count == 15
    stuck = admin.wait(1500000001, callbacks_pending=15)["state"]
    assert (stuck["callbacks_delivered"], stuck["callbacks_undelivered"]) == (0, 0)
    assert dead.count == 10  # callback_concurrency: the rest wait their turn


def test_reset_ends_deliveries_in_flight_and_scheduled(
    emulator: EmulatorThread, sdk: vod_client.VodClient, admin: AdminClient,
    make_receiver: Callable[[], Receiver],
) -> None:
    failing, hanging = make_receiver(), make_receiver()
    failing.behave(status=500)
    hanging.behave(hang=True)
    configure(sdk, 1500000001, Mode="PUSH", NotificationUrl=failing.url)
    configure(sdk, 1500000002, Mode="PUSH", NotificationUrl=hanging.url)
    scheduled = admin.emit(UNGOVERNED, sub_app_id=1500000001)[0]["event_id"]
    admin.emit(UNGOVERNED, sub_app_id=1500000002)
    until(emulator, attempts_recorded(scheduled, 1))  # its retry is scheduled
    hanging.wait_for(1)  # in flight

    admin.reset()
    admin.advance_clock(sum(RETRIES) + 3600)
    assert records(admin) == []
    assert admin.journal() == []

    # A fresh delivery to the same receiver, now answering: it is all that arrives.
    failing.behave(status=200)
    configure(sdk, 1500000001, Mode="PUSH", NotificationUrl=failing.url)
    fresh = admin.emit("FileDeleted", sub_app_id=1500000001)[0]
    admin.wait(1500000001, callbacks_delivered=1)
    assert failing.count == 2
    assert failing.received[1].json["EventType"] == "FileDeleted"
    assert hanging.count == 1
    assert [a["event_id"] for a in records(admin)] == [fresh["event_id"]]


@pytest.mark.parametrize("emulator_settings",
                         [callback_settings(callback_timeout_seconds=60)])
def test_shutdown_abandons_deliveries_and_returns_promptly(
    emulator: EmulatorThread, sdk: vod_client.VodClient, admin: AdminClient,
    receiver: Receiver,
) -> None:
    backend = emulator.call(lambda backend: backend)  # read after its loop has ended
    receiver.behave(hang=True, fail_first=1)  # one retry scheduled, two in flight
    configure(sdk, Mode="PUSH", NotificationUrl=receiver.url)
    events = [event["event_id"] for event in admin.emit(UNGOVERNED, 3)]
    receiver.wait_for(3)
    until(emulator, lambda b: b.journal.count("attempt_failed") == 1)

    stopping = threading.Thread(target=emulator.stop)
    stopping.start()
    stopping.join(10)  # far less than the 60 s callback timeout
    assert not stopping.is_alive()

    abandoned = backend.journal.entries("abandoned")
    assert sorted(entry.event_id for entry in abandoned) == sorted(events)
    assert {entry.detail for entry in abandoned} == {
        "the emulator stopped before this event was delivered"}
    assert sorted(a.event_id for a in backend.callbacks.attempts(outcome="abandoned")) == sorted(
        events)
    assert receiver.count == 3


def test_many_events_each_delivered_exactly_once(
    sdk: vod_client.VodClient, admin: AdminClient, receiver: Receiver
) -> None:
    configure(sdk, Mode="PUSH", NotificationUrl=receiver.url)
    emitted = admin.emit("NewFileUpload", 500)
    admin.wait(callbacks_delivered=500, timeout=60)

    file_ids = Counter(request.json["FileUploadEvent"]["FileId"]
                       for request in receiver.wait_for(500))
    assert receiver.count == 500
    assert file_ids == Counter(event["content"]["FileUploadEvent"]["FileId"]
                               for event in emitted)
    assert set(file_ids.values()) == {1}
    delivered = records(admin, outcome="delivered")
    assert len(delivered) == len(records(admin)) == 500
    assert {a["event_id"] for a in delivered} == {event["event_id"] for event in emitted}


# ----- the record's bound


@pytest.mark.parametrize("emulator_settings", [callback_settings(callback_max_records=10)])
def test_delivered_counts_outlive_evicted_records(
    emulator: EmulatorThread, sdk: vod_client.VodClient, admin: AdminClient,
    receiver: Receiver,
) -> None:
    configure(sdk, Mode="PUSH", NotificationUrl=receiver.url)
    admin.emit(UNGOVERNED, 20)
    until(emulator, lambda backend: backend.journal.count("delivered") == 20)
    answer = admin.request("GET", "/_emulator/callbacks")
    assert (answer["evicted"], len(answer["attempts"])) == (10, 10)
    assert admin.wait(callbacks_pending=0)["state"]["callbacks_delivered"] == 20


@pytest.mark.parametrize("emulator_settings", [
    callback_settings(callback_max_records=3, callback_concurrency=1)])
def test_finished_deliveries_past_the_bound_are_forgotten_behind_an_unfinished_one(
    emulator: EmulatorThread, sdk: vod_client.VodClient, admin: AdminClient,
    receiver: Receiver,
) -> None:
    receiver.fail_first(1)  # the oldest delivery waits for its retry: unfinished
    configure(sdk, Mode="PUSH", NotificationUrl=receiver.url)
    unfinished = admin.emit(UNGOVERNED)[0]["event_id"]
    until(emulator, attempts_recorded(unfinished, 1))
    # One at a time (concurrency 1): they finish in emit order.
    later = [event["event_id"] for event in admin.emit(UNGOVERNED, 10)]
    state = admin.wait(callbacks_delivered=10)["state"]
    assert (state["callbacks_pending"], state["callbacks_undelivered"]) == (1, 0)

    # Only the three most recently finished are kept; the unfinished one is kept too.
    for forgotten in later[:7]:
        with pytest.raises(AdminError) as refused:
            redeliver(admin, forgotten)
        assert refused.value.status == 404
    assert redeliver(admin, unfinished) == []  # known, and still in flight
    admin.advance_clock(RETRIES[0])
    state = admin.wait(callbacks_delivered=11)["state"]
    assert (state["callbacks_pending"], state["callbacks_undelivered"]) == (0, 0)
    # It finished last: kept, with the two before it; the one before those is forgotten.
    assert redeliver(admin, unfinished) == [unfinished]
    assert redeliver(admin, later[-1]) == [later[-1]]
    with pytest.raises(AdminError) as refused:
        redeliver(admin, later[-3])
    assert refused.value.status == 404
    assert admin.wait(callbacks_delivered=11)["state"]["callbacks_pending"] == 0
    receiver.wait_for(14)  # 1 failed, 10, the retry, the 2 redeliveries
    assert receiver.count == 14


@pytest.mark.parametrize("emulator_settings", [
    callback_settings(callback_timeout_seconds=60, callback_max_records=2)])
def test_shutdown_abandons_every_delivery_however_few_records_are_kept(
    emulator: EmulatorThread, sdk: vod_client.VodClient, admin: AdminClient,
    receiver: Receiver,
) -> None:
    backend = emulator.call(lambda backend: backend)  # read after its loop has ended
    receiver.hang()
    configure(sdk, Mode="PUSH", NotificationUrl=receiver.url)
    events = [event["event_id"] for event in admin.emit(UNGOVERNED, 5)]
    receiver.wait_for(5)

    stopping = threading.Thread(target=emulator.stop)
    stopping.start()
    stopping.join(10)  # far less than the 60 s callback timeout
    assert not stopping.is_alive()

    abandoned = backend.journal.entries("abandoned")
    assert sorted(entry.event_id for entry in abandoned) == sorted(events)
    assert [a.outcome for a in backend.callbacks.attempts()] == ["abandoned"] * 2
    assert backend.callbacks.evicted == 3
    # The POSTs in flight were cancelled: the receiver saw their connections close.
    receiver.wait_until(lambda _: receiver.in_flight == 0)


def test_a_zero_callback_timeout_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="callback_timeout_seconds must be more than 0"):
        callback_settings(callback_timeout_seconds=0)
