"""Hypothesis strategies for VOD event payloads, for fuzzing your own event handlers.

Every payload is valid by construction against the emulator's schema (which is built from
the official SDK's models): each field has a declared name and a value of the declared type,
enum fields take one of their allowed values, integers fit in a signed 64-bit integer,
numbers are finite, and an EventContent carries only the member that matches its
EventType. Every field is optional, so failing examples shrink to the few fields that
matter, with small, readable values.

Two modes:

- default: realistic values, like the emulator's own events: 19-digit FileIds, ISO 8601 UTC
  times, ``https://<appid>.vod2.myqcloud.com/...`` URLs, ``ErrCode`` 0 or a documented
  failure code, and short names in English and Chinese;
- ``nasty=True``: the valid but awkward values real payloads can carry: empty strings,
  long unicode text (CJK, emoji, combining marks, right-to-left marks), 0, -1 and the
  64-bit extremes, huge and tiny floats (and integral JSON numbers such as ``0`` where a
  float is declared, as ``json.loads`` gives them), empty lists and objects, and ``null``
  where the schema says a field may be null. Enum fields keep to their allowed values.

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

import re
from datetime import datetime
from functools import cache
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from .events.catalog import EVENT_TYPES
from .events.schema import Field, load_schema

__all__ = ["any_event", "event_content", "event_member", "event_types"]

_MAX_DEPTH = 4  # the member's model is depth 0; models nested deeper than this are left out
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1

# ----- realistic pieces

_TITLES = ("demo", "lecture-01", "product-launch", "cat-video", "weekly-standup",
           "会议录像", "产品发布会", "旅行日记")
_SENTENCES = ("A short product demo.", "Highlights of the keynote.", "Recorded live stream.",
              "今天的会议纪要。", "旅行视频合集。")
_WORDS = ("video", "audio", "sports", "news", "music", "教育", "风景", "音乐")
_REGIONS = ("ap-guangzhou", "ap-chongqing", "ap-shanghai", "ap-beijing", "ap-singapore")
_FAILURE_CODES = (10008, 30010, 40000, 60000, 70000)
_FAILURE_EXT_CODES = ("InternalError", "InvalidParameter", "ResourceNotFound",
                      "FailedOperation.SourceFileError")
_MESSAGES = ("", "SUCCESS", "internal error, please retry", "source file error")
_RESOLUTIONS = (1920, 1080, 1280, 720, 3840, 2160, 854, 480, 640, 360)
_DEFINITIONS = (0, 10, 20, 100010, 100020, 100030, 100040, 100210, 100220)
_NEVER_EXPIRES = "9999-12-31T23:59:59Z"


def _hex(length: int) -> SearchStrategy[str]:
    return st.text("0123456789abcdef", min_size=length, max_size=length)


_APP_ID = st.integers(1_250_000_000, 1_259_999_999)
_FILE_ID = st.integers(5 * 10**18, 6 * 10**18 - 1).map(str)  # 19 digits, like real FileIds
_TIME = st.datetimes(datetime(2020, 1, 1), datetime(2030, 12, 31, 23, 59, 59)).map(
    lambda moment: moment.strftime("%Y-%m-%dT%H:%M:%SZ"))


def _url(ext: str) -> SearchStrategy[str]:
    """``https://<appid>.vod2.myqcloud.com/<hex8>/<hex8>/<name>.<ext>``."""
    return st.builds(
        lambda app_id, first, second, name: (
            f"https://{app_id}.vod2.myqcloud.com/{first}/{second}/{name}.{ext}"),
        _APP_ID, _hex(8), _hex(8), st.sampled_from(_TITLES[:5]) | _hex(12),
    )


def _url_extension(name: str) -> str:
    if any(part in name for part in ("Cover", "Pic", "Img", "Image", "Snapshot", "Sprite")):
        return "jpg"
    if "Subtitle" in name or "Vtt" in name:
        return "vtt"
    if "SetFile" in name or "Result" in name:
        return "json"
    if "Voice" in name:
        return "mp3"
    return "mp4"


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
_EDGE_TIMES = st.sampled_from(("", "1970-01-01T00:00:00Z", _NEVER_EXPIRES,
                               "2024-02-29T23:59:59Z"))
_EDGE_URLS = st.sampled_from((
    "",
    "http://1250000000.vod2.myqcloud.com/a1b2c3d4/e5f6a7b8/demo.mp4",
    "https://1250000000.vod2.myqcloud.com/a1b2c3d4/e5f6a7b8/%E4%BC%9A%E8%AE%AE.mp4",
    "https://1250000000.vod2.myqcloud.com/a1b2c3d4/e5f6a7b8/会议录像.m3u8",
    "https://vod.example.com/a1b2c3d4/e5f6a7b8/demo.mp4?t=65a1b2c3&us=72d4f0&sign=0f3c9e",
    "https://1250000000.vod2.myqcloud.com/a1b2c3d4/e5f6a7b8/" + "x" * 1000 + ".mp4",
))


def _with(nasty: bool, realistic: SearchStrategy[Any],
          extra: SearchStrategy[Any]) -> SearchStrategy[Any]:
    """The realistic values, and in nasty mode the extra ones too (realistic first, so
    examples shrink to realistic values)."""
    return realistic | extra if nasty else realistic


# ----- values by field name and declared type


def _string(name: str, model: str, nasty: bool) -> SearchStrategy[str]:
    """A realistic string for a field called ``name``; format-bound fields (ids, times,
    URLs, codes) stay in their format or are empty, free text gets any nasty text."""
    if name in ("FileId", "Vid") or name.endswith("FileId"):
        return _with(nasty, _FILE_ID, st.just(""))
    if name.endswith("TaskId"):
        kind = name[: -len("TaskId")] or re.sub(r"(Task)?(2017)?$", "", model) or "Procedure"
        task_id = st.builds(lambda app_id, digest, n: f"{app_id}-{kind}-{digest}t{n}",
                            _APP_ID, _hex(32), st.integers(0, 9))
        return _with(nasty, task_id, st.just(""))
    if name.endswith("ExpireTime"):
        return _with(nasty, st.just(_NEVER_EXPIRES) | _TIME, _EDGE_TIMES)
    if name.endswith("Time"):
        return _with(nasty, _TIME, _EDGE_TIMES)
    if name.endswith(("Url", "URL")):
        return _with(nasty, _url(_url_extension(name)), _EDGE_URLS)
    if name in ("Md5", "Sha1"):
        return _with(nasty, _hex(32 if name == "Md5" else 40), st.just(""))
    if name.endswith("Region"):
        return _with(nasty, st.sampled_from(_REGIONS), st.just(""))
    if name == "ErrCode":  # a string in MPS results: "0" is success
        return _with(nasty, st.sampled_from(("0", *map(str, _FAILURE_CODES))), st.just(""))
    if name == "ErrCodeExt":
        return _with(nasty, st.sampled_from(("", *_FAILURE_EXT_CODES)), _NASTY_TEXT)
    if name == "Status":
        return _with(nasty, st.sampled_from(("SUCCESS", "FAIL", "PROCESSING")), st.just(""))
    if name in ("Width", "Height"):  # "10%" or "100px" on a canvas
        return _with(nasty, st.sampled_from(("10%", "50%", "100px", "640px")), st.just(""))
    if name == "Message":
        realistic: SearchStrategy[str] = st.sampled_from(_MESSAGES)
    elif name in ("Container", "Format") or (model, name) == ("MediaBasicInfo", "Type"):
        realistic = st.sampled_from(("mp4", "hls", "flv", "mp3", "jpg"))
    elif name == "Codec":
        realistic = st.sampled_from(("h264", "h265", "aac"))
    elif name.endswith("Name") or name in ("Tag", "Keyword", "Label", "Word"):
        realistic = st.sampled_from(_TITLES)
    elif name in ("Description", "Text", "Prompt", "NegativePrompt", "Translation"):
        realistic = st.sampled_from(_SENTENCES)
    elif name.endswith("Id"):
        realistic = _hex(24)
    else:
        realistic = st.sampled_from(_WORDS) | st.text(
            "abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12)
    return _with(nasty, realistic, _NASTY_TEXT)


def _integer(name: str, nasty: bool) -> SearchStrategy[int]:
    realistic: SearchStrategy[int]
    if name == "ErrCode":
        realistic = st.sampled_from((0, *_FAILURE_CODES))
    elif name == "Progress":
        realistic = st.integers(0, 100)
    elif name.endswith(("Width", "Height", "Side")):
        realistic = st.sampled_from(_RESOLUTIONS)
    elif name == "Fps":
        realistic = st.sampled_from((24, 25, 30, 60))
    elif name in ("SampleRate", "SamplingRate"):
        realistic = st.sampled_from((44100, 48000))
    elif name == "Rotate":
        realistic = st.sampled_from((0, 90, 180, 270))
    elif name.endswith("Definition"):
        realistic = st.sampled_from(_DEFINITIONS)
    elif name == "Size":
        realistic = st.integers(0, 10**10)
    elif name.endswith("Bitrate"):
        realistic = st.integers(0, 20_000_000)
    elif name == "TasksPriority":
        realistic = st.integers(-10, 10)
    else:
        realistic = st.integers(0, 10_000)
    extra = st.sampled_from(_EDGE_INTS) | st.integers(_INT64_MIN, _INT64_MAX)
    return _with(nasty, realistic, extra)


def _number(name: str, nasty: bool) -> SearchStrategy[float]:
    if name in ("Confidence", "Score", "Percent") or name.endswith(("Confidence", "Score")):
        high = 100.0
    elif name.endswith(("TimeOffset", "Duration", "Time")):
        high = 7200.0
    else:
        high = 10_000.0
    realistic = st.floats(0.0, high).map(lambda value: round(value, 2))
    # JSON has one number type: a float field can hold 0 or -1, which json.loads makes ints.
    extra = st.one_of(st.sampled_from(_EDGE_FLOATS), st.sampled_from((0, -1, 1, 2**53)),
                      st.floats(allow_nan=False, allow_infinity=False))
    return _with(nasty, realistic, extra)


def _primitive(spec: Field, name: str, model: str, nasty: bool) -> SearchStrategy[Any]:
    """One value of a primitive field (one element, for a list)."""
    if spec.enum:
        values: tuple[Any, ...] = spec.enum
        if name == "ErrCode" and 0 not in values:
            values = (0, *values)  # the schema lists only the failure codes
        elif name == "ErrCodeExt" and "" not in values:
            values = ("", *values)  # "" is success; the schema lists only the failures
        return st.sampled_from(values)
    if spec.type == "string":
        return _string(name, model, nasty)
    if spec.type == "integer":
        return _integer(name, nasty)
    if spec.type == "number":
        return _number(name, nasty)
    return st.booleans()


# ----- models


def _field(spec: Field, model: str, nasty: bool, depth: int) -> SearchStrategy[Any] | None:
    """The strategy for one field of ``model``, or None to leave it out (too deep)."""
    max_size = 3 if depth < 2 else 2
    strategy: SearchStrategy[Any]
    if spec.model is not None:
        if depth >= _MAX_DEPTH:
            return None
        nested = _model(spec.model, nasty, depth + 1)
        strategy = st.lists(nested, max_size=max_size) if spec.is_list else nested
    elif not spec.is_list:
        strategy = _primitive(spec, spec.name, model, nasty)
    elif spec.enum:
        strategy = st.lists(st.sampled_from(spec.enum), unique=True,
                            max_size=min(max_size, len(spec.enum)))
    else:
        element = re.sub(r"(Set|s)$", "", spec.name)  # ImageUrlSet -> ImageUrl
        min_size = 1 if spec.name == "FileIdSet" and not nasty else 0
        strategy = st.lists(_primitive(spec, element, model, nasty), min_size=min_size,
                            max_size=max_size)
    return st.none() | strategy if nasty and spec.nullable else strategy


@cache
def _model(model: str, nasty: bool, depth: int) -> SearchStrategy[dict[str, Any]]:
    """A ``model`` object: every field optional, so examples shrink to the fields needed."""
    optional: dict[str, SearchStrategy[Any]] = {}
    for spec in load_schema().models[model].values():
        strategy = _field(spec, model, nasty, depth)
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
