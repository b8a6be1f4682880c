"""The state file (``serve --state-file PATH``): the backend's state in SQLite, written as
it changes, read back at start-up.

Durability: a request's answer waits until what it changed is committed (``written()``),
so a ``kill -9`` loses at most the requests in flight: a confirm answered is never undone,
a lease answered keeps its deadline, an emit answered is never lost. Writes are batched:
every change made while the loop runs other work joins the next commit (one transaction,
in WAL mode, synchronous=OFF: a killed process loses nothing committed, the system holds
its writes; only a crash of the machine itself could). A request's few rows are committed
on the event loop, in less time than a trip to the writer thread takes; anything larger
on the writer thread, so the loop runs meanwhile.

What is written per commit (see ``state.py`` for the parts):

- the events and leases the queues touched (a drain writes only these rows);
- the journal's new entries;
- the rest, when anything outside the queues may have changed (a request other than
  PullEvents, ConfirmEvents or a lookup; an emit; a callback attempt; a fault acting);
- everything, after a reset or a restore.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import marshal
import sqlite3
from collections.abc import Iterable, Sequence
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
CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, row BLOB);
CREATE TABLE IF NOT EXISTS event_states (seq INTEGER PRIMARY KEY, state TEXT,
                                         deliveries INTEGER);
CREATE TABLE IF NOT EXISTS leases (seq INTEGER PRIMARY KEY, handle TEXT, sub_app_id INTEGER,
                                   expires_at REAL);
CREATE TABLE IF NOT EXISTS confirmed (handle TEXT, sub_app_id INTEGER, until REAL);
CREATE INDEX IF NOT EXISTS confirmed_until ON confirmed (until);
CREATE TABLE IF NOT EXISTS journal (last_seq INTEGER PRIMARY KEY, entries BLOB);
CREATE TABLE IF NOT EXISTS snapshots (name TEXT PRIMARY KEY, taken_at REAL, state BLOB);
"""

LAYOUT = 2
"""How the tables are laid out. A drain's rows land near each other, so a commit dirties
few pages: leases by their event's seq (an event has one live lease at most), confirmed
handles in the order confirmed (a handle is confirmed once), and the journal as one row
per commit. Layout 1 keyed leases and confirmed handles by handle, the journal by entry."""

INLINE_ROWS = 200
"""A batch of at most this many rows is committed on the event loop (well under a
millisecond); a larger one (an emit of many events, everything after a reset) on the
writer thread, so the loop runs meanwhile."""

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
        # Requests waiting for the next commit; the commit under way on the writer thread.
        self._next: asyncio.Future[None] | None = None
        self._writing: asyncio.Future[None] | None = None
        self._writing_batch: asyncio.Future[None] | None = None  # answered when it is
        self._snapshot_changes: Batch = []
        self._light = False  # the batch collected last may be committed on the loop
        self._writer = concurrent.futures.ThreadPoolExecutor(1, "vod-emulator state")
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
            self._db.execute("PRAGMA synchronous=OFF")
            self._db.executescript(_SCHEMA)
            found = dict(self._db.execute("SELECT key, value FROM meta"))
        except sqlite3.DatabaseError as error:
            raise StateFileError(f"{self.path} is not a vod-emulator state file ({error})"
                                 ) from None
        written_as = (found.get("format"), found.get("layout", 1))
        if "format" in found and written_as != (state.FORMAT, LAYOUT):
            raise StateFileError(
                f"{self.path} was written by vod-emulator {found.get('version', '?')} in "
                f"state format {written_as[0]}, table layout {written_as[1]}; this "
                f"vod-emulator ({__version__}) reads format {state.FORMAT}, layout {LAYOUT} "
                "only. Start it with another --state-file, or delete this one to start "
                "afresh.")
        return "rest" in found

    def load(self) -> None:
        """Put the kept state into the backend: the clock resumes as if it had run
        meanwhile (a lease's deadline stands: one that passed while the emulator was down
        expires at once)."""
        db = self._connection()
        events = {seq: _with_state(marshal.loads(row), row_state, deliveries)
                  for seq, row, row_state, deliveries in db.execute(
                      "SELECT seq, row, state, deliveries FROM events JOIN event_states "
                      "USING (seq)")}
        leases = [state.LeaseRow(*row) for row in
                  db.execute("SELECT handle, sub_app_id, seq, expires_at FROM leases")]
        confirmed = [state.ConfirmedRow(*row) for row in
                     db.execute("SELECT handle, sub_app_id, until FROM confirmed")]
        journal = [JournalEntry(*entry) for (entries,) in
                   db.execute("SELECT entries FROM journal ORDER BY last_seq")
                   for entry in marshal.loads(entries)]
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
        self.backend.snapshots.keeper = self  # kept in the file as they are saved
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
        self.backend.snapshots.keeper = None
        self._writer.shutdown()
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
        if self._closed:
            return
        if not self._pending():  # collected already: in the commit under way, if any
            if self._writing_batch is not None:
                await asyncio.shield(self._writing_batch)
            return
        loop = asyncio.get_running_loop()
        if self._next is None:
            self._next = loop.create_future()
            if self._writing is None:
                # On the loop's next turn: the changes of every request handled in this
                # turn join the same commit.
                loop.call_soon(self._start_writing)
        await asyncio.shield(self._next)

    def _start_writing(self) -> None:
        """Collect what changed and commit it on the writer thread (SQLite lets the loop
        run meanwhile); the requests that wait meanwhile form the next commit."""
        waiting, self._next = self._next, None
        if waiting is None:
            return
        self._writing_batch = waiting
        try:
            batch = self._collect()
        except Exception as error:  # noqa: BLE001 (the waiters answer with it)
            self._writing_batch = None
            waiting.set_exception(error)
            return
        loop = asyncio.get_running_loop()
        if self._light and sum(len(rows) for _, rows in batch) <= INLINE_ROWS:
            # A request's few rows: committed here, in less time than the trip to the
            # writer thread and back (and its wait for the interpreter) would take.
            self._writing = loop.create_future()
            try:
                self._commit(batch)
                self._writing.set_result(None)
            except Exception as error:  # noqa: BLE001 (the waiters answer with it)
                self._writing.set_exception(error)
            self._committed(self._writing, waiting)
            return
        self._writing = loop.run_in_executor(self._writer, self._commit, batch)
        self._writing.add_done_callback(lambda done: self._committed(done, waiting))

    def _committed(self, done: asyncio.Future[None], waiting: asyncio.Future[None]) -> None:
        self._writing = self._writing_batch = None
        error = done.exception()
        if error is None:
            waiting.set_result(None)
        else:
            self.backend.changes.all()  # nothing was written: the next commit writes all
            waiting.set_exception(error)
        if self._next is not None and not self._closed:
            self._start_writing()

    def _pending(self) -> bool:
        return (self.backend.changes.pending or self._fingerprint != self._fingerprint_now()
                or self.backend.journal.last_seq != self._journal_written)

    def _fingerprint_now(self) -> tuple[int, int]:
        """What moves when the rest changes without a request asking (a callback
        attempt, a fault acting on a pull)."""
        return (self.backend.callbacks.recorded, self.backend.faults.applied)

    # ----- writing

    def flush(self) -> None:
        """Commit every change made since the last commit, now (start-up, shutdown)."""
        if self._closed:
            return
        if self._writing is not None:  # one under way on the writer thread: after it
            concurrent.futures.wait([self._writer.submit(lambda: None)])
        self._commit(self._collect())

    def _collect(self) -> Batch:
        """The statements that write every change made since the last collection."""
        taken = self.backend.changes.taken()
        fingerprint = self._fingerprint_now()
        batch: Batch = []
        # Light: rows a request touched, nothing that rewrites or deletes at large.
        self._light = not (taken.everything or taken.rest or self._snapshot_changes
                           or fingerprint != self._fingerprint
                           or (self.commits + 1) % _TIDY_EVERY == 0)
        if taken.everything:
            self._collect_everything(batch)
        else:
            self._collect_events(batch, taken.new.values())
            # Apart from the rows (written once): a narrow table, so a drain's commits
            # rewrite few pages.
            batch.append(("UPDATE event_states SET state = ?, deliveries = ? WHERE seq = ?",
                          [(event.state, event.deliveries, seq)
                           for seq, event in taken.events.items()
                           if seq not in taken.new]))
            self._collect_handles(batch, taken.handles)
            if taken.rest or fingerprint != self._fingerprint:
                self._collect_rest(batch)
        self._collect_journal(batch)
        batch += self._snapshot_changes
        self._snapshot_changes = []
        batch.append(("INSERT OR REPLACE INTO meta VALUES ('counters', ?)",
                      [(state.counters_of(self.backend),)]))
        self.commits += 1
        if self.commits % _TIDY_EVERY == 0:
            batch.append(("DELETE FROM confirmed WHERE until < ?", [(self.backend.now(),)]))
            journal = self.backend.journal
            batch.append(("DELETE FROM journal WHERE last_seq <= ?",
                          [(self._journal_written - journal.max_entries,)]))
        if self._rows_since_compaction > max(10_000, 2 * len(self.backend.emitted)):
            self._light = False
            self._collect_compaction(batch)
        self._fingerprint = fingerprint
        return batch

    def _commit(self, batch: Batch) -> None:
        """Run a batch in one transaction (on the writer thread, or at start and stop)."""
        db = self._connection()
        db.execute("BEGIN")
        try:
            for statement, rows in batch:
                if rows:
                    db.executemany(statement, rows)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def _collect_everything(self, batch: Batch) -> None:
        batch.extend((f"DELETE FROM {table}", [()])  # noqa: S608 (the table names are ours)
                     for table in ("events", "event_states", "leases", "confirmed", "journal"))
        taken = state.take(self.backend)
        batch.append(("INSERT INTO events VALUES (?, ?)",
                      [(seq, marshal.dumps(state.plain_row(row)))
                       for seq, row in taken.events.items()]))
        batch.append(("INSERT INTO event_states VALUES (?, ?, ?)",
                      [(seq, row[_STATE_FIELD], row[_DELIVERIES_FIELD])
                       for seq, row in taken.events.items()]))
        batch.append(("INSERT INTO leases (handle, sub_app_id, seq, expires_at) "
                      "VALUES (?, ?, ?, ?)", taken.leases))
        batch.append(("INSERT INTO confirmed VALUES (?, ?, ?)", taken.confirmed))
        self._collect_meta(batch, taken.rest, taken.referenced)
        self._journal_epoch, self._journal_written = -1, 0
        self._rows_since_compaction = 0

    def _collect_events(self, batch: Batch, events: Iterable[EmittedEvent]) -> None:
        events = list(events)
        batch.append(("INSERT OR REPLACE INTO events VALUES (?, ?)",
                      [(event.seq, marshal.dumps(state.event_row(event))) for event in events]))
        batch.append(("INSERT OR REPLACE INTO event_states VALUES (?, ?, ?)",
                      [(event.seq, event.state, event.deliveries) for event in events]))
        self._rows_since_compaction += len(events)

    def _collect_handles(self, batch: Batch, handles: dict[str, EmittedEvent]) -> None:
        leased, ended, confirmed = [], [], []
        for handle, event in handles.items():
            queue = self.backend.queues.find(event.sub_app_id)
            lease = None if queue is None else queue.lease_of(handle)
            until = None if queue is None else queue.confirmed_until(handle)
            if lease is not None:
                leased.append((event.seq, handle, event.sub_app_id, lease.expires_at))
            else:
                ended.append((event.seq, handle))
            if until is not None:
                confirmed.append((handle, event.sub_app_id, until))
        # Its event's next lease replaces a lease's row; an ended one is deleted unless
        # that next lease has taken its place already.
        batch.append(("INSERT OR REPLACE INTO leases (seq, handle, sub_app_id, expires_at) "
                      "VALUES (?, ?, ?, ?)", leased))
        batch.append(("DELETE FROM leases WHERE seq = ? AND handle = ?", ended))
        batch.append(("INSERT INTO confirmed VALUES (?, ?, ?)", confirmed))

    def _collect_rest(self, batch: Batch) -> None:
        rest, referenced = state.rest_of(self.backend)
        # The rest refers to its events by row: those rows must be in the same commit.
        # (A pushed event's state is its delivery's, which the rest holds.)
        self._collect_events(batch, [event for seq, event in referenced.items()
                                     if seq not in self._referenced])
        self._collect_meta(batch, rest, set(referenced))

    def _collect_meta(self, batch: Batch, rest: bytes, referenced: set[int]) -> None:
        self._referenced = referenced
        batch.append(("INSERT OR REPLACE INTO meta VALUES (?, ?)", [
            ("format", state.FORMAT), ("layout", LAYOUT), ("version", __version__),
            ("rest", rest),
            ("referenced", marshal.dumps(sorted(referenced)))]))

    def _collect_journal(self, batch: Batch) -> None:
        journal = self.backend.journal
        if journal.epoch != self._journal_epoch:  # cleared: written again from its start
            batch.append(("DELETE FROM journal", [()]))
            self._journal_epoch, self._journal_written = journal.epoch, 0
        entries = journal.entries(after=self._journal_written)
        if entries:
            batch.append(("INSERT OR REPLACE INTO journal VALUES (?, ?)",
                          [(entries[-1].seq, marshal.dumps([tuple(entry) for entry in entries]))]))
            self._journal_written = entries[-1].seq

    def _collect_compaction(self, batch: Batch) -> None:
        """Drop the rows of events nothing needs any more: finished in their queue, older
        than the emitted record keeps, and not referred to by the rest."""
        oldest_kept = self.backend.emitted[0].seq if self.backend.emitted else 0
        batch.append(("CREATE TEMP TABLE IF NOT EXISTS needed (seq INTEGER PRIMARY KEY)",
                      [()]))
        batch.append(("DELETE FROM needed", [()]))
        batch.append(("INSERT INTO needed VALUES (?)", [(seq,) for seq in self._referenced]))
        batch.append(("DELETE FROM event_states WHERE seq < ? AND state IN (?, ?) "
                      "AND seq NOT IN (SELECT seq FROM needed)", [(oldest_kept, *_FINISHED)]))
        batch.append(("DELETE FROM events WHERE seq NOT IN (SELECT seq FROM event_states)",
                      [()]))
        self._rows_since_compaction = 0

    # ----- snapshots kept in the file

    def save_snapshot(self, snapshot: Snapshot) -> None:
        """Keep a snapshot in the file, with the next commit."""
        self._snapshot_changes.append((
            "INSERT OR REPLACE INTO snapshots VALUES (?, ?, ?)",
            [(snapshot.name, snapshot.taken_at, snapshot.state.to_bytes())]))
        self.backend.changes.other()

    def delete_snapshot(self, name: str) -> None:
        self._snapshot_changes.append(("DELETE FROM snapshots WHERE name = ?", [(name,)]))
        self.backend.changes.other()

    def _connection(self) -> sqlite3.Connection:
        if self._db is None:
            raise StateFileError("the state file is not open")
        return self._db


Batch = list[tuple[str, Sequence[Sequence[Any]]]]
"""Statements, each with the rows it is run for, committed as one transaction."""

_STATE_FIELD = state.EVENT_FIELDS.index("state")
_DELIVERIES_FIELD = state.EVENT_FIELDS.index("deliveries")
_TIDY_EVERY = 256
"""Commits between two removals of the rows no longer needed (old journal entries,
confirmed handles past their window)."""


def _with_state(row: state.EventRow, row_state: str, deliveries: int) -> state.EventRow:
    """An event's row with the state and deliveries written since the row itself."""
    fields = list(state.packed_row(row))
    fields[_STATE_FIELD], fields[_DELIVERIES_FIELD] = row_state, deliveries
    return tuple(fields)
