"""A callback receiver for tests of PUSH delivery: a real HTTP server on 127.0.0.1.

It runs on its own event loop in a background thread, so synchronous tests (and an
emulator in a thread of its own) can use it. It records every request it is sent and
answers as a test tells it: a status, the first k requests failed, a slow answer, no
answer until released (past any sender's timeout), or a connection closed without an
answer. Given a SignKey it checks each body's ``Sign`` and ``T`` as a careful webhook
handler does, and refuses (401, 403) what it cannot trust. Tests wait on what it
received (``wait_for``), never sleep.

>>> with CallbackReceiver(sign_key="mySignKey") as receiver:
...     receiver.fail_first(2)       # 500, 500, then 200
...     ...                          # point an application at receiver.url, emit
...     receiver.wait_for(3)         # the three attempts, as Received records
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from ..base.background import BackgroundServer, listen
from ..base.numeric import is_integer
from ..core import signature

__all__ = ["Behaviour", "CallbackReceiver", "Received", "refused_url"]

UNSIGNED_STATUS = 401  # no Sign, or not the MD5 of SignKey + T: the sender is not trusted
EXPIRED_STATUS = 403  # a genuine Sign whose T (its expiry) is past: a replay is refused
_STOP_SECONDS = 10.0  # start() and stop() give up (RuntimeError) after this long


@dataclass(frozen=True)
class Received:
    """One request, as it arrived, and how the receiver answered it."""

    method: str
    path: str
    headers: Mapping[str, str]  # case-insensitive
    body: bytes
    json: Any  # the body parsed; None when it is not JSON
    arrived: float  # time.monotonic()
    # The answer chosen (sent once any hang or delay ends); None: closed without one. A
    # request still hanging or delayed when the receiver stops gets no answer.
    status: int | None
    refused: str | None = None  # why the signature check refused it (then status 401/403)


@dataclass(frozen=True)
class Behaviour:
    """How to answer the requests from when it is set (``CallbackReceiver.behave``)."""

    status: int = 200
    delay: float = 0.0  # real seconds before answering
    hang: bool = False  # answer only once released (``release()``); a stop answers nothing
    drop: bool = False  # close the connection without an answer
    fail_first: int = 0  # the next k requests (refused ones too) get fail_status at once
    fail_status: int = 500
    headers: tuple[tuple[str, str], ...] = ()  # sent with the answer (e.g. a Location)


@dataclass(frozen=True)
class _SignatureCheck:
    sign_key: str
    clock: Callable[[], float]


class CallbackReceiver(BackgroundServer):
    """``with CallbackReceiver() as receiver: receiver.url`` — see the module's text."""

    start_timeout = _STOP_SECONDS
    stop_timeout = _STOP_SECONDS

    def __init__(
        self,
        sign_key: str | None = None,
        clock: Callable[[], float] = time.time,
        path: str = "/callback",
    ) -> None:
        super().__init__("the callback receiver", "callback-receiver")
        self.path = path
        self._changed = threading.Condition()
        self._received: list[Received] = []
        self._behaviour = Behaviour()
        self._since = 0  # requests received before the current behaviour was set
        self._in_flight = 0
        self._check: _SignatureCheck | None = None
        if sign_key is not None:
            self.check_signatures(sign_key, clock)
        # Loop-side state, made on the receiver's loop.
        self._stopping: asyncio.Event | None = None
        self._release: asyncio.Event | None = None  # the hanging requests' current one

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"

    # ----- telling it how to answer (each replaces the behaviour; signatures stay checked)

    def behave(self, **behaviour: Any) -> None:
        """Answer the requests from now on as ``Behaviour(**behaviour)`` says."""
        chosen = Behaviour(**behaviour)
        with self._changed:
            self._behaviour = chosen
            self._since = len(self._received)

    def answer(self, status: int) -> None:
        """Answer every request from now on with ``status``."""
        self.behave(status=status)

    def fail_first(self, count: int, status: int = 500) -> None:
        """Answer the next ``count`` requests with ``status``, the ones after with 200
        (a request the signature check refuses counts as one of them)."""
        self.behave(fail_first=count, fail_status=status)

    def hang(self) -> None:
        """Answer nothing until ``release()`` (``stop()`` closes the connection instead):
        the sender times out first."""
        self.behave(hang=True)

    def drop(self) -> None:
        """Close each connection without an answer (the sender sees a reset)."""
        self.behave(drop=True)

    def delay(self, seconds: float, status: int = 200) -> None:
        """Answer ``status`` after ``seconds`` real seconds."""
        self.behave(delay=seconds, status=status)

    def release(self) -> None:
        """Let every request hanging now answer (with the status of its behaviour);
        requests that arrive later hang again while the behaviour says so."""
        self._call_soon(self._release_hanging)

    def check_signatures(
        self, sign_key: str | None, clock: Callable[[], float] = time.time
    ) -> None:
        """With a SignKey, refuse a body whose ``Sign`` is not the hex MD5 of
        SignKey + ``T`` (answering 401), or whose ``T``, its expiry, is before
        ``clock()`` (403), before any behaviour; ``None`` turns the check off. The
        emulator signs so that real time and its own clock judge a T alike, wherever its
        clock stands; pass its clock (``vod_emulator.use_callbacks`` does) to judge as
        the emulator does, e.g. a body replayed after an advance as expired."""
        with self._changed:
            self._check = None if sign_key is None else _SignatureCheck(sign_key, clock)

    def clear(self) -> None:
        """Forget what was received, answer 200 again, and release what hangs; the
        signature check stays as set."""
        with self._changed:
            self._received.clear()
            self._behaviour = Behaviour()
            self._since = 0
        self.release()

    # ----- what it received

    @property
    def received(self) -> list[Received]:
        with self._changed:
            return list(self._received)

    @property
    def refused(self) -> list[Received]:
        """The requests the signature check refused."""
        return [request for request in self.received if request.refused is not None]

    @property
    def count(self) -> int:
        with self._changed:
            return len(self._received)

    @property
    def in_flight(self) -> int:
        """Requests received and not answered yet (hanging, delayed)."""
        with self._changed:
            return self._in_flight

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """Block until at least ``count`` requests arrived (refused ones too); answer
        them all. TimeoutError after ``timeout`` seconds."""
        return self.wait_until(lambda received: len(received) >= count, timeout,
                               f"{count} requests")

    def wait_until(
        self,
        condition: Callable[[list[Received]], bool],
        timeout: float = 10.0,
        what: str = "the condition",
    ) -> list[Received]:
        """Block until ``condition(received)`` holds, re-checked on every arrival;
        answer what was received. TimeoutError after ``timeout`` seconds."""
        with self._changed:
            if not self._changed.wait_for(lambda: condition(list(self._received)), timeout):
                raise TimeoutError(
                    f"the receiver did not see {what} within {timeout} s: it got "
                    f"{len(self._received)} request(s)")
            return list(self._received)

    # ----- the server

    @staticmethod
    def _verdict(check: _SignatureCheck | None, body: Any) -> tuple[int, str] | None:
        """The refusal of an untrusted body (status, reason), or None."""
        if check is None:
            return None
        expiry = body.get("T") if isinstance(body, dict) else None
        sign = body.get("Sign") if isinstance(body, dict) else None
        if not is_integer(expiry) or not isinstance(sign, str):
            return UNSIGNED_STATUS, "no integer T and text Sign in the body"
        if not signature.is_genuine(check.sign_key, expiry, sign):
            return UNSIGNED_STATUS, f"wrong signature: Sign {sign!r} is not MD5(SignKey + T)"
        now = check.clock()
        if expiry < now:
            return EXPIRED_STATUS, f"expired signature: T {expiry} is before now ({now:.0f})"
        return None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
        assert self._release is not None and self._stopping is not None
        release = self._release  # taken at arrival: a later release() lets this one go
        # Outside the lock: the check's clock may ask the emulator for its time.
        verdict = self._verdict(self._check, parsed)
        with self._changed:
            index = len(self._received) - self._since
            behaviour = self._behaviour
            if verdict is not None:
                status: int | None = verdict[0]
            elif index < behaviour.fail_first:
                status = behaviour.fail_status
            else:
                status = None if behaviour.drop else behaviour.status
            self._received.append(Received(
                request.method, request.path, request.headers, body, parsed,
                time.monotonic(), status, None if verdict is None else verdict[1]))
            self._in_flight += 1
            self._changed.notify_all()
        try:
            if verdict is not None:  # why, as a handler should say it (the attempt keeps it)
                return web.json_response({"error": verdict[1]}, status=verdict[0])
            if index < behaviour.fail_first:
                return web.Response(status=status or 500)
            if behaviour.drop:
                return self._hang_up(request)
            if behaviour.hang:
                await _first_of(release, self._stopping)
            if behaviour.delay and not self._stopping.is_set():
                try:  # the receiver being slow, not a test waiting; a stop cuts it short
                    await asyncio.wait_for(self._stopping.wait(), behaviour.delay)
                except TimeoutError:
                    pass
            if self._stopping.is_set():  # gone before answering, as a stopped server is
                return self._hang_up(request)
            return web.Response(status=behaviour.status, text="ok",
                                headers=dict(behaviour.headers))
        finally:
            with self._changed:
                self._in_flight -= 1
                self._changed.notify_all()

    @staticmethod
    def _hang_up(request: web.Request) -> web.Response:
        """Close the connection without an answer (the response is never written)."""
        assert request.transport is not None
        request.transport.close()
        return web.Response()

    def _release_hanging(self) -> None:
        if self._release is not None:
            self._release.set()
            self._release = asyncio.Event()

    async def _open(self) -> tuple[web.AppRunner, int]:
        self._stopping = asyncio.Event()
        self._release = asyncio.Event()
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5,
                               handler_cancellation=True)
        return runner, await listen(runner, "127.0.0.1", 0)

    async def _close(self, runner: web.AppRunner) -> None:
        # Hanging and delayed requests end now, unanswered: nothing outlives the receiver.
        assert self._stopping is not None
        self._stopping.set()
        await super()._close(runner)

    def _start_error(self, failure: BaseException | None) -> BaseException:
        return RuntimeError(f"the callback receiver did not start: {failure!r}")

    def stop(self) -> None:
        """Stop listening; the connections of requests hanging or delayed are closed at
        once, unanswered (as a receiver that went away)."""
        super().stop()

    def __repr__(self) -> str:
        return f"<CallbackReceiver {self.url} received={self.count}>"


async def _first_of(*events: asyncio.Event) -> None:
    waits = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()


def refused_url() -> str:
    """A URL on 127.0.0.1 where nothing listens: a port bound, read back and released."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/callback"
