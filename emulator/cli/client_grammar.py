"""The client commands' grammar: each command that talks to a running emulator, bound to
the function that runs it (its ``handler``), with its flags and help. The lists and
limits the help names (fault actions and effects, callback outcomes, the clock's top
scale...) are read from their owners, never copied. Loaded by ``parser.build_parser``
for every command but ``serve``."""

from __future__ import annotations

import argparse
import math
from typing import Any

from ..core.callbacks import FAILED
from ..core.clock import ADVANCE_RANGE, MAX_ADVANCE_SECONDS, MAX_SCALE
from ..core.conditions import CONDITION_SYNTAX
from ..core.event import OUTCOMES
from ..core.faults import ACTIONS, EFFECTS
from ..core.ids import DEFAULT_APP_NAME, MAX_SUB_APP_ID, MIN_SUB_APP_ID
from ..core.journal import CONFIRMED
from ..core.tasks import TASK_STATES
from . import commands, emit, follow, listen, report, snapshot, wait
from .commands import DEFAULT_URL, URL_VARIABLE
from .emit import EMIT_CHUNK

READY_TIMEOUT_SECONDS = 30.0
"""How long wait-ready waits when --timeout does not say."""
REPLAY_SPEED = 1.0
"""How much faster than recorded replay --keep-timing goes when --speed does not say."""


def add_client_commands(parser: argparse.ArgumentParser, subcommands: Any) -> None:
    """Every client command, added to the top level's ``subcommands`` after serve."""
    parser.epilog = ("Every command but serve talks to a running emulator: --url, else "
                     f"{URL_VARIABLE}, else {DEFAULT_URL}. 'vod-emulator COMMAND --help' "
                     "says more.")
    client = _ClientCommands(subcommands)
    _emit_parser(client)
    _looking_parsers(client)
    _time_parsers(client)
    _change_parsers(client)
    client.add("stats", commands.stats, "show counts per application",
               "Show counts per application and in total, faults, and the journal's size.")
    findings = client.add(
        "report", report.report, "show what the consumers do that VOD would punish",
        "Show the consumer report since the last full reset: confirms after the window, "
        "events never confirmed, polling, hung-up pulls, rates above the limits, slow or "
        "failing callback handlers, accepted forged signatures, ignored types; grouped by "
        "application and client, each with what to change.")
    _sub_app_option(findings, "only this application's (default: every application)")
    findings.add_argument("--check", action="store_true",
                          help="exit status 1 when there is a finding (for CI)")
    _following_parsers(client)
    _replay_parser(client)
    snapshot.add_snapshot_command(client)
    listen.add_listen_command(client.subparsers)
    waiting = client.add(
        "wait", wait.wait, "wait until counts, events or a task are as given",
        "Wait until every condition holds in the application (--sub-app-id; default the "
        f"default application), held by the emulator, never polled. A count flag takes "
        f"{CONDITION_SYNTAX}: --callbacks-delivered 3 --pullable 0 --leased '<=1' (quote "
        "the comparisons: < and > are the shell's). Exit status 0 once they hold, 1 at the "
        "timeout, with the counts reached.")
    _sub_app_option(waiting, "the application (default: the default application)")
    wait.add_wait_arguments(waiting)
    ready = client.add("wait-ready", commands.wait_ready, "wait until the emulator answers",
                       "Wait until the emulator answers its health check; exit 1 if it does "
                       "not in time. For scripts that start 'vod-emulator serve' in the "
                       "background.")
    ready.add_argument("--timeout", type=_seconds, default=READY_TIMEOUT_SECONDS,
                       metavar="SECONDS",
                       help=f"give up after this long (default {READY_TIMEOUT_SECONDS:g})")


class _ClientCommands:
    """Adds the commands that talk to a running emulator (each with --url and --json),
    or the actions of one of them ("clock freeze")."""

    def __init__(self, subparsers: Any, command: str = "") -> None:
        self.subparsers = subparsers
        self.prefix = command + " " if command else ""

    def add(self, name: str, handler: commands.Handler | None, help: str,
            description: str) -> argparse.ArgumentParser:
        sub: argparse.ArgumentParser = self.subparsers.add_parser(
            name, help=help, description=description)
        _client_options(sub)
        sub.set_defaults(command_name=self.prefix + name)
        if handler is not None:  # None: a command that is only its actions ("fault add")
            sub.set_defaults(handler=handler)
        return sub

    def actions(self, parser: argparse.ArgumentParser,
                required: bool = False) -> _ClientCommands:
        """The actions of the command ``parser`` stands for."""
        command: str = parser.get_default("command_name")
        subparsers = parser.add_subparsers(dest=command + "_action", metavar="ACTION",
                                           required=required, parser_class=type(parser))
        return _ClientCommands(subparsers, command)


def _emit_parser(client: _ClientCommands) -> None:
    parser = client.add(
        "emit", emit.emit, "put events into the emulator",
        "Emit generated events, one run of a scenario, or the events of a JSON file; print "
        "each emitted event (event_id, event_type, sub_app_id, route).")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--type", help="EventType to generate, e.g. NewFileUpload")
    source.add_argument("--scenario", help="scenario to run, e.g. upload-transcode")
    source.add_argument("--file", help='JSON file of events: {"events": [...]} or [...]')
    parser.add_argument("--count", type=_count, help="with --type: how many (default 1); more "
                        f"than {EMIT_CHUNK:,} are sent {EMIT_CHUNK:,} at a time")
    parser.add_argument("--override", metavar="JSON",
                        help='with --type: fields to fix, e.g. \'{"FileUploadEvent": '
                             '{"FileId": "5285890784273533167"}}\'')
    parser.add_argument("--set", action="append", metavar="FIELD.PATH=VALUE", dest="sets",
                        help="with --type: one field to fix, e.g. FileUploadEvent."
                             "MediaBasicInfo.Name=launch.mp4 (repeatable; merged into "
                             "--override, winning); VALUE is JSON if it parses, else text, "
                             "and always text for a field the schema types as text")
    parser.add_argument("--sub-app-id", type=_sub_app_id, metavar="ID",
                        help="the application: an integer, or default (the default)")


def _looking_parsers(client: _ClientCommands) -> None:
    peek = client.add("peek", commands.peek, "show an application's queue",
                      "Show the events in one application's queue, pullable then leased "
                      "(with handles and expiries), and its counts. Changes nothing.")
    _sub_app_option(peek, "the application (default: the default application)")

    history = client.add("history", commands.history, "show one event's journal entries",
                         "Show every journal entry of one event, oldest first: emitted, "
                         "leased, expired, confirmed, callbacks, faults... Exit status 1 if "
                         "there is none.")
    history.add_argument("event_id", metavar="EVENT_ID", help="e.g. evt-00000001")

    media = client.add("media", commands.media, "show an application's media library",
                       "Show the files one application's media library knows (those its "
                       "events made known, and those seeded), newest first; or, given a "
                       "FILE_ID, that file's whole MediaInfo as DescribeMediaInfos answers "
                       "it, as JSON. Exit status 1 if the library does not know it.")
    media.add_argument("file_id", metavar="FILE_ID", nargs="?", help="one file's MediaInfo")
    _sub_app_option(media, "the application (default: the default application)")

    tasks = client.add("tasks", commands.tasks, "show the tasks, or finish them",
                       "Show the tasks the asynchronous actions started (ProcessMedia, "
                       "PullUpload...), newest first, each with its state and progress on "
                       "the emulator clock; or, given a TASK_ID, that task with its detail. "
                       "Exit status 1 if no such task is known. --finish advances the clock "
                       "until no task is running (their events sent).")
    tasks.add_argument("task_id", metavar="TASK_ID", nargs="?", help="one task")
    tasks.add_argument("--status", choices=TASK_STATES, metavar="STATUS",
                       help=f"only tasks in this state: {', '.join(TASK_STATES)}")
    _sub_app_option(tasks, "only this application's (default: every application)")
    tasks.add_argument("--finish", action="store_true",
                       help="advance the emulator clock until no task is running")

    redeliver = client.add("redeliver", commands.redeliver, "send callbacks again",
                           "Send one event's callback again, a fresh series of attempts, "
                           "whether it was delivered or not; without an EVENT_ID, every "
                           "undelivered one. Exit status 1 if no callback of the event is "
                           "kept.")
    redeliver.add_argument("event_id", metavar="EVENT_ID", nargs="?", help="e.g. evt-00000001")

    attempts = client.add("callbacks", commands.callbacks, "show callback attempts",
                          "Show callback attempts (PUSH), oldest first.")
    attempts.add_argument("--event-id", help="only this event's")
    _sub_app_option(attempts, "only this application's (default: every application)")
    attempts.add_argument("--outcome", help=f"only these: {', '.join(OUTCOMES)} or {FAILED}")


def _time_parsers(client: _ClientCommands) -> None:
    advance = client.add("advance", commands.advance, "move the emulator clock forward",
                         "Move the emulator clock forward: leases, holds, retention and "
                         "callback retries due in that span happen at once.")
    advance.add_argument("seconds", type=_advance_seconds, metavar="SECONDS")

    clock = client.actions(client.add(
        "clock", commands.clock, "show or change the emulator clock",
        "Show the emulator clock; 'clock freeze', 'clock resume' or 'clock scale X' change "
        "it."))
    clock.add("freeze", commands.clock_freeze, "stop emulator time (advance still moves it)",
              "Stop emulator time: leases, holds, retention and retries wait; advance still "
              "moves it.")
    clock.add("resume", commands.clock_resume, "let emulator time run again",
              "Let emulator time run again.")
    scale = clock.add("scale", commands.clock_scale,
                      "run emulator time X times faster than real time",
                      "Run emulator time X times faster than real time (more than 0, at most "
                      f"{MAX_SCALE:,.0f}): 60 makes a minute pass each second.")
    scale.add_argument("factor", type=_seconds, metavar="X")


def _change_parsers(client: _ClientCommands) -> None:
    reset = client.add("reset", commands.reset, "forget everything, or one application",
                       "Forget every event, configuration, journal entry, callback and "
                       "fault, and restore the settings the server started with; with "
                       "--sub-app-id, only that application's queue, callbacks, "
                       "configuration and journal.")
    _sub_app_option(reset, "only this application (an integer, or default)")

    fault = client.actions(client.add("fault", None, "inject faults",
                                      "Add, list and clear fault rules."), required=True)
    add = fault.add("add", commands.fault_add, "add a fault rule",
                    "Add a fault rule: what it matches, what it does, how often. Without "
                    "--times or --probability it acts every time until cleared.")
    add.add_argument("--action", required=True, choices=ACTIONS, metavar="ACTION",
                     help=f"the Cloud API action, or callback: {', '.join(ACTIONS)}")
    add.add_argument("--effect", required=True, choices=tuple(EFFECTS), metavar="EFFECT",
                     help=f"what it does: {', '.join(EFFECTS)}")
    add.add_argument("--code", help=f"{_effects_taking('code')}: the error code, e.g. "
                                    "RequestLimitExceeded")
    add.add_argument("--message", help=f"{_effects_taking('message')}: its message")
    add.add_argument("--status", type=_count,
                     help=f"{_effects_taking('status')}: the HTTP status (default 500)")
    add.add_argument("--seconds", type=_seconds,
                     help=f"{_effects_taking('seconds')}: how long (real seconds)")
    _sub_app_option(add, "match this application only (an integer, or default)")
    add.add_argument("--event-type", help="match this EventType only")
    add.add_argument("--event-id", help="match this event only")
    add.add_argument("--attempt", type=_count,
                     help="match this callback attempt, or this delivery of a pulled event")
    often = add.add_mutually_exclusive_group()
    often.add_argument("--times", type=_count, help="act this many times, then go")
    often.add_argument("--probability", type=_seconds, metavar="P",
                       help="act with this probability (0 < P <= 1, from the seed)")
    fault.add("list", commands.fault_list, "list the fault rules in force",
              "List the fault rules in force.")
    clear = fault.add("clear", commands.fault_clear, "remove one fault rule, or all",
                      "Remove one fault rule, or every one.")
    clear.add_argument("fault_id", nargs="?", metavar="ID", help="e.g. f1 (default: all)")

    settings = client.actions(client.add(
        "settings", commands.settings, "show or change the runtime settings",
        "Show the runtime settings; 'settings set name=value...' changes some (all or "
        "none). A full reset restores the values the server started with."))
    settings_set = settings.add(
        "set", commands.settings_set, "change some settings",
        "Change runtime settings, e.g. 'settings set long_poll_seconds=0.5 "
        "callback_retry_seconds=5,60'. Each value is read as its serve flag's is; a list "
        "or an object may also be JSON ([5, 60]).")
    settings_set.add_argument("assignments", nargs="+", metavar="NAME=VALUE")


def _following_parsers(client: _ClientCommands) -> None:
    tail = client.add("tail", follow.tail, "follow the journal live",
                      "Print journal entries as they are recorded, until Ctrl-C. Follows "
                      "resets.")
    tail.add_argument("--kind", help=f"only entries of this kind, e.g. {CONFIRMED}")
    tail.add_argument("--event-id", help="only this event's entries")
    _follow_options(tail, "entries")

    record = client.add("record", follow.record, "record emitted events to a file",
                        "Write each event emitted from now on as one JSON line (the "
                        "recording format 'replay' reads), until Ctrl-C.")
    record.add_argument("--out", metavar="FILE", help="where (default: stdout)")
    _follow_options(record, "events")

    export = client.add("export-journal", follow.export_journal,
                        "write the journal as JSON Lines",
                        "Write the journal's kept entries as JSON Lines, oldest first.")
    export.add_argument("--out", metavar="FILE", help="where (default: stdout)")
    export.add_argument("--kind", help="only entries of this kind")
    export.add_argument("--event-id", help="only this event's entries")


def _replay_parser(client: _ClientCommands) -> None:
    replay = client.add("replay", emit.replay, "emit the events of a recording again",
                        "Emit each line's content of a recording, in file order, as new "
                        "events; print them as emit does.")
    replay.add_argument("file", metavar="FILE", help="a recording ('-': stdin)")
    _sub_app_option(replay, "emit all to this application (default: each line's own)")
    replay.add_argument("--keep-timing", action="store_true",
                        help="wait the real time between the lines' 'at' values")
    replay.add_argument("--speed", type=_seconds, default=REPLAY_SPEED, metavar="X",
                        help=f"with --keep-timing: X times faster (default {REPLAY_SPEED:g})")


def _effects_taking(field: str) -> str:
    """The effects a rule's ``field`` is for, e.g. "latency, delay" for seconds."""
    return ", ".join(name for name, effect in EFFECTS.items()
                     if field in effect.needs + effect.takes)


def _client_options(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS: a subcommand's defaults would otherwise overwrite what was given before it
    # ("clock --json freeze").
    parser.add_argument("--url", default=argparse.SUPPRESS,
                        help=f"the emulator's address, http:// if it has no scheme "
                             f"(default {DEFAULT_URL}; env {URL_VARIABLE})")
    parser.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                        help="print JSON: one object per line")


def _sub_app_option(parser: argparse.ArgumentParser, help: str) -> None:
    parser.add_argument("--sub-app-id", type=_sub_app_id, default=argparse.SUPPRESS,
                        metavar="ID", help=help)


def _follow_options(parser: argparse.ArgumentParser, items: str) -> None:
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


def _advance_seconds(text: str) -> float:
    value = _seconds(text)
    if not 0 <= value <= MAX_ADVANCE_SECONDS:
        raise argparse.ArgumentTypeError(f"an advance is {ADVANCE_RANGE}, not {text}")
    return value


def _sub_app_id(text: str) -> int | None:
    from ..core.ids import InvalidSubAppId, parse_sub_app_id

    if text == DEFAULT_APP_NAME:
        return None
    try:
        return parse_sub_app_id(text)
    except InvalidSubAppId:
        raise argparse.ArgumentTypeError(
            f"not a SubAppId: {text!r} (an integer from {MIN_SUB_APP_ID} to "
            f"2^{MAX_SUB_APP_ID.bit_length()}-1, or {DEFAULT_APP_NAME})") from None
