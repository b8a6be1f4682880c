"""Compact JSON text, and a marker for text that is already JSON.

Event payloads are encoded once, when first answered, and that text is placed as it is
into every answer that carries them (PullEvents, the admin API): encoding is most of
the cost of a large answer.
"""

from __future__ import annotations

import json
from typing import Any


class RawJson(str):
    """Text that is already JSON: placed into an answer as it is."""


def plain(value: Any) -> str:
    """JSON without spaces, non-ASCII kept as it is (as the real service answers)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def compact(value: Any) -> str:
    """Like ``plain``, but objects and arrays may hold RawJson anywhere in their tree."""
    if isinstance(value, RawJson):
        return value
    if isinstance(value, dict):
        return "{" + ",".join(f"{plain(str(k))}:{compact(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(compact(item) for item in value) + "]"
    return plain(value)
