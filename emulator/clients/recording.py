"""Recordings: the events a run emitted, as JSON Lines, and replaying them.

One line per emitted event, oldest first::

    {"at": 1764460000.123, "sub_app_id": null, "event_type": "NewFileUpload",
     "event_id": "evt-00000001", "content": {...EventContent without EventHandle...}}

``at`` is the emulator time it was emitted at, ``sub_app_id`` its application (null: the
default one). ``vod-emulator record`` writes them from a running emulator;
``vod-emulator replay`` (or ``replay()`` here) emits each line's ``content`` again, in
file order, as a new event with a new id. Standard library only: the command line
imports this without the server's dependencies.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal

from ..base.numeric import is_finite_number
from ..core.ids import InvalidSubAppId, SubAppId, check_sub_app_id, names_default_app

if TYPE_CHECKING:
    from .client import AdminClient

__all__ = ["RECORDED", "RecordedEvent", "RecordingError", "dumps", "read_recording",
           "recorded", "replay", "write_recording"]

RECORDED: Literal["recorded"] = "recorded"
"""``replay``'s default target: each line's own application."""
BATCH_SIZE = 1000
"""At most this many lines go in one emit (one request, emitted all or none)."""
TIMING_SLACK_SECONDS = 0.001
"""With the timing kept, lines closer than this (after scaling) go in one emit: the
events of one emit request are recorded microseconds apart."""


class RecordingError(ValueError):
    """A line that is not a recorded event, or a replay that cannot be done; the message
    names the line."""


@dataclass(frozen=True)
class RecordedEvent:
    content: dict[str, Any]
    at: float | None = None
    sub_app_id: SubAppId = None
    event_type: str | None = None
    event_id: str | None = None
    line: int = 0
    """Where it was read (1-based); 0 when it was not read from a file."""

    def to_json(self) -> dict[str, Any]:
        return {"at": self.at, "sub_app_id": self.sub_app_id, "event_type": self.event_type,
                "event_id": self.event_id, "content": self.content}


def recorded(event: Mapping[str, Any]) -> RecordedEvent:
    """An emitted event as the admin API shows it (the events feed, an emit's answer),
    with its ``content``, as a recording holds it."""
    return RecordedEvent(content=event["content"], at=event["enqueued_at"],
                         sub_app_id=event["sub_app_id"], event_type=event["event_type"],
                         event_id=event["event_id"])


def dumps(event: RecordedEvent) -> str:
    """One line of a recording, without its newline."""
    return json.dumps(event.to_json(), ensure_ascii=False, separators=(",", ":"))


def write_recording(file: IO[str], events: Iterable[RecordedEvent]) -> int:
    """Write each event as a line (flushed, so a follower sees whole lines); answer how
    many."""
    written = 0
    for event in events:
        file.write(dumps(event) + "\n")
        file.flush()
        written += 1
    return written


def read_recording(source: str | Path | IO[str]) -> list[RecordedEvent]:
    """The recorded events of a file (a path or an open text file), in file order. Blank
    lines are skipped; any other line that is not a recorded event (a journal entry, a
    broken line) raises RecordingError naming it, and nothing is answered."""
    if isinstance(source, (str, Path)):
        with open(source, encoding="utf-8") as file:
            return list(_parse(file))
    return list(_parse(source))


def _parse(lines: Iterable[str]) -> Iterator[RecordedEvent]:
    for number, text in enumerate(lines, 1):
        if text.strip():
            yield _line(text, number)


def _line(text: str, number: int) -> RecordedEvent:
    try:
        document = json.loads(text)
    except ValueError as error:
        raise RecordingError(f"line {number} is not JSON: {error}") from None
    if not isinstance(document, dict):
        raise RecordingError(f"line {number} is not a JSON object")
    content = document.get("content")
    if not isinstance(content, dict):
        what = "a journal entry" if "kind" in document and "seq" in document else "no event"
        raise RecordingError(
            f"line {number} is {what}, not a recorded event: it has no \"content\" object")
    # An event as PullEvents answered it: the emulator gives a replayed event its own handle.
    content = {name: value for name, value in content.items() if name != "EventHandle"}
    at = document.get("at")
    if at is not None and not is_finite_number(at):
        raise RecordingError(f"line {number}: \"at\" must be a number (seconds), got {at!r}")
    try:
        sub_app_id = _target(document.get("sub_app_id"))
    except InvalidSubAppId as error:
        raise RecordingError(f"line {number}: \"sub_app_id\" is not valid: {error}") from None
    names = {}
    for name in ("event_type", "event_id"):
        value = document.get(name)
        if value is not None and not isinstance(value, str):
            raise RecordingError(f"line {number}: \"{name}\" must be a string, got {value!r}")
        names[name] = value
    return RecordedEvent(content=content, at=None if at is None else float(at),
                         sub_app_id=sub_app_id, line=number, **names)


def _target(value: object) -> SubAppId:
    """A SubAppId as a recording or a caller gives it: null or "default", or an integer."""
    return None if names_default_app(value) else check_sub_app_id(value)


def replay(
    admin: AdminClient,
    events: Iterable[RecordedEvent],
    keep_timing: bool = False,
    speed: float = 1.0,
    sub_app_id: int | Literal["default", "recorded"] | None = RECORDED,
    *,
    progress: Callable[[int], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> list[dict[str, Any]]:
    """Emit each event's content again, in order: to its recorded application, or all to
    ``sub_app_id`` (``None`` or ``"default"``: the default application). Consecutive
    events for one application go in one emit (up to BATCH_SIZE) unless timing separates
    them. With ``keep_timing``, each is emitted when as much real time has passed since
    the first as its ``at`` is past the first's, divided by ``speed`` (lines less than
    TIMING_SLACK_SECONDS apart go together). Answers the
    emitted events as the admin API shows them, without their content; ``progress`` is
    called with the count emitted so far after each emit."""
    if isinstance(speed, bool) or not (math.isfinite(speed) and speed > 0):
        raise RecordingError(f"speed must be a number more than 0, got {speed!r}")
    try:
        target = None if sub_app_id == RECORDED else _target(sub_app_id)
    except InvalidSubAppId as error:
        raise RecordingError(f"sub_app_id {sub_app_id!r} is not valid: {error}") from None
    lines = list(events)
    if keep_timing:
        for event in lines:
            if event.at is None:
                raise RecordingError(f"line {event.line} has no \"at\": keeping the timing "
                                     "needs one on every line")
    emitted: list[dict[str, Any]] = []
    batch: list[RecordedEvent] = []

    def flush() -> None:
        if batch:
            app = batch[0].sub_app_id if sub_app_id == RECORDED else target
            emitted.extend(admin.emit_events([e.content for e in batch], app,
                                             with_content=False))
            batch.clear()
            if progress is not None:
                progress(len(emitted))

    started = monotonic()
    first_at = lines[0].at if lines else None
    for event in lines:
        if keep_timing and batch and (
                (event.at or 0.0) - (batch[0].at or 0.0)) / speed > TIMING_SLACK_SECONDS:
            flush()
        if batch and (len(batch) == BATCH_SIZE or (
                sub_app_id == RECORDED and event.sub_app_id != batch[0].sub_app_id)):
            flush()
        if keep_timing and not batch:
            assert event.at is not None and first_at is not None
            wait = started + (event.at - first_at) / speed - monotonic()
            if wait > 0:
                sleep(wait)
        batch.append(event)
    flush()
    return emitted
