"""The admin API's HTTP: its prefix and limits, its error answers, the streaming writer,
the readers of bodies and queries, both middlewares, and the wrapper that turns a
route's document (or a domain refusal) into the answer.

Every answer under ``/_emulator/`` is JSON, whatever the request: bad input is a 400 with
``{"error": {"code": "InvalidRequest", "message": ...}}`` naming what is wrong; an
unknown route is a 404 and a wrong method a 405 in the same format.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import math
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

from aiohttp import web

from ..base.echo import is_text, safe_text, shown
from ..base.jsontext import JsonInputError, RawJson, compact, strict_object
from ..base.numeric import is_integer, is_number
from ..core.backend import VodBackend
from ..core.clock import ClockLimitError
from ..core.conditions import TASKS_RUNNING as TASKS_RUNNING  # the wait's name, re-exported
from ..core.errors import EmitInterrupted, NotFound, ServiceError
from ..core.faults import FaultInputError
from ..core.ids import InvalidSubAppId, SubAppId, app_from_json
from ..core.limits import BODY_READ_SECONDS
from ..core.settings import SettingsError

PREFIX = "/_emulator"
MAX_WAIT_SECONDS = 300.0
MAX_WAIT_COUNT = 10**9
MAX_BODY_DEPTH = 64
"""Deeper JSON than this is refused: no payload or override needs it."""
MAX_FOLLOW_LIMIT = 100_000
_DECODE_OFF_LOOP_BYTES = 256 * 1024
"""Bodies larger than this are decoded in a worker thread, not on the event loop."""
_STREAM_CHUNK_ITEMS = 128
"""Long lists are written this many items at a time, handing the loop back between."""
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

ADMIN_ERROR_CODES = {400: "InvalidRequest", 403: "Forbidden", 404: "NotFound",
                     405: "MethodNotAllowed", 409: "Interrupted", 413: "TooLarge",
                     500: "InternalError"}
"""The admin API's error code for each status it answers an error with."""

ALLOWED_HOST = web.AppKey("allowed_host", str)
"""The host the emulator was told to listen on: pages reached by that name are its own."""

_log = logging.getLogger("vod_emulator")


@dataclass
class HeldRequests:
    """The admin requests held open now (``/health`` shows them): HTTP, not domain."""

    waits: int = 0  # waits and followers held until what they wait for happens
    streams: int = 0  # live streams open (the dashboard's, ``/_emulator/stream``)


HELD_REQUESTS = web.AppKey("held_requests", HeldRequests)


class AdminInputError(ValueError):
    pass


class AdminNotFound(LookupError):
    """A thing the request names (an emitted event) does not exist: 404, as the
    domain's NotFound is."""


AdminHandler = Callable[[VodBackend, web.Request], Awaitable[dict[str, Any]]]
"""A route of the admin API: the request in, the document to answer out."""
WebHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]
H = TypeVar("H")


@dataclass(frozen=True)
class Route(Generic[H]):
    """One route under ``PREFIX``: the registration and the OpenAPI document both read
    it, so each route is written once."""

    method: str  # GET (which answers HEAD too), POST or DELETE
    path: str  # after PREFIX; a ``{name:regex}`` part is documented as ``{name}``
    operation_id: str  # the OpenAPI document's name for it
    handler: H
    query: tuple[str, ...] = ()  # the query parameters it reads
    checks_query: bool = True  # refuses any other query parameter (400); else ignores it


def add_route(app: web.Application, route: Route[Any], handler: WebHandler) -> None:
    """Register ``handler`` as ``route`` (a GET answers HEAD too, as aiohttp's add_get)."""
    if route.method == "GET":
        app.router.add_get(PREFIX + route.path, handler)
    else:
        app.router.add_route(route.method, PREFIX + route.path, handler)


@dataclass(frozen=True)
class Streamed:
    """A long list in an answer: encoded and written a chunk at a time."""

    items: Sequence[Any]
    encode: Callable[[Any], bytes] = compact

    def whole(self) -> RawJson:
        return RawJson(b"[" + b",".join(self.encode(item) for item in self.items) + b"]")


# ----- answering


def json_route(handler: AdminHandler, query: frozenset[str],
               backend_key: web.AppKey[VodBackend]) -> WebHandler:
    """``handler`` as an aiohttp handler: the query checked against ``query``, its
    document written as JSON, the domain's refusals answered as admin errors."""
    async def answer(request: web.Request) -> web.StreamResponse:
        try:
            check_query(request, query)
            document = await handler(request.app[backend_key], request)
        except (AdminInputError, ClockLimitError, FaultInputError, SettingsError) as error:
            return error_response(400, str(error))
        except ServiceError as error:  # the Cloud API's refusal of the same change
            return error_response(400, error.message)
        except (AdminNotFound, NotFound) as error:  # one rule for an unknown id
            return error_response(404, str(error))
        except EmitInterrupted as error:
            return error_response(409, str(error))
        except ValueError as error:
            # The event machinery's refusals. Imported here, not at start-up: only
            # that machinery raises them, so it is loaded already when one comes.
            from ..events import EventInputError

            if not isinstance(error, EventInputError):
                raise
            return error_response(400, str(error))
        return await _write(request, document)

    return answer


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


# ----- middlewares


@web.middleware
async def admin_errors(request: web.Request, handler: WebHandler) -> web.StreamResponse:
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
            404: f"no admin route {request.path!r}: see GET {PREFIX}/openapi.json",
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


@web.middleware
async def same_origin_only(request: web.Request, handler: WebHandler) -> web.StreamResponse:
    """A state-changing admin request from a browser must come from a page of the
    emulator itself: any other origin (or a Host that DNS rebinding could have pointed
    here) is refused, so no web page can emit, reset or inject faults behind a
    developer's back. Scripts and SDKs send no Origin and are not affected."""
    if request.method in _SAFE_METHODS or not request.path.startswith(PREFIX + "/"):
        return await handler(request)
    origin = request.headers.get("Origin")
    fetch_site = request.headers.get("Sec-Fetch-Site", "")
    if origin is None and fetch_site in ("", "same-origin", "none"):
        return await handler(request)
    if fetch_site in ("cross-site", "same-site") or not _same_origin(request, origin):
        return error_response(
            403, f"{request.method} {request.path} from the page at "
            f"{json.dumps(origin)} is refused: only the emulator's own pages (and clients "
            "that send no Origin) may change its state")
    return await handler(request)


def _same_origin(request: web.Request, origin: str | None) -> bool:
    host = request.host
    if origin is None or origin != f"{request.scheme}://{host}":
        return False
    hostname = urlsplit(origin).hostname or ""
    return hostname in ("localhost", request.app[ALLOWED_HOST]) or _is_ip(hostname)


def _is_ip(hostname: str) -> bool:
    try:
        ipaddress.ip_address(hostname)
    except ValueError:
        return False
    return True


# ----- reading requests


def check_query(request: web.Request, allowed: frozenset[str]) -> None:
    unknown = sorted(set(request.query) - allowed)
    if unknown:
        raise AdminInputError(
            f"unknown query parameter(s) {', '.join(shown(name) for name in unknown)}"
            + (f"; allowed: {', '.join(sorted(allowed))}" if allowed else "; this route takes none")
        )
    for name in allowed:
        if len(request.query.getall(name, [])) > 1:
            raise AdminInputError(f"query parameter {name} is given more than once")


async def read_body(request: web.Request) -> dict[str, Any]:
    """The request's body: a strict JSON object (an empty body is ``{}``)."""
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
    try:
        document = strict_object(raw, MAX_BODY_DEPTH)
    except JsonInputError as error:
        raise AdminInputError(f"the body {error}") from None
    _check_text(document)
    return document


def _check_text(document: Any) -> None:
    """Refuse text no UTF-8 can hold: lone surrogates, which ``\\ud800`` escapes decode to.
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


def read_sub_app_id(value: Any) -> SubAppId:
    """The body's or path's ``sub_app_id``: null or "default" for the default application."""
    try:
        return app_from_json(value)
    except InvalidSubAppId as error:
        raise AdminInputError(f"sub_app_id {shown(value)} is not valid: {error}") from None


def body_number(body: dict[str, Any], name: str, default: float, maximum: float,
                range_said: str | None = None) -> float:
    """A number field from 0 to ``maximum``; a refusal says the range as ``range_said``
    does, if given."""
    value = body.get(name, default)
    if not is_number(value):
        raise AdminInputError(f"{name} must be a number, got {shown(value)}")
    # Compared as given: an int too large for a float must not reach float arithmetic.
    if not ((isinstance(value, int) or math.isfinite(value)) and 0 <= value <= maximum):
        said = range_said or f"between 0 and {maximum:g}"
        raise AdminInputError(f"{name} must be {said}, got {shown(value)}")
    return float(value)


def body_integer(body: dict[str, Any], name: str, default: int, maximum: int) -> int:
    value = body.get(name, default)
    if not is_integer(value):
        raise AdminInputError(f"{name} must be an integer, got {shown(value)}")
    if not 0 <= value <= maximum:
        raise AdminInputError(f"{name} must be between 0 and {maximum}, got {shown(value)}")
    return value


def reject_unknown(body: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise AdminInputError(
            f"unknown field(s) {', '.join(shown(name) for name in unknown[:5])}; "
            f"allowed: {', '.join(sorted(allowed))}"
        )


def query_flag(value: str | None, name: str, default: bool) -> bool:
    if value is None:
        return default
    if value not in ("true", "false"):
        raise AdminInputError(f"query parameter {name} must be true or false")
    return value == "true"


def query_integer(text: str | None, name: str, minimum: int, maximum: int) -> int | None:
    if text is None:
        return None
    if not (text.isascii() and text.isdigit() and len(text) <= 20
            and minimum <= int(text) <= maximum):
        raise AdminInputError(f"query parameter {name} must be an integer from {minimum} to "
                              f"{maximum}, got {shown(text)}")
    return int(text)


def query_wait_seconds(request: web.Request) -> float | None:
    """The ``wait_seconds`` query parameter: how long to hold a follower, if at all."""
    text = request.query.get("wait_seconds")
    if text is None:
        return None
    try:
        wait = float(text) if text.isascii() else math.nan
    except ValueError:
        wait = math.nan
    if not (math.isfinite(wait) and 0 <= wait <= MAX_WAIT_SECONDS):
        raise AdminInputError(f"wait_seconds must be between 0 and {MAX_WAIT_SECONDS:g}, "
                              f"got {shown(text)}")
    return wait
