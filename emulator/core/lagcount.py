"""A count as it was some seconds ago: what DescribeEventsState answers when
``count_lag_seconds`` makes CountOfEventsToPull lag, as the real one does (the SDK says
about three minutes, an older page about five seconds).

Each change is kept with its emulator time, and only as far back as the lag reaches: the
newest change at or before ``now - lag`` is the answer, so older ones are forgotten as
the clock moves on. Changes at one instant (a frozen clock, a pull of 16) are one entry.
"""

from __future__ import annotations

from collections import deque


class LaggedCount:
    __slots__ = ("_changes", "_before")

    def __init__(self) -> None:
        self._changes: deque[tuple[float, int]] = deque()  # (when, the count from then)
        self._before = 0  # the count before the first change kept

    def __bool__(self) -> bool:
        """Whether any change is kept."""
        return bool(self._changes)

    def changed(self, now: float, old: int, new: int, lag: float) -> None:
        """The count went from ``old`` to ``new`` at ``now``; ``lag`` says how far back
        answers reach (0: keep nothing)."""
        changes = self._changes
        if lag <= 0:
            changes.clear()
            return
        if not changes:
            self._before = old
        if changes and changes[-1][0] == now:
            changes[-1] = (now, new)
        else:
            changes.append((now, new))
        self._forget(now - lag)

    def at(self, now: float, lag: float, current: int) -> int:
        """The count ``lag`` seconds before ``now``; ``current`` when nothing changed
        since the lag began to be kept (or there is no lag)."""
        changes = self._changes
        if lag <= 0 or not changes:
            return current
        then = now - lag
        self._forget(then)
        when, count = changes[0]
        return count if when <= then else self._before

    def _forget(self, then: float) -> None:
        """Drop the changes an answer at ``then`` or later can no longer need: all but
        the newest at or before ``then``."""
        changes = self._changes
        while len(changes) > 1 and changes[1][0] <= then:
            self._before = changes.popleft()[1]
