"""The commands that put events into a running emulator: ``emit`` (generated events, one
run of a scenario, or the events of a JSON file) and ``replay`` (a recording's events
again). Both print each emitted event (event_id, event_type, sub_app_id, route)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from ..core.ids import app_text
from .commands import Command, assignment_value
from .output import Progress, table

EMIT_CHUNK = 1000
"""A larger emit is sent this many events at a time, with progress on stderr."""

_EVENT_COLUMNS = ("event_id", "event_type", "sub_app_id", "route")


def emit(command: Command) -> int:
    args, parser = command.args, command.parser
    if not args.type:  # what only --type takes is refused, not silently dropped
        other = "--scenario" if args.scenario else "--file"
        for flag, value in (("--count", args.count), ("--override", args.override),
                            ("--set", args.sets)):
            if value is not None:
                parser.error(f"{flag} goes with --type, not with {other}")
    sub_app_id = getattr(args, "sub_app_id", None)
    if args.type:
        overrides = None
        if args.override is not None:
            overrides = _json_argument(parser, "--override", args.override)
        if args.sets:
            overrides = _with_sets(parser, args.type, overrides, args.sets)
        count = 1 if args.count is None else args.count
        events = _emit_generated(command, args.type, count, sub_app_id, overrides)
    elif args.scenario:
        events = command.admin.emit_scenario(args.scenario, sub_app_id)
    else:
        events = command.admin.emit_events(_events_of_file(parser, args.file), sub_app_id,
                                           with_content=False)
    _print_events(command, events)
    return 0


def _emit_generated(command: Command, event_type: str, count: int, sub_app_id: int | None,
                    overrides: Any) -> list[dict[str, Any]]:
    """``count`` events of ``event_type``, EMIT_CHUNK at a time when there are more: each
    request stays short, and the person waiting sees progress."""
    admin = command.admin
    if count <= EMIT_CHUNK:  # the emulator judges every count, 0 and negatives too
        return admin.emit(event_type, count, sub_app_id, overrides, with_content=False)
    events: list[dict[str, Any]] = []
    progress = Progress(command, count)
    while len(events) < count:
        chunk = min(EMIT_CHUNK, count - len(events))
        events += admin.emit(event_type, chunk, sub_app_id, overrides, with_content=False)
        progress.show(len(events))
    progress.done(f"emitted {len(events):,} events")
    return events


def _print_events(command: Command, events: Sequence[Mapping[str, Any]]) -> None:
    if command.json:
        for event in events:
            command.print_json({name: event[name] for name in _EVENT_COLUMNS})
        return
    rows = ([event["event_id"], event["event_type"], app_text(event["sub_app_id"]),
             event["route"]] for event in events)
    command.print_lines(table(_EVENT_COLUMNS, rows))


def _with_sets(parser: argparse.ArgumentParser, event_type: str, overrides: Any,
               assignments: Sequence[str]) -> dict[str, Any]:
    """``--override`` with each ``--set Field.Path=value`` deep-merged in, in order."""
    if overrides is not None and not isinstance(overrides, dict):
        parser.error("--override must be a JSON object to be combined with --set")
    merged: dict[str, Any] = json.loads(json.dumps(overrides or {}))  # a copy to change
    for assignment in assignments:
        path_text, equals, text = assignment.partition("=")
        path = path_text.split(".")
        if not equals or not all(path):
            parser.error(f"--set takes Field.Path=value, got {assignment!r}")
        value = assignment_value(text)
        if not isinstance(value, str) and _declared_text(event_type, path):
            value = text  # FileId=5285890784273533167 is a FileId, not a number
        place = merged
        for depth, name in enumerate(path[:-1]):
            inner = place.setdefault(name, {})
            if not isinstance(inner, dict):
                parser.error(f"--set {path_text}: {'.'.join(path[:depth + 1])} is already "
                             f"set to {json.dumps(inner)}, not an object")
            place = inner
        place[path[-1]] = value
    return merged


def _declared_text(event_type: str, path: Sequence[str]) -> bool:
    """Whether the schema types the field at ``path`` of an ``event_type`` event as text.
    Unknown types and paths answer no: the emulator names those mistakes itself."""
    from ..events.schema import load_schema  # the payload library: only for --set

    schema = load_schema()
    if event_type not in schema.members or len(path) < 2:
        return False
    member, model = schema.members[event_type]
    if path[0] != member:
        return False
    fields = schema.models.get(model, {})
    for name in path[1:-1]:
        inner = fields.get(name)
        if inner is None or inner.model is None:
            return False
        fields = schema.models.get(inner.model, {})
    leaf = fields.get(path[-1])
    return leaf is not None and leaf.type == "string" and not leaf.is_list


def _json_argument(parser: argparse.ArgumentParser, flag: str, text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as error:
        parser.error(f"{flag} is not valid JSON: {error}")


def _events_of_file(parser: argparse.ArgumentParser, path: str) -> Any:
    try:
        with open(path, encoding="utf-8") as file:
            document = json.load(file)
    except OSError as error:
        parser.error(f"cannot read {path}: {error.strerror}")
    except ValueError as error:
        parser.error(f"{path} is not valid JSON: {error}")
    if isinstance(document, dict) and "events" in document:
        return document["events"]
    if isinstance(document, list):
        return document
    parser.error(f'{path} must hold a list of events or {{"events": [...]}}')


# ----- replay


def replay(command: Command) -> int:
    from ..clients.recording import BATCH_SIZE, RECORDED, RecordingError, read_recording
    from ..clients.recording import replay as replay_recording

    args = command.args
    try:
        events = read_recording(sys.stdin if args.file == "-" else args.file)
    except OSError as error:
        command.parser.error(f"cannot read {args.file}: {error.strerror}")
    except RecordingError as error:
        command.parser.error(f"{args.file}: {error}")
    if not args.speed > 0:
        command.parser.error(f"--speed must be more than 0, got {args.speed:g}")
    progress = Progress(command, len(events))
    try:
        emitted = replay_recording(
            command.admin, events, keep_timing=args.keep_timing, speed=args.speed,
            sub_app_id=args.sub_app_id if command.given("sub_app_id") else RECORDED,
            progress=progress.show)
    except RecordingError as error:
        command.parser.error(f"{args.file}: {error}")
    if len(events) > BATCH_SIZE:  # more than one request's worth: say how many in all
        progress.done(f"replayed {len(emitted):,} events")
    _print_events(command, emitted)
    return 0
