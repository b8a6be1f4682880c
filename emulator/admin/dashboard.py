"""The dashboard's server side: its static files at ``/_emulator/ui/``, the live stream
it (or any script) follows at ``/_emulator/stream``.

The dashboard is one more client of the admin API: everything it shows or does goes
through the documented routes; the stream is the journal, pushed instead of polled.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from ..base.jsontext import compact
from ..core.backend import VodBackend
from .http import HELD_REQUESTS, PREFIX, Route, WebHandler, add_route

UI_DIRECTORY = Path(__file__).parent.parent / "ui"
UI_PREFIX = f"{PREFIX}/ui/"
STREAM_BATCH = 500
"""Journal entries per stream message, at most."""
STREAM_KEEPALIVE_SECONDS = 15.0
STREAM_PACE_SECONDS = 0.05
"""A stream sends at most one message per this long: a bulk emit arrives in batches,
not one message per entry."""
CONTENT_TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css",
                 ".svg": "image/svg+xml", ".txt": "text/plain", ".json": "application/json"}
"""What the dashboard's files are served as, by suffix (no other file is served)."""
DashboardHandler = Callable[[VodBackend, web.Request], Awaitable[web.StreamResponse]]
_SECURITY_HEADERS = {
    # Nothing but the emulator itself: no CDN, no request leaving it, no framing.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
                               "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


def add_dashboard_routes(app: web.Application, backend_key: web.AppKey[VodBackend]) -> None:
    for route in ROUTES:
        add_route(app, route, _with_backend(route.handler, backend_key))


def _with_backend(handler: DashboardHandler,
                  backend_key: web.AppKey[VodBackend]) -> WebHandler:
    async def answer(request: web.Request) -> web.StreamResponse:
        return await handler(request.app[backend_key], request)

    return answer


@functools.cache
def _files() -> dict[str, Path]:
    """The dashboard's files by name: only these are ever served."""
    return {path.name: path for path in UI_DIRECTORY.iterdir()
            if path.is_file() and path.suffix in CONTENT_TYPES}


async def _ui(backend: VodBackend, request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"] or "index.html"
    path = _files().get(name)  # only the package's own files: no path ever reaches disk
    if path is None:
        raise web.HTTPNotFound()
    return web.Response(body=path.read_bytes(), headers=_SECURITY_HEADERS,
                        content_type=CONTENT_TYPES[path.suffix], charset="utf-8")


async def _ui_root(backend: VodBackend, request: web.Request) -> web.StreamResponse:
    raise web.HTTPPermanentRedirect(UI_PREFIX)


# ----- the live stream (server-sent events)


async def _stream(backend: VodBackend, request: web.Request) -> web.StreamResponse:
    """``text/event-stream``: a ``hello`` (clock, epoch, newest seq), then ``journal``
    messages (lists of entries, in order), ``clock`` when the clock changes, ``reset``
    when a full reset starts the journal again. Each journal message's id is
    ``epoch:seq``, so a browser reconnecting (EventSource does by itself) resumes where
    it was; ``?after=SEQ`` starts there, else at the newest entry."""
    epoch, after = _resume_point(request, backend.journal_epoch, backend.journal_last_seq)
    response = web.StreamResponse(headers={
        "Content-Type": "text/event-stream", "Cache-Control": "no-cache",
        "X-Accel-Buffering": "no"})
    await response.prepare(request)
    if request.method == "HEAD":  # the headers say what it is; a HEAD gets no stream
        return response

    async def send(event: str, data: Any, event_id: str | None = None) -> None:
        head = f"id: {event_id}\n" if event_id else ""
        await response.write(f"{head}event: {event}\ndata: ".encode() + compact(data) + b"\n\n")

    def clock_setting() -> dict[str, Any]:  # what a change of the clock changes
        return {name: value for name, value in backend.clock_state().items() if name != "now"}

    def news() -> bool:  # something to send
        return (backend.journal_epoch != epoch or clock_setting() != sent_clock
                or bool(backend.journal_entries(after=after, limit=1)))

    held = request.app[HELD_REQUESTS]
    held.streams += 1
    try:
        await send("hello", {"epoch": backend.journal_epoch,
                             "last_seq": backend.journal_last_seq,
                             "clock": backend.clock_state()})
        sent_clock = clock_setting()
        while not backend.stopping:
            # Each pass compares with what was sent, so a change made while this stream
            # was writing or pacing itself is never missed.
            if backend.journal_epoch != epoch:
                epoch, after = backend.journal_epoch, 0
                await send("reset", {"epoch": epoch}, f"{epoch}:0")
            if clock_setting() != sent_clock:
                sent_clock = clock_setting()
                await send("clock", backend.clock_state())
            entries = backend.journal_entries(after=after, limit=STREAM_BATCH)
            if entries:
                after = entries[-1].seq
                await send("journal", [entry.to_json() for entry in entries], f"{epoch}:{after}")
                await asyncio.sleep(STREAM_PACE_SECONDS)
                continue
            if not await backend.wait_for(news, STREAM_KEEPALIVE_SECONDS):
                await response.write(b": keep-alive\n\n")
    except ConnectionError:
        pass  # the reader went away: nothing to finish
    finally:
        held.streams -= 1
    return response


def _resume_point(request: web.Request, epoch: int, last_seq: int) -> tuple[int, int]:
    """(epoch, seq) to send entries after: from Last-Event-ID (a reconnection), else
    ``?after=``, else now. A Last-Event-ID of another epoch (the emulator was reset or
    restarted meanwhile) starts over."""
    last_id = request.headers.get("Last-Event-ID", "")
    seen_epoch, _, seen_seq = last_id.partition(":")
    if seen_epoch.isdigit() and seen_seq.isdigit() and len(last_id) < 40:
        return (epoch, int(seen_seq)) if int(seen_epoch) == epoch else (epoch, 0)
    after = request.query.get("after", "")
    if after.isdigit() and len(after) < 20:
        return epoch, int(after)
    return epoch, last_seq


ROUTES: tuple[Route[DashboardHandler], ...] = (
    # Their query parameters are not checked: a browser's page may carry any.
    Route("GET", "/ui", "getDashboardRedirect", _ui_root, checks_query=False),
    Route("GET", "/ui/{name:[A-Za-z0-9_.-]*}", "getDashboardFile", _ui, checks_query=False),
    Route("GET", "/stream", "getStream", _stream, ("after",), checks_query=False),
)
"""The dashboard's routes, read by the registration and the OpenAPI document alike."""
