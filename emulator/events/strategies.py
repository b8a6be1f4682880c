"""Hypothesis strategies for VOD event payloads, for fuzzing your own event handlers.

Every payload is valid by construction against the emulator's schema (which is built from
the official SDK's models): each field has a declared name and a value of the declared type,
enum fields take one of their allowed values, integers fit in a signed 64-bit integer,
numbers are finite, and an EventContent carries only the member that matches its
EventType. Every field is optional, so failing examples shrink to the few fields that
matter, with small, readable values.

Two modes:

- default: realistic values, made by the emulator's own value makers (the table in
  ``emulator.events.values``) from a Hypothesis-controlled random: 19-digit FileIds, ISO
  8601 UTC times, ``https://<appid>.vod2.myqcloud.com/...`` URLs, ``ErrCode`` 0 or a
  documented failure code, and names in English and Chinese;
- ``nasty=True``: the valid but awkward values real payloads can carry: empty strings,
  long unicode text (CJK, emoji, combining marks, right-to-left marks), 0, -1 and the
  64-bit extremes, huge and tiny floats (and integral JSON numbers such as ``0`` where a
  float is declared, as ``json.loads`` gives them), empty lists and objects, and ``null``
  where the schema says a field may be null. Enum fields keep to their allowed values, and
integers to the range the schema knows for them.

Hypothesis is an optional dependency (``pip install 'vod-emulator[hypothesis]'``); only this
module imports it.

Example::

    from hypothesis import given
    from emulator.strategies import event_content

    @given(event_content("NewFileUpload", nasty=True))
    def test_my_handler_never_crashes(event):
        my_handler(event)
"""

from __future__ import annotations

import random
from functools import cache
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from . import vocabulary as v
from .catalog import EVENT_TYPES
from .context import new_context
from .schema import Field, load_schema
from .values import value_maker

__all__ = ["any_event", "event_content", "event_member", "event_types"]

_MAX_DEPTH = 4  # the member's model is depth 0; models nested deeper than this are left out
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_TIMES = (1_577_836_800.0, 1_924_991_999.0)  # 2020-01-01 .. 2030-12-31, UTC

# ----- realistic: the factory's own makers, driven by a random Hypothesis controls


def _made(spec: Field) -> SearchStrategy[Any]:
    """What the emulator would put in ``spec``, from a fresh event context seeded by one
    drawn integer: one choice per value keeps examples quick to shrink (towards seed 0)."""
    make = value_maker(spec)

    def draw(seed: int) -> Any:
        rng = random.Random(seed)
        app_id = rng.randrange(*v.APP_IDS)
        return make(new_context(rng, app_id, rng.uniform(*_TIMES)), spec)

    return st.integers(0, 2**32 - 1).map(draw)


# ----- nasty pieces

_EDGE_INTS = (0, -1, 1, 2**31 - 1, -(2**31), 2**32, 2**53 + 1, _INT64_MAX, _INT64_MIN)
_EDGE_FLOATS = (0.0, -0.0, -1.0, 0.1, 5e-324, 2.2250738585072014e-308, 1e308, -1e308,
                1.7976931348623157e308, 9007199254740993.0)
_NASTY_STRINGS = (
    " ", "\t\n", "null", "None", "undefined", "0", "-1", "NaN", "true", "{}", "[]",
    "\"quoted\"", "back\\slash", "<script>alert(1)</script>", "' OR '1'='1", "%s%n%x",
    "../../etc/passwd", "\u202eright-to-left", "zero\u200bwidth", "\ufeffBOM", "e\u0301\u0301",
    "👩‍👩‍👧‍👦", "🎬🎥📼", "会议录像 2024（最终版）", "Z̷̢̛a̴l̸g̵o̶", "\x00nul",
)
# Characters that break naive handling: CJK, emoji (with joiners and skin tones),
# combining marks, right-to-left text, invisible characters, astral-plane letters.
_NASTY_ALPHABET = st.one_of(
    st.characters(codec="utf-8"),
    st.sampled_from("会议录像视频点播测试中文字符串ｆｕｌｌ한국어日本語"),
    st.sampled_from("😀🎬🔥👍🏽👩‍💻🇨🇳\u200d\ufe0f"),
    st.characters(min_codepoint=0x300, max_codepoint=0x36F),  # combining marks
    st.sampled_from("\u202e\u202d\u200b\u200e\u200f\u2028\u2029\u00a0עברית العربية"),
    st.characters(min_codepoint=0x10000, max_codepoint=0x1FFFF, codec="utf-8"),
)
_NASTY_TEXT = st.one_of(
    st.just(""),
    st.sampled_from(_NASTY_STRINGS),
    st.text(_NASTY_ALPHABET, max_size=40),
    # Long text built from a repeated chunk: up to 2,000 characters, cheap to generate.
    st.builds(lambda chunk, times: (chunk * times)[:2000],
              st.text(_NASTY_ALPHABET, min_size=1, max_size=10), st.integers(50, 2000)),
)
_EDGE_TIMES = st.sampled_from(("", "1970-01-01T00:00:00Z", v.NEVER_EXPIRES,
                               "2024-02-29T23:59:59Z"))
_EDGE_URLS = st.sampled_from((
    "",
    "http://1250000000.vod2.myqcloud.com/a1b2c3d4/e5f6a7b8/demo.mp4",
    "https://1250000000.vod2.myqcloud.com/a1b2c3d4/e5f6a7b8/%E4%BC%9A%E8%AE%AE.mp4",
    "https://1250000000.vod2.myqcloud.com/a1b2c3d4/e5f6a7b8/会议录像.m3u8",
    "https://vod.example.com/a1b2c3d4/e5f6a7b8/demo.mp4?t=65a1b2c3&us=72d4f0&sign=0f3c9e",
    "https://1250000000.vod2.myqcloud.com/a1b2c3d4/e5f6a7b8/" + "x" * 1000 + ".mp4",
))
# Strings in a format (ids, codes, hashes...): nasty is empty, not arbitrary text.
_FORMATTED = ("Id", "Ids", "IdSet", "Md5", "Sha1", "Region", "ErrCode", "Status", "Width",
              "Height")


def _nasty(spec: Field) -> SearchStrategy[Any]:
    """The valid but awkward values of one item of ``spec``."""
    name = spec.name
    if spec.type == "string":
        if name.endswith(("Time", "TimeSet")):
            return _EDGE_TIMES
        if name.endswith(("Url", "URL", "Urls", "UrlSet")):
            return _EDGE_URLS
        if name.endswith(_FORMATTED):
            return st.just("")
        return _NASTY_TEXT
    if spec.type == "integer":
        if spec.range is not None:
            low, high = (int(bound) for bound in spec.range)
            return st.sampled_from(sorted({low, high, max(low, min(0, high))}))
        return st.sampled_from(_EDGE_INTS) | st.integers(_INT64_MIN, _INT64_MAX)
    if spec.type == "number":
        # JSON has one number type: a float field can hold 0 or -1, which json.loads makes
        # ints.
        return st.one_of(st.sampled_from(_EDGE_FLOATS), st.sampled_from((0, -1, 1, 2**53)),
                         st.floats(allow_nan=False, allow_infinity=False))
    return st.booleans()


def _primitive(spec: Field, nasty: bool) -> SearchStrategy[Any]:
    """A primitive field's values: realistic first (so examples shrink to them), then in
    nasty mode the awkward ones; enum fields keep to their allowed values."""
    realistic = _made(spec)
    if not nasty or spec.enum:
        return realistic
    extra = _nasty(spec)
    return realistic | (st.lists(extra, max_size=3) if spec.is_list else extra)


# ----- models


def _field(spec: Field, nasty: bool, depth: int) -> SearchStrategy[Any] | None:
    """The strategy for one field, or None to leave it out (too deep)."""
    strategy: SearchStrategy[Any]
    if spec.model is None:
        strategy = _primitive(spec, nasty)
    elif depth >= _MAX_DEPTH:
        return None
    else:
        nested = _model(spec.model, nasty, depth + 1)
        strategy = st.lists(nested, max_size=3 if depth < 2 else 2) if spec.is_list else nested
    return st.none() | strategy if nasty and spec.nullable else strategy


@cache
def _model(model: str, nasty: bool, depth: int) -> SearchStrategy[dict[str, Any]]:
    """A ``model`` object: every field optional, so examples shrink to the fields needed."""
    optional: dict[str, SearchStrategy[Any]] = {}
    for spec in load_schema().models[model].values():
        strategy = _field(spec, nasty, depth)
        if strategy is not None:
            optional[spec.name] = strategy
    return st.fixed_dictionaries({}, optional=optional)


# ----- public API


def event_types() -> SearchStrategy[str]:
    """Any EventType the emulator knows (``emulator.events.EVENT_TYPES``).

    >>> event_types().example() in EVENT_TYPES  # doctest: +SKIP
    True
    """
    return st.sampled_from(EVENT_TYPES)


def event_member(event_type: str, *, nasty: bool = False) -> SearchStrategy[dict[str, Any]]:
    """The member payload of one EventType, e.g. the FileUploadTask of ``NewFileUpload``.

    Raises ``emulator.events.EventInputError`` (a ValueError) for an unknown type.

    >>> event_member("NewFileUpload").example()  # doctest: +SKIP
    {'FileId': '5285890784273533167', 'MediaBasicInfo': {'Name': 'demo', ...}}
    """
    _, model = load_schema().member_of(event_type)
    return _model(model, nasty, 0)


def event_content(
    event_type: str | None = None, *, nasty: bool = False
) -> SearchStrategy[dict[str, Any]]:
    """A whole EventContent without EventHandle: ``{"EventType": t, <member>: {...}}``.

    With ``event_type`` None, events of any type (shrinking towards ``NewFileUpload``).

    >>> event_content("FileDeleted").example()  # doctest: +SKIP
    {'EventType': 'FileDeleted', 'FileDeleteEvent': {'FileIdSet': ['5017382904737213520']}}
    """
    if event_type is None:
        return event_types().flatmap(lambda chosen: event_content(chosen, nasty=nasty))
    member, _ = load_schema().member_of(event_type)
    return st.fixed_dictionaries({
        "EventType": st.just(event_type),
        member: event_member(event_type, nasty=nasty),
    })


def any_event(*, nasty: bool = False) -> SearchStrategy[dict[str, Any]]:
    """An EventContent of any type: ``event_content(None, nasty=nasty)``.

    >>> any_event(nasty=True).example()["EventType"] in EVENT_TYPES  # doctest: +SKIP
    True
    """
    return event_content(None, nasty=nasty)
