"""``vod-emulator``: the command line. ``serve`` is the default command; ``emit`` puts
events into a running emulator. Every mistake on the command line is one line on stderr
and exit status 2."""

from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import urllib.error
from collections.abc import Mapping, Sequence
from typing import Any, NoReturn
from urllib.parse import urlsplit

from ._version import __version__
from .config import (
    DEFAULT_PORT,
    ENV_PREFIX,
    OPTIONS,
    SDK_SECRET_VARIABLES,
    SettingsError,
    resolve_settings,
)

PROG = "vod-emulator"
URL_VARIABLE = ENV_PREFIX + "URL"
DEFAULT_URL = f"http://127.0.0.1:{DEFAULT_PORT}"


class _Parser(argparse.ArgumentParser):
    """argparse, but a mistake is one line (argparse also prints the usage)."""

    def error(self, message: str) -> NoReturn:
        # argparse says "argument --port: ..."; the flag's name alone reads better.
        self.exit(2, f"{PROG}: error: {message.removeprefix('argument ')}\n")


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
    if parsed.command == "emit":
        return _emit(parsed, parser, os.environ)
    return _serve(parsed, parser, os.environ)


def _parser() -> _Parser:
    parser = _Parser(
        prog=PROG, description="Local emulator of Tencent Cloud VOD event notifications.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="{serve,emit}")
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
    emit = commands.add_parser(
        "emit", help="put events into a running emulator",
        description="Enqueue generated events, one run of a scenario, or the events of a "
                    "JSON file, and print one JSON line per enqueued event.",
    )
    emit.add_argument("--url", help=f"the emulator's address, http:// if it has no scheme "
                                    f"(default {DEFAULT_URL}; env {URL_VARIABLE})")
    source = emit.add_mutually_exclusive_group(required=True)
    source.add_argument("--type", help="EventType to generate, e.g. NewFileUpload")
    source.add_argument("--scenario", help="scenario to run, e.g. upload-transcode")
    source.add_argument("--file", help='JSON file of events: {"events": [...]} or [...]')
    emit.add_argument("--count", type=_count, help="with --type: how many (default 1)")
    emit.add_argument("--override", metavar="JSON",
                      help='with --type: fields to fix, e.g. \'{"FileUploadEvent": '
                           '{"FileId": "5285890784273533167"}}\'')
    emit.add_argument("--sub-app-id", type=int,
                      help="the application (default: the default application)")
    return parser


def _count(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None


# ----- serve


def _serve(parsed: argparse.Namespace, parser: _Parser, env: Mapping[str, str]) -> int:
    try:
        settings = resolve_settings({o.name: getattr(parsed, o.name) for o in OPTIONS}, env)
    except SettingsError as error:
        parser.error(str(error))
    import asyncio

    from .server import serve  # aiohttp is imported only when it is needed

    try:
        asyncio.run(serve(settings))
    except OSError as error:  # the port is taken, the address is not ours...
        print(f"{PROG}: cannot listen on {settings.host}:{settings.port}: {error}",
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # Ctrl-C before the server took over the signal
        pass
    return 0


# ----- emit


def _emit(parsed: argparse.Namespace, parser: _Parser, env: Mapping[str, str]) -> int:
    from .client import AdminClient, AdminError

    url = _url(parser, parsed.url, env)
    if not parsed.type:  # what only --type takes is refused, not silently dropped
        other = "--scenario" if parsed.scenario else "--file"
        for flag, value in (("--count", parsed.count), ("--override", parsed.override)):
            if value is not None:
                parser.error(f"{flag} goes with --type, not with {other}")
    body: dict[str, Any] = {"sub_app_id": parsed.sub_app_id}
    if parsed.type:
        body.update(type=parsed.type, count=1 if parsed.count is None else parsed.count)
        if parsed.override is not None:
            body["overrides"] = _json_argument(parser, "--override", parsed.override)
    elif parsed.scenario:
        body["scenario"] = parsed.scenario
    else:
        body["events"] = _events_of_file(parser, parsed.file)
    try:
        answer = AdminClient(url).request("POST", "/_emulator/events", body)
    except AdminError as error:
        return _fail(error.message)
    except urllib.error.URLError as error:
        return _fail(f"cannot reach the emulator at {url}: {error.reason} (is it running? "
                     f"--url or {URL_VARIABLE} says where it listens)")
    except (OSError, http.client.HTTPException, ValueError) as error:
        return _fail(f"{url} did not answer as a vod-emulator does: {error}")
    for event in answer["events"]:
        print(json.dumps({"event_id": event["event_id"], "event_type": event["event_type"],
                          "sub_app_id": event["sub_app_id"]}))
    return 0


def _fail(message: str) -> int:
    """The emulator's refusal, on one line (exit status 1: the command itself was fine)."""
    one_line = " ".join(line.strip() for line in message.splitlines() if line.strip())
    print(f"{PROG} emit: {one_line}", file=sys.stderr)
    return 1


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
