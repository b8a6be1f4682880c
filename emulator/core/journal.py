"""The delivery record: every enqueue, lease, expiry, confirm and drop, in order.

Tests wait on this record (through the admin API or the Python API) instead of sleeping.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple, Protocol, TypeVar

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


class JournalEntry(NamedTuple):
    # A tuple: two are recorded per event drained, so they must be cheap to make.
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


class Journal:
    """A bounded, ordered record of state changes, and a way to wait for one.

    It keeps the newest ``max_entries``; older ones are evicted, and ``evicted`` says
    how many, so a reader knows when the record it sees is not the whole story.
    """

    def __init__(self, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._entries: deque[JournalEntry] = deque(maxlen=max_entries)
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
        self._entries.append(
            JournalEntry(self._seq, at, kind, sub_app_id, event_id, handle, detail))
        key = (kind, sub_app_id)
        self._counts[key] = self._counts.get(key, 0) + 1
        self.changed.fire()

    def entries(
        self, kind: str | None = None, event_id: str | None = None, after: int = 0,
        limit: int | None = None,
    ) -> list[JournalEntry]:
        """The kept entries, oldest first: of ``kind``, of ``event_id``, recorded after
        seq ``after``; at most ``limit`` of them (the oldest)."""
        chosen = (entry for entry in newer_than(self._entries, after)
                  if (kind is None or entry.kind == kind)
                  and (event_id is None or entry.event_id == event_id))
        return list(chosen if limit is None else itertools.islice(chosen, limit))

    @property
    def size(self) -> int:
        """How many entries are kept now."""
        return len(self._entries)

    @property
    def last_seq(self) -> int:
        """The seq of the newest entry recorded since the last clear (0: none)."""
        return self._seq

    @property
    def evicted(self) -> int:
        """How many of the entries recorded since the last reset are no longer kept."""
        return self._seq - len(self._entries) - self._forgotten

    def count(self, kind: str, sub_app_id: AppFilter = ANY_APP) -> int:
        """How many entries of ``kind`` were recorded since the last clear, for one
        application or (ANY_APP) all of them; not bounded by the window."""
        if sub_app_id == ANY_APP:
            return sum(n for (k, _), n in self._counts.items() if k == kind)
        return self._counts.get((kind, sub_app_id), 0)

    def forget(self, sub_app_id: int | None) -> None:
        """Drop one application's entries and counts (the others keep their seq)."""
        kept = [entry for entry in self._entries if entry.sub_app_id != sub_app_id]
        self._forgotten += len(self._entries) - len(kept)
        self._entries = deque(kept, maxlen=self.max_entries)
        self._counts = {key: n for key, n in self._counts.items() if key[1] != sub_app_id}
        self.changed.fire()

    def clear(self) -> None:
        self._entries.clear()
        self._counts.clear()
        self._seq = self._forgotten = 0
        self.epoch += 1
        self.changed.fire()

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
