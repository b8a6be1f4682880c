"""The admin API's snapshot routes: keep the whole state under a name, list, restore and
delete what is kept, and move a snapshot in and out as one file (export, import).

A save and a restore run on the event loop (they read and replace the live state: ~4 ms
for 1,000 events); exporting (compressing) and importing (decompressing, checking) run in
a worker thread, so a large file never holds up the other requests.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from ..base.echo import shown
from ..base.jsontext import compact
from ..core.backend import VodBackend
from ..core.errors import NotFound
from ..core.limits import BODY_READ_SECONDS
from ..core.snapshots import SnapshotInputError, check_name
from .http import (
    PREFIX,
    AdminInputError,
    Route,
    WebHandler,
    add_route,
    check_query,
    error_response,
    read_body,
    reject_unknown,
)

MAX_IMPORT_BYTES = 256 * 2**20
"""The largest snapshot file ``PUT /snapshots/{snapshot}`` takes (413 past it)."""
_READ_CHUNK_BYTES = 2**20

SnapshotHandler = Callable[[VodBackend, web.Request], Awaitable[web.StreamResponse]]


class _TooLarge(Exception):
    """The body is larger than the route takes: 413."""


def add_snapshot_routes(app: web.Application, backend_key: web.AppKey[VodBackend]) -> None:
    for route in ROUTES:
        add_route(app, route, _answering(route.handler, frozenset(route.query), backend_key))


def _answering(handler: SnapshotHandler, query: frozenset[str],
               backend_key: web.AppKey[VodBackend]) -> WebHandler:
    """``handler`` as an aiohttp handler, its refusals answered as admin errors."""
    async def answer(request: web.Request) -> web.StreamResponse:
        try:
            check_query(request, query)
            return await handler(request.app[backend_key], request)
        except (AdminInputError, SnapshotInputError) as error:
            return error_response(400, str(error))
        except NotFound as error:
            return error_response(404, f"{error} (GET {PREFIX}/snapshots lists them)")
        except _TooLarge as error:
            return error_response(413, str(error))

    return answer


def _json(document: Any, status: int = 200) -> web.Response:
    return web.Response(body=compact(document), status=status,
                        content_type="application/json")


def _named(request: web.Request) -> str:
    name = request.match_info["snapshot"]
    check_name(name)
    return name


# ----- handlers


async def _save(backend: VodBackend, request: web.Request) -> web.StreamResponse:
    """Keep the state as it is now under ``name`` (one of that name is replaced)."""
    body = await read_body(request)
    reject_unknown(body, {"name"})
    if "name" not in body:
        raise AdminInputError('give the snapshot\'s "name"')
    return _json(backend.save_snapshot(body["name"]).summary(), 201)


async def _list(backend: VodBackend, request: web.Request) -> web.StreamResponse:
    return _json({"snapshots": [kept.summary() for kept in backend.snapshots.all()]})


async def _restore(backend: VodBackend, request: web.Request) -> web.StreamResponse:
    """Make the emulator stand as the snapshot does: a reset, then its state."""
    name = _named(request)
    body = await read_body(request)
    if body:
        raise AdminInputError(f"this route takes no fields (send {{}} or nothing), got "
                              f"{', '.join(shown(field) for field in sorted(body)[:5])}")
    return _json(backend.restore_snapshot(name).summary())


async def _delete(backend: VodBackend, request: web.Request) -> web.StreamResponse:
    name = _named(request)
    backend.snapshots.delete(name)
    return _json({"deleted": name})


async def _export(backend: VodBackend, request: web.Request) -> web.StreamResponse:
    """The snapshot as one file's bytes, compressed in a worker thread."""
    name = _named(request)
    backend.snapshots.get(name)  # 404 before any work
    data = await asyncio.to_thread(backend.snapshots.exported, name)
    return web.Response(body=data, content_type="application/octet-stream")


async def _import(backend: VodBackend, request: web.Request) -> web.StreamResponse:
    """Keep the exported file sent as the body under the path's name."""
    name = _named(request)
    data = await _read_file(request)
    if not data:
        raise AdminInputError("the body is empty: send the bytes of an exported snapshot "
                              f"(GET {PREFIX}/snapshots/{{snapshot}}/export)")
    imported = backend.snapshots.imported
    if backend.snapshots.keeper is None:  # nothing but memory: checked in a worker thread
        snapshot = await asyncio.to_thread(imported, name, data, backend.now())
    else:  # the state file's connection is the loop's own
        snapshot = imported(name, data, backend.now())
    return _json(snapshot.summary(), 201)


async def _read_file(request: web.Request) -> bytes:
    """The body as it is, up to MAX_IMPORT_BYTES, read as it arrives."""
    encoding = request.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        raise AdminInputError(
            f"Content-Encoding {shown(encoding)} is not supported: send the file as it is")
    too_large = (f"the body is larger than {MAX_IMPORT_BYTES // 2**20} MB, the largest "
                 "snapshot file taken")
    if (request.content_length or 0) > MAX_IMPORT_BYTES:
        raise _TooLarge(too_large)
    received = bytearray()
    try:
        async with asyncio.timeout(BODY_READ_SECONDS):
            async for chunk in request.content.iter_chunked(_READ_CHUNK_BYTES):
                received += chunk
                if len(received) > MAX_IMPORT_BYTES:
                    raise _TooLarge(too_large)
    except TimeoutError:
        raise AdminInputError(
            f"the body did not arrive within {BODY_READ_SECONDS:g} seconds") from None
    return bytes(received)


ROUTES: tuple[Route[SnapshotHandler], ...] = (
    Route("POST", "/snapshots", "saveSnapshot", _save),
    Route("GET", "/snapshots", "listSnapshots", _list),
    Route("POST", "/snapshots/{snapshot}/restore", "restoreSnapshot", _restore),
    Route("DELETE", "/snapshots/{snapshot}", "deleteSnapshot", _delete),
    Route("GET", "/snapshots/{snapshot}/export", "exportSnapshot", _export),
    Route("PUT", "/snapshots/{snapshot}", "importSnapshot", _import),
)
"""Every snapshot route, in the order they are registered."""
