"""A small Cloud API 3.0 client of VOD's event actions, signed TC3-HMAC-SHA256 as the
official Python SDK signs (the Host with its port, service ``vod``, the JSON body's hash),
so the real service and a verifying emulator accept it alike. ``vod-emulator listen``
drains an account with it, without the SDK (an optional extra) at run time.

The signing is the standard library's, and ``tc3_headers`` a pure function a test can
check against the emulator's verifier.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from .._version import __version__
from ..core.ratetable import DEFAULT_PER_SECOND, RATE_LIMITS

__all__ = ["API_VERSION", "REAL_ENDPOINT", "CloudApiError", "Credentials", "VodApi",
           "tc3_headers"]

REAL_ENDPOINT = "https://vod.tencentcloudapi.com"
"""The real service's endpoint (international: https://vod.intl.tencentcloudapi.com)."""
API_VERSION = "2018-07-17"
SERVICE = "vod"
REQUEST_TIMEOUT_SECONDS = 60.0
"""How long a call may take: the SDK's default reqTimeout, well past PullEvents' 5 s hold
(a shorter client timeout hangs up on held pulls)."""
SHARE_OF_THE_REAL_LIMIT = 0.5
"""Each action is called at most half as often as the real service allows it (PullEvents
and ConfirmEvents: 50 a second): the rest of the account's limit is left to its other
clients."""
USER_AGENT = f"vod-emulator/{__version__} (listen)"
_ALGORITHM = "TC3-HMAC-SHA256"
_CONTENT_TYPE = "application/json"


@dataclass(frozen=True)
class Credentials:
    """A SecretId and SecretKey, and a temporary credential's token (``X-TC-Token``)."""

    secret_id: str
    secret_key: str
    token: str | None = None

    def __repr__(self) -> str:  # never the key in a log or a traceback
        return f"Credentials(secret_id={self.secret_id!r}, secret_key=..., token=...)"


class CloudApiError(Exception):
    """An error the endpoint answered (``Response.Error``), with its code and RequestId."""

    def __init__(self, action: str, code: str, message: str, request_id: str = "") -> None:
        super().__init__(f"{action}: {code}: {message}")
        self.action = action
        self.code = code
        self.message = message
        self.request_id = request_id

    @property
    def is_fatal(self) -> bool:
        """Whether trying again cannot help: the credentials or the parameters are wrong
        (a rate limit, an internal error or an unavailable service pass)."""
        return self.code.startswith(("AuthFailure", "UnauthorizedOperation", "InvalidAction",
                                     "UnknownParameter", "MissingParameter", "NoSuchVersion",
                                     "InvalidParameter", "UnsupportedProtocol"))


def tc3_headers(
    endpoint: str, action: str, body: bytes, credentials: Credentials,
    timestamp: int | None = None, version: str = API_VERSION, service: str = SERVICE,
) -> dict[str, str]:
    """The headers of a TC3 POST of ``body`` (JSON) to ``endpoint`` (a URL), its
    ``Authorization`` signed as the Python SDK signs: Host with its port (as the URL
    gives it), content-type;host signed, the body's SHA-256, the date of ``timestamp``."""
    host = urlsplit(endpoint).netloc
    timestamp = int(time.time()) if timestamp is None else timestamp
    date = datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%d")
    canonical_request = "\n".join([
        "POST", "/", "", f"content-type:{_CONTENT_TYPE}\nhost:{host}\n", "content-type;host",
        hashlib.sha256(body).hexdigest()])
    scope = f"{date}/{service}/tc3_request"
    to_sign = "\n".join([_ALGORITHM, str(timestamp), scope,
                         hashlib.sha256(canonical_request.encode()).hexdigest()])
    key = ("TC3" + credentials.secret_key).encode()
    for part in (date, service, "tc3_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers = {
        "Authorization": f"{_ALGORITHM} Credential={credentials.secret_id}/{scope}, "
                         f"SignedHeaders=content-type;host, Signature={signature}",
        "Content-Type": _CONTENT_TYPE,
        "Host": host,
        "X-TC-Action": action,
        "X-TC-Timestamp": str(timestamp),
        "X-TC-Version": version,
    }
    if credentials.token:
        headers["X-TC-Token"] = credentials.token
    return headers


class VodApi:
    """The event actions of one endpoint, for one application (``sub_app_id``; None: the
    account's default one), over an aiohttp session the caller owns. Calls of one action
    are spaced ``call_interval(action)`` apart at least. A transport failure raises
    aiohttp's error or TimeoutError; an error answer, CloudApiError."""

    def __init__(self, session: aiohttp.ClientSession, endpoint: str, credentials: Credentials,
                 sub_app_id: int | None = None,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.session = session
        self.endpoint = endpoint.rstrip("/")
        self.credentials = credentials
        self.sub_app_id = sub_app_id
        self._monotonic = monotonic
        self._last_call: dict[str, float] = {}

    async def pull_events(self) -> list[dict[str, Any]]:
        """PullEvents: up to 16 events, each with its EventHandle; held by the service up
        to its long poll (5 s) when there is none."""
        answer = await self.call("PullEvents", {})
        return list(answer.get("EventSet") or [])

    async def confirm_events(self, handles: list[str]) -> None:
        await self.call("ConfirmEvents", {"EventHandles": handles})

    async def describe_event_config(self) -> dict[str, Any]:
        return await self.call("DescribeEventConfig", {})

    async def call(self, action: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """One signed call; answer its ``Response``."""
        await self._pace(action)
        document = dict(params)
        if self.sub_app_id is not None:
            document["SubAppId"] = self.sub_app_id
        body = json.dumps(document).encode()  # as the SDK sends it (with spaces)
        headers = tc3_headers(self.endpoint, action, body, self.credentials)
        headers["User-Agent"] = USER_AGENT
        async with self.session.post(
                self.endpoint + "/", data=body, headers=headers,
                timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS)) as response:
            raw = await response.read()
            if response.status != 200:  # errors travel with 200: anything else is transport
                raise aiohttp.ClientResponseError(
                    response.request_info, (), status=response.status,
                    message=f"HTTP {response.status} from {self.endpoint}")
        try:
            answer = json.loads(raw)["Response"]
        except (ValueError, KeyError, TypeError):
            raise aiohttp.ClientPayloadError(
                f"{self.endpoint} answered {action} with no Cloud API Response: "
                f"{raw[:200]!r}") from None
        error = answer.get("Error")
        if error:
            raise CloudApiError(action, str(error.get("Code")), str(error.get("Message")),
                                str(answer.get("RequestId", "")))
        result: dict[str, Any] = answer
        return result

    async def _pace(self, action: str) -> None:
        last = self._last_call.get(action)
        now = self._monotonic()
        interval = call_interval(action)
        if last is not None and now - last < interval:
            await asyncio.sleep(interval - (now - last))
        self._last_call[action] = self._monotonic()


def call_interval(action: str) -> float:
    """The shortest time between two calls of ``action``, in seconds."""
    limit = RATE_LIMITS.get(action)
    per_second = DEFAULT_PER_SECOND if limit is None else limit.per_second
    return 1 / (per_second * SHARE_OF_THE_REAL_LIMIT)
