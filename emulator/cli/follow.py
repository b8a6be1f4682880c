"""The commands that read the emulator's feeds out: ``tail`` (journal entries as they
are recorded), ``record`` (emitted events, in the recording format ``replay`` reads) and
``export-journal`` (the kept journal at once, as JSON Lines)."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from typing import IO, Any

from ..core.settings import OPTIONS_BY_NAME
from .commands import Command
from .output import entry_line

FOLLOW_WAIT_SECONDS = 30.0
"""How long one request of tail or record is held by the server when nothing happens."""
FOLLOW_LIMIT = 1000
"""At most this many entries or events per request of tail, record or export-journal."""


class Follower:
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


def tail(command: Command) -> int:
    args, admin = command.args, command.admin
    follower = Follower(
        lambda after, wait, limit: admin.follow_journal(after, wait, args.kind, args.event_id,
                                                        limit),
        "entries", args.until_idle, args.max_items)

    def each(entry: dict[str, Any]) -> None:
        if command.json:
            command.print_json(entry)
        else:
            command.print(entry_line(entry))

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


def record(command: Command) -> int:
    from ..clients.recording import dumps, recorded

    args, admin = command.args, command.admin
    follower = Follower(lambda after, wait, limit: admin.events(after, wait, limit),
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


def _open_out(command: Command, path: str | None) -> IO[str]:
    if not path or path == "-":
        return sys.stdout
    try:
        return open(path, "w", encoding="utf-8")
    except OSError as error:
        command.parser.error(f"cannot write {path}: {error.strerror}")


def export_journal(command: Command) -> int:
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
                     f"({OPTIONS_BY_NAME['journal_max_entries'].flag})")
    if args.out:
        command.note(f"wrote {len(answer['entries']):,} entries to {args.out}")
    return 0
