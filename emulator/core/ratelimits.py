"""The counter that enforces the real service's request-rate limits (``ratetable``) on the
emulator clock when ``enforce_rate_limits`` is on.

The emulator has one account and one region, so it counts per action over every
SubAppId together. A request is counted in the whole second of the emulator clock it
arrives in (Tencent Cloud counts by arrival at its servers): a test freezes the clock,
sends the limit, sees the next refused, advances one second and is served again.
"""

from __future__ import annotations

from .clock import Clock
from .errors import ServiceError
from .ratetable import RATE_LIMITS


class RequestLimitExceeded(ServiceError):
    code = "RequestLimitExceeded"


def _refusal(count: int, per_second: int) -> RequestLimitExceeded:
    # The real service's words (its English answer, as the Go and Python SDKs show it).
    return RequestLimitExceeded(
        f"Your current request times equals to `{count}` in a second, which exceeds the "
        f"frequency limit `{per_second}` for a second. Please reduce the frequency of calls.")


class _Window:
    """One action's count in the current second: changed in place, never reallocated."""

    __slots__ = ("second", "count", "limit")

    def __init__(self, limit: int) -> None:
        self.second = -1
        self.count = 0
        self.limit = limit


class RateLimiter:
    """Counts each action's requests per whole second of the emulator clock: O(1) a
    request, nothing allocated."""

    __slots__ = ("_clock", "_windows")

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._windows = {action: _Window(limit.per_second)
                         for action, limit in RATE_LIMITS.items()}

    def admit(self, action: str) -> None:
        """Count one request of ``action``; RequestLimitExceeded (the request refused, so
        it changes nothing) when it is over its limit in this second."""
        window = self._windows[action]
        second = int(self._clock.now())
        if window.second != second:
            window.second, window.count = second, 0
        window.count += 1  # refused ones count too: the real answer numbers them
        if window.count > window.limit:
            raise _refusal(window.count, window.limit)

    def clear(self) -> None:
        """Every count back to zero (a full reset)."""
        for window in self._windows.values():
            window.second, window.count = -1, 0
