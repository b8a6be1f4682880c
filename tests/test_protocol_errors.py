"""Every error path of the protocol, in the real envelope, HTTP 200, exact Content-Type."""

from __future__ import annotations

import json
import time
import urllib.parse

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tencentcloud.common import credential
from tencentcloud.common.common_client import CommonClient
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.vod.v20180717 import models

from emulator.config import Settings
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


def test_unsigned_request_is_refused_when_verifying(emulator) -> None:
    answer = send(emulator.endpoint, "POST", "/",
                  {"Content-Type": "application/json", "X-TC-Action": "PullEvents",
                   "X-TC-Version": "2018-07-17"}, b"{}")
    _assert_envelope(answer, "AuthFailure.InvalidAuthorization")


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


# ----- nothing crashes


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    method=st.sampled_from(["GET", "POST"]),
    query=st.text(max_size=60).map(lambda t: urllib.parse.quote(t, safe="=&.%")),
    body=st.binary(max_size=200)
    | st.dictionaries(st.sampled_from(["SubAppId", "EventHandles", "ExtInfo", "Mode", "X"]),
                      st.none() | st.integers() | st.text(max_size=5)
                      | st.lists(st.integers() | st.text(max_size=5), max_size=3)
                      | st.floats(allow_nan=False)).map(lambda d: json.dumps(d).encode()),
    content_type=st.sampled_from(["application/json", "application/x-www-form-urlencoded",
                                  "text/plain", "multipart/form-data; boundary=x", ""]),
    action=st.sampled_from(["PullEvents", "ConfirmEvents", "DescribeEventsState",
                            "ModifyEventConfig", "DescribeEventConfig", "Nope", ""]),
    signed=st.booleans(),
)
def test_any_input_gets_an_envelope(emulator_unheld, method, query, body, content_type, action,
                                    signed) -> None:
    endpoint = emulator_unheld.endpoint
    if signed:
        headers = tc3_headers(endpoint=endpoint, action=action, body=body, method=method,
                              query=query, content_type=content_type, secret_id=SECRET_ID,
                              secret_key=SECRET_KEY)
    else:
        headers = {"Content-Type": content_type, "X-TC-Action": action,
                   "X-TC-Version": "2018-07-17"}
    headers = {k: v for k, v in headers.items() if v}
    answer = send(endpoint, method, "/?" + query if query else "/", headers,
                  body if method == "POST" else b"")
    assert answer.status == 200
    assert answer.content_type == "application/json"
    assert "RequestId" in answer.json["Response"]


@pytest.fixture(scope="module")
def emulator_unheld():
    """An emulator whose empty pulls answer at once, shared by the fuzzing examples."""
    with EmulatorThread(make_settings(long_poll_seconds=0)) as running:
        yield running
