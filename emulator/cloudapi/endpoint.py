"""The aiohttp handler of the Cloud API at ``/``: every request gets the real envelope.

Whatever arrives (any method, header bytes, body or nesting), the answer is HTTP 200,
``Content-Type: application/json`` exactly, and ``{"Response": {...}}`` with a RequestId:
a success, the ServiceError the input deserves, or InternalError (logged), never a 500.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from ..base.echo import safe_text
from ..core.backend import VodBackend
from ..core.errors import ServiceError
from ..core.limits import BODY_READ_SECONDS
from ..core.report import CallSeen, Client
from ..core.settings import Settings
from .actions import ACTIONS, Action
from .errors import InvalidParameter, RequestSizeLimitExceeded
from .protocol import (
    JSON_CONTENT_TYPE,
    MAX_BODY_BYTES,
    PROTOCOL_HEADERS,
    Credentials,
    HttpRequest,
    check_version,
    error_body,
    new_request_id,
    parse_call,
    success_body,
    unknown_action,
)
from .tasks import task_actions

Handler = Callable[[web.Request], Awaitable[web.Response]]

# Larger bodies are hashed, decoded and checked on a worker thread: up to 10 MB of JSON
# would otherwise hold the event loop (and every held PullEvents) for a noticeable time.
INLINE_BODY_BYTES = 64 * 1024
_INTERNAL_ERROR = (
    b'{"Response":{"Error":{"Code":"InternalError","Message":"An internal error occurred."},'
    b'"RequestId":"%s"}}'
)
_log = logging.getLogger("vod_emulator")
_ACTIONS = {**ACTIONS, **task_actions()}
"""Every action answered: the event notifications', the media library's, the tasks'."""


def credentials_of(settings: Settings) -> Credentials | None:
    """The secret pair whose signatures are verified; None: signatures are not checked."""
    pair = settings.secret_pair
    return None if pair is None else Credentials(*pair)


def cloud_api_handler(backend_key: web.AppKey[VodBackend], settings: Settings) -> Handler:
    """The handler for ``app.router.add_route("*", "/", ...)``; the backend is looked up
    in the application under ``backend_key`` at each request."""
    credentials = credentials_of(settings)

    async def cloud_api(request: web.Request) -> web.Response:
        request_id = new_request_id()
        backend = request.app[backend_key]
        unsent = None
        calls: list[CallSeen] = []  # what the report is told of this call, once named
        try:
            body, unsent = await _answer(request, backend, credentials, request_id, calls)
        except Exception:  # the client gets the real InternalError envelope, never a 500
            _log.exception("internal error answering request %s", request_id)
            body = _INTERNAL_ERROR % request_id.encode()
        except asyncio.CancelledError:  # the caller hung up while its call was held
            for held in calls:
                held.at, held.hung_up = backend.now(), True
                backend.report.observe(held)
            raise
        await backend.persisted()  # what the answer tells is kept before it is told
        seen = calls[0] if calls else None
        response = web.Response(body=body, headers={"Content-Type": JSON_CONTENT_TYPE})
        if unsent is None:
            if seen is not None:
                backend.report.observe(seen)
            return response
        # Written here, not by aiohttp after we return: if the caller has hung up, what
        # the answer gave it (leased events) is taken back at once.
        try:
            await response.prepare(request)
            await response.write_eof()
        except ConnectionError:
            unsent()  # and aiohttp, finding the answer unwritable too, drops the connection
            if seen is not None:
                seen.hung_up = True
        except asyncio.CancelledError:
            unsent()
            if seen is not None:
                seen.hung_up = True
                backend.report.observe(seen)
            raise
        if seen is not None:
            backend.report.observe(seen)
        return response

    return cloud_api


async def _answer(
    request: web.Request, backend: VodBackend, credentials: Credentials | None,
    request_id: str, calls: list[CallSeen],
) -> tuple[bytes, Callable[[], None] | None]:
    """The answer's body and what to undo if it cannot be written; once the action is
    named, what the consumer report is told of the call is put in ``calls``."""
    try:
        http_request = await _http_request(request)
        if len(http_request.body) > INLINE_BODY_BYTES:
            name, action, params = await asyncio.to_thread(_read_call, http_request, credentials)
        else:
            name, action, params = _read_call(http_request, credentials)
        seen = CallSeen(name, params.get("SubAppId"), _client(request), request_id,
                        backend.now(), handles=params.get("EventHandles") or ())
        backend.report.arrived(seen)  # counted against the real rate, refused or not
        backend.admit_request(name)  # the gateway's rate limit, before anything acts
        await backend.request_faults(name, seen.sub_app_id)  # its refusal says nothing of
        calls.append(seen)                                     # the consumer: not told
        answer = await action.handler(backend, params, request_id)
        seen.at, seen.leases = backend.now(), answer.leases
        return success_body(answer.fields, request_id), answer.unsent
    except ServiceError as error:
        for refused in calls:
            refused.at, refused.error_code = backend.now(), error.code
            refused.error_message = error.message
        return error_body(error, request_id), None


def _client(request: web.Request) -> Client:
    """Who called: its address and User-Agent, as text that can always be shown."""
    return Client(request.remote or "", safe_text(request.headers.get("User-Agent", ""))[:200])


def _read_call(
    http_request: HttpRequest, credentials: Credentials | None
) -> tuple[str, Action, dict[str, Any]]:
    """Signature, version, action and typed parameters: everything but the action itself."""
    call = parse_call(http_request, credentials)
    check_version(call)
    action = _ACTIONS.get(call.action)
    if action is None:
        raise unknown_action(call)
    return call.action, action, call.typed_params(action.signature)


async def _http_request(request: web.Request) -> HttpRequest:
    body = b""
    if request.method == "POST":
        length = request.content_length
        if length is not None and length > MAX_BODY_BYTES:
            raise RequestSizeLimitExceeded("The request body is over the 10 MB limit.")
        try:
            async with asyncio.timeout(BODY_READ_SECONDS):
                body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            raise RequestSizeLimitExceeded("The request body is over the 10 MB limit.") from None
        except TimeoutError:
            raise InvalidParameter(
                f"The request body did not arrive within {BODY_READ_SECONDS:g} seconds."
            ) from None
    return HttpRequest(
        method=request.method,
        path=request.path,
        query_string=request.rel_url.raw_query_string,
        headers={name.lower(): value for name, value in request.headers.items()},
        body=body,
        repeated_headers=frozenset(
            name for name in PROTOCOL_HEADERS if len(request.headers.getall(name, ())) > 1
        ),
    )
