"""The ``/_emulator/*`` control API for tests and people.

Every route calls the same backend methods the Cloud API actions do. Bad input is a
400 with ``{"error": {"code": ..., "message": ...}}``.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from . import __version__
from .backend import VodBackend
from .events import EventInputError
from .jsontext import RawJson, compact
from .queue import QueuedEvent, SubAppId

_Route = Callable[[web.Request], Awaitable[web.Response]]
MAX_WAIT_SECONDS = 300.0


class AdminInputError(ValueError):
    pass


def add_admin_routes(app: web.Application, backend_key: web.AppKey[VodBackend]) -> None:
    def route(handler: Callable[[VodBackend, web.Request], Awaitable[Any]]) -> _Route:
        async def answer(request: web.Request) -> web.Response:
            try:
                result = await handler(app[backend_key], request)
            except (AdminInputError, EventInputError) as error:
                return _json({"error": {"code": "InvalidRequest", "message": str(error)}}, 400)
            return _json(result)

        return answer

    app.router.add_get("/_emulator/health", route(_health))
    app.router.add_get("/_emulator/clock", route(_clock))
    app.router.add_post("/_emulator/clock", route(_advance_clock))
    app.router.add_post("/_emulator/events", route(_emit))
    app.router.add_get("/_emulator/queues", route(_queues))
    app.router.add_get("/_emulator/queues/{sub_app_id}", route(_queue))
    app.router.add_post("/_emulator/wait", route(_wait))
    app.router.add_get("/_emulator/journal", route(_journal))
    app.router.add_post("/_emulator/reset", route(_reset))


def _json(document: Any, status: int = 200) -> web.Response:
    return web.Response(
        body=compact(document),
        status=status,
        content_type="application/json",
    )


async def _body(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError as error:
        raise AdminInputError(f"the body is not valid JSON: {error}") from None
    if not isinstance(body, dict):
        raise AdminInputError("the body must be a JSON object")
    return body


def _sub_app_id(value: Any) -> SubAppId:
    if value is None or value == "default":
        return None
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise AdminInputError(f"sub_app_id must be a positive integer or null, got {value!r}")
    return value


def _number(body: dict[str, Any], name: str, default: float | None = None) -> float:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise AdminInputError(f"{name} must be a number, got {value!r}")
    if value < 0:
        raise AdminInputError(f"{name} must be >= 0, got {value!r}")
    return float(value)


def _count(body: dict[str, Any], name: str, default: int) -> int:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise AdminInputError(f"{name} must be an integer, got {value!r}")
    return value


def _reject_unknown(body: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise AdminInputError(
            f"unknown field(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}"
        )


# ----- routes


async def _health(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    settings = backend.settings
    return {
        "status": "ok",
        "version": __version__,
        "now": backend.clock.now(),
        "seed": settings.seed,
        "verifies_signatures": settings.verifies_signatures,
        "long_poll_seconds": settings.long_poll_seconds,
        "confirm_window_seconds": settings.confirm_window_seconds,
        "retention_seconds": settings.retention_seconds,
    }


async def _clock(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    return {"now": backend.clock.now(), "offset_seconds": backend.clock.offset}


async def _advance_clock(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    body = await _body(request)
    _reject_unknown(body, {"advance_seconds"})
    if "advance_seconds" not in body:
        raise AdminInputError("advance_seconds is required")
    backend.clock.advance(_number(body, "advance_seconds"))
    return await _clock(backend, request)


_EMIT_SOURCES = ("type", "scenario", "events")


async def _emit(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    """Enqueue generated events (``type``), a scenario run, or given payloads (``events``)."""
    body = await _body(request)
    # "description" is documentation: fixture files carry one and are posted as they are.
    _reject_unknown(body, {*_EMIT_SOURCES, "count", "overrides", "sub_app_id", "description",
                           "with_content"})
    with_content = body.get("with_content", True)
    if not isinstance(with_content, bool):
        raise AdminInputError('"with_content" must be true or false')
    sub_app_id = _sub_app_id(body.get("sub_app_id"))
    sources = [name for name in _EMIT_SOURCES if name in body]
    if len(sources) != 1:
        raise AdminInputError('give exactly one of "type" (with optional "count" and '
                              '"overrides"), "scenario" or "events"')
    if sources != ["type"] and ("count" in body or "overrides" in body):
        raise AdminInputError('"count" and "overrides" go with "type"')
    if "events" in body:
        if not isinstance(body["events"], list):
            raise AdminInputError('"events" must be a list of EventContent objects')
        queued = backend.emit_events(body["events"], sub_app_id)
    elif "scenario" in body:
        if not isinstance(body["scenario"], str):
            raise AdminInputError('"scenario" must be a scenario name')
        queued = backend.emit_scenario(body["scenario"], sub_app_id)
    else:
        if not isinstance(body["type"], str):
            raise AdminInputError('"type" must be an EventType string')
        overrides = body.get("overrides")
        if overrides is not None and not isinstance(overrides, dict):
            raise AdminInputError('"overrides" must be an object, e.g. {"FileUploadEvent": {...}}')
        queued = backend.emit_generated(body["type"], _count(body, "count", 1), sub_app_id,
                                        overrides)
    return {"sub_app_id": sub_app_id, "events": [_event_view(e, with_content) for e in queued]}


def _event_view(event: QueuedEvent, with_content: bool) -> RawJson:
    """The event as the admin API shows it, as JSON: its payload's bytes spliced in."""
    head = compact(event.to_json(with_content=False))
    if not with_content:
        return RawJson(head)
    return RawJson(head[:-1] + b',"content":' + event.payload + b"}")


async def _queues(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    return {"queues": [state.to_json() for state in backend.queue_states()]}


async def _queue(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    sub_app_id = _sub_app_id(request.match_info["sub_app_id"])
    return backend.queues.queue(sub_app_id).snapshot()


_WAIT_COUNTS = ("pullable", "leased", "held_pulls", "confirmed")


async def _wait(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    """Answer once the queue reaches every given count ("at least"), or at the timeout."""
    body = await _body(request)
    _reject_unknown(body, {"sub_app_id", "timeout_seconds", *_WAIT_COUNTS})
    sub_app_id = _sub_app_id(body.get("sub_app_id"))
    wanted = {name: _count(body, name, 0) for name in _WAIT_COUNTS if name in body}
    if not wanted:
        raise AdminInputError(f"name at least one of {', '.join(_WAIT_COUNTS)}")
    timeout = min(_number(body, "timeout_seconds", 10.0), MAX_WAIT_SECONDS)

    def reached() -> bool:
        state = backend.queue_state(sub_app_id).to_json()
        return all(state[name] >= at_least for name, at_least in wanted.items())

    met = await backend.journal.wait_for(reached, timeout, also=[backend.clock.advanced])
    return {"met": met, "state": backend.queue_state(sub_app_id).to_json()}


async def _journal(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    kind = request.query.get("kind")
    return {"entries": [entry.to_json() for entry in backend.journal.entries(kind)]}


async def _reset(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    backend.reset()
    return {"reset": True}
