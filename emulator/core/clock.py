"""The emulator's one clock: everything time-based (holds, leases, retention) reads it.

Emulator time starts at wall-clock time and runs at real speed; ``advance()`` moves it
forward instantly, ``freeze()`` stops it until ``resume()``, and ``set_scale()`` makes it
run faster (or slower) than real time. Whoever waits on emulator time uses
``sleep_until()``, which wakes early whenever the clock changes, so a lease or a held
pull due inside an advanced span ends at once instead of after real seconds.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from typing import Any, NamedTuple

from ..base.times import iso8601
from .wakeup import Wakeup

MAX_ADVANCE_SECONDS = 10 * 365.25 * 24 * 3600
"""One advance moves the clock at most ten years."""
ADVANCE_RANGE = (f"0 to {MAX_ADVANCE_SECONDS:,.0f} seconds (ten years) at a time; the clock "
                 "cannot go back")
"""What one advance may move the clock by, as the refusals say it."""
MAX_SCALE = 100_000.0
"""Emulator seconds per real second, at most: a day passes in under a second."""
LATEST_TIME = 253_402_300_799 - 100 * 365.25 * 24 * 3600
"""The clock stops short of year 9900: every time the emulator writes (payload times,
expiries, retention ends) stays within ISO 8601's four-digit years."""


class ClockKept(NamedTuple):
    now: float  # emulator time when kept
    wall_time: float  # real time when kept
    offset_seconds: float
    scale: float
    frozen: bool


class ClockLimitError(ValueError):
    """An advance the clock refuses: negative, not finite, too far in one step, or past
    the latest time it can show."""


def check_scale(scale: float) -> None:
    if not (math.isfinite(scale) and 0 < scale <= MAX_SCALE):
        raise ClockLimitError(f"the scale is more than 0 and at most {MAX_SCALE:g}, "
                              f"not {scale!r}")


class Clock:
    def __init__(
        self, start: float | None = None, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._monotonic = monotonic
        # Emulator time is _base plus the real seconds since _base_monotonic times _rate;
        # a change of rate rebases, so time already passed keeps the rate it passed at.
        self._base = time.time() if start is None else start
        self._base_monotonic = monotonic()
        self._scale = 1.0
        self._frozen = False
        self._offset = 0.0
        self.advanced = Wakeup()
        """Fired whenever the clock changes other than by running: an advance, a freeze,
        a resume, a new scale. Whoever sleeps on emulator time wakes and re-plans."""

    def now(self) -> float:
        """Emulator time, Unix seconds. Monotonic: it never goes back, and it stops at
        LATEST_TIME however fast it runs."""
        return min(LATEST_TIME,
                   self._base + (self._monotonic() - self._base_monotonic) * self._rate)

    @property
    def _rate(self) -> float:
        return 0.0 if self._frozen else self._scale

    @classmethod
    def frozen(cls, start: float = 1_767_225_600.0) -> Clock:
        """A frozen clock: it moves only when advanced, until ``resume()`` (default start
        2026-01-01T00:00:00Z)."""
        clock = cls(start=start)
        clock._frozen = True
        return clock

    def to_json(self) -> dict[str, Any]:
        """How the clock stands, as the admin API and the stream show it."""
        return {"now": self.now(), "offset_seconds": self.offset, "scale": self.scale,
                "frozen": self.is_frozen}

    @property
    def offset(self) -> float:
        """How far advances have moved emulator time, in seconds."""
        return self._offset

    @property
    def scale(self) -> float:
        return self._scale

    @property
    def is_frozen(self) -> bool:
        return self._frozen

    def freeze(self) -> None:
        """Stop emulator time (advances still move it) until ``resume()``."""
        self._rebase()
        self._frozen = True
        self.advanced.fire()

    def resume(self) -> None:
        self._rebase()
        self._frozen = False
        self.advanced.fire()

    def set_scale(self, scale: float) -> None:
        """Run ``scale`` emulator seconds per real second from now on (1: real time)."""
        check_scale(scale)
        self._rebase()
        self._scale = scale
        self.advanced.fire()

    def _rebase(self) -> None:
        self._base, self._base_monotonic = self.now(), self._monotonic()

    def advance(self, seconds: float) -> float:
        self.check_advance(seconds)
        self._offset += seconds
        self._base += seconds
        self.advanced.fire()
        return self.now()

    def kept(self) -> ClockKept:
        """How the clock stands, to be kept with the state (snapshots, the state file)."""
        return ClockKept(self.now(), time.time(), self._offset, self._scale, self._frozen)

    def restore(self, kept: ClockKept, resume: bool) -> None:
        """Stand as ``kept`` says. ``resume`` (a restart): the real time passed since it was
        kept has passed for the clock too, at its scale, unless it was frozen; otherwise
        (a snapshot restored) the clock reads what it read when it was kept."""
        now = kept.now
        if resume and not kept.frozen:
            now += max(0.0, time.time() - kept.wall_time) * kept.scale
        self._base, self._base_monotonic = min(now, LATEST_TIME), self._monotonic()
        self._offset, self._scale, self._frozen = kept.offset_seconds, kept.scale, kept.frozen
        self.advanced.fire()

    def check_advance(self, seconds: float) -> None:
        """Raise ClockLimitError if ``advance(seconds)`` would be refused."""
        if not (math.isfinite(seconds) and 0 <= seconds <= MAX_ADVANCE_SECONDS):
            raise ClockLimitError(f"an advance is {ADVANCE_RANGE}, not {seconds!r}")
        if self.now() + seconds > LATEST_TIME:
            raise ClockLimitError(
                f"the clock cannot pass {iso8601(LATEST_TIME)}: it is {iso8601(self.now())}"
            )

    async def sleep_until(self, deadline: float, wake: asyncio.Future[None] | None = None) -> None:
        """Wait until emulator time reaches ``deadline``, the clock is advanced, or ``wake`` fires.

        Returns on the first of these; callers re-check their own condition after it.
        """
        remaining = deadline - self.now()
        if remaining <= 0:
            return
        waits = [self.advanced.future()] if wake is None else [self.advanced.future(), wake]
        rate = self._rate
        # Real seconds until then. When it never comes by itself (the clock frozen, or
        # the deadline past LATEST_TIME, where the clock stops), only a change ends it.
        timeout = None if deadline > LATEST_TIME or rate == 0 else remaining / rate
        await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
