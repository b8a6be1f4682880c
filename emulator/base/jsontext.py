"""Compact JSON as UTF-8 bytes, a marker for bytes that are already JSON, and JSON texts
packed small.

Event payloads are encoded once, when queued, and those bytes are placed as they are
into every answer that carries them (PullEvents, the admin API): encoding is most of the
cost of a large answer, and bytes join without a further encoding pass. Between the two
they are held packed (``JsonPacker``).
"""

from __future__ import annotations

import json
import math
import zlib
from collections.abc import Sequence
from typing import Any

from .echo import safe_text, shown


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


class JsonPacker:
    """Deflates JSON texts of one kind with a preset dictionary made of sample texts of that
    kind: the names, punctuation and values they share are found in the dictionary, so a
    text of a few KB packs to a few hundred bytes. Each text is packed alone (any one
    unpacks without the others), as raw deflate: no header nor checksum, 6 bytes a text."""

    MAX_DICTIONARY_BYTES = 32 * 1024  # deflate's largest window
    MIN_DICTIONARY_BYTES = 4 * 1024
    SAMPLES_A_DICTIONARY = 16
    """A dictionary holds about this many samples' worth: a smaller one for smaller texts.
    Unpacking starts by copying the whole dictionary into a window of its size: with
    32 KB that is a third of the time a 1.3 KB text takes, for 6% less bytes than 16 KB."""
    LEVEL = 6
    # Deflate's fixed codes: a text unpacks in ~2/3 of the time (no code tables to build
    # for each one: most of a small text's cost) for ~6% more bytes than its own codes.
    _STRATEGY = zlib.Z_FIXED

    __slots__ = ("dictionary", "_window_bits", "_primed")

    def __init__(self, samples: Sequence[bytes]) -> None:
        size, mean = self.MAX_DICTIONARY_BYTES, sum(map(len, samples)) / len(samples)
        while size > self.MIN_DICTIONARY_BYTES and size > self.SAMPLES_A_DICTIONARY * mean:
            size //= 2
        # The newest bytes are the nearest, the cheapest to refer to: the last samples.
        self.dictionary = b"".join(samples)[-size:]
        self._window_bits = -(size.bit_length() - 1)  # negative: raw deflate
        # Primed with the dictionary once: a copy costs a fraction of priming.
        self._primed = zlib.compressobj(self.LEVEL, zlib.DEFLATED, self._window_bits,
                                        strategy=self._STRATEGY, zdict=self.dictionary)

    def pack(self, text: bytes) -> bytes:
        """Deflated bytes, or the text itself as RawJson if deflating does not shrink it
        (``unpack`` tells them apart by their type)."""
        deflater = self._primed.copy()
        packed = deflater.compress(text) + deflater.flush()
        if len(packed) < len(text):
            return packed
        return text if type(text) is RawJson else RawJson(text)

    def unpack(self, packed: bytes) -> RawJson:
        """The text ``pack`` was given."""
        if type(packed) is RawJson:
            return packed
        inflater = zlib.decompressobj(self._window_bits, zdict=self.dictionary)
        return RawJson(inflater.decompress(packed))


class JsonInputError(ValueError):
    """JSON text that ``strict_loads`` refuses. The message completes a sentence about
    the text ("the body <message>"), so each API can say it in its own words."""


class NotAnObject(JsonInputError):
    """Valid JSON, but not the object a request body must be."""


def strict_object(raw: bytes, max_depth: int) -> dict[str, Any]:
    """A request body as both APIs read it: nothing (or white space) is ``{}``; anything
    else is ``strict_loads`` text that must be an object."""
    if not raw.strip():
        return {}
    value = strict_loads(raw, max_depth)
    if not isinstance(value, dict):
        raise NotAnObject("must be a JSON object")
    return value


def strict_loads(raw: bytes, max_depth: int) -> Any:
    """JSON as both APIs accept it: UTF-8 only, no member given twice in an object, no
    ``NaN``/``Infinity`` and no number beyond a double, and objects and arrays nested at
    most ``max_depth`` levels (the outermost is level 1). Never recurses itself."""
    try:
        # Decoded first: json.loads(bytes) would also take UTF-16 and UTF-32.
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise JsonInputError("is not valid UTF-8") from None
    try:
        value = json.loads(text, object_pairs_hook=_object_without_repeats,
                           parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError:  # the decoder's own guard, far deeper than any limit here
        raise JsonInputError(f"is nested deeper than {max_depth} levels") from None
    except JsonInputError:
        raise
    except ValueError as error:
        raise JsonInputError(f"is not valid JSON: {safe_text(str(error), 200)}") from None
    if _nested_deeper_than(value, max_depth):
        raise JsonInputError(f"is nested deeper than {max_depth} levels")
    return value


def _object_without_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = dict(pairs)
    if len(document) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise JsonInputError(f"gives the member {shown(key)} more than once")
            seen.add(key)
    return document


def _refuse_constant(name: str) -> Any:
    raise JsonInputError(f"is not valid JSON: {name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400: valid JSON, but no double holds it
        raise JsonInputError(f"is not valid JSON: the number {shown(text)} is beyond a double")
    return value


def _nested_deeper_than(document: Any, limit: int) -> bool:
    """Whether objects and arrays nest more than ``limit`` levels: a loop, no recursion."""
    if not isinstance(document, (dict, list)):
        return False
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        for child in value.values() if isinstance(value, dict) else value:
            if isinstance(child, (dict, list)):
                if depth >= limit:
                    return True
                stack.append((child, depth + 1))
    return False
