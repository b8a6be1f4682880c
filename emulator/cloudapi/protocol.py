"""Cloud API 3.0 requests in the four styles the SDKs send, and the answers' envelopes.

| style     | action and version from     | parameters from                       |
|-----------|-----------------------------|---------------------------------------|
| TC3 POST  | X-TC-Action / X-TC-Version  | JSON body (or a form body)            |
| TC3 GET   | X-TC-Action / X-TC-Version  | flattened query string                |
| v1 POST   | Action / Version fields     | flattened form body, with common ones |
| v1 GET    | Action / Version fields     | flattened query string, likewise      |
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from ..base.echo import is_text, safe_text, shown
from ..base.jsontext import JsonInputError, NotAnObject, compact, strict_object
from ..core.errors import ServiceError
from . import parameters, signing
from .errors import (
    AuthFailureInvalidAuthorization,
    InvalidAction,
    InvalidParameter,
    MissingParameter,
    NoSuchVersion,
    RequestSizeLimitExceeded,
    UnsupportedProtocol,
)

API_VERSION = "2018-07-17"
MAX_GET_QUERY_BYTES = 32 * 1024
MAX_V1_POST_BYTES = 1024 * 1024
MAX_TC3_POST_BYTES = 10 * 1024 * 1024
MAX_BODY_BYTES = MAX_TC3_POST_BYTES
MAX_JSON_DEPTH = 32  # a body {"A": [..]} is 2 deep; no action needs more than that
JSON_CONTENT_TYPE = "application/json"  # exactly: the Python SDK misses errors otherwise

# Fields of a v1 request that belong to the protocol, not to the action.
V1_COMMON_PARAMETERS = frozenset(
    {"Action", "Version", "Region", "Timestamp", "Nonce", "SecretId", "SignatureMethod",
     "Signature", "Language", "RequestClient", "Token"}
)
# Any of these makes a request without an Authorization header a v1 request.
_V1_MARKERS = ("Action", "Signature", "SecretId", "Timestamp", "Nonce")
# Headers the protocol reads: each at most once, and valid UTF-8 (aiohttp hands other
# bytes over as lone surrogates, which no answer or signature could carry).
PROTOCOL_HEADERS = {
    "authorization": "Authorization",
    "host": "Host", "content-type": "Content-Type", "x-tc-action": "X-TC-Action",
    "x-tc-version": "X-TC-Version", "x-tc-timestamp": "X-TC-Timestamp",
    "x-tc-region": "X-TC-Region", "x-tc-language": "X-TC-Language",
    "x-tc-token": "X-TC-Token", "x-tc-requestclient": "X-TC-RequestClient",
    "x-tc-content-sha256": "X-TC-Content-SHA256",
}


@dataclass(frozen=True)
class HttpRequest:
    """What the protocol needs of an HTTP request; built by the aiohttp edge."""

    method: str
    path: str
    query_string: str  # raw, as received
    headers: Mapping[str, str]  # lower-cased names
    body: bytes
    repeated_headers: frozenset[str] = frozenset()  # lower-cased PROTOCOL_HEADERS sent twice


@dataclass(frozen=True)
class ApiCall:
    action: str
    version: str
    params: Mapping[str, Any]  # JSON-typed (TC3 JSON) or flattened strings
    flattened: bool

    def typed_params(
        self, signature: parameters.Signature | parameters.RequestModel
    ) -> dict[str, Any]:
        if isinstance(signature, parameters.RequestModel):
            if self.flattened:
                return parameters.from_model_flat(self.params, signature)
            return parameters.from_model_json(self.params, signature)
        if self.flattened:
            return parameters.from_flat(self.params, signature)
        return parameters.from_json(self.params, signature)


@dataclass(frozen=True)
class Credentials:
    secret_id: str
    secret_key: str


def parse_call(request: HttpRequest, credentials: Credentials | None) -> ApiCall:
    """Read one Cloud API request, verifying its signature when credentials are set."""
    if request.method not in ("GET", "POST"):
        raise UnsupportedProtocol(
            f"The HTTP method {shown(request.method)} is not supported: use GET or POST."
        )
    _check_size(request)
    _check_headers(request)
    authorization = request.headers.get("authorization")
    if authorization is not None:
        return _parse_tc3(request, authorization, credentials)
    fields = _flat_fields(request)
    if any(marker in fields for marker in _V1_MARKERS):
        return _parse_v1(request, fields, credentials)
    if credentials is not None:
        # What the real service answers a request carrying no signature at all.
        missing = "Authorization" if "x-tc-timestamp" in request.headers else "Timestamp"
        raise MissingParameter(f"The request is missing a required parameter `{missing}`.")
    return _parse_tc3(request, None, None)


def _check_size(request: HttpRequest) -> None:
    if request.method == "GET":
        if len(request.query_string) > MAX_GET_QUERY_BYTES:
            raise RequestSizeLimitExceeded(
                f"The GET request is over the {MAX_GET_QUERY_BYTES // 1024} KB limit."
            )
        return
    content_type = _content_type(request)
    tc3 = "authorization" in request.headers or content_type == JSON_CONTENT_TYPE
    limit = MAX_TC3_POST_BYTES if tc3 else MAX_V1_POST_BYTES
    if len(request.body) > limit:
        raise RequestSizeLimitExceeded(
            f"The POST request body is over the {limit // 1024} KB limit."
        )


def _check_headers(request: HttpRequest) -> None:
    for name, shown_name in PROTOCOL_HEADERS.items():
        if name in request.repeated_headers:
            raise InvalidParameter(f"The {shown_name} header appears more than once.")
        value = request.headers.get(name)
        if value is not None and not is_text(value):
            error = (AuthFailureInvalidAuthorization if name == "authorization"
                     else InvalidParameter)
            raise error(f"The {shown_name} header is not valid UTF-8.")


def _parse_tc3(
    request: HttpRequest, authorization: str | None, credentials: Credentials | None
) -> ApiCall:
    if credentials is not None and authorization is not None:
        if authorization.strip() == "SKIP":
            raise AuthFailureInvalidAuthorization(
                "Authorization: SKIP is refused: this emulator verifies signatures."
            )
        signing.verify_tc3(
            authorization=authorization,
            method=request.method,
            path=request.path,
            query_string=request.query_string if request.method == "GET" else "",
            headers=request.headers,
            body=request.body,
            secret_id=credentials.secret_id,
            secret_key=credentials.secret_key,
        )
    action = _required_header(request, "x-tc-action", "X-TC-Action")
    version = _required_header(request, "x-tc-version", "X-TC-Version")
    if request.method == "GET":
        return ApiCall(action, version, _query_fields(request), flattened=True)
    content_type = _content_type(request)
    if content_type == "application/x-www-form-urlencoded":
        return ApiCall(action, version, _form_fields(request.body), flattened=True)
    if content_type != JSON_CONTENT_TYPE:
        raise InvalidParameter(
            f"Content-Type {shown(content_type) if content_type else '(none)'} is not "
            "supported: send application/json or application/x-www-form-urlencoded."
        )
    return ApiCall(action, version, _json_body(request.body), flattened=False)


def _parse_v1(
    request: HttpRequest, fields: dict[str, str], credentials: Credentials | None
) -> ApiCall:
    if credentials is not None:
        signing.verify_v1(
            method=request.method,
            host=request.headers.get("host", ""),
            path=request.path,
            params=fields,
            secret_id=credentials.secret_id,
            secret_key=credentials.secret_key,
        )
    action = fields.get("Action")
    version = fields.get("Version")
    if not action:
        raise MissingParameter("The request is missing a required parameter `Action`.")
    if not version:
        raise MissingParameter("The request is missing a required parameter `Version`.")
    params = {k: v for k, v in fields.items() if k not in V1_COMMON_PARAMETERS}
    return ApiCall(action, version, params, flattened=True)


def check_version(call: ApiCall) -> None:
    if call.version != API_VERSION:
        raise NoSuchVersion(
            f"The API version {shown(call.version)} does not exist for vod: use {API_VERSION}."
        )


def unknown_action(call: ApiCall) -> ServiceError:
    return InvalidAction(f"The action {shown(call.action)} is not found for vod {API_VERSION}.")


def _content_type(request: HttpRequest) -> str:
    """The media type alone, without parameters such as charset."""
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def _required_header(request: HttpRequest, name: str, shown_name: str) -> str:
    value = request.headers.get(name)
    if not value:
        raise MissingParameter(f"The request is missing the {shown_name} header.")
    return value


def _flat_fields(request: HttpRequest) -> dict[str, str]:
    if request.method == "GET":
        return _query_fields(request)
    content_type = _content_type(request)
    if content_type == "application/x-www-form-urlencoded":
        return _form_fields(request.body)
    return {}


def _query_fields(request: HttpRequest) -> dict[str, str]:
    return _decode_fields(request.query_string, "query string")


def _form_fields(body: bytes) -> dict[str, str]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidParameter("The form body is not valid UTF-8.") from None
    return _decode_fields(text, "form body")


def _decode_fields(text: str, where: str) -> dict[str, str]:
    try:
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text),
                          errors="strict")
    except (ValueError, UnicodeError) as error:
        raise InvalidParameter(f"The {where} is malformed: {error}.") from None
    fields: dict[str, str] = {}
    for key, value in pairs:
        if key in fields:
            raise InvalidParameter(f"The parameter {shown(key)} appears more than once.")
        fields[key] = value
    return fields


def _json_body(body: bytes) -> dict[str, Any]:
    try:
        return strict_object(body, MAX_JSON_DEPTH)
    except NotAnObject:
        raise InvalidParameter("The request body must be a JSON object of parameters.") from None
    except JsonInputError as error:
        raise InvalidParameter(f"The request body {error}.") from None


# ----- answers


def new_request_id() -> str:
    return str(uuid.uuid4())


def success_body(fields: Mapping[str, Any], request_id: str) -> bytes:
    return compact({"Response": {**fields, "RequestId": request_id}})


def error_body(error: ServiceError, request_id: str) -> bytes:
    """The error envelope; it cannot fail to encode: the message is made safe text."""
    document = {"Response": {"Error": {"Code": error.code, "Message": safe_text(error.message)},
                             "RequestId": request_id}}
    return compact(document)
