"""Fuzzing the Cloud API at ``/``: whatever arrives, the answer is the real envelope (HTTP 200,
``Content-Type: application/json`` exactly, valid UTF-8 JSON, a known error code or a
success), and nothing accepted breaks a later valid request.

Inputs are built from hostile text: lone surrogates, bytes that are not UTF-8, control and
odd Unicode characters, deep nesting, huge numbers, repeated keys and headers, random
flattened keys; signed (TC3 and v1) against a verifying emulator, unsigned against one
that does not verify.

By default a few seconds, deterministic (every CI run); ``VOD_EMULATOR_FUZZ=nightly``
draws thousands of new examples per test (a failure prints how to reproduce it).
"""

from __future__ import annotations

import json
import os
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tencentcloud.common import credential
from tencentcloud.common.common_client import CommonClient
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile

from emulator.core.errors import MEDIA_PARAMETER_CODES
from emulator.server import EmulatorThread

from .conftest import SECRET_ID, SECRET_KEY, make_settings
from .rawhttp import Answer, send, tc3_headers, v1_signed_fields

settings.register_profile(
    "vod-fuzz-ci", max_examples=150, derandomize=True, database=None, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile(
    "vod-fuzz-nightly", max_examples=4000, database=None, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FUZZ = settings.get_profile(f"vod-fuzz-{os.environ.get('VOD_EMULATOR_FUZZ', 'ci')}")

# Every code the Cloud API may answer. InternalError is not among them: it means a bug.
KNOWN_CODES = frozenset({
    "AuthFailure.SecretIdNotFound", "AuthFailure.SignatureFailure",
    "AuthFailure.SignatureExpire", "AuthFailure.InvalidAuthorization", "InvalidAction",
    "NoSuchVersion", "MissingParameter", "InvalidParameterValue", "UnknownParameter",
    "InvalidParameter", "UnsupportedProtocol", "RequestSizeLimitExceeded",
    "InvalidParameterValue.FileIdsEmpty", "InvalidParameterValue.FileIdsTooMany",
    "InvalidParameterValue.FileId",
    *(f"InvalidParameterValue.{suffix}" for suffix in MEDIA_PARAMETER_CODES),
})
ACTIONS = ["PullEvents", "ConfirmEvents", "DescribeEventsState", "ModifyEventConfig",
           "DescribeEventConfig", "DescribeMediaInfos", "DeleteMedia", "ModifyMediaInfo",
           "SearchMedia", "ProcessMedia", "PullUpload", "ApplyUpload", "CommitUpload",
           "EditMedia", "RestoreMedia", "CreateAigcImageTask", "DescribeTaskDetail",
           "DescribeTasks"]
PARAMETERS = ["SubAppId", "EventHandles", "ExtInfo", "Mode", "NotificationUrl",
              "UploadMediaCompleteEventSwitch", "DeleteMediaCompleteEventSwitch",
              "PersistenceCompleteEventSwitch", "SignKey", "FileIds", "Filters", "FileId",
              "DeleteParts", "Name", "Description", "ClassId", "ExpireTime", "CoverData",
              "AddTags", "DeleteTags", "ClearTags", "Names", "NamePrefixes", "ClassIds",
              "Tags", "Categories", "SourceTypes", "StreamIds", "CreateTime",
              "StorageRegions", "MediaTypes", "Status", "Sort", "Offset", "Limit",
              "MediaProcessTask", "TasksNotifyMode", "SessionId", "SessionContext",
              "TasksPriority", "MediaUrl", "MediaType", "VodSessionKey", "TaskId", "InputType",
              "FileInfos", "ModelName", "Prompt", "OutputConfig", "RestoreDay", "RestoreTier",
              "ScrollToken"]
V1_FIELDS = ["Action", "Version", "Region", "Language", "Token", "RequestClient", "Nonce",
             "Timestamp", "SecretId", "Signature", "SignatureMethod"]
HEADERS = ["X-TC-Action", "X-TC-Version", "Content-Type", "Authorization", "X-TC-Timestamp",
           "X-TC-Token", "X-TC-Region", "X-TC-Language", "X-TC-Content-SHA256", "Host"]

# ----- hostile text

ODD = ["\x00", "\t", "\r", "\x7f", "\x85", "\u2028", "\u3000", "\ufeff", "\u0660", "\u00b2",
       "\U0001f600", "\\", '"', "%", "&", "=", ".", "+", "/", ":", "#", "?", " ", "\ud800",
       "\udfff", "\udce9"]
texts = st.text(st.characters() | st.characters(categories=["Cs"]) | st.sampled_from(ODD),
                max_size=24)
# Header bytes HTTP lets through (HTAB, visible ASCII, space, 0x80-0xFF), UTF-8 or not.
header_bytes = st.binary(max_size=40).map(lambda raw: _http_header_bytes(raw))
numbers = st.integers().map(str) | st.sampled_from(
    ["-0", "1.5", "1e400", "-1e400", str(2**63), str(-(2**63) - 1), str(2**63 - 1),
     "9" * 5000, "0" * 40 + "1"])
indexes = st.integers(0, 20).map(str) | st.sampled_from(
    ["00", "01", "-1", "+0", "\u0660", "\u00b2", "1.0", "", " 1", "9" * 12, "9" * 5000])


def _string(text: str, ascii_only: bool) -> str:
    return json.dumps(text, ensure_ascii=ascii_only)


@st.composite
def json_texts(draw: st.DrawFn) -> str:
    """JSON text (or almost): any values, keys repeated, numbers huge, strings hostile."""
    ascii_only = draw(st.booleans())
    keys = st.sampled_from(PARAMETERS) | texts
    scalars = st.one_of(st.sampled_from(["null", "true", "false"]), numbers,
                        texts.map(lambda t: _string(t, ascii_only)))

    def containers(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        arrays = st.lists(children, max_size=4).map(lambda items: f"[{','.join(items)}]")
        objects = st.lists(st.tuples(keys, children), max_size=4).map(
            lambda pairs: "{" + ",".join(f"{_string(k, ascii_only)}:{v}" for k, v in pairs)
                          + "}")
        return arrays | objects

    return draw(st.recursive(scalars, containers, max_leaves=12))


@st.composite
def plausible_params(draw: st.DrawFn) -> dict[str, Any]:
    """Parameters close to valid, each possibly hostile: what reaches the actions."""
    values = {
        "SubAppId": st.sampled_from([1, 2, 2**63 - 1, 2**63, 0, -1, True, 1.0])
        | st.integers(),
        "EventHandles": st.lists(texts | st.text(alphabet="0123456789abcdef", min_size=32,
                                                 max_size=32), max_size=17),
        "ExtInfo": texts,
        "Mode": st.sampled_from(["PUSH", "PULL", "push"]) | texts,
        "NotificationUrl": st.sampled_from(["", "http://", "https://"]).flatmap(
            lambda scheme: texts.map(lambda rest: scheme + rest)),
        "SignKey": st.text(alphabet="aZ09-", max_size=34) | texts,
        "FileIds": st.lists(texts | st.text(alphabet="0123456789", min_size=19, max_size=19),
                            max_size=22),
        "Filters": st.lists(st.sampled_from(["basicInfo", "metaData", "transcodeInfo"])
                            | texts, max_size=4),
        "FileId": st.text(alphabet="0123456789", min_size=19, max_size=19) | texts,
        "DeleteParts": st.lists(st.dictionaries(
            st.sampled_from(["Type", "Definition"]) | texts,
            st.sampled_from(["TranscodeFiles", "OriginalFiles"]) | texts | st.integers()
            | st.none(), max_size=3), max_size=3),
    }
    integers = st.sampled_from([0, 1, -1, 10, 4990, 5000, 5001, 2**63]) | st.integers()
    tag_lists = st.lists(texts | st.sampled_from(["a", "b", "t" * 33]), max_size=17)
    times = st.sampled_from(["2024-01-01T00:00:00Z", "2024-01-01T08:00:00+08:00",
                             "2024-01-01T00:00:00", "9999-12-31T23:59:59Z"]) | texts
    values.update({
        "Name": texts | st.text(max_size=70), "Description": texts | st.text(max_size=130),
        "ClassId": integers, "ExpireTime": times,
        "CoverData": st.sampled_from(["iVBORw0KGgo=", "R0lGODlh", "/9j/", "dGV4dA==", "=="])
        | texts,
        "AddTags": tag_lists, "DeleteTags": tag_lists, "ClearTags": integers,
        "Names": tag_lists, "NamePrefixes": tag_lists, "Tags": tag_lists,
        "ClassIds": st.lists(integers, max_size=11),
        "Categories": st.lists(st.sampled_from(["Video", "Audio", "Image"]) | texts,
                               max_size=4),
        "SourceTypes": tag_lists, "StreamIds": tag_lists, "StorageRegions": tag_lists,
        "MediaTypes": tag_lists,
        "Status": st.lists(st.sampled_from(["Normal", "Forbidden"]) | texts, max_size=4),
        "CreateTime": st.dictionaries(st.sampled_from(["After", "Before"]) | texts, times,
                                      max_size=3),
        "Sort": st.dictionaries(st.sampled_from(["Field", "Order"]) | texts,
                                st.sampled_from(["CreateTime", "Asc", "Desc"]) | texts
                                | integers, max_size=3),
        "Offset": integers, "Limit": integers,
        # The asynchronous actions': nested models, value lists, ids.
        "MediaProcessTask": st.dictionaries(
            st.sampled_from(["TranscodeTaskSet", "SnapshotByTimeOffsetTaskSet"]) | texts,
            st.lists(st.dictionaries(st.sampled_from(["Definition", "WatermarkSet"]) | texts,
                                     integers | texts | st.none(), max_size=2), max_size=3)
            | texts | integers, max_size=2),
        "TasksNotifyMode": st.sampled_from(["Finish", "Change", "None"]) | texts,
        "SessionId": texts | st.text(max_size=60),
        "SessionContext": texts | st.text(max_size=8).map(lambda t: t * 130),
        "TasksPriority": integers,
        "MediaUrl": st.sampled_from(["http://example.com/a.mp4", "ftp://x", ""]) | texts,
        "MediaType": st.sampled_from(["mp4", "MOV"]) | texts,
        "VodSessionKey": texts, "TaskId": texts | st.just("1250000000-Procedure-ab"),
        "InputType": st.sampled_from(["File", "Stream"]) | texts,
        "FileInfos": st.lists(st.dictionaries(st.sampled_from(["FileId", "Type"]) | texts,
                                              texts | integers, max_size=2), max_size=2),
        "ModelName": st.sampled_from(["Hunyuan", "OG"]) | texts, "Prompt": texts,
        "OutputConfig": st.dictionaries(st.sampled_from(["StorageMode", "OutputImageCount"])
                                        | texts, texts | integers, max_size=2),
        "RestoreDay": integers, "RestoreTier": st.sampled_from(["Expedited", "Bulk"]) | texts,
        "ScrollToken": texts | st.sampled_from(["scroll-10", "scroll-99999999999"]),
    })
    for switch in PARAMETERS[5:8]:
        values[switch] = st.sampled_from(["ON", "OFF", "on"]) | texts
    names = draw(st.lists(st.sampled_from(sorted(values)), max_size=4, unique=True))
    return {name: draw(values[name]) for name in names}


@st.composite
def json_bodies(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["plausible", "text", "deep", "binary"]))
    if kind == "plausible":
        text = json.dumps(draw(plausible_params()), ensure_ascii=draw(st.booleans()))
    elif kind == "text":
        text = draw(json_texts())
    elif kind == "deep":
        depth = draw(st.sampled_from([31, 32, 33, 1000, 100_000]))
        opener, closer = draw(st.sampled_from([("[", "]"), ('{"a":', "}")]))
        text = '{"ExtInfo":' + opener * depth + "1" + closer * depth + "}"
    else:
        return draw(st.binary(max_size=64))
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8", "utf-16", "utf-8-sig"]))
    return text.encode(encoding, "surrogatepass")


@st.composite
def flattened_queries(draw: st.DrawFn) -> tuple[str, dict[str, str]]:
    """A query string or form body of flattened fields (percent-encoded, or not quite),
    and the fields when they are plain text (to be signed)."""
    handle_keys = indexes.map(lambda index: f"EventHandles.{index}")
    media_keys = st.sampled_from(["FileIds", "Filters", "DeleteParts", "AddTags", "ClassIds",
                                  "NamePrefixes"]).flatmap(
        lambda name: indexes.map(lambda index: f"{name}.{index}")) | indexes.flatmap(
        lambda index: (st.sampled_from(["Type", "Definition"]) | texts).map(
            lambda member: f"DeleteParts.{index}.{member}")) | st.tuples(
        st.sampled_from(["Sort", "CreateTime"]),
        st.sampled_from(["Field", "Order", "After", "Before", "0"]) | texts).map(
        lambda pair: f"{pair[0]}.{pair[1]}") | indexes.flatmap(
        lambda index: (st.sampled_from(["Definition", "WatermarkSet.0.Definition"])
                       | texts).map(
            lambda member: f"MediaProcessTask.TranscodeTaskSet.{index}.{member}"))
    key = st.one_of(st.sampled_from(PARAMETERS), handle_keys, handle_keys, media_keys,
                    st.sampled_from(V1_FIELDS), texts)
    value = texts | st.sampled_from(["1500000001", "007", "\u0661", "-1", "PULL", "ON"])
    pairs = draw(st.lists(st.tuples(key, value), max_size=5))
    parts = [urllib.parse.quote(k, safe="", errors="surrogatepass") + "="
             + urllib.parse.quote(v, safe="", errors="surrogatepass") for k, v in pairs]
    if draw(st.integers(0, 3)) == 0:  # raw noise a request target can carry
        parts.append(draw(st.text(alphabet="%&=.;+/:?abcXYZ09[]!$'()*,~", max_size=12)))
    return "&".join(parts), dict(pairs)


@st.composite
def hostile_headers(draw: st.DrawFn) -> list[tuple[str, str | bytes]]:
    authorization = st.tuples(header_bytes, header_bytes, header_bytes).map(
        lambda p: b"TC3-HMAC-SHA256 Credential=" + p[0] + b"/2024-01-01/" + p[1]
        + b"/tc3_request, SignedHeaders=content-type;host, Signature=" + p[2])
    value = header_bytes | st.sampled_from([b"SKIP", b"application/json", b"PullEvents",
                                            b"2018-07-17"]) | authorization
    return draw(st.lists(st.tuples(st.sampled_from(HEADERS), value), max_size=3))


# ----- checks


def assert_envelope(answer: Answer) -> dict[str, Any]:
    assert answer.status == 200, answer
    assert answer.content_type == "application/json", answer
    document = json.loads(answer.body.decode("utf-8"))  # strict UTF-8, then JSON
    assert list(document) == ["Response"]
    response = document["Response"]
    assert isinstance(response["RequestId"], str) and len(response["RequestId"]) == 36
    error = response.get("Error")
    if error is not None:
        assert set(response) == {"Error", "RequestId"}
        assert error["Code"] in KNOWN_CODES, error
        assert isinstance(error["Message"], str) and error["Message"]
        error["Message"].encode("utf-8")  # no lone surrogate in what is answered
        assert len(error["Message"]) < 4096
    return response


def assert_still_serves(emulator: EmulatorThread) -> None:
    """The official SDK still works, and every configured application still answers."""
    http = HttpProfile(protocol="http", endpoint=emulator.endpoint, reqTimeout=30)
    client = CommonClient("vod", "2018-07-17", credential.Credential(SECRET_ID, SECRET_KEY),
                          "", profile=ClientProfile(httpProfile=http))
    assert client.call_json("DescribeEventsState", {})["Response"]["CountOfEventsToPull"] == 0
    for sub_app_id in emulator.call(lambda backend: backend.event_configs.configured()):
        params = {} if sub_app_id is None else {"SubAppId": sub_app_id}
        client.call_json("DescribeEventConfig", params)


# ----- emulators (shared by every example of the module; pulls never hold)


@pytest.fixture(scope="module")
def verifying() -> Iterator[EmulatorThread]:
    with EmulatorThread(make_settings(long_poll_seconds=0)) as running:
        yield running


@pytest.fixture(scope="module")
def not_verifying() -> Iterator[EmulatorThread]:
    with EmulatorThread(make_settings(long_poll_seconds=0, secret_id=None,
                                      secret_key=None)) as running:
        yield running


def _pick(verify: bool, verifying: EmulatorThread,
          not_verifying: EmulatorThread) -> EmulatorThread:
    return verifying if verify else not_verifying


def _valid_http(pairs: list[tuple[str, str | bytes]]) -> list[tuple[str, str | bytes]]:
    """Without a second Host or Content-Type: a request that repeats those is malformed
    HTTP, refused (400) by the HTTP server before any Cloud API handling, as nginx would."""
    seen: set[str] = set()
    kept = []
    for name, value in pairs:
        if name.lower() in ("host", "content-type") and name.lower() in seen:
            continue
        seen.add(name.lower())
        kept.append((name, value))
    return kept


def _header_value(text: str) -> bytes:
    """``text`` as header bytes (lone surrogates and all), less what HTTP cannot carry."""
    return _http_header_bytes(text.encode("utf-8", "surrogatepass"))


def _http_header_bytes(raw: bytes) -> bytes:
    return bytes(b for b in raw if b == 9 or 0x20 <= b <= 0x7E or b >= 0x80)


# ----- the fuzz tests

# Mostly a real action, so that parameters are reached.
actions = st.one_of(st.sampled_from(ACTIONS), st.sampled_from(ACTIONS), st.sampled_from(ACTIONS),
                    texts)


@FUZZ
@given(body=json_bodies(), action=actions, verify=st.booleans(), sign=st.booleans(),
       extra=hostile_headers())
def test_any_json_post(verifying, not_verifying, body: bytes, action: str, verify: bool,
                       sign: bool, extra: list[tuple[str, str | bytes]]) -> None:
    emulator = _pick(verify, verifying, not_verifying)
    headers: dict[str, str | bytes]
    if sign:
        headers = dict(tc3_headers(endpoint=emulator.endpoint, action="PullEvents", body=body,
                                   secret_id=SECRET_ID, secret_key=SECRET_KEY))
    else:
        headers = {"Content-Type": "application/json", "X-TC-Version": "2018-07-17"}
    headers["X-TC-Action"] = _header_value(action)
    pairs = _valid_http(list(headers.items()) + list(extra))
    assert_envelope(send(emulator.endpoint, "POST", "/", pairs, body))
    assert_still_serves(emulator)


@FUZZ
@given(query=flattened_queries(), action=actions,
       style=st.sampled_from(["tc3-get", "tc3-form", "v1-get", "v1-post"]),
       verify=st.booleans(), sign=st.booleans())
def test_any_flattened_request(verifying, not_verifying, query: tuple[str, dict[str, str]],
                               action: str, style: str, verify: bool, sign: bool) -> None:
    emulator = _pick(verify, verifying, not_verifying)
    text, fields = query
    method = "GET" if style.endswith("get") else "POST"
    form = "application/x-www-form-urlencoded"
    headers: dict[str, str | bytes] = {"Content-Type": form}
    if style.startswith("tc3"):
        if sign:
            headers.update(tc3_headers(
                endpoint=emulator.endpoint, action="PullEvents", method=method,
                query=text if method == "GET" else "", body=text.encode(), content_type=form,
                secret_id=SECRET_ID, secret_key=SECRET_KEY))
        else:
            headers["X-TC-Version"] = "2018-07-17"
        headers["X-TC-Action"] = _header_value(action)
    else:
        fields = {**fields, "Action": action, "Version": "2018-07-17"}
        if sign:
            fields = v1_signed_fields(endpoint=emulator.endpoint, method=method, fields=fields,
                                      secret_id=SECRET_ID, secret_key=SECRET_KEY)
        text = "&".join(
            urllib.parse.quote(k, safe="", errors="surrogatepass") + "="
            + urllib.parse.quote(v, safe="", errors="surrogatepass") for k, v in fields.items())
    target = f"/?{text}" if method == "GET" and text else "/"
    body = text.encode() if method == "POST" else b""
    assert_envelope(send(emulator.endpoint, method, target, headers, body))
    assert_still_serves(emulator)


@FUZZ
@given(method=st.sampled_from(["GET", "POST", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]),
       hostile=hostile_headers(), repeat=st.lists(st.booleans(), min_size=3, max_size=3),
       verify=st.booleans(), sign=st.booleans())
def test_any_headers_and_method(verifying, not_verifying, method: str,
                                hostile: list[tuple[str, str | bytes]], repeat: list[bool],
                                verify: bool, sign: bool) -> None:
    """A valid request (signed or not) whose headers are then replaced or repeated."""
    emulator = _pick(verify, verifying, not_verifying)
    body = b"{}" if method != "GET" else b""
    if sign:
        base = tc3_headers(endpoint=emulator.endpoint, action="DescribeEventsState", body=body,
                           method=method, secret_id=SECRET_ID, secret_key=SECRET_KEY)
    else:
        base = {"Content-Type": "application/json", "X-TC-Action": "DescribeEventsState",
                "X-TC-Version": "2018-07-17"}
    pairs: list[tuple[str, str | bytes]] = list(base.items())
    for (name, value), again in zip(hostile, repeat, strict=False):
        if not again:
            pairs = [(n, v) for n, v in pairs if n.lower() != name.lower()]
        pairs.append((name, value))
    assert_envelope(send(emulator.endpoint, method, "/", _valid_http(pairs), body))
    assert_still_serves(emulator)


def test_valid_sdk_requests_succeed_after_fuzzing(verifying, not_verifying) -> None:
    """Runs after the fuzz tests in this module: the state they left serves valid requests."""
    for emulator in (verifying, not_verifying):
        assert_still_serves(emulator)
        answer = send(emulator.endpoint, "POST", "/", tc3_headers(
            endpoint=emulator.endpoint, action="ModifyEventConfig",
            body=b'{"NotificationUrl": "https://example.invalid/cb"}',
            secret_id=SECRET_ID, secret_key=SECRET_KEY),
            b'{"NotificationUrl": "https://example.invalid/cb"}')
        assert "Error" not in assert_envelope(answer)
        described = send(emulator.endpoint, "POST", "/", tc3_headers(
            endpoint=emulator.endpoint, action="DescribeEventConfig", body=b"{}",
            secret_id=SECRET_ID, secret_key=SECRET_KEY), b"{}")
        assert assert_envelope(described)["NotificationUrl"] == "https://example.invalid/cb"
