"""Fuzzing the admin API (``/_emulator/*``) with Hypothesis, over raw HTTP.

The contract: whatever the request, every answer under ``/_emulator/`` is JSON with
``Content-Type: application/json`` (strict JSON: UTF-8, no ``Infinity`` or ``NaN``, no
lone surrogates), either a success document (200) or ``{"error": {"code", "message"}}``
with 400, 404, 405, 409 or 413 — never a 500, never text/plain, never a hang; and after
any request the emulator still works (health, an emit, the queue list).

Requests are built as bytes and sent over a socket, so nothing (no client library) tidies
them: hostile JSON text (lone surrogates, bytes that are not UTF-8, numbers of 4,000+
digits or beyond a double's range, 100,000 levels of nesting, repeated keys), wrong types
for every known field, odd paths, queries, methods and header bytes.

Each CI run is short and deterministic; ``VOD_EMULATOR_FUZZ=nightly`` runs thousands of
fresh examples per test.
"""

from __future__ import annotations

import contextlib
import gzip
import http.client
import json
import logging
import math
import socket
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import event as hypothesis_event
from hypothesis import example, given, settings
from hypothesis import strategies as st

from emulator.core.clock import MAX_ADVANCE_SECONDS
from emulator.events import EVENT_TYPES
from emulator.events.scenarios import SCENARIOS
from emulator.server import EmulatorThread

from .conftest import make_settings
from .rawhttp import Answer
from .test_cloudapi_fuzz import FUZZ

# How long a run is: the Cloud API fuzz's profiles, chosen by VOD_EMULATOR_FUZZ (ci, the
# default: a few seconds, deterministic; nightly: thousands of fresh examples per test).
# A passing CI test takes seconds; the timeout leaves room for a nightly run and for
# Hypothesis to shrink a failure.
pytestmark = pytest.mark.timeout(120 + FUZZ.max_examples // 10)


def fewer(fraction: float) -> settings:
    """The run's profile with a fraction of its examples (for the narrower tests)."""
    return settings(FUZZ, max_examples=max(1, int(FUZZ.max_examples * fraction)))


ANSWER_SECONDS = 20.0
"""Real seconds an answer may take before the test calls it a hang (none comes close:
every wait the fuzz sends has a timeout of at most WAIT_SECONDS)."""

WAIT_SECONDS = 0.02
"""The longest ``timeout_seconds`` a generated wait that is accepted may hold."""


# ----- sending bytes as they are


@dataclass(frozen=True)
class Request:
    method: str
    target: bytes
    """Path and query as sent on the request line."""
    headers: tuple[tuple[bytes, bytes], ...] = ()
    body: bytes = b""

    def __repr__(self) -> str:  # a falsifying example shows what was sent, cut
        body = self.body if len(self.body) <= 300 else self.body[:300] + b"..."
        target = self.target if len(self.target) <= 300 else self.target[:300] + b"..."
        return f"Request({self.method!r}, {target!r}, {self.headers!r}, {body!r})"


def send(port: int, request: Request) -> Answer:
    """One request on its own connection, bytes as given (the Content-Length added)."""
    lines = [
        request.method.encode("ascii") + b" " + request.target + b" HTTP/1.1",
        b"Host: 127.0.0.1",
        b"Connection: close",
        *(name + b": " + value for name, value in request.headers),
        b"Content-Length: %d" % len(request.body),
    ]
    with socket.create_connection(("127.0.0.1", port), timeout=ANSWER_SECONDS) as sock:
        sock.sendall(b"\r\n".join(lines) + b"\r\n\r\n" + request.body)
        response = http.client.HTTPResponse(sock, method=request.method)
        response.begin()
        return Answer(response.status, response.getheader("Content-Type"), response.read())


def get(path: str) -> Request:
    return Request("GET", path.encode("ascii"))


def post(path: str, document: Any = None, body: bytes | None = None) -> Request:
    if body is None:
        body = b"" if document is None else json.dumps(document).encode()
    return Request("POST", path.encode("ascii"), ((b"Content-Type", b"application/json"),), body)


# ----- the contract

ERROR_CODES = {400: "InvalidRequest", 403: "Forbidden", 404: "NotFound", 405: "MethodNotAllowed",
               409: "Interrupted", 413: "TooLarge"}


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def strict_json(body: bytes) -> Any:
    """The body as JSON, strictly: UTF-8, no NaN or Infinity, no lone surrogates."""
    document = json.loads(body.decode("utf-8"), parse_constant=_refuse_constant)
    for text in _strings(document):
        text.encode("utf-8")  # a lone surrogate, from a "\ud800" escape, fails here
    return document


def _strings(document: Any) -> Iterator[str]:
    stack = [document]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            yield from value
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)


def contract_problem(answer: Answer) -> str | None:
    """What is wrong with an admin answer, or None if it keeps the contract."""
    media = (answer.content_type or "").split(";")[0].strip().lower()
    if media != "application/json":
        return (f"Content-Type {answer.content_type!r}, status {answer.status}: "
                f"{answer.body[:200]!r}")
    try:
        document = strict_json(answer.body)
    except ValueError as error:  # UnicodeError too
        return f"not strict JSON ({error}): {answer.body[:200]!r}"
    return shape_problem(answer.status, document)


def shape_problem(status: int, document: Any) -> str | None:
    if status == 200:
        if not isinstance(document, dict) or "error" in document:
            return f"a 200 that is not a success document: {str(document)[:200]}"
        return None
    if status not in ERROR_CODES:
        return f"status {status}: {str(document)[:300]}"
    error = document.get("error") if isinstance(document, dict) else None
    if not (isinstance(document, dict) and set(document) == {"error"}
            and isinstance(error, dict) and set(error) == {"code", "message"}
            and isinstance(error["code"], str) and isinstance(error["message"], str)):
        return f"not an error document: {str(document)[:300]}"
    if error["code"] != ERROR_CODES[status] or not error["message"]:
        return f"status {status} with {error}"
    return None


DECODED_ENCODINGS = (b"gzip", b"deflate", b"br", b"zstd")
"""Content-Encodings an HTTP server might decode before the application reads the body."""


PAGE_TYPES = ("text/html", "text/javascript", "text/css", "image/svg+xml", "text/plain")
"""What the dashboard's files are served as: the one kind of answer here not JSON."""


def page_problem(request: Request, answer: Answer) -> str | None:
    """Under /_emulator/ui/ a file found is the page's own (not JSON), and
    /_emulator/ui redirects to /_emulator/ui/; anything else keeps the admin contract."""
    path = request.target.split(b"?")[0]
    media = (answer.content_type or "").split(";")[0].strip().lower()
    if (path.startswith(b"/_emulator/ui/") and request.method in ("GET", "HEAD")
            and answer.status == 200 and media in PAGE_TYPES):
        return None
    if path == b"/_emulator/ui" and answer.status == 308:
        return None
    return contract_problem(answer)


def check_contract(request: Request, answer: Answer) -> None:
    problem = page_problem(request, answer)
    if problem is not None:
        raise AssertionError(f"{request!r} broke the admin contract: {problem}")
    hypothesis_event(f"answer {answer.status}")


class Emulator:
    """The module's one running emulator, with the checks every test makes."""

    def __init__(self, running: EmulatorThread) -> None:
        self.running = running

    def send(self, request: Request) -> Answer:
        return send(self.running.port, request)

    def ok(self, request: Request) -> Any:
        answer = self.send(request)
        assert answer.status == 200, (request, answer)
        assert contract_problem(answer) is None, (request, answer)
        return strict_json(answer.body)

    def reset(self) -> None:
        assert self.ok(post("/_emulator/reset")) == {"reset": True}

    def queues(self) -> list[dict[str, Any]]:
        queues: list[dict[str, Any]] = self.ok(get("/_emulator/queues"))["queues"]
        return queues

    def offset(self) -> float:
        offset: float = self.ok(get("/_emulator/clock"))["offset_seconds"]
        return offset

    def still_works(self) -> None:
        """What a test suite does next works: health, an emit, the queue list."""
        assert self.ok(get("/_emulator/health"))["status"] == "ok"
        emitted = self.ok(post("/_emulator/events",
                               {"type": "FileDeleted", "sub_app_id": 1999999999,
                                "with_content": False}))
        assert emitted["count"] == 1 and emitted["events"][0]["event_type"] == "FileDeleted"
        assert any(q["sub_app_id"] == 1999999999 for q in self.queues())


QUIET_LOGGERS = ("aiohttp.server", "vod_emulator")
"""Loggers of the tracebacks the server writes for the errors the fuzz provokes. Silenced:
on Python 3.11 formatting a traceback calls ast.parse, whose state is shared between
threads (CPython gh-106905), so one formatted in the server thread while pytest parses
in this one fails with "SystemError: AST constructor recursion depth mismatch"."""


@contextlib.contextmanager
def quiet_server_logs() -> Iterator[None]:
    loggers = [logging.getLogger(name) for name in QUIET_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with quiet_server_logs(), EmulatorThread(make_settings()) as running:
        yield Emulator(running)


# ----- strategies: JSON text, hostile and otherwise

def dumps(value: Any, ascii_only: bool = True) -> bytes:
    # A lone surrogate goes out as its escape, or (ascii_only=False) as the bytes a
    # careless encoder writes for it (ED A0 80...), which are not UTF-8.
    text = json.dumps(value, ensure_ascii=ascii_only)
    return text.encode("utf-8", "surrogatepass")


json_scalars = (st.none() | st.booleans() | st.integers()
                | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12))
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=12,
)
non_numbers = json_values.filter(lambda v: isinstance(v, bool) or not isinstance(v, (int, float)))
"""Any JSON but a number (for fields where a random number could be valid and costly)."""

LONE_SURROGATES = ["\ud800", "\udfff", "a\udbffb", "\udc00\ud800"]


@st.composite
def huge_numbers(draw: st.DrawFn) -> bytes:
    """Number literals of 4,000 digits and more (Python refuses to parse past 4,300)."""
    digits = draw(st.integers(4000, 4400))
    sign = draw(st.sampled_from([b"", b"-"]))
    lead = draw(st.sampled_from(b"123456789"))
    body = bytes([lead]) + b"9" * (digits - 1)
    tail = draw(st.sampled_from([b"", b".5", b"e10", b"e-99999"]))
    return sign + body + tail


HOSTILE_LITERALS: list[bytes] = [
    b"Infinity", b"-Infinity", b"NaN", b"-0", b"-0.0", b"0e0", b"1e308", b"-1e308",
    b"1.7976931348623157e308", b"1e309", b"1e400", b"-1e400", b"1e-400", b"5e-324",
    b"1" + b"0" * 400, b"-1" + b"0" * 400, b"1" * 4301, str(2**63).encode(),
    str(2**63 - 1).encode(), str(-(2**63)).encode(), b"4300" + b"0" * 4296,
    *(dumps(s) for s in LONE_SURROGATES),
    b'"\xff"', b'"\xed\xa0\x80"', b'"\xc0\x80"', b'"\xf4\x90\x80\x80"', b'"\\u0000"',
    b'"\\u0663"', b'"%ED%A0%80"', b"01", b".5", b"+1", b"1.", b"0x10", b"'x'", b"undefined",
    b"[]", b"{}", b"true", b"null", b'""', b"[1,]", b'{"a":1,}', b'"' + b"x" * 5000 + b'"',
]
hostile_literals = st.sampled_from(HOSTILE_LITERALS) | huge_numbers()

# Valid values for each known field, kept cheap: small counts and short waits, and
# clock advances that keep the emulator far from the latest time it can show.
SUB_APP_IDS: list[Any] = [
    None, "default", 1500000001, "1500000001", 2**63 - 1, str(2**63 - 1),
    "\u0663", "%ED%A0%80", "-1", "0", str(2**63), 2**63, 0, -1, "1" * 4301, "01", " 1", "1.0",
    1.0, 1.5, True, "", "null", "Default", "1e3",
]
OVERRIDE_FIELDS = [b"Duration", b"Size", b"Width", b"Container", b"Md5", b"Nope"]


def overrides_text(literal: bytes, name: bytes) -> bytes:
    return b'{"FileUploadEvent":{"MetaData":{"' + name + b'":' + literal + b"}}}"


def events_text(literal: bytes, name: bytes) -> bytes:
    return (b'[{"EventType":"NewFileUpload","FileUploadEvent":{"FileId":"1","MetaData":{"'
            + name + b'":' + literal + b"}}}]")


def valid_values(name: str) -> st.SearchStrategy[Any]:
    counts = st.integers(0, 2)
    return {
        "type": st.sampled_from(EVENT_TYPES),
        "count": st.integers(1, 3),
        "sub_app_id": st.sampled_from(SUB_APP_IDS),
        "overrides": st.none() | st.just({}) | st.dictionaries(
            st.sampled_from(["FileUploadEvent", "FileDeleteEvent", "Nope"]), json_values,
            max_size=2),
        "events": st.lists(
            st.builds(lambda t, extra: {"EventType": t, **extra}, st.sampled_from(EVENT_TYPES),
                      st.dictionaries(st.text(max_size=8), json_values, max_size=2)),
            max_size=3),
        "scenario": st.sampled_from(sorted(SCENARIOS)),
        "with_content": st.booleans(),
        "description": json_values,
        "advance_seconds": st.floats(0, 3600) | st.integers(0, 3600),
        "timeout_seconds": st.floats(0, WAIT_SECONDS) | st.just(0),
        "pullable": counts, "leased": counts, "held_pulls": counts, "confirmed": counts,
    }.get(name, json_values)


def invalid_values(name: str) -> st.SearchStrategy[Any]:
    """Wrong types and out-of-range values; never one that is valid and costly (a count
    of 50,000 events, a wait of minutes, a clock advance of years)."""
    if name == "count":
        return non_numbers | st.floats() | st.integers(max_value=0) | st.integers(100_001)
    if name in ("advance_seconds", "timeout_seconds"):
        bound = MAX_ADVANCE_SECONDS if name == "advance_seconds" else 300.0
        return (non_numbers | st.floats(max_value=-1e-9) | st.floats(min_value=bound + 1)
                | st.integers(max_value=-1) | st.integers(min_value=int(bound) + 1))
    if name in ("pullable", "leased", "held_pulls", "confirmed"):
        return (non_numbers | st.floats() | st.integers(max_value=-1)
                | st.integers(min_value=10**9 + 1))
    return json_values


@st.composite
def field_values(draw: st.DrawFn, name: str) -> bytes:
    """A value for a known field, as JSON text: valid, of a wrong type, or hostile."""
    how = draw(st.sampled_from(["valid"] * 5 + ["invalid", "hostile", "nested"]))
    if how == "valid":
        return dumps(draw(valid_values(name)), ascii_only=draw(st.booleans()))
    if how == "invalid":
        return dumps(draw(invalid_values(name)), ascii_only=draw(st.booleans()))
    # No hostile literal is a costly valid value: each is refused, zero or tiny.
    literal = draw(hostile_literals)
    if how == "nested" and name in ("overrides", "events"):
        wrap = overrides_text if name == "overrides" else events_text
        return wrap(literal, draw(st.sampled_from(OVERRIDE_FIELDS)))
    return literal


FIELDS_OF = {
    "/_emulator/events": ["type", "count", "sub_app_id", "overrides", "events", "scenario",
                          "with_content", "description"],
    "/_emulator/clock": ["advance_seconds"],
    "/_emulator/wait": ["sub_app_id", "timeout_seconds", "pullable", "leased", "held_pulls",
                        "confirmed"],
    "/_emulator/reset": [],
}
EVERY_FIELD = sorted({name for names in FIELDS_OF.values() for name in names})


def deep(depth: int, kind: str) -> bytes:
    """JSON nested ``depth`` levels, built as text (never recursively)."""
    if kind == "list":
        return b"[" * depth + b"]" * depth
    if kind == "object":
        return b'{"a":' * depth + b"1" + b"}" * depth
    return b'{"type":' + b"[" * depth + b"]" * depth + b"}"


EMIT_SOURCES = ["type", "scenario", "events"]
EMIT_EXTRAS = ["count", "overrides", "sub_app_id", "with_content", "description"]


@st.composite
def object_texts(draw: st.DrawFn, path: str) -> bytes:
    """A JSON object of the route's fields, now and then with an unknown or repeated
    one, as text; mostly shaped to get past the first checks and reach the later ones."""
    if path == "/_emulator/events":
        # Mostly one source (two, or none, is refused before anything else is read).
        sources = draw(st.sampled_from([[s] for s in EMIT_SOURCES] * 4 + [[], EMIT_SOURCES[:2]]))
        keys = sources + draw(st.lists(st.sampled_from(EMIT_EXTRAS), unique=True, max_size=3))
    else:
        names = FIELDS_OF.get(path) or EVERY_FIELD
        keys = draw(st.lists(st.sampled_from(names), unique=True, min_size=1,
                             max_size=len(names)))
    if draw(st.integers(0, 4)) == 4:
        keys.append(draw(st.sampled_from(EVERY_FIELD) | st.text(max_size=8)
                         | st.sampled_from(LONE_SURROGATES)))
    if keys and draw(st.integers(0, 9)) == 9:
        keys.append(draw(st.sampled_from(keys)))  # a repeated key
    keys = draw(st.permutations(keys))
    pairs = [dumps(key) + b":" + draw(field_values(key)) for key in keys]
    if path == "/_emulator/wait" and "timeout_seconds" not in keys:
        # A wait without a timeout holds for 10 s: always name one.
        pairs.append(b'"timeout_seconds":' + draw(field_values("timeout_seconds")))
    return b"{" + b",".join(pairs) + b"}"


@st.composite
def bodies(draw: st.DrawFn, path: str) -> bytes:
    how = draw(st.sampled_from(
        ["object"] * 6 + ["json", "literal", "deep", "binary", "broken", "empty"]))
    if how == "object":
        return draw(object_texts(path))
    if how == "json":  # any JSON at all, an object or not
        value = draw(json_values)
        if path == "/_emulator/wait" and isinstance(value, dict):
            value["timeout_seconds"] = 0
        return dumps(value, ascii_only=draw(st.booleans()))
    if how == "literal":
        return draw(hostile_literals)
    if how == "deep":
        return deep(draw(st.sampled_from([63, 64, 65, 1000, 100_000])),
                    draw(st.sampled_from(["list", "object", "in a field"])))
    if how == "binary":
        return draw(st.binary(max_size=64))
    if how == "broken":  # a good body, cut short or with a bad byte spliced in
        text = draw(object_texts(path))
        cut = draw(st.integers(0, len(text)))
        splice = draw(st.sampled_from([b"", b"\xff", b"\xed\xa0\x80", b"\x00", b"\xef\xbb\xbf"]))
        return text[:cut] + splice + (text[cut:] if draw(st.booleans()) else b"")
    return draw(st.sampled_from([b"", b" ", b"\r\n\t", b"\xef\xbb\xbf{}", b"\xef\xbb\xbf"]))


# ----- strategies: paths, queries, methods, headers

ROUTES: dict[str, tuple[str, ...]] = {
    "/_emulator/health": ("GET",),
    "/_emulator/clock": ("GET", "POST"),
    "/_emulator/events": ("GET", "POST"),
    "/_emulator/queues": ("GET",),
    "/_emulator/queues/{sub_app_id}": ("GET",),
    "/_emulator/wait": ("POST",),
    "/_emulator/journal": ("GET",),
    "/_emulator/reset": ("POST",),
    "/_emulator/settings": ("GET", "POST"),
    "/_emulator/faults": ("GET", "POST", "DELETE"),
    "/_emulator/faults/{fault_id}": ("DELETE",),
    "/_emulator/stats": ("GET",),
    "/_emulator/catalog": ("GET",),
    "/_emulator/events/{event_id}": ("GET",),
    "/_emulator/event-config/{sub_app_id}": ("GET", "POST"),
    "/_emulator/openapi.json": ("GET",),
    "/_emulator/callbacks": ("GET",),
    "/_emulator/callbacks/redeliver": ("POST",),
    "/_emulator/media": ("GET", "POST"),
    "/_emulator/media/{file_id}": ("GET",),
    "/_emulator/tasks": ("GET",),
    "/_emulator/tasks/finish": ("POST",),
    "/_emulator/tasks/{task_id}": ("GET",),
}
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]
ODD_PATHS = ["/_emulator", "/_emulator/", "/_emulator/nope", "/_emulator/health/",
             "/_emulator//health", "/_emulator/queues/", "/_emulator/queues/1/2",
             "/_emulator/%FF", "/_emulator/../_emulator/health", "/_emulator/ui/"]
SEGMENTS = ["default", "1500000001", "1" * 4301, "\u0663", "%ED%A0%80", "-1", "0",
            str(2**63), str(2**63 - 1), "%00", "%FF", "%", "null", "+1", "1.0", "%20", "%2F",
            "1e3", "0x1", "\u00b9", "\uff11", "Default", "%2e%2e"]
"""Path segments for /_emulator/queues/<anything>; literal ones go out as they are,
others percent-encoded as UTF-8 (a lone surrogate as the bytes an encoder would write)."""


def quoted(text: str) -> str:
    return urllib.parse.quote_from_bytes(text.encode("utf-8", "surrogatepass"), safe="")


segments = (st.sampled_from(SEGMENTS).map(lambda s: s if s.isascii() else quoted(s))
            | st.text(max_size=20).map(quoted)
            | st.integers().map(str))

QUERY_NAMES = ["content", "kind", "event_id", "x", "", "KIND", "kind[]", "\u0663", "after",
               "limit", "before", "type", "state", "q", "sub_app_id"]
QUERY_VALUES = ["true", "false", "", "enqueued", "leased", "expired", "confirmed", "dropped",
                "released", "Leased", "evt-00000001", "\ud800", "\u0663", "1" * 4301, "%",
                "%zz", "True", "0", "1"]


@st.composite
def queries(draw: st.DrawFn) -> str:
    """A query string: known and unknown parameters, repeated, empty, oddly encoded."""
    if draw(st.integers(0, 9)) == 9:
        return "?" + draw(st.sampled_from(["", "&", "&&=&", "=", "kind", "kind=%", "a=%zz",
                                            "content=true&content=true", "kind=a&kind=b",
                                            "%ED%A0%80=%ED%A0%80", "%FF=%FE"]))
    pairs = draw(st.lists(st.tuples(st.sampled_from(QUERY_NAMES) | st.text(max_size=6),
                                    st.sampled_from(QUERY_VALUES) | st.text(max_size=10)),
                          max_size=3))
    if not pairs:
        return ""
    return "?" + "&".join(f"{quoted(name)}={quoted(value)}" for name, value in pairs)


@st.composite
def paths(draw: st.DrawFn) -> str:
    route = draw(st.sampled_from([*ROUTES] * 3 + ODD_PATHS))
    # Every path parameter ({sub_app_id}, {event_id}, {fault_id}, {file_id}, {task_id}):
    # any segment.
    while "{" in route:
        start, end = route.index("{"), route.index("}")
        route = route[:start] + draw(segments) + route[end + 1:]
    return route


# Header values: any bytes a field value may hold (visible ASCII, tabs, spaces and the
# obs-text bytes 0x80-0xFF, which are not UTF-8 on their own).
FIELD_BYTES = [0x09, *range(0x20, 0x7F), *range(0x80, 0x100)]
header_values = st.lists(st.sampled_from(FIELD_BYTES), max_size=30).map(bytes)
HEADER_NAMES = [b"X-Fuzz", b"Content-Type", b"Accept", b"Accept-Encoding", b"Cookie",
                b"Authorization", b"X-TC-Action", b"Origin", b"Content-Encoding"]
CONTENT_TYPES = [b"application/json", b"text/plain", b"application/json; charset=latin-1",
                 b"multipart/form-data; boundary=x", b"application/x-www-form-urlencoded",
                 b"\xff\xfe", b""]


@st.composite
def headers(draw: st.DrawFn) -> tuple[tuple[bytes, bytes], ...]:
    pairs: list[tuple[bytes, bytes]] = []
    # Each name once: aiohttp's parser refuses a repeated Content-Type (and the like) with
    # its own text/plain 400, before the application sees the request.
    for name in draw(st.lists(st.sampled_from(HEADER_NAMES), max_size=3, unique=True)):
        if name == b"Content-Type":
            value = draw(st.sampled_from(CONTENT_TYPES) | header_values)
        elif name == b"Content-Encoding":
            # gzip/deflate over a body that is (or is not) so encoded; identity; nonsense.
            value = draw(st.sampled_from([*DECODED_ENCODINGS, b"identity", b"\xff", b"x"]))
        else:
            value = draw(header_values)
        pairs.append((name, value))
    return tuple(pairs)


@st.composite
def requests(draw: st.DrawFn) -> Request:
    path = draw(paths())
    route = path if path in ROUTES else None
    right = route is not None and draw(st.integers(0, 2)) < 2  # mostly the route's own
    method = draw(st.sampled_from(ROUTES[route] if right and route else METHODS))
    body = draw(bodies(path)) if method != "GET" or draw(st.integers(0, 4)) == 0 else b""
    head = draw(headers())
    if any(name == b"Content-Encoding" and value == b"gzip" for name, value in head) and (
            draw(st.booleans())):
        body = gzip.compress(body)
    return Request(method, (path + draw(queries())).encode("ascii"), head, body)


@st.composite
def body_requests(draw: st.DrawFn) -> Request:
    """A POST with a JSON content type to a route that reads its body."""
    path = draw(st.sampled_from(["/_emulator/events", "/_emulator/clock", "/_emulator/wait"]))
    return post(path, body=draw(bodies(path)))


# ----- the properties

EXAMPLES = [
    # Every hostile text the issue names, tried on every run.
    post("/_emulator/events", body=b'{"type":"\\ud800"}'),
    post("/_emulator/events", body=b'{"type":"NewFileUpload","sub_app_id":"\\udfff"}'),
    post("/_emulator/events", body=b'{"\\ud800":1}'),
    post("/_emulator/events", body=b'{"type":"\xff\xfe"}'),
    post("/_emulator/events", body=b"\xff" * 10),
    post("/_emulator/events", body=b'{"type":"NewFileUpload","count":' + b"9" * 4000 + b"}"),
    post("/_emulator/events", body=b'{"type":"NewFileUpload","count":' + b"9" * 4301 + b"}"),
    post("/_emulator/events", body=b'{"type":"NewFileUpload","count":1e308}'),
    post("/_emulator/events", body=b'{"type":"NewFileUpload","count":Infinity}'),
    post("/_emulator/events", body=b'{"type":"NewFileUpload","count":NaN}'),
    post("/_emulator/events", body=b'{"type":"NewFileUpload","count":-0}'),
    post("/_emulator/clock", body=b'{"advance_seconds":NaN}'),
    post("/_emulator/clock", body=b'{"advance_seconds":-Infinity}'),
    post("/_emulator/clock", body=b'{"advance_seconds":-0}'),
    post("/_emulator/clock", body=b'{"advance_seconds":1e308}'),
    post("/_emulator/events", body=deep(100_000, "list")),
    post("/_emulator/events", body=deep(100_000, "object")),
    post("/_emulator/wait", body=deep(100_000, "in a field")),
    post("/_emulator/events", body=b'{"type":"FileDeleted","type":"FileDeleted"}'),
    post("/_emulator/wait", body=b'{"pullable":1,"pullable":1,"timeout_seconds":0}'),
    post("/_emulator/wait", body=b'{"pullable":1,"timeout_seconds":"0"}'),
    post("/_emulator/wait", body=b'{"pullable":' + b"9" * 4000 + b',"timeout_seconds":0}'),
    post("/_emulator/events", {"events": [{"EventType": "NewFileUpload"}], "count": 2}),
    post("/_emulator/events", {"scenario": "delete", "overrides": {}}),
    post("/_emulator/events", {"type": "NewFileUpload", "with_content": "false"}),
    post("/_emulator/events", {"type": "NewFileUpload", "overrides": []}),
    *(get(f"/_emulator/queues/{segment}") for segment in
      ["1" * 4301, quoted("\u0663"), "%ED%A0%80", "-1", "0", str(2**63), "%FF", ""]),
    get("/_emulator/journal?kind=" + quoted("\ud800")),
    get("/_emulator/journal?kind=a&kind=b"),
    get("/_emulator/journal?nope=1"),
    get("/_emulator/queues/default?content=maybe"),
    Request("OPTIONS", b"/_emulator/events"),
    Request("PATCH", b"/_emulator/reset", (), b"{}"),
    Request("GET", b"/_emulator/health", ((b"X-Fuzz", b"\xff\xfe\xed\xa0\x80"),)),
    Request("POST", b"/_emulator/events", ((b"Content-Type", b"\xff"),), b'{"type":"FileDeleted"}'),
]


def with_examples(test: Callable[..., None]) -> Callable[..., None]:
    for request in EXAMPLES:
        test = example(request=request)(test)
    return test


@FUZZ
@with_examples
@given(request=requests())
def test_any_request_answers_admin_json_and_the_emulator_keeps_working(
    emulator: Emulator, request: Request
) -> None:
    emulator.reset()
    check_contract(request, emulator.send(request))
    emulator.still_works()


@FUZZ
@given(request=body_requests())
def test_any_body_answers_admin_json_and_the_emulator_keeps_working(
    emulator: Emulator, request: Request
) -> None:
    emulator.reset()
    check_contract(request, emulator.send(request))
    emulator.still_works()


EMPTY_REQUEST_STATUS = {
    ("POST", "/_emulator/clock"): 400, ("POST", "/_emulator/events"): 400,
    ("POST", "/_emulator/settings"): 400, ("POST", "/_emulator/faults"): 400,
    ("POST", "/_emulator/event-config/{sub_app_id}"): 400,
    ("DELETE", "/_emulator/faults/{fault_id}"): 404,
    ("GET", "/_emulator/events/{event_id}"): 404,
    ("GET", "/_emulator/media/{file_id}"): 404,
    ("GET", "/_emulator/tasks/{task_id}"): 404,
}
"""What an allowed method answers with an empty body (a wait given its counts) after a
reset, where it is not a 200: a 400 where the body must name what to do, a 404 where the
path names a fault rule or an event there is not."""


def test_every_method_on_every_route(emulator: Emulator) -> None:
    """An allowed method answers (the body empty), any other is a 405, all as JSON."""
    emulator.reset()
    for route, allowed in ROUTES.items():
        path = (route.replace("{sub_app_id}", "default").replace("{fault_id}", "f1")
                .replace("{event_id}", "evt-00000001").replace("{file_id}", "1")
                .replace("{task_id}", "1-Procedure-0t0"))
        for method in [*METHODS, "TRACE", "PROPFIND"]:
            body = b'{"pullable":0,"timeout_seconds":0}' if path == "/_emulator/wait" else b""
            request = Request(method, path.encode(), (), body)
            answer = emulator.send(request)
            assert contract_problem(answer) is None, (request, answer)
            if method in allowed:
                expected = EMPTY_REQUEST_STATUS.get((method, route), 200)
                assert answer.status == expected, (request, answer)
            else:
                assert answer.status == 405, (request, answer)
    emulator.still_works()


READ_SUB_APP_IDS = st.sampled_from(SUB_APP_IDS) | st.integers(1, 2**63 - 1)


@st.composite
def reads(draw: st.DrawFn) -> Request:
    """A request that only looks: a queue, a wait, the journal."""
    kind = draw(st.sampled_from(["queue", "wait", "journal"]))
    if kind == "queue":
        return get("/_emulator/queues/" + draw(segments | READ_SUB_APP_IDS.map(
            lambda v: quoted(str(v)) if v is not None else "default")) + draw(queries()))
    if kind == "wait":
        body: dict[str, Any] = {"sub_app_id": draw(READ_SUB_APP_IDS),
                                "timeout_seconds": draw(st.floats(0, WAIT_SECONDS))}
        for name in draw(st.lists(st.sampled_from(["pullable", "leased", "held_pulls",
                                                   "confirmed"]), min_size=1, unique=True)):
            body[name] = draw(st.integers(0, 3))
        return post("/_emulator/wait", body)
    return get("/_emulator/journal" + draw(queries()))


@fewer(2 / 3)
@given(data=st.data(), read=reads())
def test_no_read_makes_a_queue(emulator: Emulator, data: st.DataObject, read: Request) -> None:
    emulator.reset()
    # Some applications have queues (the default one only sometimes).
    for sub_app_id in data.draw(st.lists(st.sampled_from([None, 1500000001, 1500000002]),
                                         unique=True), label="with queues"):
        emulator.ok(post("/_emulator/events", {"type": "FileDeleted", "sub_app_id": sub_app_id,
                                               "with_content": False}))
    before = emulator.queues()
    answer = emulator.send(read)
    check_contract(read, answer)
    assert emulator.queues() == before


@st.composite
def advances_beyond_the_bound(draw: st.DrawFn) -> bytes:
    """``advance_seconds`` the clock refuses, as JSON text."""
    value = draw(
        st.floats(min_value=MAX_ADVANCE_SECONDS, exclude_min=True)  # inf and nan too
        | st.floats(max_value=-5e-324)  # below zero (-0.0 is zero: valid)
        | st.integers(min_value=int(MAX_ADVANCE_SECONDS) + 1, max_value=2**1023)
        | st.integers(max_value=-1, min_value=-(2**1023))
    )
    if isinstance(value, float) and not math.isfinite(value):
        return draw(st.sampled_from([b"1e400", b"-1e400"])) if math.isinf(value) else b"NaN"
    return json.dumps(value).encode()


@fewer(2 / 3)
@example(advance=str(int(MAX_ADVANCE_SECONDS) + 1).encode())
@example(advance=repr(math.nextafter(MAX_ADVANCE_SECONDS, math.inf)).encode())
@example(advance=b"1e308")
@example(advance=b"Infinity")
@given(advance=advances_beyond_the_bound())
def test_an_advance_beyond_the_bound_is_refused_and_the_clock_stays(
    emulator: Emulator, advance: bytes
) -> None:
    before = emulator.offset()
    request = post("/_emulator/clock", body=b'{"advance_seconds":' + advance + b"}")
    answer = emulator.send(request)
    assert contract_problem(answer) is None, (request, answer)
    assert answer.status == 400, (request, answer)
    message = strict_json(answer.body)["error"]["message"]
    # A number is refused naming the field; Infinity, NaN and numbers no double holds are
    # refused as the body's JSON.
    unreadable = (b"Infinity", b"NaN", b"1e400", b"-1e400")
    assert ("not valid JSON" if advance in unreadable else "advance_seconds") in message
    assert emulator.offset() == before


def test_the_bound_itself_is_accepted() -> None:
    """The largest advance is one step of MAX_ADVANCE_SECONDS (its own emulator: it moves
    the clock ten years)."""
    with EmulatorThread(make_settings()) as running:
        emulator = Emulator(running)
        answer = emulator.ok(post("/_emulator/clock", {"advance_seconds": MAX_ADVANCE_SECONDS}))
        assert answer["offset_seconds"] == MAX_ADVANCE_SECONDS


def test_an_oversized_body_is_a_json_413(emulator: Emulator) -> None:
    request = post("/_emulator/events", body=b'{"description":"' + b"x" * (11 * 2**20) + b'"}')
    answer = emulator.send(request)
    assert contract_problem(answer) is None and answer.status == 413, answer
    emulator.still_works()


# ----- what the fuzz found once, kept as regression tests


@pytest.mark.parametrize("request_", [
    post("/_emulator/clock", body=b'{"advance_seconds":1' + b"0" * 400 + b"}"),
    post("/_emulator/clock", body=b'{"advance_seconds":-' + b"9" * 4000 + b"}"),
    post("/_emulator/wait", body=b'{"pullable":1,"timeout_seconds":1' + b"0" * 400 + b"}"),
], ids=["advance-10**400", "advance--4000-digits", "wait-timeout-10**400"])
def test_an_integer_beyond_a_double_is_a_400(emulator: Emulator, request_: Request) -> None:
    answer = emulator.send(request_)
    assert contract_problem(answer) is None and answer.status == 400, answer


@pytest.mark.parametrize("encoding", DECODED_ENCODINGS)
@pytest.mark.parametrize("body", [b'{"type":"FileDeleted"}', b"\x00" * 64],
                         ids=["json", "zeros"])
def test_a_body_not_in_its_content_encoding_is_a_json_400(
    emulator: Emulator, encoding: bytes, body: bytes
) -> None:
    request = Request("POST", b"/_emulator/events",
                      ((b"Content-Type", b"application/json"), (b"Content-Encoding", encoding)),
                      body)
    answer = emulator.send(request)
    assert contract_problem(answer) is None and answer.status == 400, answer


@pytest.mark.parametrize("body", [
    b'{"events":' + events_text(b"1e400", b"Duration") + b"}",
    b'{"type":"NewFileUpload","overrides":' + overrides_text(b"-1e400", b"Duration") + b"}",
], ids=["events", "overrides"])
def test_a_number_beyond_a_double_in_a_payload_is_refused(emulator: Emulator,
                                                          body: bytes) -> None:
    emulator.reset()
    answer = emulator.send(post("/_emulator/events", body=body))
    snapshot = emulator.send(get("/_emulator/queues/default"))
    emulator.reset()
    assert contract_problem(answer) is None and answer.status == 400, answer
    assert contract_problem(snapshot) is None, snapshot
    assert strict_json(snapshot.body)["pullable"] == [], snapshot  # refused: none queued
