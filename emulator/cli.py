"""``vod-emulator``: the command line. ``serve`` is the default command."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence

from .config import add_serve_arguments, settings_from_arguments


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
    parsed = parser.parse_args(arguments)
    try:
        settings = settings_from_arguments(parsed)
    except ValueError as error:
        serve_parser.error(str(error))
    from .server import serve  # aiohttp is imported only when it is needed

    try:
        asyncio.run(serve(settings))
    except OSError as error:  # the port is taken, the address is not ours...
        print(f"vod-emulator: cannot listen on {settings.host}:{settings.port}: {error}",
              file=sys.stderr)
        return 1
    return 0
