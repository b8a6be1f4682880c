"""How the command line prints: tables and ``name: value`` lines, ``--json`` lines, notes
and one-line errors on stderr, progress, and the exit statuses.

Exit status: 0 done; 1 the emulator refused, could not be reached or did not get ready;
2 a mistake on the command line (one line on stderr, as every error is). ``--json``
prints one JSON object per line: one per item for lists and streams, else one in all.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from ..core.ids import app_text

PROG = "vod-emulator"

EXIT_DONE = 0
EXIT_REFUSED = 1
"""The command was fine; the emulator refused it, could not be reached or was not ready."""
EXIT_USAGE = 2
"""A mistake on the command line (argparse's own status for one)."""
EXIT_INTERRUPTED = 130
"""Ctrl-C, as a shell reports it (128 + SIGINT)."""


class Output:
    """Where one command's results go: stdout, as text or JSON lines; notes to stderr."""

    def __init__(self, name: str, as_json: bool) -> None:
        self.name = name  # "clock freeze": how notes and errors name the command
        self.json = as_json

    def print(self, text: str = "") -> None:
        print(text, flush=True)

    def print_json(self, document: Any) -> None:
        print(json.dumps(document, ensure_ascii=False), flush=True)

    def print_lines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.print(line)

    def note(self, text: str) -> None:
        """A line for the person at the terminal (stderr): never part of the output."""
        print(f"{PROG} {self.name}: {text}", file=sys.stderr, flush=True)


class Progress:
    """``done/total`` on stderr, rewritten in place, when stderr is a terminal; a final
    line either way."""

    def __init__(self, output: Output, total: int) -> None:
        self.output = output
        self.total = total
        self.live = sys.stderr.isatty()

    def show(self, done: int) -> None:
        if self.live:
            print(f"\r{PROG} {self.output.name}: {done:,}/{self.total:,}", end="",
                  file=sys.stderr, flush=True)

    def done(self, text: str) -> None:
        if self.live:
            print("\r\033[K", end="", file=sys.stderr)
        self.output.note(text)


def fail(command: str, message: str) -> int:
    """The emulator's refusal, on one line (exit status 1: the command itself was fine)."""
    one_line = " ".join(line.strip() for line in message.splitlines() if line.strip())
    print(f"{PROG} {command}: {one_line}", file=sys.stderr)
    return EXIT_REFUSED


def quiet_stdout() -> None:
    """After a broken pipe, send what is still buffered nowhere (else Python complains
    about it as it exits)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is no file (a test's capture)
        pass


# ----- values, tables and lines


def when(at: float | None) -> str:
    """Emulator time as UTC, to the millisecond."""
    if at is None:
        return "-"
    moment = datetime.fromtimestamp(at, tz=UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def shortened(text: str, width: int) -> str:
    """``text``, cut to ``width`` characters (the last an ellipsis) when it is longer."""
    return text if len(text) <= width else text[:width - 1] + "…"


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    """Aligned columns under upper-case headers; the last column is not padded."""
    cells = [[header.upper() for header in headers]]
    cells += [[cell(value) for value in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers) - 1)]
    return ["  ".join([*(text.ljust(width) for text, width in zip(row, widths, strict=False)),
                       row[-1]]).rstrip() for row in cells]


def pairs(items: Iterable[tuple[str, Any]]) -> list[str]:
    """``name: value`` lines, the values aligned."""
    rows = [(name, cell(value)) for name, value in items]
    width = max((len(name) for name, _ in rows), default=0) + 1
    return [f"{name + ':':<{width}} {value}" for name, value in rows]


# ----- journal entries (history shows a table of them, tail one line each)


ENTRY_COLUMNS = ("seq", "at", "kind", "sub_app_id", "event_id", "handle", "detail")


def entry_row(entry: Mapping[str, Any]) -> list[Any]:
    return [entry["seq"], when(entry["at"]), entry["kind"], app_text(entry["sub_app_id"]),
            entry["event_id"] or None, entry["handle"], entry["detail"]]


def entry_line(entry: Mapping[str, Any]) -> str:
    """One journal entry on one line, its columns at fixed widths (they come one by one)."""
    seq, at, kind, app, event_id, handle, detail = (cell(v) for v in entry_row(entry))
    line = f"{seq:>7}  {at}  {kind:<14}  {app:<19}  {event_id:<12}  {handle}  {detail}"
    return line.rstrip(" -").rstrip()
