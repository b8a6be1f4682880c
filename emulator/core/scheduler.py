"""Work due at an emulator time: what an action sets off to happen later (the FileDeleted
a DeleteMedia is followed by).

``run()`` sleeps until the next piece is due (or the clock changes) and does it; the
backend also does what is due before an operation that could see it and after every
clock change, so an answer never depends on the timer's timing. A reset cancels what is
scheduled, of every application or of one.
"""

from __future__ import annotations

import asyncio
import heapq
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from .clock import Clock
from .ids import SubAppId
from .limits import SLICE_SECONDS
from .wakeup import Wakeup


@dataclass(order=True)
class _Due:
    at: float
    seq: int
    sub_app_id: SubAppId = field(compare=False)
    work: Callable[[], object] = field(compare=False)  # what it answers is dropped


class Scheduler:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._due: list[_Due] = []  # a heap, the soonest first
        self._scheduled = 0  # pieces of work scheduled: ties due at once go in this order
        self._sooner = Wakeup()  # the timer sleeps until the soonest; a sooner one wakes it

    def at(self, at: float, sub_app_id: SubAppId, work: Callable[[], object]) -> None:
        """Do ``work`` once emulator time reaches ``at``."""
        self._scheduled += 1
        heapq.heappush(self._due, _Due(at, self._scheduled, sub_app_id, work))
        self._sooner.fire()

    def run_due(self) -> None:
        """Do everything due by now, the soonest first."""
        for _ in self.due_work():
            pass

    def due_work(self) -> Iterator[None]:
        """Do what is due by now, the soonest first, one piece per step (whoever walks it
        may hand the event loop back between steps: a clock advanced by days can make
        thousands of tasks' events due at once)."""
        now = self.clock.now()
        while self._due and self._due[0].at <= now:
            heapq.heappop(self._due).work()
            yield None

    @property
    def pending(self) -> int:
        return len(self._due)

    async def run(self) -> None:
        """Do each piece of work when it falls due, handing the loop back every
        ``SLICE_SECONDS``. Runs until cancelled."""
        while True:
            deadline = time.perf_counter() + SLICE_SECONDS
            for _ in self.due_work():
                if time.perf_counter() >= deadline:
                    await asyncio.sleep(0)
                    deadline = time.perf_counter() + SLICE_SECONDS
            soonest = self._due[0].at if self._due else math.inf
            await self.clock.sleep_until(soonest, self._sooner.future())

    def clear(self) -> None:
        self._due.clear()
        self._sooner.fire()

    def forget(self, sub_app_id: SubAppId) -> None:
        self._due = [due for due in self._due if due.sub_app_id != sub_app_id]
        heapq.heapify(self._due)
        self._sooner.fire()
