"""The command line's grammar: every command, its flags and its help, built with argparse
(a mistake is one line on stderr, exit status 2). Here the top level and ``serve``, whose
flags come from core.settings' OPTIONS table; the client commands' grammar is in
``client_grammar``, loaded only for a client command or the top level's help, so that
``serve`` pays neither for building it nor for the modules its commands run in."""

from __future__ import annotations

import argparse
from typing import Any, NoReturn

from .._version import __version__
from ..core.settings import OPTIONS, OPTIONS_BY_NAME
from .output import EXIT_USAGE, PROG

SERVE = "serve"
"""The command that runs the emulator (the default command); every other is a client."""


class Parser(argparse.ArgumentParser):
    """argparse, but a mistake is one line (argparse also prints the usage)."""

    def error(self, message: str) -> NoReturn:
        # argparse says "argument --port: ..."; the flag's name alone reads better.
        self.exit(EXIT_USAGE, f"{PROG}: error: {message.removeprefix('argument ')}\n")


def version() -> str:
    """The package's version (its one home is emulator/_version.py; pyproject reads it)."""
    return __version__


def build_parser(command: str | None = None) -> Parser:
    """The whole grammar; given ``command`` (the first argument), only as much of it as
    parsing that command needs: for ``serve``, the top level and serve (which parse and
    fail alike, since a command's own parser takes every argument after its name)."""
    parser = Parser(prog=PROG,
                    description="Local emulator of Tencent Cloud VOD event notifications.")
    parser.add_argument("--version", action="version", version=f"{PROG} {version()}")
    subcommands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                        parser_class=Parser)
    _serve_parser(subcommands)
    if command != SERVE:
        from .client_grammar import add_client_commands  # not loaded by serve

        add_client_commands(parser, subcommands)
    return parser


def _serve_parser(subcommands: Any) -> None:
    secret_id = OPTIONS_BY_NAME["secret_id"]
    serve = subcommands.add_parser(
        SERVE, help="run the emulator (the default command)",
        description="Run the emulator until Ctrl-C or SIGTERM.",
        epilog="Each flag can also be set by its variable; a flag wins over its variable, and "
               "an empty variable counts as unset. The secret pair is read whole from the "
               f"flags, else {secret_id.variable}/KEY, else {secret_id.sdk_variable}/KEY (the "
               "SDKs' own variables): in a shell where those are exported, signatures are "
               "verified against them.",
    )
    for option in OPTIONS:
        variables = " or ".join(option.variables)
        # A switch given bare (--probe-signatures) is switched on; true/false still work.
        bare = {"nargs": "?", "const": "true"} if option.default_text in ("true", "false") else {}
        serve.add_argument(
            option.flag, dest=option.name, metavar=option.name.split("_")[-1].upper(),
            help=f"{option.help} (default {option.default_text}; env {variables})", **bare,
        )
