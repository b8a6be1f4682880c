"""create_app(settings): the aiohttp application, Cloud API at ``/`` and admin at
``/_emulator``, and its lifecycle: background work starts with the application and is
cancelled and awaited when it stops; held requests answer at once on shutdown."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import aiohttp
from aiohttp import web

from ._version import __version__
from .admin.dashboard import add_dashboard_routes
from .admin.http import (
    ALLOWED_HOST,
    HELD_REQUESTS,
    HeldRequests,
    WebHandler,
    admin_errors,
    same_origin_only,
)
from .admin.routes import add_admin_routes
from .cloudapi.endpoint import cloud_api_handler
from .cloudapi.protocol import MAX_BODY_BYTES
from .core.backend import VodBackend
from .core.callbacks import ANSWER_BODY_LIMIT, SendResult, read_answer
from .core.settings import Settings

if TYPE_CHECKING:  # sqlite3 and the file's format are loaded only for a state file
    from .core.statefile import StateFile

BACKEND = web.AppKey("backend", VodBackend)


def create_app(settings: Settings, backend: VodBackend | None = None) -> web.Application:
    # The body limit is ours to enforce (answered as RequestSizeLimitExceeded, HTTP 200).
    app = web.Application(client_max_size=MAX_BODY_BYTES + 1,
                          middlewares=[admin_errors, same_origin_only])
    app[BACKEND] = backend or VodBackend(settings)
    app[ALLOWED_HOST] = settings.host
    app[HELD_REQUESTS] = HeldRequests()
    app.router.add_route("*", "/", cloud_api_handler(BACKEND, settings))
    add_admin_routes(app, BACKEND)
    add_dashboard_routes(app, BACKEND)
    app.cleanup_ctx.append(_background_work)
    if settings.state_file is not None:
        from .core.statefile import StateFile

        _keep_state(app, StateFile(settings.state_file, app[BACKEND]))
    # Not in the cleanup context: held requests must answer before aiohttp waits for the
    # handlers still running, which comes before any cleanup.
    app.on_shutdown.append(_answer_held_requests)
    return app


async def _background_work(app: web.Application) -> AsyncIterator[None]:
    """While the application serves: the backend's timers, and the one pooled HTTP client
    that delivers callbacks. Both are cancelled or closed, and awaited, when it stops."""
    backend = app[BACKEND]
    task = asyncio.create_task(backend.run(), name="vod-emulator background")
    client = _CallbackClient()
    backend.set_callback_sender(client.send)
    yield
    backend.set_callback_sender(None)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await client.close()


class _CallbackClient:
    """The one pooled HTTP client that delivers callbacks (a ``Sender``), opened when the
    first callback is sent: starting to serve does not wait for it, nor does a server
    that sends none pay for it."""

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    def _opened(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                # No overall limit: each application has its own (callback_concurrency),
                # so one slow receiver cannot take the connections another one needs.
                connector=aiohttp.TCPConnector(limit=0),
                headers={"User-Agent": f"vod-emulator/{__version__}",
                         "Content-Type": "application/json"},
                trust_env=False,  # callbacks go where they are configured, never via a proxy
            )
        return self._session

    async def send(self, url: str, body: bytes, timeout: float) -> SendResult:
        # The session carries the headers; the timeout is the attempt's (a runtime setting).
        try:
            async with self._opened().post(
                    url, data=body, allow_redirects=False,
                    timeout=aiohttp.ClientTimeout(total=timeout)) as response:
                start = await _read_start(response.content, ANSWER_BODY_LIMIT + 1)
                answer = read_answer(start, response.headers.get(aiohttp.hdrs.CONTENT_TYPE))
                return SendResult(response.status, None, answer)
        except TimeoutError:
            return SendResult(None, f"no answer within {timeout:g} s")
        except (aiohttp.ClientError, OSError, ValueError) as error:
            return SendResult(None, f"{type(error).__name__}: {error}"[:500])

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


async def _read_start(content: aiohttp.StreamReader, size: int) -> bytes:
    """At most ``size`` bytes of an answer's body: the rest is never read (the connection
    is closed rather than drained), so a huge answer costs nothing."""
    start = bytearray()
    while len(start) < size:
        chunk = await content.read(size - len(start))
        if not chunk:
            break
        start += chunk
    return bytes(start)


async def _answer_held_requests(app: web.Application) -> None:
    """Shutdown: held PullEvents answer empty and waits answer at once, and callbacks in
    flight or scheduled are abandoned (each recorded), so the server stops in well under
    a second whatever is in flight."""
    backend = app[BACKEND]
    backend.stop()
    await backend.stop_callbacks()


# ----- the state file (serve --state-file)

STATE_FILE: web.AppKey[StateFile] = web.AppKey("state_file")


def _keep_state(app: web.Application, state_file: StateFile) -> None:
    """Read the state file at start (StateFileError now, before anything listens, if it
    cannot be used), answer each request only once what it changed is written, and write
    the last changes before shutdown abandons the callbacks in flight: with a state file,
    those go on after a restart."""
    if state_file.open():
        app.on_startup.append(lambda _: _load(state_file))
    else:
        app.on_startup.append(lambda _: _watch(state_file))
    app[STATE_FILE] = state_file
    app[BACKEND].persisted = state_file.written  # the Cloud API's answers wait on it
    app.middlewares.append(_admin_written_before_answered)
    app.on_shutdown.insert(0, lambda _: _close(state_file))


async def _load(state_file: StateFile) -> None:
    state_file.load()
    await _watch(state_file)


async def _watch(state_file: StateFile) -> None:
    state_file.watch()
    state_file.background = asyncio.create_task(state_file.run(), name="vod-emulator state")


async def _close(state_file: StateFile) -> None:
    if state_file.background is not None:
        state_file.background.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await state_file.background
    state_file.close()


@web.middleware
async def _admin_written_before_answered(request: web.Request,
                                         handler: WebHandler) -> web.StreamResponse:
    response = await handler(request)
    if request.path.startswith("/_emulator"):
        if request.method not in ("GET", "HEAD"):
            request.app[BACKEND].changes.other()  # an admin request may change anything
        await request.app[STATE_FILE].written()
    return response
