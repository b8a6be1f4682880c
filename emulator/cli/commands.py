"""``vod-emulator``: the command line. ``serve`` (the default command) runs the emulator;
every other command is a client of a running one, through the admin API.

Exit status: 0 done; 1 the emulator refused, could not be reached or did not get ready;
2 a mistake on the command line (one line on stderr, as every error is). ``--json``
prints one JSON object per line: one per item for lists and streams, else one in all.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import sys
import time
import urllib.error
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import IO, TYPE_CHECKING, Any, NoReturn
from urllib.parse import urlsplit

from .._version import __version__
from ..core import faults
from ..core.faults import RULE_FIELDS
from ..core.settings import (
    DEFAULT_PORT,
    ENV_PREFIX,
    OPTIONS,
    SDK_SECRET_VARIABLES,
    SettingsError,
    resolve_settings,
)

if TYPE_CHECKING:
    from ..clients.client import AdminClient

PROG = "vod-emulator"
URL_VARIABLE = ENV_PREFIX + "URL"
DEFAULT_URL = f"http://127.0.0.1:{DEFAULT_PORT}"
EMIT_CHUNK = 1000
"""A larger emit is sent this many events at a time, with progress on stderr."""
FOLLOW_WAIT_SECONDS = 30.0
"""How long one request of tail or record is held by the server when nothing happens."""
FOLLOW_LIMIT = 1000
"""At most this many entries or events per request of tail, record or export-journal."""
FAULT_ACTIONS = faults.ACTIONS
FAULT_EFFECTS = tuple(faults.EFFECTS)


class _Parser(argparse.ArgumentParser):
    """argparse, but a mistake is one line (argparse also prints the usage)."""

    def error(self, message: str) -> NoReturn:
        # argparse says "argument --port: ..."; the flag's name alone reads better.
        self.exit(2, f"{PROG}: error: {message.removeprefix('argument ')}\n")


class _Refused(Exception):
    """A command's own failure, not a usage mistake: its message, exit status 1."""


def version() -> str:
    """The package's version (its one home is emulator/_version.py; pyproject reads it)."""
    return __version__


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if not arguments or (
        arguments[0].startswith("-") and arguments[0] not in ("-h", "--help", "--version")
    ):
        arguments.insert(0, "serve")
    parser = _parser()
    parsed = parser.parse_args(arguments)
    if parsed.command == "serve":
        return _serve(parsed, parser, os.environ)
    return _client_command(parsed, parser, os.environ)


# ----- the parser


def _parser() -> _Parser:
    parser = _Parser(
        prog=PROG, description="Local emulator of Tencent Cloud VOD event notifications.",
        epilog="Every command but serve talks to a running emulator: --url, else "
               f"{URL_VARIABLE}, else {DEFAULT_URL}. 'vod-emulator COMMAND --help' says more.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                     parser_class=_Parser)
    _serve_parser(commands)

    def client(name: str, help: str, description: str, parent: Any = commands,
               command: str | None = None) -> _Parser:
        sub: _Parser = parent.add_parser(name, help=help, description=description)
        _client_options(sub)
        sub.set_defaults(command_name=command or name)
        return sub

    emit = client("emit", "put events into the emulator",
                  "Emit generated events, one run of a scenario, or the events of a JSON "
                  "file; print each emitted event (event_id, event_type, sub_app_id, route).")
    source = emit.add_mutually_exclusive_group(required=True)
    source.add_argument("--type", help="EventType to generate, e.g. NewFileUpload")
    source.add_argument("--scenario", help="scenario to run, e.g. upload-transcode")
    source.add_argument("--file", help='JSON file of events: {"events": [...]} or [...]')
    emit.add_argument("--count", type=_count, help="with --type: how many (default 1); more "
                      f"than {EMIT_CHUNK:,} are sent {EMIT_CHUNK:,} at a time")
    emit.add_argument("--override", metavar="JSON",
                      help='with --type: fields to fix, e.g. \'{"FileUploadEvent": '
                           '{"FileId": "5285890784273533167"}}\'')
    emit.add_argument("--set", action="append", metavar="FIELD.PATH=VALUE", dest="sets",
                      help="with --type: one field to fix, e.g. FileUploadEvent.MediaBasicInfo."
                           "Name=launch.mp4 (repeatable; merged into --override, winning); "
                           "VALUE is JSON if it parses, else text, and always text for a "
                           "field the schema types as text")
    emit.add_argument("--sub-app-id", type=_sub_app_id, metavar="ID",
                      help="the application: an integer, or default (the default)")
    emit.set_defaults(handler=_emit)

    peek = client("peek", "show an application's queue",
                  "Show the events in one application's queue, pullable then leased (with "
                  "handles and expiries), and its counts. Changes nothing.")
    _sub_app_option(peek, "the application (default: the default application)")
    peek.set_defaults(handler=_peek)

    history = client("history", "show one event's journal entries",
                     "Show every journal entry of one event, oldest first: emitted, leased, "
                     "expired, confirmed, callbacks, faults... Exit status 1 if there is none.")
    history.add_argument("event_id", metavar="EVENT_ID", help="e.g. evt-00000001")
    history.set_defaults(handler=_history)

    attempts = client("callbacks", "show callback attempts",
                      "Show callback attempts (PUSH), oldest first.")
    attempts.add_argument("--event-id", help="only this event's")
    _sub_app_option(attempts, "only this application's (default: every application)")
    attempts.add_argument("--outcome", help="only these: delivered, pending_retry, "
                                            "undelivered, suppressed, abandoned or failed")
    attempts.set_defaults(handler=_callbacks)

    advance = client("advance", "move the emulator clock forward",
                     "Move the emulator clock forward: leases, holds, retention and callback "
                     "retries due in that span happen at once.")
    advance.add_argument("seconds", type=_seconds, metavar="SECONDS")
    advance.set_defaults(handler=_advance)

    clock = client("clock", "show or change the emulator clock",
                   "Show the emulator clock; 'clock freeze', 'clock resume' or "
                   "'clock scale X' change it.")
    clock.set_defaults(handler=_clock)
    clock_actions = clock.add_subparsers(dest="clock_action", metavar="ACTION",
                                         parser_class=_Parser)
    client("freeze", "stop emulator time (advance still moves it)",
           "Stop emulator time: leases, holds, retention and retries wait; advance still "
           "moves it.", clock_actions, "clock freeze").set_defaults(handler=_clock_freeze)
    client("resume", "let emulator time run again", "Let emulator time run again.",
           clock_actions, "clock resume").set_defaults(handler=_clock_resume)
    scale = client("scale", "run emulator time X times faster than real time",
                   "Run emulator time X times faster than real time (more than 0, at most "
                   "100,000): 60 makes a minute pass each second.",
                   clock_actions, "clock scale")
    scale.add_argument("factor", type=_seconds, metavar="X")
    scale.set_defaults(handler=_clock_scale)

    reset = client("reset", "forget everything, or one application",
                   "Forget every event, configuration, journal entry, callback and fault, "
                   "and restore the settings the server started with; with --sub-app-id, "
                   "only that application's queue, callbacks, configuration and journal.")
    _sub_app_option(reset, "only this application (an integer, or default)")
    reset.set_defaults(handler=_reset)

    fault = client("fault", "inject faults", "Add, list and clear fault rules.")
    fault_actions = fault.add_subparsers(dest="fault_action", metavar="ACTION", required=True,
                                         parser_class=_Parser)
    add = client("add", "add a fault rule",
                 "Add a fault rule: what it matches, what it does, how often. Without "
                 "--times or --probability it acts every time until cleared.",
                 fault_actions, "fault add")
    add.add_argument("--action", required=True, choices=FAULT_ACTIONS, metavar="ACTION",
                     help=f"the Cloud API action, or callback: {', '.join(FAULT_ACTIONS)}")
    add.add_argument("--effect", required=True, choices=FAULT_EFFECTS, metavar="EFFECT",
                     help=f"what it does: {', '.join(FAULT_EFFECTS)}")
    add.add_argument("--code", help="error: the error code, e.g. RequestLimitExceeded")
    add.add_argument("--message", help="error: its message")
    add.add_argument("--status", type=_count, help="fail: the HTTP status (default 500)")
    add.add_argument("--seconds", type=_seconds, help="latency, delay: how long (real seconds)")
    _sub_app_option(add, "match this application only (an integer, or default)")
    add.add_argument("--event-type", help="match this EventType only")
    add.add_argument("--event-id", help="match this event only")
    add.add_argument("--attempt", type=_count,
                     help="match this callback attempt, or this delivery of a pulled event")
    often = add.add_mutually_exclusive_group()
    often.add_argument("--times", type=_count, help="act this many times, then go")
    often.add_argument("--probability", type=_seconds, metavar="P",
                       help="act with this probability (0 < P <= 1, from the seed)")
    add.set_defaults(handler=_fault_add)
    client("list", "list the fault rules in force", "List the fault rules in force.",
           fault_actions, "fault list").set_defaults(handler=_fault_list)
    clear = client("clear", "remove one fault rule, or all",
                   "Remove one fault rule, or every one.", fault_actions, "fault clear")
    clear.add_argument("fault_id", nargs="?", metavar="ID", help="e.g. f1 (default: all)")
    clear.set_defaults(handler=_fault_clear)

    settings = client("settings", "show or change the runtime settings",
                      "Show the runtime settings; 'settings set name=value...' changes some "
                      "(all or none). A full reset restores the values the server started "
                      "with.")
    settings.set_defaults(handler=_settings)
    settings_actions = settings.add_subparsers(dest="settings_action", metavar="ACTION",
                                               parser_class=_Parser)
    settings_set = client("set", "change some settings",
                          "Change runtime settings, e.g. 'settings set long_poll_seconds=0.5 "
                          "callback_retry_seconds=[1,2]'. A value is JSON if it parses, else "
                          "text.", settings_actions, "settings set")
    settings_set.add_argument("assignments", nargs="+", metavar="NAME=VALUE")
    settings_set.set_defaults(handler=_settings_set)

    client("stats", "show counts per application",
           "Show counts per application and in total, faults, and the journal's size."
           ).set_defaults(handler=_stats)

    tail = client("tail", "follow the journal live",
                  "Print journal entries as they are recorded, until Ctrl-C. Follows resets.")
    tail.add_argument("--kind", help="only entries of this kind, e.g. confirmed")
    tail.add_argument("--event-id", help="only this event's entries")
    _follow_options(tail, "entries")
    tail.set_defaults(handler=_tail)

    record = client("record", "record emitted events to a file",
                    "Write each event emitted from now on as one JSON line (the recording "
                    "format 'replay' reads), until Ctrl-C.")
    record.add_argument("--out", metavar="FILE", help="where (default: stdout)")
    _follow_options(record, "events")
    record.set_defaults(handler=_record)

    export = client("export-journal", "write the journal as JSON Lines",
                    "Write the journal's kept entries as JSON Lines, oldest first.")
    export.add_argument("--out", metavar="FILE", help="where (default: stdout)")
    export.add_argument("--kind", help="only entries of this kind")
    export.add_argument("--event-id", help="only this event's entries")
    export.set_defaults(handler=_export_journal)

    replay = client("replay", "emit the events of a recording again",
                    "Emit each line's content of a recording, in file order, as new events; "
                    "print them as emit does.")
    replay.add_argument("file", metavar="FILE", help="a recording ('-': stdin)")
    _sub_app_option(replay, "emit all to this application (default: each line's own)")
    replay.add_argument("--keep-timing", action="store_true",
                        help="wait the real time between the lines' 'at' values")
    replay.add_argument("--speed", type=_seconds, default=1.0, metavar="X",
                        help="with --keep-timing: X times faster (default 1)")
    replay.set_defaults(handler=_replay)

    ready = client("wait-ready", "wait until the emulator answers",
                   "Wait until the emulator answers its health check; exit 1 if it does not "
                   "in time. For scripts that start 'vod-emulator serve' in the background.")
    ready.add_argument("--timeout", type=_seconds, default=30.0, metavar="SECONDS",
                       help="give up after this long (default 30)")
    ready.set_defaults(handler=_wait_ready)
    return parser


def _serve_parser(commands: Any) -> None:
    serve = commands.add_parser(
        "serve", help="run the emulator (the default command)",
        description="Run the emulator until Ctrl-C or SIGTERM.",
        epilog="Each flag can also be set by its variable; a flag wins over its variable, and "
               "an empty variable counts as unset. The secret pair is read whole from the "
               "flags, else VOD_EMULATOR_SECRET_ID/KEY, else "
               f"{SDK_SECRET_VARIABLES[0]}/KEY (the SDKs' own variables): in a shell where "
               "those are exported, signatures are verified against them.",
    )
    for option in OPTIONS:
        variables = " or ".join(option.variables)
        serve.add_argument(
            option.flag, dest=option.name, metavar=option.name.split("_")[-1].upper(),
            help=f"{option.help} (default {option.default_text}; env {variables})",
        )


def _client_options(parser: _Parser) -> None:
    # SUPPRESS: a subcommand's defaults would otherwise overwrite what was given before it
    # ("clock --json freeze").
    parser.add_argument("--url", default=argparse.SUPPRESS,
                        help=f"the emulator's address, http:// if it has no scheme "
                             f"(default {DEFAULT_URL}; env {URL_VARIABLE})")
    parser.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                        help="print JSON: one object per line")


def _sub_app_option(parser: _Parser, help: str) -> None:
    parser.add_argument("--sub-app-id", type=_sub_app_id, default=argparse.SUPPRESS,
                        metavar="ID", help=help)


def _follow_options(parser: _Parser, items: str) -> None:
    parser.add_argument("--from-start", action="store_true",
                        help=f"first the {items} kept so far (default: only new ones)")
    parser.add_argument("--max-" + items, type=_count, metavar="N", dest="max_items",
                        help=f"stop after N {items}")
    parser.add_argument("--until-idle", type=_seconds, metavar="SECONDS",
                        help=f"stop once no new {items} came for this many seconds")


def _count(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"not a finite number: {text!r}")
    return value


def _sub_app_id(text: str) -> int | None:
    from ..core.ids import InvalidSubAppId, parse_sub_app_id

    if text == "default":
        return None
    try:
        return parse_sub_app_id(text)
    except InvalidSubAppId:
        raise argparse.ArgumentTypeError(
            f"not a SubAppId: {text!r} (an integer from 1 to 2^63-1, or default)") from None


# ----- serve


def _serve(parsed: argparse.Namespace, parser: _Parser, env: Mapping[str, str]) -> int:
    try:
        settings = resolve_settings({o.name: getattr(parsed, o.name) for o in OPTIONS}, env)
    except SettingsError as error:
        parser.error(str(error))
    import asyncio

    from ..server import serve  # aiohttp is imported only when it is needed

    try:
        asyncio.run(serve(settings))
    except OSError as error:  # the port is taken, the address is not ours...
        print(f"{PROG}: cannot listen on {settings.host}:{settings.port}: {error}",
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # Ctrl-C before the server took over the signal
        pass
    return 0


# ----- the client commands: how each runs and fails


Handler = Callable[["_Command"], int]


class _Command:
    """What a client command works with: its arguments, the emulator, its output."""

    def __init__(self, parsed: argparse.Namespace, parser: _Parser, admin: AdminClient) -> None:
        self.args = parsed
        self.parser = parser
        self.admin = admin
        self.json: bool = getattr(parsed, "json", False)
        self.name: str = parsed.command_name

    def given(self, name: str) -> bool:
        """Whether an option with no default (``--sub-app-id``) was given."""
        return name in vars(self.args)

    def print(self, text: str = "") -> None:
        print(text, flush=True)

    def print_json(self, document: Any) -> None:
        print(json.dumps(document, ensure_ascii=False), flush=True)

    def note(self, text: str) -> None:
        """A line for the person at the terminal (stderr): never part of the output."""
        print(f"{PROG} {self.name}: {text}", file=sys.stderr, flush=True)


def _client_command(parsed: argparse.Namespace, parser: _Parser, env: Mapping[str, str]) -> int:
    from ..clients.client import AdminClient, AdminError

    url = _url(parser, getattr(parsed, "url", None), env)
    command = _Command(parsed, parser, AdminClient(url))
    handler: Handler = parsed.handler
    try:
        return handler(command)
    except AdminError as error:
        return _fail(command.name, error.message)
    except _Refused as error:
        return _fail(command.name, str(error))
    except urllib.error.URLError as error:
        return _fail(command.name, _unreachable(url, error.reason))
    except TimeoutError:
        return _fail(command.name, f"{url} did not answer within {command.admin.timeout:g} s")
    except (OSError, http.client.HTTPException, ValueError) as error:
        if isinstance(error, BrokenPipeError):  # "| head": the reader has what it wanted
            _quiet_stdout()
            return 0
        return _fail(command.name, f"{url} did not answer as a vod-emulator does: {error}")
    except KeyboardInterrupt:
        return 130  # Ctrl-C: the followers (tail, record) end with 0 themselves


def _unreachable(url: str, reason: object) -> str:
    return (f"cannot reach the emulator at {url}: {reason} (is it running? --url or "
            f"{URL_VARIABLE} says where it listens)")


def _fail(command: str, message: str) -> int:
    """The emulator's refusal, on one line (exit status 1: the command itself was fine)."""
    one_line = " ".join(line.strip() for line in message.splitlines() if line.strip())
    print(f"{PROG} {command}: {one_line}", file=sys.stderr)
    return 1


def _quiet_stdout() -> None:
    """After a broken pipe, send what is still buffered nowhere (else Python complains
    about it as it exits)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is no file (a test's capture)
        pass


def _url(parser: _Parser, flag: str | None, env: Mapping[str, str]) -> str:
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


# ----- formatting


def _when(at: float | None) -> str:
    """Emulator time as UTC, to the millisecond."""
    if at is None:
        return "-"
    moment = datetime.fromtimestamp(at, tz=UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _app(sub_app_id: int | None) -> str:
    return "default" if sub_app_id is None else str(sub_app_id)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    """Aligned columns under upper-case headers; the last column is not padded."""
    cells = [[header.upper() for header in headers]]
    cells += [[_cell(value) for value in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers) - 1)]
    return ["  ".join([*(text.ljust(width) for text, width in zip(row, widths, strict=False)),
                       row[-1]]).rstrip() for row in cells]


def _pairs(items: Iterable[tuple[str, Any]]) -> list[str]:
    """``name: value`` lines, the values aligned."""
    rows = [(name, _cell(value)) for name, value in items]
    width = max((len(name) for name, _ in rows), default=0) + 1
    return [f"{name + ':':<{width}} {value}" for name, value in rows]


def _assignment_value(text: str) -> Any:
    """A command-line value: JSON if it parses as JSON, else the text as it is."""
    try:
        return json.loads(text)
    except ValueError:
        return text


# ----- emit


_EVENT_COLUMNS = ("event_id", "event_type", "sub_app_id", "route")


def _emit(command: _Command) -> int:
    args, parser = command.args, command.parser
    if not args.type:  # what only --type takes is refused, not silently dropped
        other = "--scenario" if args.scenario else "--file"
        for flag, value in (("--count", args.count), ("--override", args.override),
                            ("--set", args.sets)):
            if value is not None:
                parser.error(f"{flag} goes with --type, not with {other}")
    sub_app_id = getattr(args, "sub_app_id", None)
    body: dict[str, Any] = {"sub_app_id": sub_app_id, "with_content": False}
    if args.type:
        overrides = None
        if args.override is not None:
            overrides = _json_argument(parser, "--override", args.override)
        if args.sets:
            overrides = _with_sets(parser, args.type, overrides, args.sets)
        if overrides is not None:
            body["overrides"] = overrides
        count = 1 if args.count is None else args.count
        events = _emit_generated(command, body, args.type, count)
    else:
        if args.scenario:
            body["scenario"] = args.scenario
        else:
            body["events"] = _events_of_file(parser, args.file)
        events = command.admin.request("POST", "/_emulator/events", body)["events"]
    _print_events(command, events)
    return 0


def _emit_generated(command: _Command, body: dict[str, Any], event_type: str,
                    count: int) -> list[dict[str, Any]]:
    """``count`` events of ``event_type``, EMIT_CHUNK at a time when there are more: each
    request stays short, and the person waiting sees progress."""
    if count <= EMIT_CHUNK:  # the emulator judges every count, 0 and negatives too
        events: list[dict[str, Any]] = command.admin.request(
            "POST", "/_emulator/events", {**body, "type": event_type, "count": count})["events"]
        return events
    events = []
    progress = _Progress(command, count)
    while len(events) < count:
        chunk = min(EMIT_CHUNK, count - len(events))
        events += command.admin.request(
            "POST", "/_emulator/events", {**body, "type": event_type, "count": chunk})["events"]
        progress.show(len(events))
    progress.done(f"emitted {len(events):,} events")
    return events


class _Progress:
    """``done/total`` on stderr, rewritten in place, when stderr is a terminal; a final
    line either way."""

    def __init__(self, command: _Command, total: int) -> None:
        self.command = command
        self.total = total
        self.live = sys.stderr.isatty()

    def show(self, done: int) -> None:
        if self.live:
            print(f"\r{PROG} {self.command.name}: {done:,}/{self.total:,}", end="",
                  file=sys.stderr, flush=True)

    def done(self, text: str) -> None:
        if self.live:
            print("\r\033[K", end="", file=sys.stderr)
        self.command.note(text)


def _print_events(command: _Command, events: Sequence[Mapping[str, Any]]) -> None:
    if command.json:
        for event in events:
            command.print_json({name: event[name] for name in _EVENT_COLUMNS})
        return
    rows = ([event["event_id"], event["event_type"], _app(event["sub_app_id"]), event["route"]]
            for event in events)
    for line in _table(_EVENT_COLUMNS, rows):
        command.print(line)


def _with_sets(parser: _Parser, event_type: str, overrides: Any,
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
        value = _assignment_value(text)
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
    from ..events.schema import load_schema

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


def _json_argument(parser: _Parser, flag: str, text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as error:
        parser.error(f"{flag} is not valid JSON: {error}")


def _events_of_file(parser: _Parser, path: str) -> Any:
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


# ----- looking


def _peek(command: _Command) -> int:
    queue = command.admin.queue(getattr(command.args, "sub_app_id", None), content=False)
    if command.json:
        command.print_json(queue)
        return 0
    rows = [["pullable", e["event_id"], e["event_type"], e["deliveries"], None, None]
            for e in queue["pullable"]]
    rows += [["leased", e["event_id"], e["event_type"], e["deliveries"], e["handle"],
              _when(e["expires_at"])] for e in queue["leased"]]
    if rows:
        for line in _table(("state", "event_id", "event_type", "deliveries", "handle",
                            "expires_at"), rows):
            command.print(line)
    command.print(f"application {_app(queue['sub_app_id'])}: {len(queue['pullable'])} "
                  f"pullable, {len(queue['leased'])} leased, {queue['held_pulls']} held "
                  f"pulls, {queue['confirmed']} confirmed")
    return 0


_ENTRY_COLUMNS = ("seq", "at", "kind", "sub_app_id", "event_id", "handle", "detail")


def _entry_row(entry: Mapping[str, Any]) -> list[Any]:
    return [entry["seq"], _when(entry["at"]), entry["kind"], _app(entry["sub_app_id"]),
            entry["event_id"] or None, entry["handle"], entry["detail"]]


def _history(command: _Command) -> int:
    entries = command.admin.journal(event_id=command.args.event_id)
    if not entries:
        raise _Refused(f"no journal entry of {command.args.event_id!r}: not emitted since the "
                       "last reset, or its entries were evicted")
    if command.json:
        for entry in entries:
            command.print_json(entry)
        return 0
    for line in _table(_ENTRY_COLUMNS, map(_entry_row, entries)):
        command.print(line)
    return 0


def _callbacks(command: _Command) -> int:
    args = command.args
    attempts = command.admin.callbacks(
        args.event_id, getattr(args, "sub_app_id", None) if command.given("sub_app_id")
        else "any", args.outcome)
    if command.json:
        for attempt in attempts:
            command.print_json(attempt)
        return 0
    if not attempts:
        command.print("no callback attempts")
        return 0
    rows = [[a["at"] and _when(a["at"]), a["event_id"], _app(a["sub_app_id"]), a["attempt"],
             a["outcome"], a["status"], a["latency_ms"], a["error"] or a["url"]]
            for a in attempts]
    for line in _table(("at", "event_id", "sub_app_id", "attempt", "outcome", "status",
                        "latency_ms", "url or error"), rows):
        command.print(line)
    return 0


def _stats(command: _Command) -> int:
    stats = command.admin.stats()
    if command.json:
        command.print_json(stats)
        return 0
    counts = [name for name in stats["totals"] if name not in ("sub_app_id", "mode")]
    rows = [[_app(app["sub_app_id"]), app.get("mode"), *(app.get(n) for n in counts)]
            for app in stats["applications"]]
    rows.append(["total", "", *(stats["totals"].get(n) for n in counts)])
    headers = [name.replace("callbacks_", "cb_").replace("callback_", "cb_") for name in counts]
    for line in _table(("sub_app_id", "mode", *headers), rows):
        command.print(line)
    faults, journal = stats["faults"], stats["journal"]
    command.print(f"faults: {faults['active']} active, {faults['applied']} applied; "
                  f"journal: {journal['entries']} entries, {journal['evicted']} evicted; "
                  f"now {_when(stats['now'])}")
    return 0


# ----- time


def _show_clock(command: _Command, clock: Mapping[str, Any]) -> int:
    if command.json:
        command.print_json(clock)
        return 0
    for line in _pairs([("now", f"{_when(clock['now'])} ({clock['now']:.3f})"),
                        ("offset", f"{clock['offset_seconds']:g} s"), ("scale", clock["scale"]),
                        ("frozen", clock["frozen"])]):
        command.print(line)
    return 0


def _clock(command: _Command) -> int:
    return _show_clock(command, command.admin.clock())


def _clock_freeze(command: _Command) -> int:
    return _show_clock(command, command.admin.set_clock(freeze=True))


def _clock_resume(command: _Command) -> int:
    return _show_clock(command, command.admin.set_clock(freeze=False))


def _clock_scale(command: _Command) -> int:
    return _show_clock(command, command.admin.set_clock(scale=command.args.factor))


def _advance(command: _Command) -> int:
    return _show_clock(command, command.admin.set_clock(advance_seconds=command.args.seconds))


# ----- reset, faults, settings


def _reset(command: _Command) -> int:
    if command.given("sub_app_id"):
        sub_app_id = command.args.sub_app_id
        answer = command.admin.request("POST", "/_emulator/reset", {"sub_app_id": sub_app_id})
        what = f"application {_app(sub_app_id)}"
    else:
        answer = command.admin.request("POST", "/_emulator/reset", {})
        what = "everything"
    if command.json:
        command.print_json(answer)
    else:
        command.print(f"reset {what}")
    return 0


# A rule's fields that are options of their own (action and effect are required ones).
_RULE_FIELDS = sorted(RULE_FIELDS - {"action", "effect", "sub_app_id"})


def _fault_add(command: _Command) -> int:
    args = command.args
    fields = {name: getattr(args, name) for name in _RULE_FIELDS
              if getattr(args, name) is not None}
    if command.given("sub_app_id"):
        fields["sub_app_id"] = args.sub_app_id
    fault = command.admin.add_fault(args.action, args.effect, **fields)
    _print_faults(command, [fault])
    return 0


def _fault_list(command: _Command) -> int:
    faults = command.admin.faults()
    if not faults and not command.json:
        command.print("no faults in force")
        return 0
    _print_faults(command, faults)
    return 0


def _print_faults(command: _Command, faults: Sequence[Mapping[str, Any]]) -> None:
    if command.json:
        for fault in faults:
            command.print_json(fault)
        return
    shown = ("id", "action", "effect", "applied", "remaining")
    rows = [[f["id"], f["action"], f["effect"], f["applied"],
             "every time" if f.get("remaining") is None and f.get("probability") is None
             else f.get("remaining") if f.get("probability") is None
             else f"p={f['probability']:g}",
             " ".join(f"{name}={_app(value) if name == 'sub_app_id' else _cell(value)}"
                      for name, value in f.items() if name not in shown + ("probability",))]
            for f in faults]
    for line in _table((*shown, "details"), rows):
        command.print(line)


def _fault_clear(command: _Command) -> int:
    fault_id = command.args.fault_id
    removed = (command.admin.remove_fault(fault_id) if fault_id
               else command.admin.clear_faults())
    if command.json:
        command.print_json({"removed": removed})
    else:
        command.print(f"removed {' '.join(removed)}" if removed else "no faults in force")
    return 0


def _settings(command: _Command) -> int:
    return _show_settings(command, command.admin.settings())


def _settings_set(command: _Command) -> int:
    values: dict[str, Any] = {}
    for assignment in command.args.assignments:
        name, equals, text = assignment.partition("=")
        if not equals or not name:
            command.parser.error(f"settings set takes name=value, got {assignment!r}")
        values[name] = _assignment_value(text)
    return _show_settings(command, command.admin.update_settings(**values))


def _show_settings(command: _Command, settings: Mapping[str, Any]) -> int:
    if command.json:
        command.print_json(settings)
        return 0
    for line in _pairs(settings.items()):
        command.print(line)
    return 0


# ----- following: tail, record


class _Follower:
    """Follows one of the admin API's feeds (journal entries, emitted events) with held
    requests, from its start or from now; starts again from 0 when the emulator's epoch
    changes (a full reset restarts the seq). Stops after ``max_items``, or once nothing
    new came for ``until_idle`` seconds; Ctrl-C ends it too (the caller's)."""

    def __init__(self, fetch: Callable[[int, float, int], dict[str, Any]], key: str,
                 until_idle: float | None, max_items: int | None) -> None:
        self.fetch = fetch
        self.key = key
        self.until_idle = until_idle
        self.max_items = max_items
        self.after = 0
        self.epoch: int | None = None
        self.count = 0

    def skip_kept(self) -> None:
        """Start after what is kept now: only what comes next is followed."""
        answer = self.fetch(0, 0.0, 1)
        self.epoch = answer["epoch"]
        self.after = answer["last_seq"]

    def run(self, each: Callable[[dict[str, Any]], None],
            on_reset: Callable[[], None] = lambda: None) -> int:
        """Call ``each`` on every item as it comes; answer how many there were."""
        idle_since = time.monotonic()
        while self.max_items is None or self.count < self.max_items:
            wait = FOLLOW_WAIT_SECONDS
            if self.until_idle is not None:
                wait = min(wait, max(0.0, idle_since + self.until_idle - time.monotonic()))
            answer = self.fetch(self.after, wait, FOLLOW_LIMIT)
            if self.epoch is not None and answer["epoch"] != self.epoch:
                self.after = 0  # a full reset: its seq restarted, every item is new
                self.epoch = answer["epoch"]
                on_reset()
                continue
            self.epoch = answer["epoch"]
            items = answer[self.key]
            for item in items[:None if self.max_items is None else self.max_items - self.count]:
                each(item)
                self.count += 1
            # Past what this answer covered: all of last_seq, unless the limit cut it short
            # (entries a filter left out count as seen, or the next request would not wait).
            self.after = items[-1]["seq"] if len(items) == FOLLOW_LIMIT else answer["last_seq"]
            if items:
                idle_since = time.monotonic()
            elif self.until_idle is not None and (
                    time.monotonic() - idle_since >= self.until_idle):
                break
        return self.count


def _tail(command: _Command) -> int:
    args, admin = command.args, command.admin
    follower = _Follower(
        lambda after, wait, limit: admin.follow_journal(after, wait, args.kind, args.event_id,
                                                        limit),
        "entries", args.until_idle, args.max_items)

    def each(entry: dict[str, Any]) -> None:
        if command.json:
            command.print_json(entry)
        else:
            command.print(_entry_line(entry))

    def on_reset() -> None:
        if not command.json:
            command.note("the emulator was reset: its journal starts again")

    try:
        if not args.from_start:
            follower.skip_kept()
        follower.run(each, on_reset)
    except KeyboardInterrupt:
        pass
    return 0


def _entry_line(entry: Mapping[str, Any]) -> str:
    """One journal entry on one line, its columns at fixed widths (they come one by one)."""
    seq, at, kind, app, event_id, handle, detail = (_cell(v) for v in _entry_row(entry))
    line = f"{seq:>7}  {at}  {kind:<14}  {app:<19}  {event_id:<12}  {handle}  {detail}"
    return line.rstrip(" -").rstrip()


def _record(command: _Command) -> int:
    from ..clients.recording import dumps, recorded

    args, admin = command.args, command.admin
    follower = _Follower(lambda after, wait, limit: admin.events(after, wait, limit),
                         "events", args.until_idle, args.max_items)
    out = _open_out(command, args.out)
    try:
        def each(event: dict[str, Any]) -> None:
            out.write(dumps(recorded(event)) + "\n")
            out.flush()  # whole lines as they come: another process may be reading

        try:
            if not args.from_start:
                follower.skip_kept()
            follower.run(each)
        except KeyboardInterrupt:
            pass
    finally:
        if out is not sys.stdout:
            out.close()
    if args.out:
        command.note(f"recorded {follower.count:,} events to {args.out}")
    return 0


def _open_out(command: _Command, path: str | None) -> IO[str]:
    if not path or path == "-":
        return sys.stdout
    try:
        return open(path, "w", encoding="utf-8")
    except OSError as error:
        command.parser.error(f"cannot write {path}: {error.strerror}")


def _export_journal(command: _Command) -> int:
    args = command.args
    answer = command.admin.follow_journal(kind=args.kind, event_id=args.event_id)
    out = _open_out(command, args.out)
    try:
        for entry in answer["entries"]:
            out.write(json.dumps(entry, ensure_ascii=False) + "\n")
        out.flush()
    finally:
        if out is not sys.stdout:
            out.close()
    if answer["evicted"]:
        command.note(f"{answer['evicted']:,} older entries were evicted before this export "
                     "(--journal-max-entries)")
    if args.out:
        command.note(f"wrote {len(answer['entries']):,} entries to {args.out}")
    return 0


# ----- replay, wait-ready


def _replay(command: _Command) -> int:
    from ..clients.recording import RECORDED, RecordingError, read_recording, replay

    args = command.args
    try:
        events = read_recording(sys.stdin if args.file == "-" else args.file)
    except OSError as error:
        command.parser.error(f"cannot read {args.file}: {error.strerror}")
    except RecordingError as error:
        command.parser.error(f"{args.file}: {error}")
    if not args.speed > 0:
        command.parser.error(f"--speed must be more than 0, got {args.speed:g}")
    progress = _Progress(command, len(events))
    try:
        emitted = replay(command.admin, events, keep_timing=args.keep_timing,
                         speed=args.speed,
                         sub_app_id=args.sub_app_id if command.given("sub_app_id") else RECORDED,
                         progress=progress.show)
    except RecordingError as error:
        command.parser.error(f"{args.file}: {error}")
    if len(events) > EMIT_CHUNK:
        progress.done(f"replayed {len(emitted):,} events")
    _print_events(command, emitted)
    return 0


def _wait_ready(command: _Command) -> int:
    timeout = command.args.timeout
    if timeout < 0:
        command.parser.error(f"--timeout must be 0 or more, got {timeout:g}")
    admin = command.admin
    try:
        health = admin.wait_ready(timeout)
    except TimeoutError as error:
        raise _Refused(f"no emulator was ready at {admin.base_url} within {timeout:g} s "
                       f"({error}); --url or {URL_VARIABLE} says where it listens") from None
    if command.json:
        command.print_json(health)
    else:
        command.print(f"ready: {PROG} {health.get('version')} at {admin.base_url}")
    return 0
