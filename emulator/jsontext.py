"""Compact JSON as UTF-8 bytes, and a marker for bytes that are already JSON.

Event payloads are encoded once, when queued, and those bytes are placed as they are
into every answer that carries them (PullEvents, the admin API): encoding is most of the
cost of a large answer, and bytes join without a further encoding pass.
"""

from __future__ import annotations

import json
from typing import Any


class RawJson(bytes):
    """UTF-8 bytes that are already JSON: placed into an answer as they are."""


def plain(value: Any) -> bytes:
    """JSON without spaces, non-ASCII kept as it is (as the real service answers).

    Never fails on text: a lone surrogate (which no UTF-8 can hold, yet a JSON escape
    ``"\\ud800"`` in a client's input decodes to) is written as that escape again."""
    # allow_nan=False: never Infinity or NaN, which are not JSON (input refuses them too).
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.encode("utf-8", "backslashreplace")


def compact(value: Any) -> bytes:
    """Like ``plain``, but objects and arrays may hold RawJson anywhere in their tree."""
    if isinstance(value, RawJson):
        return value
    if isinstance(value, dict):
        members = b",".join(plain(str(k)) + b":" + compact(v) for k, v in value.items())
        return b"{" + members + b"}"
    if isinstance(value, (list, tuple)):
        return b"[" + b",".join(compact(item) for item in value) + b"]"
    return plain(value)
