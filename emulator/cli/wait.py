"""``vod-emulator wait``: hold until counts, events or a task are as the flags say, for
shell CI (``vod-emulator wait --callbacks-delivered 3 --pullable 0``). Exit status 0 once
they are, 1 at the timeout with the counts reached."""

from __future__ import annotations

import argparse
from typing import Any

from ..core.conditions import (
    CONDITION_SYNTAX,
    TASKS_RUNNING,
    WAITED_COUNTS,
    ConditionError,
    parse_condition,
)
from .commands import Command, Refused

WAIT_SECONDS = 30.0
"""How long ``wait`` holds when --timeout does not say."""
EVENT_LISTS = ("events_confirmed", "events_delivered")
_AT_MOST_HELP = "at most N unfinished tasks (or '==N', '>=N')"


def add_wait_arguments(parser: argparse.ArgumentParser) -> None:
    """A flag per count (``--callbacks-delivered``), --task-id, the event lists and
    --timeout; the conditions are checked here, before anything is sent."""
    for name in WAITED_COUNTS:
        parser.add_argument("--" + name.replace("_", "-"), type=_condition(name),
                            default=argparse.SUPPRESS, metavar="N",
                            help=_AT_MOST_HELP if name == TASKS_RUNNING else None)
    parser.add_argument("--task-id", default=argparse.SUPPRESS,
                        help="until this task is FINISH")
    for name in EVENT_LISTS:
        parser.add_argument("--" + name.replace("_", "-"), type=_event_ids, metavar="IDS",
                            default=argparse.SUPPRESS,
                            help=f"until each of these events (comma-separated) is "
                                 f"{name.removeprefix('events_')}")
    parser.add_argument("--timeout", type=float, default=WAIT_SECONDS, metavar="SECONDS",
                        help=f"give up after this long (default {WAIT_SECONDS:g})")


def _condition(name: str) -> Any:
    def read(text: str) -> str:
        try:
            parse_condition(name, text)
        except ConditionError:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not {CONDITION_SYNTAX}") from None
        return text

    return read


def _event_ids(text: str) -> list[str]:
    ids = [event_id.strip() for event_id in text.split(",") if event_id.strip()]
    if not ids:
        raise argparse.ArgumentTypeError(f"no event id in {text!r}")
    return ids


def wait(command: Command) -> int:
    given = vars(command.args)
    conditions = {name: given[name] for name in (*WAITED_COUNTS, "task_id", *EVENT_LISTS)
                  if name in given}
    if not conditions:
        command.parser.error("name what to wait for, e.g. --callbacks-delivered 3 "
                             "--pullable 0 (see --help)")
    body: dict[str, Any] = {**conditions, "timeout_seconds": command.args.timeout}
    if command.given("sub_app_id"):
        body["sub_app_id"] = command.args.sub_app_id
    answer = command.admin.request("POST", "/_emulator/wait", body,
                                   timeout=command.admin.timeout + command.args.timeout)
    if command.json:
        command.print_json(answer)
    said = _state_line(answer, conditions)
    if not answer["met"]:
        raise Refused(f"not reached within {command.args.timeout:g} s: {said}")
    if not command.json:
        command.print(f"reached: {said}")
    return 0


def _state_line(answer: dict[str, Any], conditions: dict[str, Any]) -> str:
    """The counts the conditions name, and the named events' and task's states."""
    state = answer["state"]
    parts = [f"{name} {state[name]} (wanted {written})" for name, written in conditions.items()
             if name in WAITED_COUNTS]
    parts += [f"{event_id} {now}" for event_id, now in answer.get("events", {}).items()]
    if "task" in answer:
        task = answer["task"]
        parts.append(f"task {task['task_id']} {task['status']}")
    return ", ".join(parts)
