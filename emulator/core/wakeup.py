"""A one-shot broadcast that many waiters share, re-armed after each firing."""

from __future__ import annotations

import asyncio


class Wakeup:
    def __init__(self) -> None:
        self._future: asyncio.Future[None] | None = None

    def future(self) -> asyncio.Future[None]:
        """The future the next ``fire()`` resolves. Needs a running loop."""
        if self._future is None or self._future.done():
            self._future = asyncio.get_running_loop().create_future()
        return self._future

    def fire(self) -> None:
        """Wake every current waiter. Safe to call with no loop and no waiters."""
        future = self._future
        if future is not None and not future.done():
            future.set_result(None)
