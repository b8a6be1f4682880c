"""The /_emulator control API: what it accepts, and the clear 400s for what it does not."""

from __future__ import annotations

import pytest

from emulator.client import AdminClient, AdminError
from emulator.events import EVENT_TYPES

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
    before = admin.request("GET", "/_emulator/clock")["now"]
    after = admin.advance_clock(3600)
    assert after - before >= 3600
    with pytest.raises(AdminError) as raised:
        admin.advance_clock(-1)
    assert raised.value.status == 400 and "advance_seconds" in raised.value.message


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
    with pytest.raises(TimeoutError):
        admin.wait(pullable=1, timeout=0.05)


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
        ["deliveries", "enqueued_at", "event_id", "event_type", "sub_app_id"]] * 3
    assert len(admin.queue()["pullable"]) == 3
    with pytest.raises(AdminError):
        admin.request("POST", "/_emulator/events", {"type": "FileDeleted", "with_content": 1})


def test_python_api_reaches_the_live_backend(emulator, admin: AdminClient) -> None:
    admin.emit("FileDeleted", 2, sub_app_id=1500000001)
    state = emulator.call(lambda backend: backend.queue_state(1500000001))
    assert (state.pullable, state.leased) == (2, 0)
    queued = emulator.call(lambda backend: backend.emit_scenario("delete", None))
    assert [event.content["EventType"] for event in queued] == ["NewFileUpload", "FileDeleted"]
