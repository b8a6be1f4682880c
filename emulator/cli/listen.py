"""``vod-emulator listen``: drain a real account's application (or any Cloud API endpoint)
and forward each event to a local handler as a signed normal callback, confirming it once
the handler answered; without ``--forward-to``, print each event. What it does is in
``clients.listener``; here its flags, its output and Ctrl-C.

Exit status: 0 when stopped (Ctrl-C, SIGTERM, ``--max-events``); 1 when the endpoint
refuses the credentials or cannot be reached at the start; 2 for a usage mistake.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import time
from typing import IO, TYPE_CHECKING, Any

from ..core.success import DEFAULT_TIMEOUT_SECONDS, SUCCESS_RULES
from .commands import Command
from .output import EXIT_DONE, EXIT_REFUSED, when

if TYPE_CHECKING:
    from ..clients.listener import Handled, Listener, ListenOptions, Observer
    from ..clients.redact import Redactor

ENDPOINT = "https://vod.tencentcloudapi.com"
"""The real service (clients.vodapi.REAL_ENDPOINT, checked by a test: the grammar is
built without importing the client)."""
SECRET_VARIABLES = ("TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY")
"""Where the SDKs find credentials when none are given."""
MAX_TIMEOUT_SECONDS = 20
"""clients.listener.MAX_TIMEOUT_SECONDS, checked by a test."""
_SIGN_KEY = re.compile(r"[A-Za-z0-9]{0,32}")
_TYPE_WIDTH = 21  # ProcedureStateChanged: the usual types line up


def add_listen_command(subparsers: Any) -> None:
    """``listen``, added to the client commands (it talks to a Cloud API endpoint, not
    to an emulator's admin API: its --url is --endpoint's other name)."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "listen", help="bring an account's events to a local handler (like stripe listen)",
        description="Drain an application with PullEvents (no public URL needed) and POST "
                    "each event to --forward-to as the real service POSTs a normal "
                    "callback: the EventContent without EventHandle, signed with a SignKey "
                    "(T and Sign). An event is confirmed only once the handler answered as "
                    "--success says; otherwise it comes back after the confirm window and "
                    "is forwarded again. Without --forward-to, print each event (and "
                    "confirm it: printing is its handling). It consumes the application's "
                    "queue: use an application no deployed consumer drains, or "
                    "--no-confirm. Ctrl-C stops it, confirming what was delivered first.",
        epilog=f"Credentials: --secret-id/--secret-key, else {' and '.join(SECRET_VARIABLES)} "
               "(as the SDKs take them).")
    parser.set_defaults(command_name="listen", handler=listen)
    parser.add_argument("--forward-to", metavar="URL",
                        help="POST each event here, e.g. http://localhost:8000/vod "
                             "(default: print each event)")
    parser.add_argument("--sub-app-id", type=_sub_app_id, metavar="ID",
                        help="the application (default: the account's default one)")
    parser.add_argument("--sign-key", metavar="KEY",
                        help="sign callbacks with this SignKey: letters and digits, at most "
                             "32 ('' sends them unsigned) (default: one generated and "
                             "printed at the start)")
    parser.add_argument("--types", type=_types, metavar="T1,T2",
                        help="forward only these EventTypes; the others are confirmed "
                             "without being forwarded (default: every type)")
    parser.add_argument("--success", choices=SUCCESS_RULES, default="200",
                        help="what a handler's answer must be for the event to be "
                             "confirmed: 200, any 2xx, or any HTTP answer (default 200)")
    parser.add_argument("--timeout", type=_timeout, default=DEFAULT_TIMEOUT_SECONDS,
                        metavar="SECONDS",
                        help=f"how long the handler may take to answer, at most "
                             f"{MAX_TIMEOUT_SECONDS} (default {DEFAULT_TIMEOUT_SECONDS:g})")
    parser.add_argument("--no-confirm", dest="confirm", action="store_false",
                        help="never confirm: every event comes back after the confirm "
                             "window (and is shown again); the queue is left as it was")
    parser.add_argument("--record", metavar="FILE",
                        help="write each delivered event as a line of a recording "
                             "('replay' and POST /_emulator/events read it)")
    parser.add_argument("--redact", action="store_true",
                        help="with --record: mask URLs, names, texts and ids (the same "
                             "value the same way) and leave the SubAppId out, to commit "
                             "the recording as a fixture")
    parser.add_argument("--max-events", type=_positive, metavar="N",
                        help="stop after the pull that brought the N-th delivered event")
    # --url as every client command names where it connects; VOD_EMULATOR_URL is not
    # read: without a flag, listen talks to the real service.
    parser.add_argument("--endpoint", "--url", dest="endpoint", default=ENDPOINT,
                        metavar="URL",
                        help=f"the Cloud API endpoint (default {ENDPOINT}); an emulator's "
                             "is http://127.0.0.1:PORT")
    parser.add_argument("--secret-id", metavar="ID",
                        help=f"the SecretId (default ${SECRET_VARIABLES[0]})")
    parser.add_argument("--secret-key", metavar="KEY",
                        help=f"the SecretKey (default ${SECRET_VARIABLES[1]})")
    parser.add_argument("--token", metavar="TOKEN",
                        help="a temporary credential's token (sent as X-TC-Token)")
    parser.add_argument("--json", action="store_true",
                        help="print each event as one JSON object: its outcome and whole "
                             "content")


def listen(command: Command) -> int:
    from ..clients.listener import Listener, ListenError, generate_sign_key
    from ..clients.redact import Redactor

    args = command.args
    if args.redact and not args.record:
        command.parser.error("--redact masks a recording: give --record FILE too")
    if args.sign_key is not None and not _SIGN_KEY.fullmatch(args.sign_key):
        command.parser.error(f"--sign-key: letters and digits, at most 32: {args.sign_key!r}")
    options = _options(command, generate_sign_key() if args.sign_key is None
                       else args.sign_key)
    record: IO[str] | None = None
    if args.record:
        try:
            record = open(args.record, "w", encoding="utf-8")  # closed below
        except OSError as error:
            command.parser.error(f"cannot write {args.record}: {error.strerror}")
    redactor = Redactor(options.credentials.secret_key) if args.redact else None
    listener = Listener(options, _printer(command, options, record, redactor))
    _say_ready(command, options, generated=args.sign_key is None)
    try:
        asyncio.run(_until_signalled(command, listener))
    except ListenError as error:
        command.note(str(error))
        return EXIT_REFUSED
    finally:
        if record is not None:
            record.close()
    counts = listener.counts
    command.note(f"stopped: {counts.delivered} delivered, {counts.confirmed} confirmed, "
                 f"{counts.failed} failed (left unconfirmed upstream), {counts.skipped} "
                 "skipped")
    return EXIT_DONE


def _options(command: Command, sign_key: str) -> ListenOptions:
    from ..clients.listener import ListenOptions
    from ..clients.vodapi import Credentials

    args = command.args
    # The pair is read whole: from the flags, else from the environment.
    if args.secret_id or args.secret_key:
        secret_id, secret_key = args.secret_id or "", args.secret_key or ""
    else:
        secret_id, secret_key = (os.environ.get(name, "") for name in SECRET_VARIABLES)
    if not (secret_id and secret_key):
        command.parser.error(f"no credentials: give --secret-id and --secret-key (both), or "
                             f"export {' and '.join(SECRET_VARIABLES)}")
    endpoint = args.endpoint if "://" in args.endpoint else "https://" + args.endpoint
    if not re.fullmatch(r"https?://[^/?#\s]+/?", endpoint):
        command.parser.error(f"--endpoint: expected https://HOST[:PORT], got {args.endpoint!r}")
    if args.forward_to is not None and not re.fullmatch(r"https?://\S+", args.forward_to):
        command.parser.error(f"--forward-to: expected http://HOST:PORT/PATH, got "
                             f"{args.forward_to!r}")
    return ListenOptions(
        credentials=Credentials(secret_id, secret_key, args.token or None),
        endpoint=endpoint, sub_app_id=args.sub_app_id, forward_to=args.forward_to,
        sign_key=sign_key if args.forward_to else "", types=args.types,
        success=args.success, timeout_seconds=args.timeout, confirm=args.confirm,
        max_events=args.max_events)


def _say_ready(command: Command, options: ListenOptions, generated: bool) -> None:
    app = ("the default application" if options.sub_app_id is None
           else f"application {options.sub_app_id}")
    where = f"forwarding to {options.forward_to}" if options.forward_to else "printing"
    command.note(f"ready: pulling {app} at {options.endpoint}, {where} "
                 f"(Ctrl-C to stop)")
    if options.forward_to:
        if options.sign_key:
            command.note(f"SignKey {options.sign_key}"
                         + (" (generated: give --sign-key to keep one)" if generated else "")
                         + "; your handler checks Sign = MD5(SignKey + T)")
        else:
            command.note("callbacks are unsigned (--sign-key '')")
    if options.types is not None:
        command.note(f"forwarding {', '.join(sorted(options.types))}; other types are "
                     "confirmed without being forwarded")
    if not options.confirm:
        command.note("--no-confirm: nothing is confirmed; every event comes back after "
                     "the confirm window")


async def _until_signalled(command: Command, listener: Listener) -> None:
    """Run until it stops; the first Ctrl-C (or SIGTERM) stops it (what was delivered is
    confirmed first), a second one quits at once."""
    loop = asyncio.get_running_loop()
    running = asyncio.current_task()
    assert running is not None
    received = 0

    def on_signal() -> None:
        nonlocal received
        received += 1
        if received == 1:
            command.note("stopping (Ctrl-C again to quit at once)")
            listener.stop()
        else:
            running.cancel()

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, on_signal)
    try:
        await listener.run()
    except asyncio.CancelledError:
        if received < 2:
            raise
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)


def _printer(command: Command, options: ListenOptions, record: IO[str] | None,
             redactor: Redactor | None) -> Observer:
    from ..clients.listener import DELIVERED, FAILED, Observer, recorded_line, summary
    from ..clients.recording import dumps

    forwarding = options.forward_to is not None

    def stamp() -> str:
        return when(time.time())

    class Printer(Observer):
        """Stripe's way: ``-->`` as each event arrives, ``<--`` as the handler answers,
        then the batch's ConfirmEvents; with --json, each event's outcome once known."""

        def received(self, content: dict[str, Any], skipped: bool) -> None:
            if not command.json:
                line = (f"{stamp()}  --> {content.get('EventType', ''):<{_TYPE_WIDTH}}  "
                        f"{summary(content)}")
                command.print(line + ("  skipped (not in --types)" if skipped else ""))

        def answered(self, handled: Handled) -> None:
            if command.json:
                return
            status = "no answer" if handled.status is None else handled.status
            line = (f"{stamp()}  <-- [{status}] {handled.event_type} "
                    f"{summary(handled.content, True)}")
            if handled.outcome == FAILED:
                detail = handled.error if handled.status is None else (
                    handled.error or "").removeprefix(f"HTTP {handled.status}").lstrip(": ")
                line += (f"  {detail}; " if detail else "  ") + (
                    "not confirmed: it comes back after the confirm window")
            command.print(line)

        def confirmed(self, batch: list[Handled], error: str | None) -> None:
            if command.json:
                for handled in batch:
                    command.print_json(handled.to_json())
            else:
                self._confirm_line(batch, error)
            if record is not None:
                for handled in batch:
                    if handled.outcome == DELIVERED:
                        line = recorded_line(handled, options.sub_app_id, redactor)
                        record.write(dumps(line) + "\n")
                record.flush()

        def _confirm_line(self, batch: list[Handled], error: str | None) -> None:
            back = sum(handled.outcome == FAILED for handled in batch)
            taken = len(batch) - back
            comes_back = f"{back} not delivered: back after the confirm window"
            if error is not None:
                command.print(f"{stamp()}  {error}: {taken + back} event(s) come back after "
                              "the confirm window")
            elif options.confirm and forwarding:
                confirmed = f"ConfirmEvents: {taken} confirmed" if taken else "nothing confirmed"
                command.print(f"{stamp()}  {confirmed}" + (f", {comes_back}" if back else ""))

        def note(self, text: str) -> None:
            command.note(text)

    return Printer()


def _sub_app_id(text: str) -> int:
    from ..core.ids import InvalidSubAppId, parse_sub_app_id

    try:
        return parse_sub_app_id(text)
    except InvalidSubAppId as error:
        raise argparse.ArgumentTypeError(f"{error} (got {text!r})") from None


def _types(text: str) -> frozenset[str]:
    names = frozenset(name.strip() for name in text.split(",") if name.strip())
    if not names:
        raise argparse.ArgumentTypeError(f"no EventType in {text!r}")
    return names


def _timeout(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value <= MAX_TIMEOUT_SECONDS:
        raise argparse.ArgumentTypeError(
            f"more than 0 and at most {MAX_TIMEOUT_SECONDS} seconds, not {text}")
    return value


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"at least 1, not {text}")
    return value
