"""The ``/_emulator/*`` control API for tests and people.

Every route calls the same backend methods the Cloud API actions do. Every answer is
JSON, whatever the request: bad input is a 400 with
``{"error": {"code": "InvalidRequest", "message": ...}}`` naming what is wrong; an
unknown route is a 404 and a wrong method a 405 in the same format.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from . import callbacks
from . import journal as j
from ._version import __version__
from .backend import EmitInterrupted, EventFilter, VodBackend
from .clock import MAX_ADVANCE_SECONDS, MAX_SCALE, ClockLimitError, check_scale
from .config import SettingsError, runtime_view
from .echo import is_text, safe_text, shown
from .errors import ADMIN_ERROR_CODES, ServiceError
from .eventconfig import PARAMETERS
from .faults import FaultInputError
from .httplimits import BODY_READ_SECONDS
from .jsontext import JsonInputError, RawJson, compact, strict_loads
from .queue import Lease, QueuedEvent
from .subappid import InvalidSubAppId, SubAppId, check_sub_app_id, parse_sub_app_id

PREFIX = "/_emulator"
MAX_WAIT_SECONDS = 300.0
MAX_WAIT_COUNT = 10**9
MAX_BODY_DEPTH = 64
"""Deeper JSON than this is refused: no payload or override needs it."""
_DECODE_OFF_LOOP_BYTES = 256 * 1024
"""Bodies larger than this are decoded in a worker thread, not on the event loop."""
_STREAM_CHUNK_ITEMS = 128
"""Long lists are written this many items at a time, handing the loop back between."""

_log = logging.getLogger("vod_emulator")


class AdminInputError(ValueError):
    pass


class AdminNotFound(LookupError):
    """A thing the path names (a fault rule) does not exist."""


@dataclass(frozen=True)
class Streamed:
    """A long list in an answer: encoded and written a chunk at a time."""

    items: Sequence[Any]
    encode: Callable[[Any], bytes] = compact

    def whole(self) -> RawJson:
        return RawJson(b"[" + b",".join(self.encode(item) for item in self.items) + b"]")


# ----- wiring


def add_admin_routes(app: web.Application, backend_key: web.AppKey[VodBackend]) -> None:
    def route(
        handler: Callable[[VodBackend, web.Request], Awaitable[dict[str, Any]]],
        query: frozenset[str] = frozenset(),
    ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def answer(request: web.Request) -> web.StreamResponse:
            try:
                _check_query(request, query)
                document = await handler(app[backend_key], request)
            except (AdminInputError, ClockLimitError, FaultInputError, SettingsError) as error:
                return error_response(400, str(error))
            except ServiceError as error:  # the Cloud API's refusal of the same change
                return error_response(400, error.message)
            except AdminNotFound as error:
                return error_response(404, str(error))
            except EmitInterrupted as error:
                return error_response(409, str(error))
            except ValueError as error:
                # The event machinery's refusals. Imported here, not at start-up: only
                # that machinery raises them, so it is loaded already when one comes.
                from .events import EventInputError

                if not isinstance(error, EventInputError):
                    raise
                return error_response(400, str(error))
            return await _write(request, document)

        return answer

    routes = app.router
    routes.add_get(f"{PREFIX}/health", route(_health))
    routes.add_get(f"{PREFIX}/clock", route(_clock))
    routes.add_post(f"{PREFIX}/clock", route(_change_clock))
    routes.add_post(f"{PREFIX}/events", route(_emit))
    routes.add_get(f"{PREFIX}/queues", route(_queues))
    routes.add_get(f"{PREFIX}/queues/{{sub_app_id}}", route(_queue, frozenset({"content"})))
    routes.add_post(f"{PREFIX}/wait", route(_wait))
    routes.add_get(f"{PREFIX}/journal", route(
        _journal, frozenset({"kind", "event_id", "after", "wait_seconds", "limit"})))
    routes.add_get(f"{PREFIX}/events", route(_emitted, frozenset(
        {"after", "wait_seconds", "limit", "content", *_SEARCH_QUERY})))
    routes.add_get(f"{PREFIX}/events/{{event_id}}", route(_event))
    routes.add_get(f"{PREFIX}/catalog", route(_catalog))
    routes.add_get(f"{PREFIX}/event-config/{{sub_app_id}}", route(_event_config))
    routes.add_post(f"{PREFIX}/event-config/{{sub_app_id}}", route(_change_event_config))
    routes.add_post(f"{PREFIX}/reset", route(_reset))
    routes.add_get(f"{PREFIX}/settings", route(_settings))
    routes.add_post(f"{PREFIX}/settings", route(_change_settings))
    routes.add_get(f"{PREFIX}/faults", route(_faults))
    routes.add_post(f"{PREFIX}/faults", route(_add_fault))
    routes.add_delete(f"{PREFIX}/faults", route(_remove_faults))
    routes.add_delete(f"{PREFIX}/faults/{{fault_id}}", route(_remove_faults))
    routes.add_get(f"{PREFIX}/stats", route(_stats))
    routes.add_get(f"{PREFIX}/openapi.json", route(_openapi))
    routes.add_get(f"{PREFIX}/callbacks",
                   route(_callbacks, frozenset({"event_id", "sub_app_id", "outcome"})))
    routes.add_post(f"{PREFIX}/callbacks/redeliver", route(_redeliver))


@web.middleware
async def admin_errors(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Under ``/_emulator/``, aiohttp's own answers (404, 405, 413...) and anything
    unexpected become admin JSON too."""
    if not _is_admin_path(request):
        return await handler(request)
    try:
        return await handler(request)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        message = {
            404: f"no admin route {request.path!r}: see the README's admin API table",
            405: f"{request.method} is not allowed on {request.path!r}",
        }.get(error.status, error.reason)
        return error_response(error.status, message)
    except asyncio.CancelledError:
        raise
    except Exception:
        _log.exception("internal error answering %s %s", request.method, request.path)
        return error_response(500, "an internal error occurred (logged)")


def _is_admin_path(request: web.Request) -> bool:
    path = request.path
    return path == PREFIX or path.startswith(PREFIX + "/")


def error_response(status: int, message: str) -> web.Response:
    """An admin error: the code is the status's (any other 4xx aiohttp raises is a bad
    request)."""
    code = ADMIN_ERROR_CODES.get(status, ADMIN_ERROR_CODES[400])
    return _json({"error": {"code": code, "message": safe_text(message)}}, status)


def _json(document: Any, status: int = 200) -> web.Response:
    return web.Response(body=compact(document), status=status, content_type="application/json")


async def _write(request: web.Request, document: dict[str, Any]) -> web.StreamResponse:
    """Answer ``document``; a ``Streamed`` member is written a chunk at a time, so a
    100,000-event answer neither holds the loop nor sits whole in memory."""
    lists = [value for value in document.values() if isinstance(value, Streamed)]
    if sum(len(value.items) for value in lists) <= _STREAM_CHUNK_ITEMS:  # short: one body
        return _json({name: value.whole() if isinstance(value, Streamed) else value
                      for name, value in document.items()})
    response = web.StreamResponse(headers={"Content-Type": "application/json"})
    await response.prepare(request)
    separator = b"{"
    for name, value in document.items():
        await response.write(separator + compact(name) + b":")
        separator = b","
        if not isinstance(value, Streamed):
            await response.write(compact(value))
            continue
        first = True
        for chunk in _chunks(value.items, _STREAM_CHUNK_ITEMS):
            encoded = b",".join(value.encode(item) for item in chunk)
            await response.write((b"[" if first else b",") + encoded)
            first = False
            await asyncio.sleep(0)  # a write need not yield: hand the loop back regardless
        await response.write(b"[]" if first else b"]")
    await response.write(b"}")
    await response.write_eof()
    return response


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# ----- reading requests


def _check_query(request: web.Request, allowed: frozenset[str]) -> None:
    unknown = sorted(set(request.query) - allowed)
    if unknown:
        raise AdminInputError(
            f"unknown query parameter(s) {', '.join(shown(name) for name in unknown)}"
            + (f"; allowed: {', '.join(sorted(allowed))}" if allowed else "; this route takes none")
        )
    for name in allowed:
        if len(request.query.getall(name, [])) > 1:
            raise AdminInputError(f"query parameter {name} is given more than once")


async def _body(request: web.Request) -> dict[str, Any]:
    encoding = request.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        raise AdminInputError(
            f"Content-Encoding {shown(encoding)} is not supported: send the body as it is")
    try:
        async with asyncio.timeout(BODY_READ_SECONDS):
            raw = await request.read()
    except TimeoutError:
        raise AdminInputError(
            f"the body did not arrive within {BODY_READ_SECONDS:g} seconds") from None
    if len(raw) > _DECODE_OFF_LOOP_BYTES:
        return await asyncio.to_thread(_decode_body, raw)
    return _decode_body(raw)


def _decode_body(raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        return {}
    try:
        body = strict_loads(raw, MAX_BODY_DEPTH)
    except JsonInputError as error:
        raise AdminInputError(f"the body {error}") from None
    if not isinstance(body, dict):
        raise AdminInputError("the body must be a JSON object")
    _check_text(body)
    return body


def _check_text(document: Any) -> None:
    """Refuse text no UTF-8 can hold: lone surrogates, which ``\ud800`` escapes decode to.
    Iterative: the body's depth is bounded already, but no walk here recurses."""
    stack = [document]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value)  # the keys
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, str) and not is_text(value):
            raise AdminInputError(
                f"the body holds text that is not valid Unicode (a lone surrogate): "
                f"{shown(value)}")


def _sub_app_id(value: Any) -> SubAppId:
    """The body's or path's ``sub_app_id``: null or "default" for the default application."""
    if value is None or value == "default":
        return None
    try:
        return parse_sub_app_id(value) if isinstance(value, str) else check_sub_app_id(value)
    except InvalidSubAppId as error:
        raise AdminInputError(f"sub_app_id {shown(value)} is not valid: {error}") from None


def _number(body: dict[str, Any], name: str, default: float, maximum: float) -> float:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise AdminInputError(f"{name} must be a number, got {shown(value)}")
    # Compared as given: an int too large for a float must not reach float arithmetic.
    if not ((isinstance(value, int) or math.isfinite(value)) and 0 <= value <= maximum):
        raise AdminInputError(f"{name} must be between 0 and {maximum:g}, got {shown(value)}")
    return float(value)


def _integer(body: dict[str, Any], name: str, default: int, maximum: int) -> int:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise AdminInputError(f"{name} must be an integer, got {shown(value)}")
    if not 0 <= value <= maximum:
        raise AdminInputError(f"{name} must be between 0 and {maximum}, got {shown(value)}")
    return value


def _reject_unknown(body: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise AdminInputError(
            f"unknown field(s) {', '.join(shown(name) for name in unknown[:5])}; "
            f"allowed: {', '.join(sorted(allowed))}"
        )


def _flag(value: str | None, name: str, default: bool) -> bool:
    if value is None:
        return default
    if value not in ("true", "false"):
        raise AdminInputError(f"query parameter {name} must be true or false")
    return value == "true"


# ----- routes


async def _health(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    settings = backend.settings
    return {
        "status": "ok",
        "version": __version__,
        "now": backend.clock.now(),
        "seed": settings.seed,
        "verifies_signatures": settings.verifies_signatures,
        "secret_id": settings.secret_id if settings.verifies_signatures else None,
        **runtime_view(settings),  # those in force now: a test may have changed them
        "journal_max_entries": settings.journal_max_entries,
        "callback_url": settings.callback_url,
        "callback_concurrency": settings.callback_concurrency,
        "callback_max_records": settings.callback_max_records,
        "held_pulls": sum(state.held_pulls for state in backend.queue_states()),
        "held_waits": backend.held_waits,
        "streams": backend.streams,
    }


async def _clock(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    return backend.clock.to_json()


async def _change_clock(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    """Set the scale, freeze or resume, advance: any of them, in that order."""
    body = await _body(request)
    _reject_unknown(body, {"advance_seconds", "freeze", "scale"})
    if not body:
        raise AdminInputError("give advance_seconds, freeze (true or false) or scale")
    clock = backend.clock
    advance = (_number(body, "advance_seconds", 0.0, MAX_ADVANCE_SECONDS)
               if "advance_seconds" in body else None)
    freeze = body.get("freeze")
    if freeze is not None and not isinstance(freeze, bool):
        raise AdminInputError(f"freeze must be true or false, got {shown(freeze)}")
    scale = _number(body, "scale", 1.0, MAX_SCALE) if "scale" in body else None
    # Everything is checked before anything changes: a refusal changes nothing.
    if scale is not None:
        check_scale(scale)
    if advance is not None:
        clock.check_advance(advance)
    if scale is not None:
        clock.set_scale(scale)
    if freeze is True:
        clock.freeze()
    elif freeze is False:
        clock.resume()
    if advance is not None:
        clock.advance(advance)
    return await _clock(backend, request)


_EMIT_SOURCES = ("type", "scenario", "events")


async def _emit(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    """Emit generated events (``type``), a scenario run, or given payloads (``events``)."""
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
    await backend.load_factory()
    if "events" in body:
        if not isinstance(body["events"], list):
            raise AdminInputError('"events" must be a list of EventContent objects')
        checked = await backend.check_in_slices(body["events"])
        queued = await backend.emit_in_slices(sub_app_id, checked)
    elif "scenario" in body:
        if not isinstance(body["scenario"], str):
            raise AdminInputError('"scenario" must be a scenario name')
        queued = backend.emit(sub_app_id, backend.scenario(body["scenario"]))
    else:
        if not isinstance(body["type"], str):
            raise AdminInputError('"type" must be an EventType string')
        overrides = body.get("overrides")
        if overrides is not None and not isinstance(overrides, dict):
            raise AdminInputError('"overrides" must be an object, e.g. {"FileUploadEvent": {...}}')
        count = body.get("count", 1)
        if isinstance(count, bool) or not isinstance(count, int):
            raise AdminInputError(f"count must be an integer, got {shown(count)}")
        queued = await backend.emit_in_slices(
            sub_app_id, backend.generate(body["type"], count, overrides))
    return {"sub_app_id": sub_app_id, "count": len(queued),
            "events": Streamed(queued, lambda event: _event_view(event, with_content))}


def _event_view(event: QueuedEvent, with_content: bool) -> RawJson:
    """The event as the admin API shows it, as JSON: its payload's bytes spliced in."""
    head = compact(event.summary())
    if not with_content:
        return RawJson(head)
    return RawJson(head[:-1] + b',"content":' + event.payload + b"}")


def _lease_view(lease: Lease, with_content: bool) -> RawJson:
    view = _event_view(lease.event, with_content)
    return RawJson(compact({"handle": lease.handle, "expires_at": lease.expires_at})[:-1]
                   + b"," + view[1:])


async def _queues(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    return {"queues": [state.to_json() for state in backend.queue_states()]}


async def _queue(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    sub_app_id = _sub_app_id(request.match_info["sub_app_id"])
    with_content = _flag(request.query.get("content"), "content", True)
    contents = backend.queue_contents(sub_app_id)
    return {
        "sub_app_id": sub_app_id,
        "pullable": Streamed(contents.pullable, lambda event: _event_view(event, with_content)),
        "leased": Streamed(contents.leases, lambda lease: _lease_view(lease, with_content)),
        "held_pulls": contents.state.held_pulls,
        "confirmed": contents.state.confirmed,
    }


_QUEUE_COUNTS = ("pullable", "leased", "held_pulls", "confirmed")
_CALLBACK_COUNTS = ("callbacks_pending", "callbacks_delivered", "callbacks_undelivered")
_WAIT_COUNTS = (*_QUEUE_COUNTS, *_CALLBACK_COUNTS)


def _counts(backend: VodBackend, sub_app_id: SubAppId) -> dict[str, Any]:
    return {**backend.queue_state(sub_app_id).to_json(), **backend.callbacks.counts(sub_app_id)}


async def _wait(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    """Answer once the queue reaches every given count ("at least"), at the timeout, or
    at once when the emulator shuts down (``met`` false then)."""
    body = await _body(request)
    _reject_unknown(body, {"sub_app_id", "timeout_seconds", *_WAIT_COUNTS})
    sub_app_id = _sub_app_id(body.get("sub_app_id"))
    wanted = {name: _integer(body, name, 0, MAX_WAIT_COUNT)
              for name in _WAIT_COUNTS if name in body}
    if not wanted:
        raise AdminInputError(f"name at least one of {', '.join(_WAIT_COUNTS)}")
    timeout = _number(body, "timeout_seconds", 10.0, MAX_WAIT_SECONDS)

    def reached() -> bool:
        state = _counts(backend, sub_app_id)
        return all(state[name] >= at_least for name, at_least in wanted.items())

    await _hold(backend, reached, timeout)
    return {"met": reached(), "state": _counts(backend, sub_app_id)}


async def _journal(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    """The journal's entries; with ``after``, those recorded after that seq, held for up
    to ``wait_seconds`` until there is one (a follower's long poll)."""
    kind = request.query.get("kind")
    if kind is not None and kind not in j.KINDS:
        raise AdminInputError(f"kind must be one of {', '.join(j.KINDS)}, got {shown(kind)}")
    journal = backend.journal
    after, limit = _follow_query(request)
    event_id = request.query.get("event_id")
    # Held until an entry the query selects arrives; not at all when ``after`` is past
    # the newest (a follower of an epoch before a full reset: it must start again).
    await _hold_until(backend, request, lambda: after > journal.last_seq
                      or bool(journal.entries(kind, event_id, after, limit=1)))
    entries = journal.entries(kind, event_id, after, limit)
    return {
        "evicted": journal.evicted,
        "max_entries": journal.max_entries,
        "last_seq": journal.last_seq,
        "epoch": journal.epoch,
        "entries": Streamed(entries, lambda entry: compact(entry.to_json())),
    }


_SEARCH_QUERY = ("before", "type", "sub_app_id", "state", "q")
"""With any of these, GET /events searches (newest first) instead of following."""


async def _emitted(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    """Every emitted event (queued, pushed or suppressed) kept, oldest first; followed as
    the journal is (``after``, ``wait_seconds``, ``limit``). With a filter or ``before``,
    a search instead: the matching events newest first, and how many match."""
    with_content = _flag(request.query.get("content"), "content", True)
    if any(name in request.query for name in _SEARCH_QUERY):
        return await _search(backend, request, with_content)
    after, limit = _follow_query(request)
    # Not held when ``after`` is past the newest: a follower from before a full reset.
    await _hold_until(backend, request, lambda: backend.last_emitted_seq != after)
    events = backend.emitted_events(after, limit)
    return {
        "evicted": backend.emitted_evicted,
        "last_seq": backend.last_emitted_seq,
        "epoch": backend.journal.epoch,
        "events": Streamed(events, lambda event: _feed_view(event, with_content)),
    }


async def _search(backend: VodBackend, request: web.Request,
                  with_content: bool) -> dict[str, Any]:
    query = request.query
    for name in ("after", "wait_seconds"):
        if name in query:
            raise AdminInputError(f"{name} follows the feed; it does not go with "
                                  f"{', '.join(n for n in _SEARCH_QUERY if n in query)}")
    text = query.get("q")
    _check_choice(query.get("type"), "type", _event_types())
    _check_choice(query.get("state"), "state", callbacks.EVENT_STATES)
    wanted = EventFilter(
        event_type=query.get("type") or None,
        sub_app_id=_sub_app_id(query["sub_app_id"]) if "sub_app_id" in query else "any",
        state=query.get("state") or None,
        text=text.encode("utf-8", "surrogatepass") if text else None)
    before = _query_integer(query.get("before"), "before", 1, 2**63)
    limit = _query_integer(query.get("limit"), "limit", 1, MAX_FOLLOW_LIMIT)
    found = await backend.search_events(wanted, before, limit)
    return {
        "matched": found.matched,
        "last_seq": backend.last_emitted_seq,
        "epoch": backend.journal.epoch,
        "events": Streamed(found.events, lambda event: _feed_view(event, with_content)),
    }


def _check_choice(value: str | None, name: str, choices: Sequence[str]) -> None:
    if value and value not in choices:
        raise AdminInputError(f"{name} must be one of {', '.join(choices)}, got {shown(value)}")


def _event_types() -> tuple[str, ...]:
    from .events import EVENT_TYPES  # the catalog is small; the machinery is not loaded

    return tuple(EVENT_TYPES)


async def _event(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    """One emitted event: its payload, its history, its callback attempts, its leases."""
    event_id = request.match_info["event_id"]
    event = backend.emitted_event(event_id)
    if event is None:
        raise AdminNotFound(f"no emitted event {shown(event_id)} is kept (see GET "
                            f"{PREFIX}/events)")
    return {
        "event": _feed_view(event, True),
        "history": [entry.to_json() for entry in backend.journal.entries(event_id=event_id)],
        "callbacks": [attempt.to_json() for attempt in backend.callbacks.attempts(event_id)],
        "leases": [{"handle": lease.handle, "expires_at": lease.expires_at}
                   for lease in backend.leases_of(event)],
    }


async def _catalog(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    """What can be emitted (every EventType, the scenarios), and the states and journal
    kinds a client can filter by."""
    from .events import MEMBER_OF_EVENT_TYPE
    from .events.scenarios import SCENARIOS

    return {
        "event_types": [{"event_type": name, "member": member}
                        for name, member in MEMBER_OF_EVENT_TYPE.items()],
        "scenarios": [{"name": s.name, "description": s.description}
                      for s in SCENARIOS.values()],
        # The value lists a client filters by, so that it need not keep copies.
        "event_states": list(callbacks.EVENT_STATES),
        "journal_kinds": list(j.KINDS),
    }


async def _event_config(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    """An application's event configuration, as DescribeEventConfig answers it."""
    sub_app_id = _sub_app_id(request.match_info["sub_app_id"])
    return {"sub_app_id": sub_app_id, **backend.describe_event_config(sub_app_id).describe()}


async def _change_event_config(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    """Change it as ModifyEventConfig does (the same parameter names and checks)."""
    sub_app_id = _sub_app_id(request.match_info["sub_app_id"])
    body = await _body(request)
    _reject_unknown(body, set(PARAMETERS))
    if not body:
        raise AdminInputError(f"name at least one of {', '.join(PARAMETERS)}")
    for name, value in body.items():
        if not isinstance(value, str):
            raise AdminInputError(f"{name} must be a string, got {shown(value)}")
    config = backend.modify_event_config(sub_app_id, body)
    return {"sub_app_id": sub_app_id, **config.describe()}


def _feed_view(event: QueuedEvent, with_content: bool) -> RawJson:
    view = _event_view(event, with_content)
    return RawJson(b'{"seq":%d,' % event.seq + view[1:])


MAX_FOLLOW_LIMIT = 100_000


def _follow_query(request: web.Request) -> tuple[int, int | None]:
    query = request.query
    after = _query_integer(query.get("after"), "after", 0, 2**63)
    limit = _query_integer(query.get("limit"), "limit", 1, MAX_FOLLOW_LIMIT)
    return after or 0, limit


async def _hold_until(backend: VodBackend, request: web.Request,
                      arrived: Callable[[], bool]) -> None:
    """Hold for up to ``wait_seconds`` until ``arrived()``, a full reset or shutdown."""
    text = request.query.get("wait_seconds")
    if text is None:
        return
    try:
        wait = float(text) if text.isascii() else math.nan
    except ValueError:
        wait = math.nan
    if not (math.isfinite(wait) and 0 <= wait <= MAX_WAIT_SECONDS):
        raise AdminInputError(f"wait_seconds must be between 0 and {MAX_WAIT_SECONDS:g}, "
                              f"got {shown(text)}")
    epoch = backend.journal.epoch
    await _hold(backend, lambda: arrived() or backend.journal.epoch != epoch, wait)


async def _hold(backend: VodBackend, until: Callable[[], bool], timeout: float) -> None:
    """Hold a request for up to ``timeout`` real seconds until ``until()`` holds, checked
    on every journal entry and clock change; shutdown ends it at once. Counted in
    ``held_waits`` (``/health``)."""
    backend.held_waits += 1
    try:
        await backend.journal.wait_for(lambda: until() or backend.stopping, timeout,
                                       also=[backend.clock.advanced, backend.stopped])
    finally:
        backend.held_waits -= 1


def _query_integer(text: str | None, name: str, minimum: int, maximum: int) -> int | None:
    if text is None:
        return None
    if not (text.isascii() and text.isdigit() and len(text) <= 20
            and minimum <= int(text) <= maximum):
        raise AdminInputError(f"query parameter {name} must be an integer from {minimum} to "
                              f"{maximum}, got {shown(text)}")
    return int(text)


async def _callbacks(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    """Callback attempts, oldest first, filtered by event, application and outcome."""
    query = request.query
    outcome = query.get("outcome")
    if outcome is not None and outcome not in (*callbacks.OUTCOMES, callbacks.FAILED):
        raise AdminInputError(f"outcome must be one of "
                              f"{', '.join((*callbacks.OUTCOMES, callbacks.FAILED))}, "
                              f"got {shown(outcome)}")
    sub_app_id: SubAppId | str = "any"
    if "sub_app_id" in query:
        sub_app_id = _sub_app_id(query["sub_app_id"])
    dispatcher = backend.callbacks
    attempts = dispatcher.attempts(query.get("event_id"), sub_app_id, outcome)
    return {
        "evicted": dispatcher.evicted,
        "max_records": dispatcher.settings.max_records,
        "attempts": Streamed(attempts, lambda attempt: compact(attempt.to_json())),
    }


async def _redeliver(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    """Send one event's callback again (``{"event_id": ...}``), or every undelivered one
    (``{}``)."""
    body = await _body(request)
    _reject_unknown(body, {"event_id"})
    event_id = body.get("event_id")
    if event_id is not None and not isinstance(event_id, str):
        raise AdminInputError(f"event_id must be a string, got {shown(event_id)}")
    try:
        return {"redelivering": backend.callbacks.redeliver(event_id)}
    except KeyError:
        raise AdminInputError(f"no callback of event {shown(event_id)} is known: only "
                              "events routed to PUSH can be redelivered") from None


async def _reset(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    """Everything (``{}``), or one application (``{"sub_app_id": ...}``)."""
    body = await _body(request)
    _reject_unknown(body, {"sub_app_id"})
    if "sub_app_id" not in body:
        backend.reset()
        return {"reset": True}
    sub_app_id = _sub_app_id(body["sub_app_id"])
    backend.reset_app(sub_app_id)
    return {"reset": True, "sub_app_id": sub_app_id}


async def _settings(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    return runtime_view(backend.settings)


async def _change_settings(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    body = await _body(request)
    if not body:
        raise AdminInputError("name at least one setting to change; see GET "
                              f"{PREFIX}/settings for them")
    return runtime_view(backend.change_settings(body))


async def _faults(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    return {"faults": [rule.to_json() for rule in backend.faults.rules()]}


async def _add_fault(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    return {"fault": backend.faults.add(await _body(request)).to_json()}


async def _remove_faults(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    """One rule (``DELETE /faults/{id}``) or all of them (``DELETE /faults``)."""
    fault_id = request.match_info.get("fault_id")
    try:
        return {"removed": backend.faults.remove(fault_id)}
    except KeyError:
        raise AdminNotFound(f"no fault rule {shown(fault_id)}: GET {PREFIX}/faults lists "
                            "those in force") from None


async def _stats(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    return backend.stats()


async def _openapi(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    from .openapi import document  # built on first use: only readers of the API need it

    described: dict[str, Any] = document()
    return described
