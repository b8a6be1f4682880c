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


class JournalEntry(NamedTuple):
    # A tuple: two are recorded per event drained, so they must be cheap to make.
    at: float
    kind: str
    sub_app_id: int | None
    event_id: str
    handle: str | None = None

    def to_json(self) -> dict[str, Any]:
        return self._asdict()


class Journal:
    """A bounded, ordered record of state changes, and a way to wait for one."""

    def __init__(self, max_entries: int = 100_000) -> None:
        self._entries: deque[JournalEntry] = deque(maxlen=max_entries)
        self._counts: dict[str, int] = {}
        self.changed = Wakeup()

    def record(self, entry: JournalEntry) -> None:
        self._entries.append(entry)
        self._counts[entry.kind] = self._counts.get(entry.kind, 0) + 1
        self.changed.fire()

    def entries(self, kind: str | None = None) -> list[JournalEntry]:
        return [e for e in self._entries if kind is None or e.kind == kind]

    def count(self, kind: str) -> int:
        """How many entries of ``kind`` were ever recorded (not bounded by the window)."""
        return self._counts.get(kind, 0)

    def clear(self) -> None:
        self._entries.clear()
        self._counts.clear()
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
