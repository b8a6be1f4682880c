"""The command line, ``vod-emulator``: ``serve`` (the default command) runs the emulator;
every other command is a client of a running one, through the admin API.

parser: the grammar (every command, its flags and help); serve: the ``serve`` command;
commands, emit, follow: what the client commands do; output: how results and errors are
printed, and the exit statuses.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from . import commands, parser, serve

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if not arguments or (
        arguments[0].startswith("-") and arguments[0] not in ("-h", "--help", "--version")
    ):
        arguments.insert(0, "serve")
    grammar = parser.build_parser()
    parsed = grammar.parse_args(arguments)
    if parsed.command == "serve":
        return serve.run(parsed, grammar, os.environ)
    return commands.run(parsed, grammar, os.environ)

