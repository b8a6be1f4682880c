"""create_app(settings): the aiohttp application, Cloud API at ``/`` and admin at
``/_emulator``, and its lifecycle: background work starts with the application and is
cancelled and awaited when it stops; held requests answer at once on shutdown."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from aiohttp import web

from .admin import add_admin_routes, admin_errors
from .backend import VodBackend
from .cloudapi.endpoint import cloud_api_handler
from .cloudapi.protocol import MAX_BODY_BYTES
from .config import Settings

BACKEND = web.AppKey("backend", VodBackend)


def create_app(settings: Settings, backend: VodBackend | None = None) -> web.Application:
    # The body limit is ours to enforce (answered as RequestSizeLimitExceeded, HTTP 200).
    app = web.Application(client_max_size=MAX_BODY_BYTES + 1, middlewares=[admin_errors])
    app[BACKEND] = backend or VodBackend(settings)
    app.router.add_route("*", "/", cloud_api_handler(BACKEND, settings))
    add_admin_routes(app, BACKEND)
    app.cleanup_ctx.append(_background_work)
    app.on_shutdown.append(_answer_held_requests)
    return app


async def _background_work(app: web.Application) -> AsyncIterator[None]:
    """The backend's timers run while the application serves; cancelled and awaited
    when it stops."""
    task = asyncio.create_task(app[BACKEND].run(), name="vod-emulator background")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _answer_held_requests(app: web.Application) -> None:
    """Shutdown: held PullEvents answer empty and waits answer at once, so the server
    stops in well under a second whatever is in flight."""
    app[BACKEND].stop()
