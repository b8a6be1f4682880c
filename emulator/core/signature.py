"""A callback as the real service makes it: its body, the EventContent without
EventHandle and null fields, signed with ``Sign``, the hex MD5 of SignKey + ``T``, where
``T`` is the signature's expiry (Unix seconds).

A leaf of the domain (it imports only the foundations): the dispatcher builds and signs
with it, the test clients' receiver checks with it and ``vod-emulator listen`` forwards
with it, so the body and the formula are written once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from ..base.jsontext import plain

SIGNATURE_TTL_SECONDS = 600.0
"""How long after it is sent a callback's signature is valid (``T`` = now + this): the
real service's default, 10 minutes."""


def sign(sign_key: str, expiry: int) -> str:
    """``Sign`` for a SignKey and a ``T``."""
    return hashlib.md5(f"{sign_key}{expiry}".encode()).hexdigest()


def is_genuine(sign_key: str, expiry: int, signature: str) -> bool:
    """Whether ``signature`` is the ``Sign`` of this SignKey and ``T`` (compared in
    constant time, as a careful handler does)."""
    return hmac.compare_digest(sign(sign_key, expiry), signature)


def expiry(emulator_now: float, real_now: float, ttl: float, expired: bool = False) -> int:
    """``T``, judged the same by a handler on real time and one on the emulator's clock,
    wherever that clock stands: a valid T is ``ttl`` after the later of the two (when the
    emulator runs days ahead, T is days ahead of real time too); an expired one is a
    second before the earlier."""
    if expired:
        return int(min(emulator_now, real_now)) - 1
    return int(max(emulator_now, real_now) + ttl)


def callback_body(payload: bytes, sign_key: str, expiry: int) -> bytes:
    """The body of a callback: the EventContent without EventHandle and without null
    fields; with a SignKey, also ``T`` (``expiry``, the signature's expiry, Unix seconds)
    and ``Sign`` (hex MD5 of SignKey + T). ``payload`` is the EventContent as compact
    JSON, without EventHandle."""
    if b"null" in payload:  # rare (given payloads only): rebuilt without the nulls
        payload = plain(_without_nulls(json.loads(payload)))
    if not sign_key:
        return payload
    # Spliced before the closing brace: a payload always has members (EventType at least).
    return payload[:-1] + b',"T":%d,"Sign":"%s"}' % (expiry, sign(sign_key, expiry).encode())


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_without_nulls(item) for item in value]
    return value
