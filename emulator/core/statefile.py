"""The state file (``serve --state-file PATH``): the backend's state in SQLite, written as
it changes, read back at start-up.

Durability: a request's answer waits until what it changed is committed (``written()``),
so a ``kill -9`` loses at most the requests in flight: a confirm answered is never undone,
a lease answered keeps its deadline, an emit answered is never lost. Writes are batched:
every change made while the loop runs other work joins the next commit (one transaction,
in WAL mode, synchronous=NORMAL: a killed process loses nothing committed; only a crash
of the machine itself could).

What is written per commit (see ``state.py`` for the parts):

- the events and leases the queues touched (a drain writes only these rows);
- the journal's new entries;
- the rest, when anything outside the queues may have changed (a request other than
  PullEvents, ConfirmEvents or a lookup; an emit; a callback attempt; a fault acting);
- everything, after a reset or a restore.
"""

from __future__ import annotations

import asyncio
import marshal
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

from .._version import __version__
from . import state
from .event import CONFIRMED, DROPPED, EmittedEvent
from .journal import JournalEntry
from .snapshots import Snapshot, Snapshots


class VodBackend(state.VodBackend, Protocol):
    snapshots: Snapshots

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB);
CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, state TEXT, row BLOB);
CREATE TABLE IF NOT EXISTS leases (handle TEXT PRIMARY KEY, sub_app_id INTEGER, seq INTEGER,
                                   expires_at REAL);
CREATE TABLE IF NOT EXISTS confirmed (handle TEXT PRIMARY KEY, sub_app_id INTEGER,
                                      until REAL);
CREATE INDEX IF NOT EXISTS confirmed_until ON confirmed (until);
CREATE TABLE IF NOT EXISTS journal (seq INTEGER PRIMARY KEY, row BLOB);
CREATE TABLE IF NOT EXISTS snapshots (name TEXT PRIMARY KEY, taken_at REAL, state BLOB);
"""

BACKGROUND_SECONDS = 0.02
"""How long a background change may wait to be committed, at most (plus the commit)."""

_FINISHED = (CONFIRMED, DROPPED)
"""Queue states after which an event's row is needed only while the record keeps it."""


class StateFileError(RuntimeError):
    """A state file that cannot be used; the message says why and what to do."""


class StateFile:
    def __init__(self, path: str | Path, backend: VodBackend) -> None:
        self.path = Path(path)
        self.backend = backend
        self.commits = 0  # transactions committed (a figure for the benchmarks)
        self._db: sqlite3.Connection | None = None
        self._journal_epoch = -1
        self._journal_written = 0  # the newest journal seq written
        self._fingerprint: tuple[int, int] = (-1, -1)
        self._referenced: set[int] = set()  # events the rest written refers to
        self._rows_since_compaction = 0
        self._flush_planned: asyncio.Future[None] | None = None
        self._closed = False
        self.background: asyncio.Task[None] | None = None  # run(), while serving

    # ----- opening, closing

    def open(self) -> bool:
        """Open (or create) the file; True if it holds a state. StateFileError if it is
        not a state file, or one of another format."""
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None,
                                       check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            found = dict(self._db.execute("SELECT key, value FROM meta"))
        except sqlite3.DatabaseError as error:
            raise StateFileError(f"{self.path} is not a vod-emulator state file ({error})"
                                 ) from None
        if "format" in found and found["format"] != state.FORMAT:
            raise StateFileError(
                f"{self.path} was written by vod-emulator {found.get('version', '?')} in "
                f"state format {found['format']}; this vod-emulator ({__version__}) reads "
                f"format {state.FORMAT} only. Start it with another --state-file, or "
                "delete this one to start afresh.")
        return "rest" in found

    def load(self) -> None:
        """Put the kept state into the backend: the clock resumes as if it had run
        meanwhile (a lease's deadline stands: one that passed while the emulator was down
        expires at once)."""
        db = self._connection()
        events = {seq: marshal.loads(row) for seq, row in db.execute("SELECT seq, row FROM events")}
        leases = [state.LeaseRow(*row) for row in
                  db.execute("SELECT handle, sub_app_id, seq, expires_at FROM leases")]
        confirmed = [state.ConfirmedRow(*row) for row in
                     db.execute("SELECT handle, sub_app_id, until FROM confirmed")]
        journal = [JournalEntry(*marshal.loads(row)) for (row,) in
                   db.execute("SELECT row FROM journal ORDER BY seq")]
        meta = dict(db.execute("SELECT key, value FROM meta"))
        try:
            state.restore(self.backend, events, leases, confirmed, journal,
                          meta["counters"], meta["rest"], resume=True)
            self.backend.snapshots.replace_all([
                Snapshot(name, taken_at, state.State.from_bytes(data)) for name, taken_at, data
                in db.execute("SELECT name, taken_at, state FROM snapshots")])
        except state.StateFormatError as error:
            raise StateFileError(f"{self.path}: {error}") from None
        self._referenced = set(marshal.loads(meta.get("referenced", marshal.dumps([]))))

    def watch(self) -> None:
        """From now on, note every change, and write everything once."""
        self.backend.changes.watching = True
        self.backend.changes.all()
        self.flush()

    def close(self) -> None:
        """Write what is left, then stop: a change made later is not kept (the requests
        still in flight at shutdown)."""
        if self._closed:
            return
        self.flush()
        self._closed = True
        self.backend.changes.watching = False
        if self._db is not None:
            self._db.close()
            self._db = None

    # ----- writing what happens in the background

    async def run(self) -> None:
        """Commit what changes without a request (a lease expiring, a callback attempt, a
        task finishing) soon after it does: at most every ``BACKGROUND_SECONDS``, so a
        busy stream of callbacks costs a commit per interval, not one per attempt. Runs
        until cancelled."""
        changed = self.backend.journal.changed
        while True:
            await asyncio.wait([changed.future(), self.backend.clock.advanced.future()])
            await self.written()
            await asyncio.sleep(BACKGROUND_SECONDS)

    # ----- waiting for a commit

    async def written(self) -> None:
        """Return once every change made so far is committed."""
        if self._closed or not self._pending():
            return
        if self._flush_planned is None:
            # Planned for the loop's next turn: changes made by the other requests handled
            # in this turn join the same commit.
            planned = self._flush_planned = asyncio.get_running_loop().create_future()
            asyncio.get_running_loop().call_soon(self._planned_flush, planned)
        await asyncio.shield(self._flush_planned)

    def _planned_flush(self, planned: asyncio.Future[None]) -> None:
        self._flush_planned = None
        try:
            self.flush()
        except Exception as error:  # noqa: BLE001 (the waiters answer with it)
            planned.set_exception(error)
        else:
            planned.set_result(None)

    def _pending(self) -> bool:
        return (self.backend.changes.pending or self._fingerprint != self._fingerprint_now()
                or self.backend.journal.last_seq != self._journal_written)

    def _fingerprint_now(self) -> tuple[int, int]:
        """What moves when the rest changes without a request asking (a callback
        attempt, a fault acting on a pull)."""
        return (self.backend.callbacks.recorded, self.backend.faults.applied)

    # ----- writing

    def flush(self) -> None:
        """Commit every change made since the last commit."""
        if self._closed:
            return
        db = self._connection()
        changes = self.backend.changes
        events, handles, rest, everything = changes.taken()
        fingerprint = self._fingerprint_now()
        rest = rest or fingerprint != self._fingerprint
        db.execute("BEGIN")
        try:
            if everything:
                self._write_everything(db)
            else:
                self._write_events(db, events.values())
                self._write_handles(db, handles)
                if rest:
                    self._write_rest(db)
            self._write_journal(db)
            db.execute("INSERT OR REPLACE INTO meta VALUES ('counters', ?)",
                       (state.counters_of(self.backend),))
            db.execute("DELETE FROM confirmed WHERE until < ?", (self.backend.now(),))
            if self._rows_since_compaction > max(10_000, 2 * len(self.backend.emitted)):
                self._compact(db)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            changes.all()  # nothing was written: the next commit writes everything
            raise
        self._fingerprint = fingerprint
        self.commits += 1

    def _write_everything(self, db: sqlite3.Connection) -> None:
        for table in ("events", "leases", "confirmed", "journal"):
            db.execute(f"DELETE FROM {table}")  # noqa: S608 (the table names are ours)
        taken = state.take(self.backend)
        db.executemany("INSERT INTO events VALUES (?, ?, ?)",
                       [(seq, row[_STATE_FIELD], marshal.dumps(row))
                        for seq, row in taken.events.items()])
        db.executemany("INSERT INTO leases VALUES (?, ?, ?, ?)", taken.leases)
        db.executemany("INSERT INTO confirmed VALUES (?, ?, ?)", taken.confirmed)
        self._write_meta(db, taken.rest, taken.referenced)
        self._journal_epoch, self._journal_written = -1, 0
        self._rows_since_compaction = 0

    def _write_events(self, db: sqlite3.Connection, events: Iterable[EmittedEvent]) -> None:
        rows = [(event.seq, event.state, marshal.dumps(state.event_row(event)))
                for event in events]
        db.executemany("INSERT OR REPLACE INTO events VALUES (?, ?, ?)", rows)
        self._rows_since_compaction += len(rows)

    def _write_handles(self, db: sqlite3.Connection, handles: dict[str, Any]) -> None:
        for handle, sub_app_id in handles.items():
            queue = self.backend.queues.find(sub_app_id)
            lease = None if queue is None else queue.lease_of(handle)
            until = None if queue is None else queue.confirmed_until(handle)
            if lease is not None:
                db.execute("INSERT OR REPLACE INTO leases VALUES (?, ?, ?, ?)",
                           state.lease_row(lease))
            else:
                db.execute("DELETE FROM leases WHERE handle = ?", (handle,))
            if until is not None:
                db.execute("INSERT OR REPLACE INTO confirmed VALUES (?, ?, ?)",
                           (handle, sub_app_id, until))

    def _write_rest(self, db: sqlite3.Connection) -> None:
        rest, referenced = state.rest_of(self.backend)
        # The rest refers to its events by row: those rows must be in the same commit.
        new = [event for seq, event in referenced.items() if seq not in self._referenced]
        self._write_events(db, new)
        self._write_meta(db, rest, set(referenced))

    def _write_meta(self, db: sqlite3.Connection, rest: bytes, referenced: set[int]) -> None:
        self._referenced = referenced
        db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", [
            ("format", state.FORMAT), ("version", __version__), ("rest", rest),
            ("referenced", marshal.dumps(sorted(referenced)))])

    def _write_journal(self, db: sqlite3.Connection) -> None:
        journal = self.backend.journal
        if journal.epoch != self._journal_epoch:  # cleared: written again from its start
            db.execute("DELETE FROM journal")
            self._journal_epoch, self._journal_written = journal.epoch, 0
        entries = journal.entries(after=self._journal_written)
        db.executemany("INSERT OR REPLACE INTO journal VALUES (?, ?)",
                       [(entry.seq, marshal.dumps(tuple(entry))) for entry in entries])
        if entries:
            self._journal_written = entries[-1].seq
        db.execute("DELETE FROM journal WHERE seq <= ?",
                   (self._journal_written - journal.max_entries,))

    def _compact(self, db: sqlite3.Connection) -> None:
        """Drop the rows of events nothing needs any more: finished in their queue, older
        than the emitted record keeps, and not referred to by the rest."""
        oldest_kept = self.backend.emitted[0].seq if self.backend.emitted else 0
        db.execute("CREATE TEMP TABLE IF NOT EXISTS needed (seq INTEGER PRIMARY KEY)")
        db.execute("DELETE FROM needed")
        db.executemany("INSERT INTO needed VALUES (?)", ((seq,) for seq in self._referenced))
        db.execute(
            "DELETE FROM events WHERE seq < ? AND state IN (?, ?) "
            "AND seq NOT IN (SELECT seq FROM needed)", (oldest_kept, *_FINISHED))
        self._rows_since_compaction = 0

    # ----- snapshots kept in the file

    def save_snapshot(self, snapshot: Snapshot) -> None:
        db = self._connection()
        db.execute("INSERT OR REPLACE INTO snapshots VALUES (?, ?, ?)",
                   (snapshot.name, snapshot.taken_at, snapshot.state.to_bytes()))

    def delete_snapshot(self, name: str) -> None:
        self._connection().execute("DELETE FROM snapshots WHERE name = ?", (name,))

    def _connection(self) -> sqlite3.Connection:
        if self._db is None:
            raise StateFileError("the state file is not open")
        return self._db


_STATE_FIELD = state.EVENT_FIELDS.index("state")
