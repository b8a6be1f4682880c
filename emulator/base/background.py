"""An aiohttp server on its own event loop in a daemon thread, for synchronous code: the
emulator's ``EmulatorThread`` and the test clients' ``CallbackReceiver`` are both one.

``start()`` returns once the server listens (its port read back), or raises in the
caller's thread what stopped it from listening; ``stop()`` ends the loop and cleans up
the application on it; ``with`` does both.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from types import TracebackType
from typing import Any, Self, TypeVar

from aiohttp import web

T = TypeVar("T")


async def listen(runner: web.AppRunner, host: str, port: int) -> int:
    """Set the runner up and listen on ``host:port``; answer the port actually bound (port
    0 picks a free one). On failure what the setup started is cleaned up before raising."""
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    bound: int = runner.addresses[0][1]
    return bound


class BackgroundServer:
    """Subclasses say how to open their application (``_open``) and may add to how it
    closes (``_close``); this class owns the loop, the thread and their lifecycle."""

    start_timeout: float | None = None
    """How long ``start()`` waits for the server to listen (None: as long as it takes)."""
    stop_timeout: float | None = None
    """How long ``stop()`` waits for the thread to end (None: as long as it takes)."""

    def __init__(self, what: str, thread_name: str) -> None:
        self._what = what
        """What the server is, for messages ("the callback receiver")."""
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name=thread_name, daemon=True)
        self._ready = threading.Event()
        self._runner: web.AppRunner | None = None
        self._failure: BaseException | None = None

    async def _open(self) -> tuple[web.AppRunner, int]:
        """On the loop: start the application listening; answer its runner and port."""
        raise NotImplementedError

    async def _close(self, runner: web.AppRunner) -> None:
        """On the loop, once it stopped: end the application."""
        await runner.cleanup()

    def _start_error(self, failure: BaseException | None) -> BaseException:
        """What ``start()`` raises: ``failure`` (None when the wait timed out)."""
        return failure or RuntimeError(
            f"{self._what} did not start within {self.start_timeout} s")

    def start(self) -> Self:
        self._thread.start()
        if not self._ready.wait(self.start_timeout) or self._failure is not None:
            raise self._start_error(self._failure)
        return self

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(self.stop_timeout)
        if self._thread.is_alive():
            raise RuntimeError(f"{self._what} did not stop within {self.stop_timeout} s")

    def _call_soon(self, callback: Callable[[], Any]) -> None:
        """Run ``callback`` on the server's loop, if it runs."""
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(callback)

    def _run_on_loop(self, coroutine: Coroutine[Any, Any, T], timeout: float) -> T:
        """Run ``coroutine`` on the server's loop; wait for its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            try:
                self._runner, self.port = self._loop.run_until_complete(self._open())
            except BaseException as error:  # handed to start() in the caller's thread
                self._failure = error
                self._ready.set()
                return
            self._ready.set()
            try:
                self._loop.run_forever()
            finally:
                self._loop.run_until_complete(self._close(self._runner))
        finally:
            self._loop.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
