"""A real HTTP server that receives the emulator's callbacks, for tests of PUSH delivery.

It runs on its own event loop in a background thread, so synchronous tests and an
EmulatorThread can both use it. It records every request and answers as a test tells it:
a status, the first k requests failed, a slow answer, no answer at all (hanging until the
receiver stops), or a connection closed without an answer.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from aiohttp import web


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    arrived: float  # time.monotonic()

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Behaviour:
    status: int = 200
    delay: float = 0.0  # real seconds before answering
    hang: bool = False  # never answer (until the receiver stops)
    drop: bool = False  # close the connection without an answer
    fail_first: int = 0  # the first k requests (counted from this setting) get fail_status
    fail_status: int = 500
    headers: tuple[tuple[str, str], ...] = ()  # sent with the answer (e.g. a Location)


class Receiver:
    """``with Receiver() as receiver: receiver.url`` — a callback receiver on 127.0.0.1."""

    def __init__(self) -> None:
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="callback-receiver", daemon=True)
        self._ready = threading.Event()
        self._changed = threading.Condition()
        self._received: list[Received] = []
        self._behaviour = Behaviour()
        self._since = 0  # requests received before the current behaviour was set
        self._runner: web.AppRunner | None = None
        self._released: asyncio.Event | None = None
        self._done: asyncio.Event | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/callback"

    # ----- telling it how to answer

    def behave(self, **behaviour: Any) -> None:
        """Answer the requests from now on as ``Behaviour(**behaviour)`` says."""
        with self._changed:
            self._behaviour = Behaviour(**behaviour)
            self._since = len(self._received)

    # ----- what it received

    @property
    def received(self) -> list[Received]:
        with self._changed:
            return list(self._received)

    @property
    def count(self) -> int:
        with self._changed:
            return len(self._received)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """Block until at least ``count`` requests arrived; AssertionError after ``timeout``."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self._received) >= count, timeout):
                raise AssertionError(
                    f"the receiver got {len(self._received)} requests, not {count}, "
                    f"within {timeout} s")
            return list(self._received)

    # ----- the server

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        with self._changed:
            index = len(self._received) - self._since
            behaviour = self._behaviour
            self._received.append(Received(request.method, request.path, dict(request.headers),
                                           body, time.monotonic()))
            self._changed.notify_all()
        if index < behaviour.fail_first:
            return web.Response(status=behaviour.fail_status)
        assert self._released is not None
        if behaviour.drop:
            assert request.transport is not None
            request.transport.close()
            await self._released.wait()  # nothing is written: the connection is gone
        if behaviour.hang:
            await self._released.wait()
        if behaviour.delay:
            await asyncio.sleep(behaviour.delay)  # the receiver being slow, not a test wait
        return web.Response(status=behaviour.status, text="ok", headers=dict(behaviour.headers))

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._serve())
        self._loop.close()

    async def _serve(self) -> None:
        self._released = asyncio.Event()
        self._done = asyncio.Event()
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5,
                                     handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self._ready.set()
        await self._done.wait()
        self._released.set()  # hanging handlers end, so nothing outlives the receiver
        await self._runner.cleanup()

    def start(self) -> Receiver:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the callback receiver did not start")
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            done = self._done
            assert done is not None
            self._loop.call_soon_threadsafe(done.set)
            self._thread.join(10)

    def __enter__(self) -> Receiver:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def refused_url() -> str:
    """A URL on 127.0.0.1 where nothing listens: a port bound, read back and released."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/callback"
