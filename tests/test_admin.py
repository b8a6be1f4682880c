"""The /_emulator control API: what it accepts, and the clear 400s for what it does not."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest

from emulator.clients.client import AdminClient, AdminError
from emulator.events import EVENT_TYPES
from emulator.server import EmulatorThread

from .conftest import pull


def test_health(admin: AdminClient) -> None:
    health = admin.health()
    assert health["status"] == "ok" and health["seed"] == 1234
    assert health["verifies_signatures"] is True


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_every_event_type_can_be_emitted_and_pulled(event_type: str, admin: AdminClient,
                                                    sdk) -> None:
    emitted = admin.emit(event_type, 2)
    assert [e["event_type"] for e in emitted] == [event_type] * 2
    events = pull(sdk)
    assert [e.EventType for e in events] == [event_type] * 2


def test_the_clock_moves_forward_only(admin: AdminClient) -> None:
    before = admin.clock()
    after = admin.advance_clock(3600)
    assert after - before["now"] >= 3600  # and the real seconds the requests took
    assert admin.clock()["offset_seconds"] == before["offset_seconds"] + 3600
    with pytest.raises(AdminError) as raised:
        admin.advance_clock(-1)
    assert raised.value.status == 400 and "advance_seconds" in raised.value.message
    assert admin.clock()["offset_seconds"] == before["offset_seconds"] + 3600


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"type": "NoSuchEvent"}, "unknown event type"),
        ({"type": "NewFileUpload", "count": 0}, "count must be between"),
        ({"type": "NewFileUpload", "count": "3"}, "count must be an integer"),
        ({"type": "NewFileUpload", "sub_app_id": -5}, "sub_app_id"),
        ({}, 'exactly one of "type"'),
        ({"type": "NewFileUpload", "events": []}, 'exactly one of "type"'),
        ({"scenario": "no-such-flow"}, "unknown scenario"),
        ({"scenario": "delete", "count": 2}, '"count" and "overrides" go with "type"'),
        ({"events": {}}, "list of EventContent"),
        ({"events": [{"EventType": "NewFileUpload", "EventHandle": "x"}]}, "EventHandle"),
        ({"events": [{"FileUploadEvent": {}}]}, "EventType"),
        ({"events": [{"EventType": "Bogus"}]}, "unknown event type"),
        ({"events": [{"EventType": "NewFileUpload", "FileDeleteEvent": {}}]}, "left out"),
        ({"events": [{"EventType": "NewFileUpload", "Extra": 1}]}, "not a field"),
        ({"events": ["text"]}, "JSON object"),
        ({"type": "NewFileUpload", "colour": "red"}, "unknown field"),
    ],
)
def test_bad_emit_requests_are_400_with_a_reason(admin: AdminClient, body, message) -> None:
    with pytest.raises(AdminError) as raised:
        admin.request("POST", "/_emulator/events", body)
    assert raised.value.status == 400
    assert message in raised.value.message
    assert admin.queue()["pullable"] == []  # nothing half-enqueued


def test_a_bad_event_in_a_batch_enqueues_none(admin: AdminClient) -> None:
    good = {"EventType": "FileDeleted", "FileDeleteEvent": {"FileIdSet": ["1"]}}
    with pytest.raises(AdminError) as raised:
        admin.emit_events([good, {"EventType": "Nope"}])
    assert "events[1]" in raised.value.message
    assert admin.queue()["pullable"] == []


def test_malformed_json_is_400(admin: AdminClient) -> None:
    import urllib.error
    import urllib.request
    request = urllib.request.Request(admin.base_url + "/_emulator/events", data=b"{oops",
                                     method="POST")
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=10)
    assert raised.value.code == 400
    assert b"not valid JSON" in raised.value.read()


def test_queue_snapshot_shows_pullable_and_leased(admin: AdminClient, sdk) -> None:
    admin.emit("NewFileUpload", 17, sub_app_id=1500000001)
    pull(sdk, 1500000001)
    snapshot = admin.queue(1500000001)
    assert len(snapshot["pullable"]) == 1 and len(snapshot["leased"]) == 16
    assert all(lease["deliveries"] == 1 for lease in snapshot["leased"])
    states = admin.request("GET", "/_emulator/queues")["queues"]
    assert {"sub_app_id": 1500000001, "pullable": 1, "leased": 16, "held_pulls": 0,
            "confirmed": 0} in states


def test_wait_times_out_with_the_state(admin: AdminClient) -> None:
    admin.emit("NewFileUpload")
    with pytest.raises(TimeoutError) as raised:
        admin.wait(pullable=2, timeout=0.05)
    message = str(raised.value)
    assert message.startswith("not reached within 0.05s: pullable=2; now ")
    assert "'pullable': 1, 'leased': 0, 'held_pulls': 0" in message  # the state reached


def test_reset_replays_the_seed_but_never_reissues_a_handle(admin: AdminClient, sdk) -> None:
    def run() -> tuple[list[str], list[str]]:
        contents = [e["content"] for e in admin.emit("NewFileUpload", 5)]
        handles = [e.EventHandle for e in pull(sdk)]
        return [c["FileUploadEvent"]["FileId"] for c in contents], handles

    first_ids, first_handles = run()
    admin.reset()
    second_ids, second_handles = run()
    assert first_ids == second_ids
    assert not set(first_handles) & set(second_handles)  # a stale handle confirms nothing


def test_same_seed_same_events_and_handles_across_emulators() -> None:
    from emulator.server import EmulatorThread

    from .conftest import make_settings

    def run() -> tuple[list[dict], list[str]]:
        with EmulatorThread(make_settings(seed=99, secret_id=None, secret_key=None)) as emu:
            client = AdminClient(emu.url)
            contents = [e["content"] for e in client.emit("ProcedureStateChanged", 3)]
            handles = [lease["handle"] for lease in _lease_all(emu)]
            return contents, handles

    first, second = run(), run()
    strip = _without_times
    assert [strip(c) for c in first[0]] == [strip(c) for c in second[0]]
    assert first[1] == second[1]


def _lease_all(emu) -> list[dict]:
    from tencentcloud.common import credential
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile
    from tencentcloud.vod.v20180717 import vod_client

    http = HttpProfile(protocol="http", endpoint=emu.endpoint)
    client = vod_client.VodClient(credential.Credential("a", "b"), "",
                                  ClientProfile(httpProfile=http))
    pull(client)
    return AdminClient(emu.url).queue()["leased"]


def _without_times(value):
    """Times follow the emulator clock (wall time); everything else follows the seed."""
    if isinstance(value, dict):
        return {k: _without_times(v) for k, v in value.items() if "Time" not in k}
    if isinstance(value, list):
        return [_without_times(v) for v in value]
    return value


def test_emit_can_leave_contents_out_of_the_answer(admin: AdminClient) -> None:
    answer = admin.request("POST", "/_emulator/events",
                           {"type": "FileDeleted", "count": 3, "with_content": False})
    assert [sorted(e) for e in answer["events"]] == [
        ["caused_by", "deliveries", "enqueued_at", "event_id", "event_type", "route", "state",
         "sub_app_id"]] * 3
    assert len(admin.queue()["pullable"]) == 3
    with pytest.raises(AdminError) as raised:
        admin.request("POST", "/_emulator/events", {"type": "FileDeleted", "with_content": 1})
    assert raised.value.status == 400
    assert raised.value.message == '"with_content" must be true or false'
    assert len(admin.queue()["pullable"]) == 3


def test_python_api_reaches_the_live_backend(emulator, admin: AdminClient) -> None:
    admin.emit("FileDeleted", 2, sub_app_id=1500000001)
    state = emulator.call(lambda backend: backend.queue_state(1500000001))
    assert (state.pullable, state.leased) == (2, 0)
    queued = emulator.call(lambda backend: backend.emit_scenario("delete", None))
    assert [event.content["EventType"] for event in queued] == ["NewFileUpload", "FileDeleted"]


# ----- every answer is admin JSON, and bad input is a clear 400


def _raw(admin: AdminClient, method: str, target: str, body: bytes = b"",
         headers: dict[str, str | bytes] | None = None):
    from .rawhttp import send

    answer = send(admin.base_url.removeprefix("http://"), method, target,
                  headers or {"Content-Type": "application/json"}, body)
    assert answer.content_type == "application/json", (answer.status, answer.body[:200])
    return answer.status, json.loads(answer.body)


@pytest.mark.parametrize(
    ("method", "target", "status", "code"),
    [
        ("GET", "/_emulator/nothing-here", 404, "NotFound"),
        ("GET", "/_emulator", 404, "NotFound"),
        ("DELETE", "/_emulator/health", 405, "MethodNotAllowed"),
        ("PUT", "/_emulator/events", 405, "MethodNotAllowed"),
        ("GET", "/_emulator/journal?kind=bogus", 400, "InvalidRequest"),
        ("GET", "/_emulator/journal?colour=red", 400, "InvalidRequest"),
        ("GET", "/_emulator/health?verbose=1", 400, "InvalidRequest"),
        ("GET", "/_emulator/journal?kind=leased&kind=expired", 400, "InvalidRequest"),
        ("GET", "/_emulator/queues/" + "9" * 4301, 400, "InvalidRequest"),
        ("GET", "/_emulator/queues/%D9%A3", 400, "InvalidRequest"),  # "٣", an Arabic-Indic 3
        ("GET", "/_emulator/queues/%ED%A0%80", 400, "InvalidRequest"),  # a surrogate's bytes
        ("GET", "/_emulator/queues/0", 400, "InvalidRequest"),
        ("GET", "/_emulator/queues/007", 400, "InvalidRequest"),
        ("GET", f"/_emulator/queues/{2**63}", 400, "InvalidRequest"),
    ],
)
def test_every_admin_answer_is_json(admin: AdminClient, method, target, status, code) -> None:
    answer_status, document = _raw(admin, method, target)
    assert (answer_status, document["error"]["code"]) == (status, code)
    assert document["error"]["message"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"type": "NewFileUpload", "type": "FileDeleted"}', "more than once"),
        (b'{"advance_seconds": Infinity}', "not a JSON number"),
        (b'{"advance_seconds": NaN}', "not a JSON number"),
        (b'{"type": "\\ud800"}', "lone surrogate"),
        (b'{"\\udcff": 1}', "lone surrogate"),
        (b'{"type": "NewFileUpload", "overrides": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
         "nested deeper"),
        (b'{"type": "NewFileUpload", "overrides": ' + b'{"a":' * 70 + b"1" + b"}" * 70 + b"}",
         "nested deeper"),
        (b'{"type": "NewFileUpload", "sub_app_id": ' + str(2**63).encode() + b"}", "sub_app_id"),
        (b'{"type": "NewFileUpload", "sub_app_id": "\\u0663"}', "sub_app_id"),
        (b'{"type": "NewFileUpload", "sub_app_id": true}', "sub_app_id"),
        (b'{"type": "NewFileUpload", "count": 1' + b"0" * 5000 + b"}", "not valid JSON"),
    ],
)
def test_hostile_bodies_are_400_and_break_nothing(admin: AdminClient, body, message) -> None:
    target = "/_emulator/clock" if b"advance_seconds" in body else "/_emulator/events"
    status, document = _raw(admin, "POST", target, body)
    assert status == 400 and message in document["error"]["message"]
    assert admin.request("GET", "/_emulator/queues")["queues"] == []
    assert len(admin.emit("NewFileUpload")) == 1  # a valid request still works


@pytest.mark.parametrize("seconds", [1e12, 10 * 366 * 24 * 3600, -1, 1e308])
def test_the_clock_refuses_advances_out_of_bounds(admin: AdminClient, seconds) -> None:
    before = admin.request("GET", "/_emulator/clock")["offset_seconds"]
    with pytest.raises(AdminError) as raised:
        admin.advance_clock(seconds)
    assert raised.value.status == 400 and "advance_seconds" in raised.value.message
    assert admin.request("GET", "/_emulator/clock")["offset_seconds"] == before
    assert len(admin.emit("NewFileUpload")) == 1  # emits (which format times) still work


def test_the_clock_stops_short_of_year_9900(admin: AdminClient) -> None:
    ten_years = 10 * 365.25 * 24 * 3600
    with pytest.raises(AdminError) as raised:
        for _ in range(800):
            admin.advance_clock(ten_years)
    assert raised.value.status == 400 and "cannot pass" in raised.value.message
    event = admin.emit("NewFileUpload")[0]
    assert event["content"]["FileUploadEvent"]["MediaBasicInfo"]["CreateTime"] < "9900"


@pytest.mark.parametrize(("body", "message"), [
    ({"pullable": 1, "timeout_seconds": 301}, "timeout_seconds must be between 0 and 300"),
    ({"pullable": -1}, "pullable must compare with 0 to 1,000,000,000, got -1"),
    ({"pullable": 10**10}, "pullable must compare with 0 to 1,000,000,000, got 10000000000"),
    ({"pullable": "<=" + "9" * 11}, "pullable must be a count (3: at least 3; 0: none), or "),
    ({"pullable": "at most 2"}, "pullable must be a count (3: at least 3; 0: none), or "),
    ({"pullable": 2.5}, "pullable must be a count"),
    ({"events_confirmed": []}, "events_confirmed must be a list of 1 to 10,000 event ids"),
    ({"events_delivered": "evt-1"}, "events_delivered must be a list of 1 to 10,000 event"),
    ({"events_delivered": [7]}, "events_delivered must be a list of 1 to 10,000 event ids"),
    ({"pullable": 1, "timeout_seconds": "5"}, "timeout_seconds must be a number"),
])
def test_waits_are_bounded(admin: AdminClient, body: dict[str, Any], message: str) -> None:
    with pytest.raises(AdminError) as raised:
        admin.request("POST", "/_emulator/wait", body)
    assert raised.value.status == 400 and message in raised.value.message


def test_reads_never_make_state(admin: AdminClient, sdk) -> None:
    from tencentcloud.vod.v20180717 import models

    for sub_app_id in range(1500000100, 1500000150):
        request = models.DescribeEventsStateRequest()
        request.SubAppId = sub_app_id
        assert sdk.DescribeEventsState(request).CountOfEventsToPull == 0
        config = models.DescribeEventConfigRequest()
        config.SubAppId = sub_app_id
        assert sdk.DescribeEventConfig(config).Mode == "PULL"
        assert admin.queue(sub_app_id)["pullable"] == []
        assert admin.request("POST", "/_emulator/wait", {
            "sub_app_id": sub_app_id, "pullable": 0, "timeout_seconds": 0})["met"] is True
    assert admin.request("GET", "/_emulator/queues")["queues"] == []


def test_a_queue_made_for_a_held_pull_is_forgotten_after_it(admin: AdminClient, sdk,
                                                            background) -> None:
    held = background(pull, sdk, 1500000200)
    admin.wait(1500000200, held_pulls=1)
    assert [q["sub_app_id"] for q in admin.request("GET", "/_emulator/queues")["queues"]] == [
        1500000200]
    admin.advance_clock(admin.health()["long_poll_seconds"])
    assert held.result(timeout=10) == []
    assert admin.request("GET", "/_emulator/queues")["queues"] == []


def test_queued_events_from_the_python_api_are_plain_json(emulator) -> None:
    queued = emulator.call(lambda backend: backend.emit_generated("NewFileUpload", 2, None))
    document = json.loads(json.dumps([event.to_json() for event in queued]))
    assert [event["content"]["EventType"] for event in document] == ["NewFileUpload"] * 2


def test_the_journal_says_when_it_evicted_entries() -> None:
    from emulator.server import EmulatorThread

    from .conftest import make_settings

    with EmulatorThread(make_settings(journal_max_entries=5)) as emu:
        client = AdminClient(emu.url)
        assert client.health()["journal_max_entries"] == 5
        client.emit("NewFileUpload", 8)
        answer = client.request("GET", "/_emulator/journal")
        assert answer["evicted"] == 3 and answer["max_entries"] == 5
        assert [entry["seq"] for entry in answer["entries"]] == [4, 5, 6, 7, 8]
        event_id = answer["entries"][-1]["event_id"]
        assert [e["event_id"] for e in client.journal(event_id=event_id)] == [event_id]


def test_admin_client_raises_its_own_error_on_a_non_json_answer() -> None:
    import http.server
    import threading

    class NotTheEmulator(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802  (the standard library's name)
            body = b"502 Bad Gateway: upstream is down"
            self.send_response(502)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), NotTheEmulator)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(AdminError) as raised:
            AdminClient(f"http://127.0.0.1:{server.server_address[1]}").health()
        assert raised.value.status == 502
        assert "upstream is down" in raised.value.message
    finally:
        server.shutdown()
        server.server_close()


def test_the_package_root_names_exactly_its_public_api() -> None:
    import emulator

    assert sorted(emulator.__all__) == sorted([*emulator._HOME, "__version__"])
    for name in emulator.__all__:
        assert getattr(emulator, name) is not None


def test_a_queue_can_be_read_without_its_payloads(admin: AdminClient, sdk) -> None:
    admin.emit("NewFileUpload", 3)
    pull(sdk)
    admin.emit("FileDeleted", 2)
    snapshot = admin.request("GET", "/_emulator/queues/default?content=false")
    assert len(snapshot["pullable"]) == 2 and len(snapshot["leased"]) == 3
    assert all("content" not in event for event in snapshot["pullable"] + snapshot["leased"])
    assert all(len(lease["handle"]) == 32 for lease in snapshot["leased"])
    with pytest.raises(AdminError) as raised:
        admin.request("GET", "/_emulator/queues/default?content=no")
    assert raised.value.status == 400


def test_a_reset_while_given_events_are_checked_says_none_was_emitted(
        emulator: EmulatorThread, admin: AdminClient, background,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # All the given events are checked before any is emitted. A reset comes on the
    # server's own loop at the check's first hand-back of the loop: scheduled once the
    # first event is checked, it runs before the check goes on.
    backend = emulator.call(lambda backend: backend)
    check = backend.checked

    def checked_then_reset(contents: list[Any]) -> Iterator[dict[str, Any]]:
        checking = check(contents)
        yield next(checking)
        asyncio.get_running_loop().call_soon(backend.reset)
        yield from checking

    monkeypatch.setattr(backend, "checked", checked_then_reset)
    good = {"EventType": "FileDeleted", "FileDeleteEvent": {"FileIdSet": ["1"]}}
    emit = background(admin.request, "POST", "/_emulator/events",
                      {"events": [good] * 5000, "with_content": False})
    with pytest.raises(AdminError) as raised:
        emit.result(timeout=60)
    assert raised.value.status == 409
    message = raised.value.message
    assert "reset during this emit" in message and "no event was emitted" in message
    assert "events were emitted" not in message
    assert admin.request("GET", "/_emulator/queues")["queues"] == []
    assert admin.events()["events"] == []
