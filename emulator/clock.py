"""The emulator's one clock: everything time-based (holds, leases, retention) reads it.

Emulator time starts at wall-clock time and runs at real speed; ``advance()`` moves it
forward instantly. Whoever waits on emulator time uses ``sleep_until()``, which wakes
early when the clock is advanced, so a lease or a held pull due inside an advanced
span ends at once instead of after real seconds.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from datetime import UTC, datetime

from .wakeup import Wakeup

MAX_ADVANCE_SECONDS = 10 * 365.25 * 24 * 3600
"""One advance moves the clock at most ten years."""
LATEST_TIME = 253_402_300_799 - 100 * 365.25 * 24 * 3600
"""The clock stops short of year 9900: every time the emulator writes (payload times,
expiries, retention ends) stays within ISO 8601's four-digit years."""


class ClockLimitError(ValueError):
    """An advance the clock refuses: negative, not finite, too far in one step, or past
    the latest time it can show."""


class Clock:
    def __init__(
        self, start: float | None = None, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._wall_at_start = time.time() if start is None else start
        self._monotonic = monotonic
        self._monotonic_at_start = monotonic()
        self._offset = 0.0
        self.advanced = Wakeup()

    def now(self) -> float:
        """Emulator time, Unix seconds. Monotonic: it never goes back."""
        return self._wall_at_start + (self._monotonic() - self._monotonic_at_start) + self._offset

    @classmethod
    def frozen(cls, start: float = 1_767_225_600.0) -> Clock:
        """A clock that moves only when advanced (default start 2026-01-01T00:00:00Z)."""
        return cls(start=start, monotonic=lambda: 0.0)

    @property
    def offset(self) -> float:
        """How far emulator time is ahead of real time, in seconds."""
        return self._offset

    def advance(self, seconds: float) -> float:
        if not (math.isfinite(seconds) and 0 <= seconds <= MAX_ADVANCE_SECONDS):
            raise ClockLimitError(
                f"the clock moves forward by 0 to {MAX_ADVANCE_SECONDS:g} seconds (ten years) "
                f"at a time, not {seconds!r}"
            )
        if self.now() + seconds > LATEST_TIME:
            raise ClockLimitError(
                f"the clock cannot pass {iso8601(LATEST_TIME)}: it is {iso8601(self.now())}"
            )
        self._offset += seconds
        self.advanced.fire()
        return self.now()

    async def sleep_until(self, deadline: float, wake: asyncio.Future[None] | None = None) -> None:
        """Wait until emulator time reaches ``deadline``, the clock is advanced, or ``wake`` fires.

        Returns on the first of these; callers re-check their own condition after it.
        """
        remaining = deadline - self.now()
        if remaining <= 0:
            return
        waits = [self.advanced.future()] if wake is None else [self.advanced.future(), wake]
        timeout = None if remaining == math.inf else remaining
        await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)


def iso8601(unix_seconds: float) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ``, the time format of VOD payloads."""
    return datetime.fromtimestamp(int(unix_seconds), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
