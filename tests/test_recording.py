"""Recordings (emulator.recording): the JSON Lines format read and written, and replay
against a real emulator: order, applications, batching, timing kept (on an injected
clock: nothing here sleeps)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest

from emulator.clients.client import AdminClient
from emulator.clients.recording import (
    BATCH_SIZE,
    RecordedEvent,
    RecordingError,
    dumps,
    read_recording,
    recorded,
    replay,
    write_recording,
)
from emulator.core.settings import Settings
from emulator.server import EmulatorThread


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorThread]:
    with EmulatorThread(Settings(port=0, seed=21)) as thread:
        yield thread


@pytest.fixture
def admin(server: EmulatorThread) -> AdminClient:
    client = AdminClient(server.url)
    client.reset()
    return client


class SpyClient(AdminClient):
    """A real client that also notes each emit it sends (how replay batched)."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.batches: list[tuple[int | None, int]] = []

    def emit_events(self, events: list[dict[str, Any]], sub_app_id: int | None = None,
                    *, with_content: bool = True) -> list[dict[str, Any]]:
        self.batches.append((sub_app_id, len(events)))
        return super().emit_events(events, sub_app_id, with_content=with_content)


def _recorded_run(admin: AdminClient) -> list[RecordedEvent]:
    """Emit a mixed run and read it back from the events feed, as `record` does."""
    admin.emit("NewFileUpload", 2)
    admin.emit_scenario("delete", 1500000001)
    admin.emit("FileDeleted", 1)
    return [recorded(event) for event in admin.events()["events"]]


# ----- the format


def test_written_lines_read_back_the_same(admin: AdminClient) -> None:
    events = _recorded_run(admin)
    file = io.StringIO()
    assert write_recording(file, events) == len(events) == 5
    text = file.getvalue()
    assert text.count("\n") == 5
    first = json.loads(text.splitlines()[0])
    assert list(first) == ["at", "sub_app_id", "event_type", "event_id", "content"]
    assert "EventHandle" not in first["content"]
    back = read_recording(io.StringIO(text))
    assert [e.to_json() for e in back] == [e.to_json() for e in events]
    assert [e.line for e in back] == [1, 2, 3, 4, 5]
    assert [e.sub_app_id for e in back] == [None, None, 1500000001, 1500000001, None]


def test_a_file_is_read_by_path_and_blank_lines_are_skipped(tmp_path: Any) -> None:
    path = tmp_path / "run.jsonl"
    line = dumps(RecordedEvent(content={"EventType": "FileDeleted"}, at=5.0))
    path.write_text(f"\n{line}\n  \n{line}\n", encoding="utf-8")
    assert [e.line for e in read_recording(path)] == [2, 4]
    assert [e.line for e in read_recording(str(path))] == [2, 4]


def test_a_pulled_events_handle_is_left_out() -> None:
    (event,) = read_recording(io.StringIO(
        '{"content": {"EventHandle": "abc", "EventType": "FileDeleted"}}\n'))
    assert event.content == {"EventType": "FileDeleted"}
    assert (event.at, event.sub_app_id, event.event_id) == (None, None, None)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"seq": 1, "at": 1.0, "kind": "enqueued", "sub_app_id": null, "event_id": "e"}',
         'line 2 is a journal entry, not a recorded event: it has no "content" object'),
        ('{"at": 1.0}', 'line 2 is no event, not a recorded event: it has no "content" object'),
        ('{"content": [1]}', 'line 2 is no event'),
        ("[1, 2]", "line 2 is not a JSON object"),
        ('{"content": {}', "line 2 is not JSON: "),
        ('{"content": {}, "at": "soon"}', "line 2: \"at\" must be a number (seconds), got 'soon'"),
        ('{"content": {}, "at": true}', 'line 2: "at" must be a number'),
        ('{"content": {}, "sub_app_id": 0}', 'line 2: "sub_app_id" is not valid: SubAppId must '
                                             'be between 1 and 9223372036854775807'),
        ('{"content": {}, "sub_app_id": "7"}', 'line 2: "sub_app_id" is not valid'),
        ('{"content": {}, "event_id": 7}', 'line 2: "event_id" must be a string, got 7'),
    ],
)
def test_what_is_not_a_recorded_event_is_refused_with_its_line(line: str, message: str) -> None:
    good = '{"content": {"EventType": "FileDeleted"}}'
    with pytest.raises(RecordingError) as error:
        read_recording(io.StringIO(f"{good}\n{line}\n{good}\n"))
    assert str(error.value).startswith(message), str(error.value)


# ----- replay


def test_replay_emits_every_line_in_order_to_its_own_application(
        admin: AdminClient, server: EmulatorThread) -> None:
    events = _recorded_run(admin)
    admin.reset()
    spy = SpyClient(server.url)
    emitted = replay(spy, events)
    # Consecutive lines of one application go together, in file order.
    assert spy.batches == [(None, 2), (1500000001, 2), (None, 1)]
    assert [e["event_type"] for e in emitted] == [e.event_type for e in events]
    assert [e["sub_app_id"] for e in emitted] == [e.sub_app_id for e in events]
    assert "content" not in emitted[0]
    again = admin.events()["events"]
    assert [e["content"] for e in again] == [e.content for e in events]
    assert [e["event_id"] for e in again] == [e["event_id"] for e in emitted]


@pytest.mark.parametrize("target", [7, None, "default"])
def test_replay_can_send_everything_to_one_application(
        admin: AdminClient, server: EmulatorThread, target: int | str | None) -> None:
    events = _recorded_run(admin)
    admin.reset()
    spy = SpyClient(server.url)
    replay(spy, events, sub_app_id=target)  # type: ignore[arg-type]  # "default" is allowed
    app = 7 if target == 7 else None
    assert spy.batches == [(app, 5)]
    assert len(admin.queue(app)["pullable"]) == 5


def test_replay_batches_at_most_batch_size(admin: AdminClient, server: EmulatorThread) -> None:
    line = RecordedEvent(content=admin.emit("FileDeleted")[0]["content"])
    admin.reset()
    spy = SpyClient(server.url)
    done: list[int] = []
    replay(spy, [line] * (BATCH_SIZE + 3), progress=done.append)
    assert spy.batches == [(None, BATCH_SIZE), (None, 3)]
    assert done == [BATCH_SIZE, BATCH_SIZE + 3]
    assert admin.stats()["totals"]["emitted"] == BATCH_SIZE + 3


class FakeTime:
    """A monotonic clock that moves only when replay sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds

    def monotonic(self) -> float:
        return self.now


def test_keep_timing_waits_each_lines_distance_from_the_first(
        admin: AdminClient, server: EmulatorThread) -> None:
    content = admin.emit("FileDeleted")[0]["content"]
    admin.reset()
    ats = [1000.0, 1000.0, 1002.0, 1003.0, 1003.0015, 1001.0, 1010.0]  # 1003.0015: as one
    events = [RecordedEvent(content=content, at=at) for at in ats]
    fake = FakeTime()
    spy = SpyClient(server.url)
    replay(spy, events, keep_timing=True, speed=2.0, sleep=fake.sleep,
           monotonic=fake.monotonic)
    # Times less than a millisecond apart (scaled) go together, and so does a time
    # already past (1001): it waits nothing.
    assert fake.slept == [1.0, 0.5, 3.5]  # to 1002, 1003 and 1010, at speed 2
    assert spy.batches == [(None, 2), (None, 1), (None, 3), (None, 1)]
    assert len(admin.queue()["pullable"]) == len(ats)


def test_keep_timing_needs_an_at_on_every_line(admin: AdminClient) -> None:
    events = read_recording(io.StringIO('{"content": {}, "at": 1}\n{"content": {}}\n'))
    with pytest.raises(RecordingError, match='line 2 has no "at"'):
        replay(admin, events, keep_timing=True)
    assert admin.stats()["totals"]["emitted"] == 0  # refused before anything was sent


@pytest.mark.parametrize("speed", [0, -1.0, float("inf"), float("nan")])
def test_replay_refuses_a_speed_that_is_no_speed(admin: AdminClient, speed: float) -> None:
    with pytest.raises(RecordingError, match="speed must be a number more than 0"):
        replay(admin, [], keep_timing=True, speed=speed)


def test_replay_refuses_a_target_that_is_no_application(admin: AdminClient) -> None:
    with pytest.raises(RecordingError, match="sub_app_id 0 is not valid"):
        replay(admin, [], sub_app_id=0)


def test_a_content_the_emulator_refuses_stops_the_replay_there(
        admin: AdminClient, server: EmulatorThread) -> None:
    from emulator.clients.client import AdminError

    good = RecordedEvent(content=admin.emit("FileDeleted")[0]["content"], sub_app_id=5)
    admin.reset()
    bad = RecordedEvent(content={"EventType": "NoSuchType"}, sub_app_id=6)
    with pytest.raises(AdminError, match="NoSuchType"):
        replay(admin, [good, bad, good])
    assert len(admin.queue(5)["pullable"]) == 1  # what came before it was emitted
