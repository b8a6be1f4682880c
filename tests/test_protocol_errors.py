"""Every error path of the protocol, in the real envelope, HTTP 200, exact Content-Type."""

from __future__ import annotations

import json
import time
import urllib.parse

import pytest
from tencentcloud.common import credential
from tencentcloud.common.common_client import CommonClient
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.vod.v20180717 import models

from emulator.core.settings import Settings
from emulator.server import EmulatorThread

from .conftest import SECRET_ID, SECRET_KEY, STYLES, make_settings
from .rawhttp import Answer, send, tc3_headers


def _common(emulator: EmulatorThread, version: str = "2018-07-17", method: str = "POST",
            sign_method: str = "TC3-HMAC-SHA256", secret_key: str = SECRET_KEY) -> CommonClient:
    http = HttpProfile(protocol="http", endpoint=emulator.endpoint, reqMethod=method)
    profile = ClientProfile(signMethod=sign_method, httpProfile=http)
    return CommonClient("vod", version, credential.Credential(SECRET_ID, secret_key), "",
                        profile=profile)


def _code_of(call) -> str:
    with pytest.raises(TencentCloudSDKException) as raised:
        call()
    return str(raised.value.get_code())


def _assert_envelope(answer: Answer, code: str | None) -> None:
    assert answer.status == 200
    assert answer.content_type == "application/json"
    response = answer.json["Response"]
    assert isinstance(response["RequestId"], str) and len(response["RequestId"]) == 36
    assert answer.error_code == code
    if code is not None:
        assert response["Error"]["Message"]


def _signed_post(emulator: EmulatorThread, action: str, body: bytes, **extra) -> Answer:
    headers = tc3_headers(endpoint=emulator.endpoint, action=action, body=body,
                          secret_id=SECRET_ID, secret_key=SECRET_KEY, **extra)
    return send(emulator.endpoint, "POST", "/", headers, body)


# ----- actions, versions, parameters


@pytest.mark.parametrize("style", STYLES)
def test_unknown_action(emulator, style) -> None:
    client = _common(emulator, method=style[0], sign_method=style[1])
    assert _code_of(lambda: client.call_json("PullEverything", {})) == "InvalidAction"


@pytest.mark.parametrize("style", STYLES)
def test_wrong_version(emulator, style) -> None:
    client = _common(emulator, version="2017-01-01", method=style[0], sign_method=style[1])
    assert _code_of(lambda: client.call_json("PullEvents", {})) == "NoSuchVersion"


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize(
    ("action", "params", "code"),
    [
        ("PullEvents", {"Unexpected": "x"}, "UnknownParameter"),
        ("PullEvents", {"SubAppId": "not-a-number"}, "InvalidParameterValue"),
        ("ConfirmEvents", {}, "MissingParameter"),
        ("ConfirmEvents", {"EventHandles": [f"h{i}" for i in range(17)]},
         "InvalidParameterValue"),
        ("DescribeEventsState", {"SubAppId": 2**63}, "InvalidParameterValue"),
        ("ModifyEventConfig", {"Mode": "SOMETIMES"}, "InvalidParameterValue"),
    ],
)
def test_parameter_errors_in_every_style(emulator, style, action, params, code) -> None:
    client = _common(emulator, method=style[0], sign_method=style[1])
    assert _code_of(lambda: client.call_json(action, params)) == code


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"SubAppId": 1.5}, "InvalidParameterValue"),
        ({"SubAppId": True}, "InvalidParameterValue"),
        ({"SubAppId": "1500000001"}, "InvalidParameterValue"),  # JSON keeps types strict
        ({"EventHandles": "one-handle"}, "InvalidParameterValue"),
        ({"EventHandles": [1, 2]}, "InvalidParameterValue"),
        ({"EventHandles": ["h"], "ExtInfo": 5}, "InvalidParameterValue"),
    ],
)
def test_json_types_are_checked(emulator, params, code) -> None:
    action = "ConfirmEvents" if "EventHandles" in params else "PullEvents"
    client = _common(emulator)
    assert _code_of(lambda: client.call_json(action, params)) == code


def test_flattened_integers_and_lists_are_parsed(sdk, admin) -> None:
    admin.emit("NewFileUpload", 2, sub_app_id=1500000001)
    get_client = _common_for(sdk)
    events = get_client.call_json("PullEvents", {"SubAppId": 1500000001})["Response"]["EventSet"]
    handles = [event["EventHandle"] for event in events]
    assert len(handles) == 2
    get_client.call_json("ConfirmEvents", {"SubAppId": 1500000001, "EventHandles": handles})
    assert admin.queue(1500000001)["leased"] == []


def _common_for(sdk) -> CommonClient:
    endpoint = sdk.profile.httpProfile.endpoint
    http = HttpProfile(protocol="http", endpoint=endpoint, reqMethod="GET")
    return CommonClient("vod", "2018-07-17", credential.Credential(SECRET_ID, SECRET_KEY), "",
                        profile=ClientProfile(httpProfile=http))


# ----- bodies and methods


@pytest.mark.parametrize(
    "body", [b"{not json", b"[1, 2]", b'"text"', b"\xff\xfe"], ids=["broken", "array", "string",
                                                                      "binary"])
def test_malformed_body_is_invalid_parameter(emulator, body: bytes) -> None:
    answer = _signed_post(emulator, "PullEvents", body)
    _assert_envelope(answer, "InvalidParameter")


def test_unsupported_content_type(emulator) -> None:
    answer = _signed_post(emulator, "PullEvents", b"<xml/>", content_type="text/xml")
    _assert_envelope(answer, "InvalidParameter")


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "OPTIONS"])
def test_other_methods_are_unsupported_protocol(emulator, method: str) -> None:
    answer = send(emulator.endpoint, method, "/", {"Content-Type": "application/json"}, b"{}")
    _assert_envelope(answer, "UnsupportedProtocol")


def test_oversized_tc3_post(emulator) -> None:
    body = json.dumps({"ExtInfo": "x" * (10 * 1024 * 1024)}).encode()
    _assert_envelope(_signed_post(emulator, "PullEvents", body), "RequestSizeLimitExceeded")


def test_oversized_get(emulator) -> None:
    query = urllib.parse.urlencode({"ExtInfo": "x" * (33 * 1024)})
    headers = tc3_headers(endpoint=emulator.endpoint, action="PullEvents", method="GET",
                          query=query, secret_id=SECRET_ID, secret_key=SECRET_KEY,
                          content_type="application/x-www-form-urlencoded")
    _assert_envelope(send(emulator.endpoint, "GET", "/?" + query, headers),
                     "RequestSizeLimitExceeded")


def test_oversized_v1_post(emulator) -> None:
    body = urllib.parse.urlencode({"Action": "PullEvents", "ExtInfo": "x" * (1024 * 1024)})
    answer = send(emulator.endpoint, "POST", "/",
                  {"Content-Type": "application/x-www-form-urlencoded"}, body.encode())
    _assert_envelope(answer, "RequestSizeLimitExceeded")


def test_success_envelope_has_exact_content_type(emulator) -> None:
    answer = _signed_post(emulator, "DescribeEventsState", b"{}")
    _assert_envelope(answer, None)
    assert answer.json["Response"]["CountOfEventsToPull"] == 0


# ----- authentication


@pytest.mark.parametrize("style", STYLES)
def test_wrong_key_is_signature_failure(emulator, style) -> None:
    client = _common(emulator, method=style[0], sign_method=style[1], secret_key="wrong")
    assert _code_of(lambda: client.call_json("PullEvents", {})) == "AuthFailure.SignatureFailure"


@pytest.mark.parametrize("style", STYLES)
def test_unknown_secret_id(emulator, make_sdk, style) -> None:
    client = make_sdk(*style, secret_id="AKIDunknown")
    assert _code_of(lambda: client.PullEvents(models.PullEventsRequest())) == (
        "AuthFailure.SecretIdNotFound")


@pytest.mark.parametrize("skew", [-301, 400, -86400])
def test_stale_timestamp_is_signature_expire(emulator, skew: int) -> None:
    answer = _signed_post(emulator, "PullEvents", b"{}", timestamp=int(time.time()) + skew)
    _assert_envelope(answer, "AuthFailure.SignatureExpire")


def test_stale_v1_timestamp_is_signature_expire(emulator) -> None:
    fields = {"Action": "PullEvents", "Version": "2018-07-17", "SecretId": SECRET_ID,
              "Timestamp": str(int(time.time()) - 3600), "Nonce": "1", "Signature": "x"}
    answer = send(emulator.endpoint, "POST", "/",
                  {"Content-Type": "application/x-www-form-urlencoded"},
                  urllib.parse.urlencode(fields).encode())
    _assert_envelope(answer, "AuthFailure.SignatureExpire")


@pytest.mark.parametrize(
    "authorization",
    ["garbage", "TC3-HMAC-SHA256 Credential=only", "HMAC-SHA1 Credential=a/b/c/d",
     "SKIP"],
)
def test_malformed_authorization(emulator, authorization: str) -> None:
    headers = tc3_headers(endpoint=emulator.endpoint, action="PullEvents", body=b"{}",
                          secret_id=SECRET_ID, secret_key=SECRET_KEY)
    headers["Authorization"] = authorization
    answer = send(emulator.endpoint, "POST", "/", headers, b"{}")
    _assert_envelope(answer, "AuthFailure.InvalidAuthorization")


@pytest.mark.parametrize(
    ("method", "target", "headers", "body", "missing"),
    [
        ("POST", "/", {"Content-Type": "application/json", "X-TC-Action": "PullEvents",
                       "X-TC-Version": "2018-07-17"}, b"{}", "Timestamp"),
        ("GET", "/", {}, b"", "Timestamp"),  # what the real service answers a bare GET /
        ("GET", "/?Action=PullEvents&Version=2018-07-17", {}, b"", "Timestamp"),
        ("POST", "/", {"Content-Type": "application/x-www-form-urlencoded"},
         b"Action=PullEvents&Version=2018-07-17", "Timestamp"),
        ("POST", "/", {"Content-Type": "application/x-www-form-urlencoded"},
         f"Action=PullEvents&Version=2018-07-17&Timestamp={int(time.time())}".encode(),
         "SecretId"),
        ("POST", "/", {"Content-Type": "application/json", "X-TC-Action": "PullEvents",
                       "X-TC-Version": "2018-07-17", "X-TC-Timestamp": str(int(time.time()))},
         b"{}", "Authorization"),
    ],
    ids=["tc3-post", "bare-get", "v1-get", "v1-post", "v1-post-with-timestamp",
         "tc3-post-with-timestamp"],
)
def test_unsigned_request_is_missing_parameter_when_verifying(
    emulator, method, target, headers, body, missing
) -> None:
    """Every style alike, as the real service answers a request with no signature at all."""
    answer = send(emulator.endpoint, method, target, headers, body)
    _assert_envelope(answer, "MissingParameter")
    assert f"`{missing}`" in answer.json["Response"]["Error"]["Message"]


def test_tampered_body_is_signature_failure(emulator) -> None:
    headers = tc3_headers(endpoint=emulator.endpoint, action="DescribeEventsState", body=b"{}",
                          secret_id=SECRET_ID, secret_key=SECRET_KEY)
    answer = send(emulator.endpoint, "POST", "/", headers, b'{"SubAppId": 2}')
    _assert_envelope(answer, "AuthFailure.SignatureFailure")


@pytest.mark.parametrize("host_form", ["with-port", "without-port"])
def test_host_signed_with_or_without_port(emulator, host_form: str) -> None:
    signed_host = emulator.endpoint if host_form == "with-port" else "127.0.0.1"
    headers = tc3_headers(endpoint=signed_host, action="DescribeEventsState", body=b"{}",
                          secret_id=SECRET_ID, secret_key=SECRET_KEY, service="127")
    headers["Host"] = emulator.endpoint
    _assert_envelope(send(emulator.endpoint, "POST", "/", headers, b"{}"), None)


class TestWithoutSecret:
    @pytest.fixture
    def emulator_settings(self) -> Settings:
        return make_settings(secret_id=None, secret_key=None)

    def test_signatures_are_not_checked(self, emulator, make_sdk) -> None:
        client = make_sdk(secret_key="anything-at-all")
        assert client.DescribeEventsState(models.DescribeEventsStateRequest()).RequestId

    def test_unsigned_requests_are_served(self, emulator) -> None:
        answer = send(emulator.endpoint, "POST", "/",
                      {"Content-Type": "application/json", "X-TC-Action": "DescribeEventsState",
                       "X-TC-Version": "2018-07-17"}, b"{}")
        _assert_envelope(answer, None)

    def test_missing_action_header(self, emulator) -> None:
        answer = send(emulator.endpoint, "POST", "/", {"Content-Type": "application/json"},
                      b"{}")
        _assert_envelope(answer, "MissingParameter")




# ----- hostile input: every answer is the envelope, and nothing accepted breaks later ones

VERIFYING = make_settings()
OPEN = make_settings(secret_id=None, secret_key=None)
# Overrides the emulator_settings fixture: the same test against both configurations.
SIGNED_AND_UNSIGNED = pytest.mark.parametrize(
    "emulator_settings", [VERIFYING, OPEN], ids=["verifying", "not-verifying"])


def _post(emulator: EmulatorThread, action: str, body: bytes,
          overrides: dict[str, str] | None = None) -> Answer:
    """A TC3 JSON POST, signed when the emulator verifies; ``overrides`` replace headers
    after signing (only content-type and host are signed)."""
    if emulator.settings.secret_id:
        headers = tc3_headers(endpoint=emulator.endpoint, action=action, body=body,
                              secret_id=SECRET_ID, secret_key=SECRET_KEY)
    else:
        headers = {"Content-Type": "application/json", "X-TC-Action": action,
                   "X-TC-Version": "2018-07-17"}
    headers.update(overrides or {})
    return send(emulator.endpoint, "POST", "/", headers, body)


def _message(answer: Answer) -> str:
    message: str = answer.json["Response"]["Error"]["Message"]
    message.encode("utf-8")  # valid text: no lone surrogate made it into the answer
    return message


@SIGNED_AND_UNSIGNED
@pytest.mark.parametrize(
    ("action", "params", "code"),
    [
        ("ConfirmEvents", {"EventHandles": ["\ud800"]}, "InvalidParameterValue"),
        ("ConfirmEvents", {"EventHandles": ["ok", "a\udfffb"]}, "InvalidParameterValue"),
        ("PullEvents", {"\ud800": 1}, "UnknownParameter"),
        ("PullEvents", {"ExtInfo": "\udc80"}, "InvalidParameterValue"),
        ("ModifyEventConfig", {"Mode": "\ud800"}, "InvalidParameterValue"),
        ("ModifyEventConfig", {"NotificationUrl": "http://\ud800"}, "InvalidParameterValue"),
        ("ModifyEventConfig", {"SignKey": "\ud800"}, "InvalidParameterValue"),
    ],
    ids=["handle", "second-handle", "key", "ext-info", "mode", "url", "sign-key"],
)
def test_lone_surrogates_are_refused(emulator, action, params, code) -> None:
    """JSON can spell a lone surrogate (\\ud800), which is no text: refused, never echoed raw,
    never stored."""
    client = _common(emulator)
    with pytest.raises(TencentCloudSDKException) as raised:
        client.call_json(action, params)
    assert raised.value.get_code() == code
    raised.value.get_message().encode("utf-8")
    configuration = client.call_json("DescribeEventConfig", {})["Response"]
    assert (configuration["Mode"], configuration["NotificationUrl"]) == ("PULL", "")


@SIGNED_AND_UNSIGNED
@pytest.mark.parametrize(
    ("header", "value", "code"),
    [
        ("X-TC-Action", "P\xe9", "InvalidParameter"),
        ("X-TC-Version", "2018-07-17\xff", "InvalidParameter"),
        ("Content-Type", "application/\xe9", "InvalidParameter"),
        ("X-TC-Token", "\xff\xfe", "InvalidParameter"),
        ("X-TC-Region", "ap-guangzhou\xe9", "InvalidParameter"),
        ("Authorization", "TC3-HMAC-SHA256 Credential=AKID\xe9/2024-01-01/vod/tc3_request, "
                          "SignedHeaders=content-type;host, Signature=" + "a" * 64,
         "AuthFailure.InvalidAuthorization"),
    ],
)
def test_header_bytes_that_are_not_utf8(emulator, header: str, value: str, code: str) -> None:
    """A str value goes out as Latin-1: \\xe9 is one byte that is not UTF-8."""
    answer = _post(emulator, "DescribeEventsState", b"{}", {header: value})
    _assert_envelope(answer, code)
    message = _message(answer)
    assert header in message and "\\x" not in message and "\\udc" not in message


@SIGNED_AND_UNSIGNED
def test_repeated_protocol_header_is_invalid_parameter(emulator) -> None:
    headers = list(tc3_headers(endpoint=emulator.endpoint, action="DescribeEventsState",
                               body=b"{}", secret_id=SECRET_ID, secret_key=SECRET_KEY).items())
    headers.append(("X-TC-Action", "PullEvents"))
    answer = send(emulator.endpoint, "POST", "/", headers, b"{}")
    _assert_envelope(answer, "InvalidParameter")
    assert "X-TC-Action" in _message(answer)


def test_long_echoed_values_are_cut(emulator) -> None:
    answer = _post(emulator, "x" * 60_000, b"{}")
    _assert_envelope(answer, "InvalidAction")
    assert len(_message(answer)) < 200


def _nested(depth: int) -> bytes:
    """{"ExtInfo": [[...]]}: objects and arrays ``depth`` levels deep."""
    return b'{"ExtInfo": ' + b"[" * (depth - 1) + b"]" * (depth - 1) + b"}"


@pytest.mark.parametrize(
    ("depth", "code"),
    [(32, "InvalidParameterValue"), (33, "InvalidParameter"), (1000, "InvalidParameter"),
     (100_000, "InvalidParameter")],
)
def test_nesting_deeper_than_32_is_invalid_parameter(emulator, depth: int, code: str) -> None:
    # 32 levels parse (and ExtInfo, which must be a string, is refused as a value).
    _assert_envelope(_post(emulator, "PullEvents", _nested(depth)), code)


@pytest.mark.parametrize(
    "body",
    [b'{"SubAppId": 5, "SubAppId": 6}', b'{"SubAppId": 5, "ExtInfo": {"a": 1, "a": 1}}'],
    ids=["top-level", "nested"],
)
def test_repeated_json_key_is_invalid_parameter(emulator, body: bytes) -> None:
    answer = _post(emulator, "DescribeEventsState", body)
    _assert_envelope(answer, "InvalidParameter")
    assert "more than once" in _message(answer)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "utf-8-sig"])
def test_json_body_must_be_utf8(emulator, encoding: str) -> None:
    answer = _post(emulator, "DescribeEventsState", '{"SubAppId": 1}'.encode(encoding))
    _assert_envelope(answer, "InvalidParameter")


@pytest.mark.parametrize("style", STYLES[1:])  # the flattened styles: TC3 GET and v1
@pytest.mark.parametrize(
    ("action", "params", "code"),
    [
        ("ConfirmEvents", {"EventHandles.00": "h"}, "UnknownParameter"),
        ("ConfirmEvents", {"EventHandles.0": "a", "EventHandles.00": "b"}, "UnknownParameter"),
        ("ConfirmEvents", {"EventHandles.\u0660": "h"}, "UnknownParameter"),  # ARABIC-INDIC 0
        ("ConfirmEvents", {"EventHandles.+0": "h"}, "UnknownParameter"),
        ("ConfirmEvents", {"EventHandles." + "9" * 5000: "h"}, "UnknownParameter"),
        ("ConfirmEvents", {"EventHandles.1": "h"}, "InvalidParameterValue"),  # a gap
        ("PullEvents", {"SubAppId": "007"}, "InvalidParameterValue"),
        ("PullEvents", {"SubAppId": "\u0661"}, "InvalidParameterValue"),
        ("PullEvents", {"SubAppId": "+1"}, "InvalidParameterValue"),
        ("PullEvents", {"SubAppId": "0"}, "InvalidParameterValue"),
    ],
    ids=["index-00", "index-0-and-00", "index-arabic", "index-plus", "index-5000-digits",
         "index-gap", "sub-app-id-007", "sub-app-id-arabic", "sub-app-id-plus", "sub-app-id-0"],
)
def test_flattened_indexes_and_integers_are_canonical(emulator, style, action, params,
                                                      code) -> None:
    client = _common(emulator, method=style[0], sign_method=style[1])
    assert _code_of(lambda: client.call_json(action, params)) == code


def _v1_post(emulator: EmulatorThread, **fields: str) -> Answer:
    values = {"Action": "DescribeEventsState", "Version": "2018-07-17", "SecretId": SECRET_ID,
              "Timestamp": str(int(time.time())), "Nonce": "1", "Signature": "x", **fields}
    return send(emulator.endpoint, "POST", "/",
                {"Content-Type": "application/x-www-form-urlencoded"},
                urllib.parse.urlencode(values).encode())


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"Timestamp": "\u00b2"}, "InvalidParameterValue"),  # str.isdigit() says yes
        ({"Timestamp": "\u0663" * 10}, "InvalidParameterValue"),
        ({"Timestamp": "9" * 5000}, "InvalidParameterValue"),  # beyond int()'s digit limit
        ({"Signature": "\u00e9"}, "AuthFailure.SignatureFailure"),
        ({"SignatureMethod": "\u00e9" * 500}, "InvalidParameterValue"),
    ],
    ids=["superscript", "arabic-digits", "5000-digits", "non-ascii-signature", "method"],
)
def test_odd_v1_signing_fields(emulator, fields: dict[str, str], code: str) -> None:
    _assert_envelope(_v1_post(emulator, **fields), code)


@pytest.mark.parametrize("timestamp", ["\u00b2", "9" * 5000])
def test_odd_tc3_timestamp(emulator, timestamp: str) -> None:
    body = b"{}"
    headers = tc3_headers(endpoint=emulator.endpoint, action="DescribeEventsState", body=body,
                          secret_id=SECRET_ID, secret_key=SECRET_KEY)
    headers["X-TC-Timestamp"] = timestamp.encode()  # UTF-8 bytes, as a client would send
    _assert_envelope(send(emulator.endpoint, "POST", "/", headers, body),
                     "InvalidParameterValue")
