"""Quoting a client's input in a message, safely: one rule for every error the emulator
writes (Cloud API envelopes, admin errors, event validation).

A message may echo what a client sent; that echo must never be able to break the
answer carrying it (a lone surrogate cannot be written as UTF-8) nor make it large.
"""

from __future__ import annotations

from typing import Any

SHOWN_VALUE_CHARS = 64
"""How much of one echoed value a message shows."""
MAX_MESSAGE_CHARS = 2048
"""How long a whole message can be."""


def shown(value: Any, limit: int = SHOWN_VALUE_CHARS) -> str:
    """A value quoted for a message: ``repr`` (so lone surrogates and control characters
    arrive escaped), cut to ``limit`` characters."""
    if isinstance(value, int) and value.bit_length() > 4 * limit:
        # Too long to show, and past 4,300 digits too long even to turn into text.
        return f"an integer of about {int(value.bit_length() * 0.30103) + 1} digits"
    cut = isinstance(value, str) and len(value) > limit
    text = repr(value[:limit] if cut else value)
    if len(text) > limit + 2:
        return text[:limit] + "…"
    return text + ("…" if cut else "")


def safe_text(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """``text`` cut to ``limit`` characters, lone surrogates written as ``\\udcXX``: text
    that always encodes as UTF-8, whatever input it quotes."""
    if len(text) > limit:
        text = text[:limit] + "…"
    if text.isascii():
        return text
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def is_text(value: str) -> bool:
    """Whether ``value`` is valid Unicode text (encodable as UTF-8: no lone surrogate)."""
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
