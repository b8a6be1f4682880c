"""The routes the dashboard is built on, as any client sees them: searching the emitted
events, one event's whole story, event configuration, the catalog, the live stream, the
static files, and the refusal of state-changing requests from other origins."""

from __future__ import annotations

import asyncio
import http.client
import json
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from typing import Any
from urllib.parse import urlsplit

import pytest
from tencentcloud.vod.v20180717 import models, vod_client

from emulator.clients.client import AdminClient, AdminError
from emulator.core.records import EventFilter, SearchResult
from emulator.server import EmulatorThread

from .conftest import pull, wait_for_health

APP = 1500000001


def get(admin: AdminClient, path: str) -> Any:
    return admin.request("GET", "/_emulator" + path)


# ----- searching


def test_a_search_lists_newest_first_with_filters_and_a_total(
    sdk: vod_client.VodClient, admin: AdminClient
) -> None:
    uploads = admin.emit("NewFileUpload", 3)
    deletes = admin.emit("FileDeleted", 2, sub_app_id=APP)
    pull(sdk)  # the uploads are leased now
    everything = get(admin, "/events?before=999&content=false")
    assert everything["matched"] == 5
    assert [e["event_id"] for e in everything["events"]] == [
        e["event_id"] for e in reversed(uploads + deletes)]
    assert "content" not in everything["events"][0]
    leased = get(admin, "/events?state=leased&limit=2")
    assert leased["matched"] == 3 and len(leased["events"]) == 2
    assert {e["state"] for e in leased["events"]} == {"leased"}
    older = get(admin, f"/events?state=leased&before={leased['events'][-1]['seq']}")
    assert [e["event_id"] for e in older["events"]] == [uploads[0]["event_id"]]
    in_app = get(admin, f"/events?sub_app_id={APP}&type=FileDeleted")
    assert [e["event_id"] for e in in_app["events"]] == [
        e["event_id"] for e in reversed(deletes)]
    file_id = uploads[1]["content"]["FileUploadEvent"]["FileId"]
    (found,) = get(admin, f"/events?q={file_id}")["events"]  # an id inside the payload
    assert found["event_id"] == uploads[1]["event_id"]
    assert get(admin, f"/events?q={uploads[2]['event_id']}")["matched"] == 1
    assert get(admin, "/events?type=PullComplete")["matched"] == 0


def test_a_search_refuses_following_parameters(admin: AdminClient) -> None:
    with pytest.raises(AdminError) as refused:
        get(admin, "/events?type=NewFileUpload&wait_seconds=1")
    assert refused.value.status == 400 and "wait_seconds" in refused.value.message


def test_a_search_over_many_events_stays_answerable(admin: AdminClient) -> None:
    admin.request("POST", "/_emulator/events",
                  {"type": "FileDeleted", "count": 20_000, "with_content": False})
    page = get(admin, "/events?before=20001&limit=100&content=false")
    assert page["matched"] == 20_000 and page["events"][0]["seq"] == 20_000
    assert len(page["events"]) == 100


# ----- one event


def test_an_event_s_story_has_its_payload_history_and_leases(
    sdk: vod_client.VodClient, admin: AdminClient
) -> None:
    (event,) = admin.emit("NewFileUpload")
    (leased,) = pull(sdk)
    story = get(admin, f"/events/{event['event_id']}")
    assert story["event"]["content"] == event["content"]
    assert story["event"]["state"] == "leased"
    assert [entry["kind"] for entry in story["history"]] == ["enqueued", "leased"]
    assert story["leases"] == [{"handle": leased.EventHandle,
                                "expires_at": story["leases"][0]["expires_at"]}]
    assert story["callbacks"] == []
    with pytest.raises(AdminError) as missing:
        get(admin, "/events/evt-99999999")
    assert missing.value.status == 404


# ----- event configuration


def test_event_configuration_through_the_admin_api_is_the_cloud_api_s(
    sdk: vod_client.VodClient, admin: AdminClient
) -> None:
    changed = admin.request("POST", f"/_emulator/event-config/{APP}",
                            {"Mode": "PUSH", "NotificationUrl": "http://127.0.0.1:9/cb",
                             "UploadMediaCompleteEventSwitch": "OFF"})
    assert changed["Mode"] == "PUSH" and changed["sub_app_id"] == APP
    request = models.DescribeEventConfigRequest()
    request.SubAppId = APP
    described = sdk.DescribeEventConfig(request)
    assert (described.Mode, described.NotificationUrl,
            described.UploadMediaCompleteEventSwitch) == ("PUSH", "http://127.0.0.1:9/cb", "OFF")
    assert get(admin, f"/event-config/{APP}")["NotificationUrl"] == "http://127.0.0.1:9/cb"
    assert get(admin, "/event-config/default")["Mode"] == "PULL"


@pytest.mark.parametrize(("body", "says"), [
    ({"Mode": "SOMETIMES"}, "Mode must be PUSH or PULL"),
    ({"Mode": 1}, "must be a string"),
    ({"Colour": "red"}, "unknown field"),
    ({}, "name at least one"),
])
def test_a_bad_event_configuration_is_refused(
    admin: AdminClient, body: dict[str, Any], says: str
) -> None:
    with pytest.raises(AdminError) as refused:
        admin.request("POST", "/_emulator/event-config/default", body)
    assert refused.value.status == 400 and says in refused.value.message


def test_the_catalog_lists_every_type_scenario_state_and_kind(admin: AdminClient) -> None:
    from emulator.core.event import EVENT_STATES
    from emulator.core.journal import KINDS
    from emulator.events import EVENT_TYPES
    from emulator.events.scenarios import SCENARIOS

    catalog = get(admin, "/catalog")
    assert [t["event_type"] for t in catalog["event_types"]] == list(EVENT_TYPES)
    assert [s["name"] for s in catalog["scenarios"]] == list(SCENARIOS)
    assert catalog["event_states"] == list(EVENT_STATES)
    assert catalog["journal_kinds"] == list(KINDS)


def test_stats_show_each_application_s_configuration_and_callback_latencies(
    admin: AdminClient,
) -> None:
    admin.emit("NewFileUpload")
    stats = get(admin, "/stats")
    assert stats["applications"][0]["config"]["Mode"] == "PULL"
    histogram = stats["callback_latency_ms"]
    assert len(histogram["counts"]) == len(histogram["bounds_ms"]) + 1
    assert sum(histogram["counts"]) == 0  # no callback was made


# ----- the stream


class Stream:
    """A reader of /_emulator/stream: one server-sent event at a time."""

    def __init__(self, url: str, path: str = "/_emulator/stream",
                 headers: dict[str, str] | None = None) -> None:
        parts = urlsplit(url)
        self.connection = http.client.HTTPConnection(parts.hostname or "", parts.port,
                                                     timeout=10)
        self.connection.request("GET", path, headers=headers or {})
        self.response = self.connection.getresponse()

    def next(self) -> tuple[str, str | None, Any]:
        """(event, id, data) of the next message; comments (keep-alives) are skipped."""
        fields: dict[str, str] = {}
        while True:
            raw = self.response.readline()  # b"" only at the stream's end
            assert raw, f"the stream ended inside a message: {fields}"
            line = raw.decode().rstrip("\n")
            if line == "" and fields:
                return fields["event"], fields.get("id"), json.loads(fields["data"])
            if line and not line.startswith(":"):
                name, _, value = line.partition(": ")
                fields[name] = value

    def close(self) -> None:
        self.connection.close()


@pytest.fixture
def stream(emulator: EmulatorThread) -> Iterator[Stream]:
    opened = Stream(emulator.url)
    yield opened
    opened.close()


def test_the_stream_says_hello_then_sends_entries_clock_changes_and_resets(
    admin: AdminClient, stream: Stream
) -> None:
    assert stream.response.getheader("Content-Type") == "text/event-stream"
    event, _, hello = stream.next()
    assert event == "hello" and hello["epoch"] == 0 and "now" in hello["clock"]
    (emitted,) = admin.emit("NewFileUpload")
    event, event_id, entries = stream.next()
    assert event == "journal" and event_id == "0:1"
    assert [(e["kind"], e["event_id"]) for e in entries] == [("enqueued", emitted["event_id"])]
    admin.advance_clock(30)
    event, _, clock = stream.next()
    assert event == "clock" and clock["offset_seconds"] == 30
    admin.reset()
    assert stream.next()[0] == "reset"


def test_a_reconnecting_reader_resumes_where_it_was(
    admin: AdminClient, emulator: EmulatorThread
) -> None:
    admin.emit("NewFileUpload", 3)  # entries 1, 2, 3
    resumed = Stream(emulator.url, headers={"Last-Event-ID": "0:1"})
    try:
        assert resumed.next()[0] == "hello"
        event, event_id, entries = resumed.next()
        assert event_id == "0:3" and [e["seq"] for e in entries] == [2, 3]
    finally:
        resumed.close()
    from_start = Stream(emulator.url, path="/_emulator/stream?after=0")
    try:
        from_start.next()
        assert [e["seq"] for e in from_start.next()[2]] == [1, 2, 3]
    finally:
        from_start.close()


def test_the_server_stops_promptly_with_a_stream_open() -> None:
    from .conftest import make_settings

    emulator = EmulatorThread(make_settings()).start()
    reader = Stream(emulator.url)
    reader.next()
    assert AdminClient(emulator.url).health()["streams"] == 1
    emulator.stop()
    assert reader.response.read() == b""  # the stream was ended, not left hanging
    reader.close()


# ----- the page's files, and other origins


def raw(emulator: EmulatorThread, method: str, path: str,
        headers: dict[str, str] | None = None, body: bytes | None = None
        ) -> http.client.HTTPResponse:
    parts = urlsplit(emulator.url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def test_the_page_is_served_from_the_package_under_a_strict_policy(
    emulator: EmulatorThread,
) -> None:
    page = raw(emulator, "GET", "/_emulator/ui/")
    assert page.status == 200 and page.getheader("Content-Type", "").startswith("text/html")
    assert "default-src 'self'" in page.getheader("Content-Security-Policy", "")
    assert raw(emulator, "GET", "/_emulator/ui").status == 308
    for path in ("/_emulator/ui/nope.js", "/_emulator/ui/..%2Fadmin.py",
                 "/_emulator/ui/../admin.py"):
        assert raw(emulator, "GET", path).status == 404, path


@pytest.mark.parametrize("headers", [
    {"Origin": "http://evil.example"},
    {"Origin": "null"},
    {"Origin": "http://evil.example:4600", "Host": "evil.example:4600"},  # DNS rebinding
    {"Sec-Fetch-Site": "cross-site"},
])
def test_a_page_of_another_origin_cannot_change_state(
    emulator: EmulatorThread, admin: AdminClient, headers: dict[str, str]
) -> None:
    refused = raw(emulator, "POST", "/_emulator/events",
                  {"Content-Type": "text/plain", **headers},
                  b'{"type": "NewFileUpload"}')
    assert refused.status == 403
    assert admin.queue()["pullable"] == []
    assert raw(emulator, "GET", "/_emulator/health", headers).status == 200  # reading is fine


def test_the_emulator_s_own_pages_and_scripts_can(
    emulator: EmulatorThread, admin: AdminClient
) -> None:
    own = f"http://{urlsplit(emulator.url).netloc}"
    assert raw(emulator, "POST", "/_emulator/events",
               {"Origin": own, "Sec-Fetch-Site": "same-origin"},
               b'{"type": "NewFileUpload"}').status == 200
    assert raw(emulator, "POST", "/_emulator/events", {},
               b'{"type": "NewFileUpload"}').status == 200  # curl, SDKs: no Origin
    assert len(admin.queue()["pullable"]) == 2


def test_searches_during_a_large_emit_are_answered(
    admin: AdminClient, emulator: EmulatorThread,
    background: Callable[..., Future[Any]], monkeypatch: pytest.MonkeyPatch,
) -> None:
    count, searched_at = 20_000, 1_000
    backend = emulator.call(lambda backend: backend)
    generate = backend.generate
    in_loop: list[asyncio.Task[SearchResult]] = []

    def generate_and_search(*args: Any) -> Iterator[dict[str, Any]]:
        # Once `searched_at` events are made, a search starts on the server's loop at the
        # emit's next hand-back: while the emit is surely under way, whatever the timing.
        for made, content in enumerate(generate(*args), 1):
            yield content
            if made == searched_at:
                in_loop.append(asyncio.ensure_future(
                    backend.search_events(EventFilter(event_type="FileDeleted"), limit=10)))

    monkeypatch.setattr(backend, "generate", generate_and_search)
    # Held before the emit starts, this wait is answered at the emit's first slice.
    under_way = background(admin.wait, pullable=1, timeout=30)
    wait_for_health(admin, "the wait to be held", lambda health: health["held_waits"] >= 1)
    emitting = background(AdminClient(emulator.url).request, "POST", "/_emulator/events",
                          {"type": "FileDeleted", "count": count, "with_content": False})
    under_way.result(timeout=30)
    matched: list[int] = []
    while not emitting.done() or not matched:
        page = get(admin, "/events?type=FileDeleted&limit=10&content=false")
        # A search looks at the events emitted when it began (a copy; the emit goes on):
        # it matches every one of them, and its page is the newest ten, newest first.
        found = page["matched"]
        assert [e["seq"] for e in page["events"]] == list(range(found, max(found - 10, 0), -1))
        assert found <= page["last_seq"] <= count  # last_seq is read once the search ends
        matched.append(found)
    assert emitting.result()["count"] == count
    assert matched == sorted(matched), matched  # none saw fewer than the one before
    # The search begun mid-emit saw the events emitted by then, and only those.
    (search,) = in_loop
    result = emulator.call(lambda backend: search.result())
    assert searched_at <= result.matched < count
    assert [e.seq for e in result.events] == list(range(result.matched, result.matched - 10, -1))
    assert get(admin, "/events?type=FileDeleted&limit=1")["matched"] == count


@pytest.mark.parametrize("query", ["type=NoSuchType", "state=lost", "before=0", "before=x"])
def test_a_search_with_an_unknown_type_or_state_is_refused(
    admin: AdminClient, query: str
) -> None:
    with pytest.raises(AdminError) as refused:
        get(admin, f"/events?{query}")
    assert refused.value.status == 400
