"""Raw HTTP to the emulator, for what an SDK will not send: bad bodies, odd methods, old stamps,
header bytes that are not UTF-8, repeated headers.

The TC3 and v1 signers here are written from the public algorithms, apart from the emulator's
code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


@dataclass
class Answer:
    status: int
    content_type: str | None
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def error_code(self) -> str | None:
        error = self.json["Response"].get("Error")
        return None if error is None else error["Code"]


Headers = Mapping[str, str | bytes] | Sequence[tuple[str, str | bytes]]


def send(endpoint: str, method: str, target: str, headers: Headers, body: bytes = b"",
         timeout: float = 30) -> Answer:
    """Send exactly these headers, in order (a list may repeat a name); a str value goes
    out as Latin-1 bytes, a bytes value as it is."""
    pairs = list(headers.items()) if isinstance(headers, Mapping) else list(headers)
    host, port = endpoint.rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        names = {name.lower() for name, _ in pairs}
        connection.putrequest(method, target, skip_host="host" in names,
                              skip_accept_encoding=True)
        for name, value in pairs:
            connection.putheader(name, value)
        if body or method in ("POST", "PUT", "PATCH"):
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body or None)
        response = connection.getresponse()
        return Answer(response.status, response.getheader("Content-Type"), response.read())
    finally:
        connection.close()


def tc3_headers(
    *,
    endpoint: str,
    action: str,
    body: bytes = b"",
    secret_id: str,
    secret_key: str,
    method: str = "POST",
    query: str = "",
    content_type: str = "application/json",
    timestamp: int | None = None,
    version: str = "2018-07-17",
    service: str = "vod",
) -> dict[str, str]:
    timestamp = int(time.time()) if timestamp is None else timestamp
    date = datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%d")
    payload = b"" if method == "GET" else body
    canonical = "\n".join([
        method, "/", query, f"content-type:{content_type}\nhost:{endpoint}\n",
        "content-type;host", hashlib.sha256(payload).hexdigest(),
    ])
    scope = f"{date}/{service}/tc3_request"
    to_sign = "\n".join(["TC3-HMAC-SHA256", str(timestamp), scope,
                         hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("TC3" + secret_key).encode()
    for part in (date, service, "tc3_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return {
        "Authorization": f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, "
                         f"SignedHeaders=content-type;host, Signature={signature}",
        "Content-Type": content_type,
        "Host": endpoint,
        "X-TC-Action": action,
        "X-TC-Version": version,
        "X-TC-Timestamp": str(timestamp),
    }


def v1_signed_fields(
    *,
    endpoint: str,
    method: str,
    fields: dict[str, str],
    secret_id: str,
    secret_key: str,
    signature_method: str = "HmacSHA256",
    timestamp: int | None = None,
) -> dict[str, str]:
    """``fields`` plus the v1 common signing fields, signed: the parameters sorted by name,
    ``name=value`` joined with ``&`` (values not URL-encoded), after ``METHOD host/?``."""
    signed = {
        **fields,
        "SecretId": secret_id,
        "Timestamp": str(int(time.time()) if timestamp is None else timestamp),
        "Nonce": "11886",
        "SignatureMethod": signature_method,
    }
    query = "&".join(f"{name}={signed[name]}" for name in sorted(signed))
    digest = hashlib.sha256 if signature_method == "HmacSHA256" else hashlib.sha1
    # surrogatepass: fuzzed fields may hold lone surrogates (refused before any signature).
    message = f"{method}{endpoint}/?{query}".encode("utf-8", "surrogatepass")
    mac = hmac.new(secret_key.encode(), message, digest)
    return {**signed, "Signature": base64.b64encode(mac.digest()).decode()}
