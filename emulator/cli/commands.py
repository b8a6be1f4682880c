"""The client commands: each talks to a running emulator through its admin API
(``clients.client.AdminClient``). Here: how one runs and fails, and the commands that look
(peek, history, media, tasks, callbacks, stats), move time (clock, advance, tasks
--finish) and change things (reset, fault, settings), and wait-ready. Emitting and
replaying are in ``emit``, following the journal and the emitted events in ``follow``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import urllib.error
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..clients.remote import URL_VARIABLE as URL_VARIABLE  # the CLI reads it too
from ..core.faults import RULE_FIELDS
from ..core.ids import ANY_APP, app_text
from ..core.settings import DEFAULT_PORT, Settings
from ..core.tasks import TASK_STATES
from .output import (
    ENTRY_COLUMNS,
    EXIT_DONE,
    EXIT_INTERRUPTED,
    PROG,
    Output,
    cell,
    entry_row,
    fail,
    pairs,
    quiet_stdout,
    shortened,
    table,
    when,
)

if TYPE_CHECKING:
    from ..clients.client import AdminClient

ANSWER_SHOWN = 80
"""Characters of a handler's answer that ``callbacks`` shows under a failed attempt."""
DEFAULT_URL = f"http://{Settings.host}:{DEFAULT_PORT}"
"""Where ``vod-emulator serve`` listens when nothing says otherwise."""


class Refused(Exception):
    """A command's own failure, not a usage mistake: its message, exit status 1."""


class Command(Output):
    """What a client command works with: its arguments, the emulator, its output."""

    def __init__(self, parsed: argparse.Namespace, parser: argparse.ArgumentParser,
                 admin: AdminClient) -> None:
        super().__init__(parsed.command_name, getattr(parsed, "json", False))
        self.args = parsed
        self.parser = parser  # its error() is the one-line usage mistake, exit status 2
        self.admin = admin

    def given(self, name: str) -> bool:
        """Whether an option with no default (``--sub-app-id``) was given."""
        return name in vars(self.args)


Handler = Callable[[Command], int]
"""What the parser binds to each client command (its ``handler`` default)."""


def run(parsed: argparse.Namespace, parser: argparse.ArgumentParser,
        env: Mapping[str, str]) -> int:
    """Run the client command ``parsed`` names; every failure is one line on stderr."""
    from ..clients.client import AdminClient, AdminError

    url = _url(parser, getattr(parsed, "url", None), env)
    command = Command(parsed, parser, AdminClient(url))
    handler: Handler = parsed.handler
    try:
        return handler(command)
    except AdminError as error:
        return fail(command.name, error.message)
    except Refused as error:
        return fail(command.name, str(error))
    except urllib.error.URLError as error:
        return fail(command.name, _unreachable(url, error.reason))
    except TimeoutError:
        return fail(command.name, f"{url} did not answer within {command.admin.timeout:g} s")
    except (OSError, http.client.HTTPException, ValueError) as error:
        if isinstance(error, BrokenPipeError):  # "| head": the reader has what it wanted
            quiet_stdout()
            return EXIT_DONE
        return fail(command.name, f"{url} did not answer as a vod-emulator does: {error}")
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED  # the followers (tail, record) end with 0 themselves


def _unreachable(url: str, reason: object) -> str:
    return (f"cannot reach the emulator at {url}: {reason} (is it running? --url or "
            f"{URL_VARIABLE} says where it listens)")


def _url(parser: argparse.ArgumentParser, flag: str | None, env: Mapping[str, str]) -> str:
    source, text = ("--url", flag) if flag else (URL_VARIABLE, env.get(URL_VARIABLE, ""))
    if not text:
        return DEFAULT_URL
    url = text if "://" in text else "http://" + text  # "127.0.0.1:4611" means http
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  # raises ValueError for a port that is not a number
    except ValueError:
        parser.error(f"{source}: not a URL: {text!r}")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        parser.error(f"{source}: expected http://HOST:PORT, got {text!r}")
    return url


def assignment_value(text: str) -> Any:
    """A command-line value: JSON if it parses as JSON, else the text as it is."""
    try:
        return json.loads(text)
    except ValueError:
        return text


# ----- looking


def peek(command: Command) -> int:
    queue = command.admin.queue(getattr(command.args, "sub_app_id", None), content=False)
    if command.json:
        command.print_json(queue)
        return 0
    rows = [["pullable", e["event_id"], e["event_type"], e["deliveries"], None, None]
            for e in queue["pullable"]]
    rows += [["leased", e["event_id"], e["event_type"], e["deliveries"], e["handle"],
              when(e["expires_at"])] for e in queue["leased"]]
    if rows:
        command.print_lines(table(("state", "event_id", "event_type", "deliveries", "handle",
                                   "expires_at"), rows))
    command.print(f"application {app_text(queue['sub_app_id'])}: {len(queue['pullable'])} "
                  f"pullable, {len(queue['leased'])} leased, {queue['held_pulls']} held "
                  f"pulls, {queue['confirmed']} confirmed")
    return 0


def history(command: Command) -> int:
    entries = command.admin.journal(event_id=command.args.event_id)
    if not entries:
        raise Refused(f"no journal entry of {command.args.event_id!r}: not emitted since the "
                      "last reset, or its entries were evicted")
    if command.json:
        for entry in entries:
            command.print_json(entry)
        return 0
    command.print_lines(table(ENTRY_COLUMNS, map(entry_row, entries)))
    return 0


def callbacks(command: Command) -> int:
    args = command.args
    attempts = command.admin.callbacks(
        args.event_id, getattr(args, "sub_app_id", None) if command.given("sub_app_id")
        else ANY_APP, args.outcome)
    if command.json:
        for attempt in attempts:
            command.print_json(attempt)
        return 0
    if not attempts:
        command.print("no callback attempts")
        return 0
    rows = [[a["at"] and when(a["at"]), a["event_id"], app_text(a["sub_app_id"]),
             a["attempt"], a["outcome"], a["status"], a["latency_ms"], a["error"] or a["url"]]
            for a in attempts]
    header, *lines = table(("at", "event_id", "sub_app_id", "attempt", "outcome", "status",
                            "latency_ms", "url or error"), rows)
    command.print(header)
    for line, attempt in zip(lines, attempts, strict=True):
        command.print(line)
        if attempt["error"] is not None and attempt.get("answer_body") is not None:
            # What the handler said explains its refusal; a delivery's answer is in --json.
            command.print(f"  answered: {answer_line(attempt)}")
    return 0


def answer_line(attempt: Mapping[str, Any]) -> str:
    """A handler's answer on one line: its Content-Type and the start of its body."""
    body = " ".join(attempt["answer_body"].split())  # one line, whatever its layout
    shown = shortened(body, ANSWER_SHOWN) if body else "(empty body)"
    if attempt["answer_truncated"] and body and shown == body:
        shown += "…"
    return f"{attempt['answer_content_type'] or 'no Content-Type'}: {shown}"


def redeliver(command: Command) -> int:
    event_ids = command.admin.redeliver(command.args.event_id)
    if command.json:
        for event_id in event_ids:
            command.print_json({"event_id": event_id})
        return 0
    command.print_lines(event_ids)
    command.print(f"{len(event_ids)} event(s) being sent again")
    return 0


def media(command: Command) -> int:
    sub_app_id = getattr(command.args, "sub_app_id", None)
    if command.args.file_id is not None:
        info = command.admin.media_file(command.args.file_id, sub_app_id)
        if command.json:
            command.print_json(info)
        else:
            command.print(json.dumps(info, ensure_ascii=False, indent=2))
        return 0
    library = command.admin.media(sub_app_id)
    if command.json:
        for item in library["files"]:
            command.print_json(item)
        return 0
    rows = [[f["file_id"], f["name"], f["type"], f["create_time"]] for f in library["files"]]
    if rows:
        command.print_lines(table(("file_id", "name", "type", "create_time"), rows))
    command.print(f"application {app_text(library['sub_app_id'])}: {library['total']} files")
    return 0


_TASK_COLUMNS = ("task_id", "sub_app_id", "action", "status", "progress", "file_id",
                 "created_at", "finishes_at")


def tasks(command: Command) -> int:
    args = command.args
    sub_app_id = getattr(args, "sub_app_id", None) if command.given("sub_app_id") else ANY_APP
    if args.finish:
        if args.task_id is not None or args.status is not None or command.given("sub_app_id"):
            command.parser.error("tasks --finish takes no TASK_ID, --status or --sub-app-id: "
                                 "it finishes every task")
        finished = command.admin.finish_tasks()
        if command.json:
            command.print_json(finished)
        else:
            command.print(f"advanced {finished['advanced_seconds']:g} s: no task is running; "
                          f"now {when(finished['now'])}")
        return 0
    if args.task_id is not None:
        if args.status is not None:
            command.parser.error("tasks TASK_ID shows one task: --status goes with the list")
        task = command.admin.task(args.task_id, sub_app_id)
        if command.json:
            command.print_json(task)
            return 0
        command.print_lines(pairs(task_pairs(task)))
        command.print("detail:")
        command.print(json.dumps(task["detail"], ensure_ascii=False, indent=2))
        return 0
    listed = command.admin.tasks(sub_app_id, args.status)
    if command.json:
        for task in listed["tasks"]:
            command.print_json(task)
        return 0
    rows = [[task_cell(name, task) for name in _TASK_COLUMNS] for task in listed["tasks"]]
    if rows:
        command.print_lines(table(_TASK_COLUMNS, rows))
    states = Counter(task["status"] for task in listed["tasks"])
    failed = sum(task["failed"] for task in listed["tasks"])
    said = [f"{states[state]} {state}" for state in TASK_STATES if states[state]]
    said += [f"{failed} failed"] if failed else []
    command.print(f"{listed['count']} task(s)" + (f": {', '.join(said)}" if said else ""))
    return 0


def task_cell(name: str, task: Mapping[str, Any]) -> Any:
    """A task's value in the table: times as UTC, the application by name, a failed
    FINISH said so, an empty text as none."""
    value = task[name]
    if name.endswith("_at"):
        return when(value)
    if name == "sub_app_id":
        return app_text(value)
    if name == "status" and task["failed"]:
        return f"{value} (failed)"
    if name == "progress":
        return f"{value}%"
    return value if value != "" else None  # "-": no SessionId, no SessionContext


def task_pairs(task: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """A task's facts, ``name: value`` (its detail follows as JSON)."""
    shown = [(name, task_cell(name, task)) for name in (
        "task_id", "sub_app_id", "action", "task_type", "status", "progress", "file_id",
        "created_at", "begins_at", "finishes_at", "session_id", "session_context",
        "notify_mode", "failed", "caused_by")]
    return [*shown, ("events", " ".join(task["events"]) or None)]


def stats(command: Command) -> int:
    answer = command.admin.stats()
    if command.json:
        command.print_json(answer)
        return 0
    counts = [name for name in answer["totals"] if name not in ("sub_app_id", "mode")]
    rows = [[app_text(app["sub_app_id"]), app.get("mode"), *(app.get(n) for n in counts)]
            for app in answer["applications"]]
    rows.append(["total", "", *(answer["totals"].get(n) for n in counts)])
    headers = [name.replace("callbacks_", "cb_").replace("callback_", "cb_") for name in counts]
    command.print_lines(table(("sub_app_id", "mode", *headers), rows))
    faults, journal = answer["faults"], answer["journal"]
    command.print(f"faults: {faults['active']} active, {faults['applied']} applied; "
                  f"journal: {journal['entries']} entries, {journal['evicted']} evicted; "
                  f"now {when(answer['now'])}")
    return 0


# ----- time


def _show_clock(command: Command, state: Mapping[str, Any]) -> int:
    if command.json:
        command.print_json(state)
        return 0
    command.print_lines(pairs([
        ("now", f"{when(state['now'])} ({state['now']:.3f})"),
        ("offset", f"{state['offset_seconds']:g} s"), ("scale", state["scale"]),
        ("frozen", state["frozen"])]))
    return 0


def clock(command: Command) -> int:
    return _show_clock(command, command.admin.clock())


def clock_freeze(command: Command) -> int:
    return _show_clock(command, command.admin.set_clock(freeze=True))


def clock_resume(command: Command) -> int:
    return _show_clock(command, command.admin.set_clock(freeze=False))


def clock_scale(command: Command) -> int:
    return _show_clock(command, command.admin.set_clock(scale=command.args.factor))


def advance(command: Command) -> int:
    return _show_clock(command, command.admin.set_clock(advance_seconds=command.args.seconds))


# ----- reset, faults, settings


def reset(command: Command) -> int:
    # The request itself, not AdminClient.reset(): --json prints the emulator's answer.
    if command.given("sub_app_id"):
        sub_app_id = command.args.sub_app_id
        answer = command.admin.request("POST", "/_emulator/reset", {"sub_app_id": sub_app_id})
        what = f"application {app_text(sub_app_id)}"
    else:
        answer = command.admin.request("POST", "/_emulator/reset", {})
        what = "everything"
    if command.json:
        command.print_json(answer)
    else:
        command.print(f"reset {what}")
    return 0


# A rule's fields that are options of their own (action and effect are required ones).
_RULE_OPTIONS = sorted(RULE_FIELDS - {"action", "effect", "sub_app_id"})


def fault_add(command: Command) -> int:
    args = command.args
    fields = {name: getattr(args, name) for name in _RULE_OPTIONS
              if getattr(args, name) is not None}
    if command.given("sub_app_id"):
        fields["sub_app_id"] = args.sub_app_id
    fault = command.admin.add_fault(args.action, args.effect, **fields)
    _print_faults(command, [fault])
    return 0


def fault_list(command: Command) -> int:
    faults = command.admin.faults()
    if not faults and not command.json:
        command.print("no faults in force")
        return 0
    _print_faults(command, faults)
    return 0


def _print_faults(command: Command, faults: Sequence[Mapping[str, Any]]) -> None:
    if command.json:
        for fault in faults:
            command.print_json(fault)
        return
    shown = ("id", "action", "effect", "applied", "remaining")
    rows = [[f["id"], f["action"], f["effect"], f["applied"],
             "every time" if f.get("remaining") is None and f.get("probability") is None
             else f.get("remaining") if f.get("probability") is None
             else f"p={f['probability']:g}",
             " ".join(f"{name}={app_text(value) if name == 'sub_app_id' else cell(value)}"
                      for name, value in f.items() if name not in shown + ("probability",))]
            for f in faults]
    command.print_lines(table((*shown, "details"), rows))


def fault_clear(command: Command) -> int:
    fault_id = command.args.fault_id
    removed = (command.admin.remove_fault(fault_id) if fault_id
               else command.admin.clear_faults())
    if command.json:
        command.print_json({"removed": removed})
    else:
        command.print(f"removed {' '.join(removed)}" if removed else "no faults in force")
    return 0


def settings(command: Command) -> int:
    return _show_settings(command, command.admin.settings())


def settings_set(command: Command) -> int:
    # Each value goes as the text it is: the emulator reads it as the setting's serve flag
    # is read (core.settings.read_option), JSON lists and objects included.
    values: dict[str, str] = {}
    for assignment in command.args.assignments:
        name, equals, text = assignment.partition("=")
        if not equals or not name:
            command.parser.error(f"settings set takes name=value, got {assignment!r}")
        values[name] = text
    return _show_settings(command, command.admin.update_settings(**values))


def _show_settings(command: Command, values: Mapping[str, Any]) -> int:
    if command.json:
        command.print_json(values)
        return 0
    command.print_lines(pairs(values.items()))
    return 0


# ----- wait-ready


def wait_ready(command: Command) -> int:
    timeout = command.args.timeout
    if timeout < 0:
        command.parser.error(f"--timeout must be 0 or more, got {timeout:g}")
    admin = command.admin
    try:
        health = admin.wait_ready(timeout)
    except TimeoutError as error:
        raise Refused(f"no emulator was ready at {admin.base_url} within {timeout:g} s "
                      f"({error}); --url or {URL_VARIABLE} says where it listens") from None
    if command.json:
        command.print_json(health)
    else:
        command.print(f"ready: {PROG} {health.get('version')} at {admin.base_url}")
    return 0
