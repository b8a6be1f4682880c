"""Every action through the official Python SDK, in every request style, with verification on."""

from __future__ import annotations

import hashlib
import json

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.vod.v20180717 import models

from emulator.clients.client import AdminClient
from emulator.clients.receiver import CallbackReceiver

from .conftest import STYLES, SdkFactory, confirm, pull


def _file_ids(emitted: list[dict]) -> list[str]:
    return [event["content"]["FileUploadEvent"]["FileId"] for event in emitted]


@pytest.mark.parametrize("style", STYLES)
def test_pull_confirm_round_trip(style: tuple[str, str], make_sdk: SdkFactory,
                                 admin: AdminClient) -> None:
    method, sign_method = style
    client = make_sdk(method, sign_method)
    emitted = admin.emit("NewFileUpload", 3)

    state = client.DescribeEventsState(models.DescribeEventsStateRequest())
    assert state.CountOfEventsToPull == 3

    events = pull(client)
    assert [e.EventType for e in events] == ["NewFileUpload"] * 3
    assert [e.FileUploadEvent.FileId for e in events] == _file_ids(emitted)
    handles = [e.EventHandle for e in events]
    assert len(set(handles)) == 3 and all(handles)

    confirm(client, handles)
    assert client.DescribeEventsState(models.DescribeEventsStateRequest()).CountOfEventsToPull == 0
    assert admin.queue()["pullable"] == [] and admin.queue()["leased"] == []


@pytest.mark.parametrize("style", STYLES)
def test_event_config_round_trip(style: tuple[str, str], make_sdk: SdkFactory) -> None:
    client = make_sdk(*style)
    request = models.ModifyEventConfigRequest()
    request.SubAppId = 1500000001
    request.Mode = "PULL"
    request.NotificationUrl = "https://example.invalid/vod-callback?x=1&y=2"
    request.UploadMediaCompleteEventSwitch = "ON"
    request.DeleteMediaCompleteEventSwitch = "OFF"
    request.PersistenceCompleteEventSwitch = "ON"
    request.SignKey = "abcDEF123"
    client.ModifyEventConfig(request)

    describe = models.DescribeEventConfigRequest()
    describe.SubAppId = 1500000001
    answer = client.DescribeEventConfig(describe)
    assert (answer.Mode, answer.NotificationUrl) == (
        "PULL", "https://example.invalid/vod-callback?x=1&y=2")
    assert (answer.UploadMediaCompleteEventSwitch, answer.DeleteMediaCompleteEventSwitch,
            answer.PersistenceCompleteEventSwitch) == ("ON", "OFF", "ON")
    assert "SignKey" not in answer.to_json_string()
    assert answer.RequestId


def test_event_config_defaults_and_partial_update(sdk) -> None:
    # The emulator's new application: PULL with every switch ON (see the parity table).
    answer = sdk.DescribeEventConfig(models.DescribeEventConfigRequest())
    assert (answer.Mode, answer.NotificationUrl, answer.UploadMediaCompleteEventSwitch,
            answer.DeleteMediaCompleteEventSwitch, answer.PersistenceCompleteEventSwitch) == (
        "PULL", "", "ON", "ON", "ON")

    first = models.ModifyEventConfigRequest()
    first.DeleteMediaCompleteEventSwitch = "OFF"
    first.NotificationUrl = "http://127.0.0.1:9/cb"
    sdk.ModifyEventConfig(first)
    second = models.ModifyEventConfigRequest()
    second.DeleteMediaCompleteEventSwitch = "ON"
    sdk.ModifyEventConfig(second)
    answer = sdk.DescribeEventConfig(models.DescribeEventConfigRequest())
    assert (answer.Mode, answer.NotificationUrl, answer.DeleteMediaCompleteEventSwitch) == (
        "PULL", "http://127.0.0.1:9/cb", "ON")

    clear = models.ModifyEventConfigRequest()
    clear.NotificationUrl = ""  # an empty string clears the URL
    sdk.ModifyEventConfig(clear)
    assert sdk.DescribeEventConfig(models.DescribeEventConfigRequest()).NotificationUrl == ""


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("Mode", "POLL"),
        ("UploadMediaCompleteEventSwitch", "on"),
        ("DeleteMediaCompleteEventSwitch", "YES"),
        ("PersistenceCompleteEventSwitch", ""),
        ("SignKey", "has-dash"),
        ("SignKey", "a" * 33),
        ("NotificationUrl", "ftp://example.invalid/"),
        ("NotificationUrl", "HTTP://example.invalid/"),
        ("NotificationUrl", "http://"),
        ("NotificationUrl", "https:///path-but-no-host"),
        ("NotificationUrl", "http://:8080/cb"),
        ("NotificationUrl", "https://exa mple.invalid/"),
        ("NotificationUrl", "https://example.invalid/cb\t"),
        ("NotificationUrl", "https://example.invalid/\x00"),
        ("NotificationUrl", "https://example.invalid/\x85"),
        ("NotificationUrl", "https://example.invalid/\u3000"),
        ("NotificationUrl", "http://example.invalid:99999/cb"),
        ("NotificationUrl", "http://[::1/cb"),
        ("NotificationUrl", "https://example.invalid/" + "a" * 1001),
        ("NotificationUrl", "http://\ud800.invalid/"),
    ],
)
def test_event_config_validation(sdk, field: str, value: str) -> None:
    before = sdk.DescribeEventConfig(models.DescribeEventConfigRequest()).to_json_string()
    request = models.ModifyEventConfigRequest()
    setattr(request, field, value)
    with pytest.raises(TencentCloudSDKException) as raised:
        sdk.ModifyEventConfig(request)
    assert raised.value.get_code() == "InvalidParameterValue"
    assert field in raised.value.get_message()
    # Nothing was stored by the refused call, and the configuration still answers.
    after = sdk.DescribeEventConfig(models.DescribeEventConfigRequest()).to_json_string()
    assert _without_request_id(after) == _without_request_id(before)


def _without_request_id(answer: str) -> dict:
    fields = json.loads(answer)
    del fields["RequestId"]
    return fields


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:9/cb", "https://[::1]:8443/vod?a=1&b=%20",
     "https://例子.测试/回调?名=值", "https://example.invalid/" + "a" * 1000],
    ids=["ip-port", "ipv6-query", "unicode", "1024-characters"],
)
def test_notification_urls_that_are_accepted(style, make_sdk: SdkFactory, url: str) -> None:
    client = make_sdk(*style)
    request = models.ModifyEventConfigRequest()
    request.NotificationUrl = url
    client.ModifyEventConfig(request)
    assert client.DescribeEventConfig(models.DescribeEventConfigRequest()).NotificationUrl == url


def test_sign_key_of_32_letters_and_digits_is_accepted(sdk, admin: AdminClient) -> None:
    # SignKey is never answered by DescribeEventConfig: a callback signed with it shows
    # it was stored. Set alone first, it must outlive the later change to PUSH.
    key = "aZ09" * 8
    request = models.ModifyEventConfigRequest()
    request.SignKey = key
    sdk.ModifyEventConfig(request)
    with CallbackReceiver(sign_key=key) as receiver:  # refuses (401) what is not signed so
        push = models.ModifyEventConfigRequest()
        push.Mode, push.NotificationUrl = "PUSH", receiver.url
        sdk.ModifyEventConfig(push)
        admin.emit("NewFileUpload")
        (received,) = receiver.wait_for(1)
    assert received.refused is None and received.status == 200
    assert received.json["Sign"] == hashlib.md5(f"{key}{received.json['T']}".encode()).hexdigest()


def test_event_configs_are_per_sub_app_id(sdk) -> None:
    request = models.ModifyEventConfigRequest()
    request.SubAppId = 1500000002
    request.Mode = "PUSH"
    sdk.ModifyEventConfig(request)
    changed = models.DescribeEventConfigRequest()
    changed.SubAppId = 1500000002
    assert sdk.DescribeEventConfig(changed).Mode == "PUSH"
    other = models.DescribeEventConfigRequest()
    other.SubAppId = 1500000003
    assert sdk.DescribeEventConfig(other).Mode == "PULL"
    assert sdk.DescribeEventConfig(models.DescribeEventConfigRequest()).Mode == "PULL"


def test_request_ids_are_fresh(sdk) -> None:
    ids = {sdk.DescribeEventsState(models.DescribeEventsStateRequest()).RequestId
           for _ in range(5)}
    assert len(ids) == 5


def test_given_payloads_come_back_as_they_were_sent(sdk, admin: AdminClient) -> None:
    payload = {
        "EventType": "FileDeleted",
        "FileDeleteEvent": {"FileIdSet": ["5285890784273533167"]},
    }
    admin.emit_events([payload], sub_app_id=1500000009)
    (event,) = pull(sdk, 1500000009)
    assert event.EventType == "FileDeleted"
    assert event.FileDeleteEvent.FileIdSet == ["5285890784273533167"]
    assert event.FileUploadEvent is None
