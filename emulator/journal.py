"""The delivery record: every enqueue, lease, expiry, confirm and drop, in order.

Tests wait on this record (through the admin API or the Python API) instead of sleeping.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

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
KINDS = (ENQUEUED, LEASED, EXPIRED, CONFIRMED, DROPPED, RELEASED, ROUTED, SUPPRESSED,
         ATTEMPT_FAILED, DELIVERED, UNDELIVERED, REDELIVERY, ABANDONED)


class JournalEntry(NamedTuple):
    # A tuple: two are recorded per event drained, so they must be cheap to make.
    seq: int  # 1, 2, 3... in recording order since the last reset
    at: float
    kind: str
    sub_app_id: int | None
    event_id: str
    handle: str | None = None
    detail: str | None = None

    def to_json(self) -> dict[str, Any]:
        return self._asdict()


DEFAULT_MAX_ENTRIES = 100_000


class Journal:
    """A bounded, ordered record of state changes, and a way to wait for one.

    It keeps the newest ``max_entries``; older ones are evicted, and ``evicted`` says
    how many, so a reader knows when the record it sees is not the whole story.
    """

    def __init__(self, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._entries: deque[JournalEntry] = deque(maxlen=max_entries)
        self._counts: dict[str, int] = {}
        self._seq = 0
        self.changed = Wakeup()

    def record(
        self, at: float, kind: str, sub_app_id: int | None, event_id: str,
        handle: str | None = None, detail: str | None = None,
    ) -> None:
        self._seq += 1
        self._entries.append(
            JournalEntry(self._seq, at, kind, sub_app_id, event_id, handle, detail))
        self._counts[kind] = self._counts.get(kind, 0) + 1
        self.changed.fire()

    def entries(
        self, kind: str | None = None, event_id: str | None = None
    ) -> list[JournalEntry]:
        return [entry for entry in self._entries
                if (kind is None or entry.kind == kind)
                and (event_id is None or entry.event_id == event_id)]

    @property
    def evicted(self) -> int:
        """How many of the entries recorded since the last reset are no longer kept."""
        return self._seq - len(self._entries)

    def count(self, kind: str) -> int:
        """How many entries of ``kind`` were ever recorded (not bounded by the window)."""
        return self._counts.get(kind, 0)

    def clear(self) -> None:
        self._entries.clear()
        self._counts.clear()
        self._seq = 0
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
