"""create_app(settings): the aiohttp application, Cloud API at ``/`` and admin at ``/_emulator``."""

from __future__ import annotations

import logging

from aiohttp import web

from .actions import ACTIONS
from .admin import add_admin_routes
from .backend import VodBackend
from .cloudapi.protocol import (
    JSON_CONTENT_TYPE,
    MAX_BODY_BYTES,
    Credentials,
    HttpRequest,
    check_version,
    error_body,
    new_request_id,
    parse_call,
    success_body,
    unknown_action,
)
from .config import Settings
from .errors import InternalError, RequestSizeLimitExceeded, ServiceError

BACKEND = web.AppKey("backend", VodBackend)
_log = logging.getLogger("vod_emulator")


def create_app(settings: Settings, backend: VodBackend | None = None) -> web.Application:
    # The body limit is ours to enforce (answered as RequestSizeLimitExceeded, HTTP 200).
    app = web.Application(client_max_size=MAX_BODY_BYTES + 1)
    app[BACKEND] = backend or VodBackend(settings)
    credentials = (
        Credentials(settings.secret_id, settings.secret_key)
        if settings.secret_id and settings.secret_key
        else None
    )

    async def cloud_api(request: web.Request) -> web.Response:
        return await _answer_cloud_api(request, app[BACKEND], credentials)

    app.router.add_route("*", "/", cloud_api)
    add_admin_routes(app, BACKEND)
    return app


async def _answer_cloud_api(
    request: web.Request, backend: VodBackend, credentials: Credentials | None
) -> web.Response:
    request_id = new_request_id()
    try:
        call = parse_call(await _http_request(request), credentials)
        check_version(call)
        action = ACTIONS.get(call.action)
        if action is None:
            raise unknown_action(call)
        fields = await action.handler(backend, call.typed_params(action.signature))
        body = success_body(fields, request_id)
    except ServiceError as error:
        body = error_body(error, request_id)
    except Exception:  # the client gets the real InternalError envelope, never a traceback
        _log.exception("internal error answering request %s", request_id)
        body = error_body(InternalError("An internal error occurred."), request_id)
    return web.Response(body=body, headers={"Content-Type": JSON_CONTENT_TYPE})


async def _http_request(request: web.Request) -> HttpRequest:
    body = b""
    if request.method == "POST":
        length = request.content_length
        if length is not None and length > MAX_BODY_BYTES:
            raise RequestSizeLimitExceeded("The request body is over the 10 MB limit.")
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            raise RequestSizeLimitExceeded("The request body is over the 10 MB limit.") from None
    return HttpRequest(
        method=request.method,
        path=request.path,
        query_string=request.rel_url.raw_query_string,
        headers={name.lower(): value for name, value in request.headers.items()},
        body=body,
    )
