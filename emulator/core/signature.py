"""A callback's signature, as the real service makes it: ``Sign`` is the hex MD5 of
SignKey + ``T``, and ``T`` is the signature's expiry (Unix seconds).

A leaf of the domain (it imports nothing of the emulator): the dispatcher signs with it and
the test clients' receiver checks with it, so the formula is written once.
"""

from __future__ import annotations

import hashlib
import hmac


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
