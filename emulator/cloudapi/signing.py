"""Signature verification for TC3-HMAC-SHA256 and the v1 HmacSHA1/HmacSHA256 methods.

The official SDKs disagree on details (the Python SDK signs the Host with its port and
service ``vod``; the Node.js SDK signs the host without the port and a service derived
from the endpoint), so the verifier takes the service from the credential scope and
accepts either host form: what matters is that the client knew the SecretKey.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import lru_cache

from ..base.echo import is_text, shown
from ..core.errors import InvalidParameterValue
from .errors import (
    AuthFailureInvalidAuthorization,
    AuthFailureSecretIdNotFound,
    AuthFailureSignatureExpire,
    AuthFailureSignatureFailure,
    MissingParameter,
)

SIGNATURE_TIME_WINDOW_SECONDS = 300
TC3_ALGORITHM = "TC3-HMAC-SHA256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
_TC3_AUTHORIZATION = re.compile(
    r"TC3-HMAC-SHA256\s+Credential=(?P<secret_id>[^/,\s]+)/(?P<date>\d{4}-\d{2}-\d{2})"
    r"/(?P<service>[^/,\s]+)/tc3_request\s*,\s*SignedHeaders=(?P<signed_headers>[a-z0-9;_-]+)"
    r"\s*,\s*Signature=(?P<signature>[0-9a-fA-F]{64})\s*"
)
_TIMESTAMP_MAX_DIGITS = 12
_V1_DIGESTS = {"HmacSHA1": hashlib.sha1, "HmacSHA256": hashlib.sha256}


def check_timestamp(text: str | None, source: str) -> int:
    """The request's timestamp, which must be within 5 minutes of wall-clock time."""
    if text is None or text == "":
        raise MissingParameter(f"The request is missing {source}.")
    # ASCII and short: str.isdigit() alone takes "٣" and "²", and int() of 5,000 digits fails.
    if not (text.isascii() and text.isdigit() and len(text) <= _TIMESTAMP_MAX_DIGITS):
        raise InvalidParameterValue(f"{source} must be Unix seconds, got {shown(text)}.")
    timestamp = int(text)
    if abs(time.time() - timestamp) > SIGNATURE_TIME_WINDOW_SECONDS:
        raise AuthFailureSignatureExpire(
            f"The signature expired: {source} {timestamp} is more than "
            f"{SIGNATURE_TIME_WINDOW_SECONDS} seconds from the server time."
        )
    return timestamp


def host_forms(host: str) -> list[str]:
    """The Host as received, and without its port: either is what a client may have signed."""
    forms = [host]
    if host.startswith("["):  # an IPv6 literal, [::1]:4600
        end = host.find("]")
        if end != -1 and host[end + 1 :].startswith(":"):
            forms.append(host[: end + 1])
    else:
        bare, colon, port = host.rpartition(":")
        if colon and port.isdigit():
            forms.append(bare)
    return forms


def verify_tc3(
    *,
    authorization: str,
    method: str,
    path: str,
    query_string: str,
    headers: Mapping[str, str],
    body: bytes,
    secret_id: str,
    secret_key: str,
) -> None:
    """Raise the real AuthFailure.* error unless the TC3 signature is right.

    ``headers`` maps lower-cased names to values as received.
    """
    match = _TC3_AUTHORIZATION.fullmatch(authorization.strip())
    if match is None:
        raise AuthFailureInvalidAuthorization(
            "The Authorization header is not a well-formed TC3-HMAC-SHA256 authorization: "
            "expected 'TC3-HMAC-SHA256 Credential=<SecretId>/<date>/<service>/tc3_request, "
            "SignedHeaders=content-type;host, Signature=<64 hex>'."
        )
    if match["secret_id"] != secret_id:
        raise AuthFailureSecretIdNotFound(f"The SecretId {shown(match['secret_id'])} is not found.")
    timestamp = check_timestamp(headers.get("x-tc-timestamp"), "the X-TC-Timestamp header")
    date = match["date"]
    if datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%d") != date:
        raise AuthFailureSignatureFailure(
            "The date in the credential scope does not match X-TC-Timestamp."
        )
    signed_names = match["signed_headers"].split(";")
    if "host" not in signed_names or "content-type" not in signed_names:
        raise AuthFailureInvalidAuthorization("SignedHeaders must include content-type and host.")
    for name in signed_names:
        if not is_text(headers.get(name, "")):
            raise AuthFailureInvalidAuthorization(f"The signed header {name} is not valid UTF-8.")
    if headers.get("x-tc-content-sha256") == UNSIGNED_PAYLOAD:
        payload_hash = hashlib.sha256(UNSIGNED_PAYLOAD.encode()).hexdigest()
    else:
        payload_hash = hashlib.sha256(body).hexdigest()
    service = match["service"]
    scope = f"{date}/{service}/tc3_request"
    key = _tc3_signing_key(secret_key, date, service)
    for host in host_forms(headers.get("host", "")):
        canonical_headers = "".join(
            f"{name}:{(host if name == 'host' else headers.get(name, '')).strip().lower()}\n"
            for name in signed_names
        )
        canonical_request = "\n".join(
            [method, path, query_string, canonical_headers, ";".join(signed_names), payload_hash]
        )
        string_to_sign = "\n".join(
            [TC3_ALGORITHM, str(timestamp), scope,
             hashlib.sha256(canonical_request.encode()).hexdigest()]
        )
        expected = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
        if hmac.compare_digest(expected, match["signature"].lower()):
            return
    raise AuthFailureSignatureFailure(
        "The provided credentials could not be validated: the signature does not match."
    )


@lru_cache(maxsize=64)  # one key a day per service: no need to redo three HMACs per request
def _tc3_signing_key(secret_key: str, date: str, service: str) -> bytes:
    key = ("TC3" + secret_key).encode()
    for part in (date, service, "tc3_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def verify_v1(
    *,
    method: str,
    host: str,
    path: str,
    params: Mapping[str, str],
    secret_id: str,
    secret_key: str,
) -> None:
    """Raise the real AuthFailure.* error unless the v1 (HmacSHA1/256) signature is right.

    ``params`` are every form or query field, Signature included, decoded.
    """
    # Timestamp first, as the real service names it first for a request with none.
    for required in ("Timestamp", "SecretId", "Nonce", "Signature"):
        if not params.get(required):
            raise MissingParameter(f"The request is missing a required parameter `{required}`.")
    if params["SecretId"] != secret_id:
        raise AuthFailureSecretIdNotFound(f"The SecretId {shown(params['SecretId'])} is not found.")
    check_timestamp(params["Timestamp"], "the Timestamp parameter")
    method_name = params.get("SignatureMethod", "HmacSHA1")
    digest = _V1_DIGESTS.get(method_name)
    if digest is None:
        raise InvalidParameterValue(
            f"SignatureMethod must be HmacSHA1 or HmacSHA256, got {shown(method_name)}."
        )
    # The SDKs sign keys with '_' written as '.', and raw (not URL-encoded) values.
    signed = {k.replace("_", "."): v for k, v in params.items() if k != "Signature"}
    query = "&".join(f"{k}={signed[k]}" for k in sorted(signed))
    # compare_digest refuses str with non-ASCII characters: compare the UTF-8 bytes.
    given = params["Signature"].encode()
    for form in host_forms(host):
        message = f"{method}{form}{path}?{query}".encode()
        expected = base64.b64encode(hmac.new(secret_key.encode(), message, digest).digest())
        if hmac.compare_digest(expected, given):
            return
    raise AuthFailureSignatureFailure(
        "The provided credentials could not be validated: the signature does not match."
    )
