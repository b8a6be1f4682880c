"""``vod-emulator``: the command line. ``serve`` is the default command; ``emit`` puts
events into a running emulator."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

from .config import DEFAULT_PORT, ENV_PREFIX, add_serve_arguments, settings_from_arguments


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if not arguments or arguments[0].startswith("-") and arguments[0] not in ("-h", "--help"):
        arguments.insert(0, "serve")
    parser = argparse.ArgumentParser(
        prog="vod-emulator",
        description="Local emulator of Tencent Cloud VOD event notifications.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve_parser = commands.add_parser("serve", help="run the emulator (the default command)")
    add_serve_arguments(serve_parser, os.environ)
    emit_parser = commands.add_parser(
        "emit", help="put events into a running emulator",
        description="Enqueue generated events, a scenario, or the events of a JSON file.",
    )
    _add_emit_arguments(emit_parser)
    parsed = parser.parse_args(arguments)
    if parsed.command == "emit":
        return _emit(parsed, emit_parser)
    return _serve(parsed, serve_parser)


def _serve(parsed: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    try:
        settings = settings_from_arguments(parsed)
    except ValueError as error:
        parser.error(str(error))
    from .server import serve  # aiohttp is imported only when it is needed

    try:
        asyncio.run(serve(settings))
    except OSError as error:  # the port is taken, the address is not ours...
        print(f"vod-emulator: cannot listen on {settings.host}:{settings.port}: {error}",
              file=sys.stderr)
        return 1
    return 0


def _add_emit_arguments(parser: argparse.ArgumentParser) -> None:
    default_url = os.environ.get(ENV_PREFIX + "URL", f"http://127.0.0.1:{DEFAULT_PORT}")
    parser.add_argument("--url", default=default_url,
                        help=f"the emulator's address (default {default_url}; "
                             f"env {ENV_PREFIX}URL)")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--type", help="EventType to generate, e.g. NewFileUpload")
    source.add_argument("--scenario", help="scenario to run, e.g. upload-transcode")
    source.add_argument("--file", help="JSON file of events: {\"events\": [...]} or [...]")
    parser.add_argument("--count", type=int, default=1, help="with --type: how many")
    parser.add_argument("--override", metavar="JSON",
                        help='with --type: fields to fix, e.g. \'{"FileUploadEvent": '
                             '{"FileId": "5285890784273533167"}}\'')
    parser.add_argument("--sub-app-id", type=int, help="the application (default: default app)")


def _emit(parsed: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from .client import AdminClient, AdminError

    body: dict[str, Any] = {"sub_app_id": parsed.sub_app_id}
    if parsed.type:
        body.update(type=parsed.type, count=parsed.count)
        if parsed.override:
            body["overrides"] = _json_argument(parser, "--override", parsed.override)
    elif parsed.scenario:
        body["scenario"] = parsed.scenario
    else:
        body["events"] = _events_of_file(parser, parsed.file)
    try:
        answer = AdminClient(parsed.url).request("POST", "/_emulator/events", body)
    except AdminError as error:
        print(f"vod-emulator emit: {error.message}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"vod-emulator emit: cannot reach {parsed.url}: {error}", file=sys.stderr)
        return 1
    for event in answer["events"]:
        print(json.dumps({"event_id": event["event_id"], "event_type": event["event_type"],
                          "sub_app_id": event["sub_app_id"]}))
    return 0


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
        parser.error(f"cannot read {path}: {error}")
    except ValueError as error:
        parser.error(f"{path} is not valid JSON: {error}")
    if isinstance(document, dict) and "events" in document:
        return document["events"]
    if isinstance(document, list):
        return document
    parser.error(f'{path} must hold a list of events or {{"events": [...]}}')
