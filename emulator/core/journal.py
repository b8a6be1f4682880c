"""The delivery record: every enqueue, lease, expiry, confirm and drop, in order.

Tests wait on this record (through the admin API or the Python API) instead of sleeping.
"""

from __future__ import annotations

import asyncio
from array import array
from bisect import bisect_right
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, NamedTuple, Protocol, TypeVar, cast

from .ids import ANY_APP, AppFilter
from .wakeup import Wakeup

# Kinds of entries, one per state change of an event.
ENQUEUED = "enqueued"
LEASED = "leased"
EXPIRED = "expired"  # a lease's confirm window passed: the event is pullable again
CONFIRMED = "confirmed"
DROPPED = "dropped"  # retention passed before the event was confirmed
RELEASED = "released"  # leased, but the puller hung up before the answer: pullable again
# PUSH delivery (callbacks.py); ``detail`` says where, why or what the receiver answered.
ROUTED = "routed"  # to be POSTed to the application's NotificationUrl, not queued
SUPPRESSED = "suppressed"  # not notified at all: its switch is OFF, or PUSH without a URL
ATTEMPT_FAILED = "attempt_failed"  # a callback attempt failed; another is scheduled
DELIVERED = "delivered"
UNDELIVERED = "undelivered"  # the last attempt failed: kept, re-sendable on demand
REDELIVERY = "redelivery"  # a new series of attempts was asked for
ABANDONED = "abandoned"  # reset or shutdown came before the delivery ended
FAULT = "fault"  # an injected fault acted; ``detail`` names the rule and what it did
PROBE = "probe"  # a callback with a spoiled signature, sent to see the handler refuse it
KINDS = (ENQUEUED, LEASED, EXPIRED, CONFIRMED, DROPPED, RELEASED, ROUTED, SUPPRESSED,
         ATTEMPT_FAILED, DELIVERED, UNDELIVERED, REDELIVERY, ABANDONED, FAULT, PROBE)
_KIND_CODES = {kind: code for code, kind in enumerate(KINDS)}


class JournalEntry(NamedTuple):
    """One entry as the journal answers it (it keeps its entries in columns: ``_Rows``)."""

    seq: int  # 1, 2, 3... in recording order since the last reset
    at: float
    kind: str
    sub_app_id: int | None
    event_id: str  # "" when the entry concerns no one event (a fault on a whole request)
    handle: str | None = None
    detail: str | None = None

    def to_json(self) -> dict[str, Any]:
        return self._asdict()


DEFAULT_MAX_ENTRIES = 100_000


class Sequenced(Protocol):
    @property
    def seq(self) -> int: ...


S = TypeVar("S", bound=Sequenced)


def newer_than(items: deque[S], after: int) -> Sequence[S]:
    """The items with a seq above ``after``, oldest first, from a deque kept in seq order.
    A follower asks for the newest few: only those are walked (from the newest end), and
    when every item is newer the deque itself is answered, not a copy."""
    if not items or items[0].seq > after:
        return items
    newer: list[S] = []
    for item in reversed(items):
        if item.seq <= after:
            break
        newer.append(item)
    newer.reverse()
    return newer


ROWS_A_CHUNK = 4096
"""Entries a chunk of columns holds: the oldest chunk goes when all of it is evicted."""


class _Chunk:
    """Up to ROWS_A_CHUNK entries, a column per field."""

    __slots__ = ("seqs", "ats", "kinds", "sub_app_ids", "event_ids", "handles", "details")

    def __init__(self) -> None:
        self.seqs = array("q")
        self.ats = array("d")
        self.kinds = bytearray()  # each an index into KINDS
        self.sub_app_ids: list[int | None] = []
        self.event_ids: list[str] = []
        self.handles: list[str | None] = []
        self.details: list[str | None] = []

    def entry(self, row: int) -> JournalEntry:
        return JournalEntry(self.seqs[row], self.ats[row], KINDS[self.kinds[row]],
                            self.sub_app_ids[row], self.event_ids[row], self.handles[row],
                            self.details[row])

    def rows(self, first: int, kind: str | None, event_id: str | None) -> Iterator[int]:
        """The rows from ``first`` on of ``kind`` and ``event_id`` (None: any), found by
        the columns' own searches (in C), not by a loop over every row."""
        if event_id is not None:
            code = None if kind is None else _KIND_CODES[kind]
            ids, kinds, row = self.event_ids, self.kinds, first
            while True:
                try:
                    row = ids.index(event_id, row)
                except ValueError:
                    return
                if code is None or kinds[row] == code:
                    yield row
                row += 1
        elif kind is not None:
            kinds, wanted, row = self.kinds, _KIND_CODES[kind], first
            while (row := kinds.find(wanted, row)) >= 0:
                yield row
                row += 1
        else:
            yield from range(first, len(self.kinds))


class _Rows:
    """The newest ``max_entries`` entries in columns, chunk by chunk: an entry holds no
    tuple, float or int of its own (~50 bytes kept instead of ~170: one is recorded for
    every event queued, two more for every event drained)."""

    __slots__ = ("max_entries", "_chunks", "_evicted", "_size")

    def __init__(self, max_entries: int, entries: Iterable[JournalEntry] = ()) -> None:
        self.max_entries = max_entries
        self._chunks = [_Chunk()]
        self._evicted = 0  # rows of the first chunk no longer kept
        self._size = 0
        for entry in entries:
            self.append(*entry)

    def __len__(self) -> int:
        return self._size

    def append(self, seq: int, at: float, kind: str, sub_app_id: int | None,
               event_id: str, handle: str | None, detail: str | None) -> None:
        chunk = self._chunks[-1]
        if len(chunk.kinds) == ROWS_A_CHUNK:
            chunk = _Chunk()
            self._chunks.append(chunk)
        chunk.seqs.append(seq)
        chunk.ats.append(at)
        chunk.kinds.append(_KIND_CODES[kind])
        chunk.sub_app_ids.append(sub_app_id)
        chunk.event_ids.append(event_id)
        chunk.handles.append(handle)
        chunk.details.append(detail)
        if self._size < self.max_entries:
            self._size += 1
        else:  # the oldest is evicted (the newest is always kept: max_entries >= 1)
            self._evicted += 1
            if self._evicted == ROWS_A_CHUNK:
                del self._chunks[0]
                self._evicted = 0

    def after(self, seq: int, kind: str | None, event_id: str | None) -> Iterator[JournalEntry]:
        """The entries with a seq above ``seq``, oldest first, of ``kind`` and
        ``event_id`` (None: any). A follower asks for the newest few: the chunks are
        looked at from the newest end, and the rows by bisection."""
        chunks = self._chunks
        first_chunk = len(chunks)
        while first_chunk > 0 and (chunks[first_chunk - 1].seqs or [0])[-1] > seq:
            first_chunk -= 1
        for at in range(first_chunk, len(chunks)):
            chunk = chunks[at]
            first = self._evicted if at == 0 else 0
            first = max(first, bisect_right(chunk.seqs, seq, first))
            for row in chunk.rows(first, kind, event_id):
                yield chunk.entry(row)

    def without(self, sub_app_id: int | None) -> _Rows:
        """A copy without one application's entries."""
        return _Rows(self.max_entries, (entry for entry in self.after(0, None, None)
                                        if entry.sub_app_id != sub_app_id))


class Journal:
    """A bounded, ordered record of state changes, and a way to wait for one.

    It keeps the newest ``max_entries``; older ones are evicted, and ``evicted`` says
    how many, so a reader knows when the record it sees is not the whole story.
    """

    def __init__(self, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._entries = _Rows(max_entries)
        self._counts: dict[tuple[str, int | None], int] = {}  # by kind and application
        self._seq = 0
        self._forgotten = 0  # entries dropped by forget(): gone, but not evicted
        self.epoch = 0
        """Counts clears: ``seq`` starts again at 1 after one, so a follower that sees a
        new epoch starts again from the beginning."""
        self.changed = Wakeup()

    def record(
        self, at: float, kind: str, sub_app_id: int | None, event_id: str,
        handle: str | None = None, detail: str | None = None,
    ) -> None:
        self._seq += 1
        self._rows().append(self._seq, at, kind, sub_app_id, event_id, handle, detail)
        key = (kind, sub_app_id)
        self._counts[key] = self._counts.get(key, 0) + 1
        self.changed.fire()

    def entries(
        self, kind: str | None = None, event_id: str | None = None, after: int = 0,
        limit: int | None = None,
    ) -> list[JournalEntry]:
        """The kept entries, oldest first: of ``kind``, of ``event_id``, recorded after
        seq ``after``; at most ``limit`` of them (the oldest)."""
        if kind is not None and kind not in _KIND_CODES:
            return []
        chosen = self._rows().after(after, kind, event_id)
        if limit is None:
            return list(chosen)
        return [entry for _, entry in zip(range(limit), chosen, strict=False)]

    @property
    def size(self) -> int:
        """How many entries are kept now."""
        return len(self._rows())

    @property
    def last_seq(self) -> int:
        """The seq of the newest entry recorded since the last clear (0: none)."""
        return self._seq

    @property
    def evicted(self) -> int:
        """How many of the entries recorded since the last reset are no longer kept."""
        return self._seq - len(self._rows()) - self._forgotten

    def count(self, kind: str, sub_app_id: AppFilter = ANY_APP) -> int:
        """How many entries of ``kind`` were recorded since the last clear, for one
        application or (ANY_APP) all of them; not bounded by the window."""
        if sub_app_id == ANY_APP:
            return sum(n for (k, _), n in self._counts.items() if k == kind)
        return self._counts.get((kind, sub_app_id), 0)

    def forget(self, sub_app_id: int | None) -> None:
        """Drop one application's entries and counts (the others keep their seq)."""
        rows = self._rows()
        kept = self._entries = rows.without(sub_app_id)
        self._forgotten += len(rows) - len(kept)
        self._counts = {key: n for key, n in self._counts.items() if key[1] != sub_app_id}
        self.changed.fire()

    def clear(self) -> None:
        self._entries = _Rows(self.max_entries)
        self._counts.clear()
        self._seq = self._forgotten = 0
        self.epoch += 1
        self.changed.fire()

    def _rows(self) -> _Rows:
        rows: object = self._entries
        if type(rows) is _Rows:
            return rows
        # A state put back sets the entries as a deque of them (core/state.py).
        self._entries = _Rows(self.max_entries, cast(Iterable[JournalEntry], rows))
        return self._entries

    async def wait_for(
        self, condition: Callable[[], bool], timeout: float, also: Iterable[Wakeup] = ()
    ) -> bool:
        """Wait (real seconds) until ``condition()`` holds; re-checked on every change."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        wakeups = [self.changed, *also]
        while not condition():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            await asyncio.wait([w.future() for w in wakeups], timeout=remaining,
                               return_when=asyncio.FIRST_COMPLETED)
        return True
