"""The command line, ``vod-emulator``: ``serve`` (the default command) runs the emulator;
every other command is a client of a running one, through the admin API.

parser: the grammar of the top level and serve, client_grammar: the client commands';
serve: the ``serve`` command; commands, emit, follow, report, wait: what the client
commands do; output: how results and errors are printed, and the exit statuses. Each
run loads only its own command's side: ``serve`` neither the client commands nor their
grammar, a client command not the server.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from . import parser

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if not arguments or (
        arguments[0].startswith("-") and arguments[0] not in ("-h", "--help", "--version")
    ):
        arguments.insert(0, parser.SERVE)
    grammar = parser.build_parser(arguments[0])
    parsed = grammar.parse_args(arguments)
    if parsed.command == parser.SERVE:
        from . import serve

        return serve.run(parsed, grammar, os.environ)
    from . import commands

    return commands.run(parsed, grammar, os.environ)

