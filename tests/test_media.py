"""The media library follows the events: what DescribeMediaInfos will answer about a file is
what the events about it said (core/media.py, through the backend's one routing path)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tencentcloud.common import credential
from tencentcloud.common.abstract_model import AbstractModel
from tencentcloud.common.common_client import CommonClient
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.vod.v20180717 import models, vod_client

from emulator.clients.client import AdminClient
from emulator.core.backend import VodBackend
from emulator.core.media import MEDIA_INFO_FIELDS
from emulator.server import EmulatorThread

from .conftest import SECRET_ID, SECRET_KEY, STYLES, SdkFactory, make_settings, pull


@pytest.fixture
def backend() -> VodBackend:
    return VodBackend(make_settings())


def _upload(backend: VodBackend, sub_app_id: int | None = None) -> dict[str, Any]:
    [event] = backend.emit_generated("NewFileUpload", 1, sub_app_id)
    task: dict[str, Any] = event.content["FileUploadEvent"]
    return task


def _deleted(file_id: str, parts: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"EventType": "FileDeleted", "FileDeleteEvent": {
        "FileIdSet": [file_id],
        "FileDeleteResultInfo": [{"FileId": file_id, "DeleteParts": parts or []}]}}


def test_media_info_has_the_sdk_models_fields() -> None:
    assert list(MEDIA_INFO_FIELDS) == [name.lstrip("_") for name in vars(models.MediaInfo())]


def test_an_upload_adds_its_file_exactly_as_its_event_carried_it(backend: VodBackend) -> None:
    task = _upload(backend)
    info = backend.media_file(None, task["FileId"])
    assert info is not None
    assert info["FileId"] == task["FileId"]
    assert info["BasicInfo"] == task["MediaBasicInfo"]
    assert info["MetaData"] == task["MetaData"]
    assert [name for name, value in info.items() if value is not None] == [
        "BasicInfo", "MetaData", "FileId"]
    assert backend.media_file_ids(None) == [task["FileId"]]
    assert backend.media_file(1500000001, task["FileId"]) is None  # per application


def test_file_deleted_removes_the_file_and_a_partial_delete_keeps_it(
        backend: VodBackend) -> None:
    kept, removed = _upload(backend)["FileId"], _upload(backend)["FileId"]
    backend.emit_events([_deleted(kept, [{"Type": "TranscodeFiles", "Definition": 0}]),
                         _deleted(removed)], None)
    assert backend.media_file_ids(None) == [kept]


def test_an_event_about_an_unknown_file_makes_it_known_consistently(
        backend: VodBackend) -> None:
    [event] = backend.emit_generated(
        "ProcedureStateChanged", 1, None,
        {"ProcedureStateChangeEvent": {"FileName": "lecture-01", "FileUrl": "http://x/1.mp4"}})
    task = event.content["ProcedureStateChangeEvent"]
    info = backend.media_file(None, task["FileId"])
    assert info is not None
    assert info["BasicInfo"]["Name"] == "lecture-01"
    assert info["BasicInfo"]["MediaUrl"] == "http://x/1.mp4"
    if task.get("MetaData") is not None:
        assert info["MetaData"] == task["MetaData"]
    models.MediaInfo()._deserialize(info)  # the SDK's own model takes it
    # The same seed makes the same file, whenever it is looked at.
    again = VodBackend(make_settings())
    again.emit_events([event.content], None)
    assert again.media_file(None, task["FileId"]) == info


def test_an_event_about_a_known_file_leaves_it_as_it_is(backend: VodBackend) -> None:
    task = _upload(backend)
    backend.emit_generated("ProcedureStateChanged", 1, None,
                           {"ProcedureStateChangeEvent": {"FileId": task["FileId"]}})
    info = backend.media_file(None, task["FileId"])
    assert info is not None and info["BasicInfo"] == task["MediaBasicInfo"]


def test_a_file_added_without_an_event_gets_the_parts_it_lacks(backend: VodBackend) -> None:
    basic_info = {"Name": "seeded", "Type": "mp4"}
    backend.media.add(None, "5285485487985271000", basic_info, None, backend.now())
    info = backend.media_file(None, "5285485487985271000")
    assert info is not None and info["BasicInfo"] == basic_info
    assert info["MetaData"]["Size"] > 0
    models.MediaInfo()._deserialize(info)


def test_resets_clear_the_library(backend: VodBackend) -> None:
    _upload(backend)
    other = _upload(backend, 1500000001)["FileId"]
    backend.reset_app(None)
    assert backend.media_file_ids(None) == []
    assert backend.media_file_ids(1500000001) == [other]
    backend.reset()
    assert backend.media_file_ids(1500000001) == []


# ----- DescribeMediaInfos through the official Python SDK


def _describe(sdk: vod_client.VodClient, file_ids: list[str], filters: list[str] | None = None,
              sub_app_id: int | None = None) -> models.DescribeMediaInfosResponse:
    request = models.DescribeMediaInfosRequest()
    request.FileIds = file_ids
    request.Filters = filters
    request.SubAppId = sub_app_id
    # The SDK's own models deserialise the answer; an unknown field would warn (an error
    # under this suite's filterwarnings).
    return sdk.DescribeMediaInfos(request)


def _as_sdk_json(model: type[AbstractModel], value: dict[str, Any]) -> dict[str, Any]:
    """``value`` as the SDK's model reads it, back to JSON (absent fields null)."""
    parsed = model()
    parsed._deserialize(value)
    return json.loads(parsed.to_json_string())  # type: ignore[no-any-return]


def _sdk_json(model: AbstractModel) -> dict[str, Any]:
    return json.loads(model.to_json_string())  # type: ignore[no-any-return]


@pytest.mark.parametrize("style", STYLES)
def test_describe_media_infos_answers_what_the_upload_carried(
        style: tuple[str, str], make_sdk: SdkFactory, admin: AdminClient) -> None:
    sdk = make_sdk(*style)
    [event] = admin.emit("NewFileUpload", sub_app_id=1500000001)
    task = event["content"]["FileUploadEvent"]
    answer = _describe(sdk, [task["FileId"], "5285485487985271487"], sub_app_id=1500000001)
    [info] = answer.MediaInfoSet
    assert info.FileId == task["FileId"]
    assert _sdk_json(info.BasicInfo) == _as_sdk_json(models.MediaBasicInfo,
                                                     task["MediaBasicInfo"])
    assert _sdk_json(info.MetaData) == _as_sdk_json(models.MediaMetaData, task["MetaData"])
    assert info.TranscodeInfo is None and info.ReviewInfo is None
    assert answer.NotExistFileIdSet == ["5285485487985271487"]
    # Another application does not know the file.
    assert _describe(sdk, [task["FileId"]]).NotExistFileIdSet == [task["FileId"]]


def test_describe_media_infos_answers_the_payload_exactly(
        admin: AdminClient, emulator: EmulatorThread) -> None:
    [event] = admin.emit("NewFileUpload")
    task = event["content"]["FileUploadEvent"]
    answer = _common_client(emulator).call_json("DescribeMediaInfos",
                                                {"FileIds": [task["FileId"]]})["Response"]
    [info] = answer["MediaInfoSet"]
    assert info["BasicInfo"] == task["MediaBasicInfo"]
    assert info["MetaData"] == task["MetaData"]
    assert answer["NotExistFileIdSet"] == []


def test_describe_media_infos_filters_restrict_the_parts(sdk, admin: AdminClient) -> None:
    [event] = admin.emit("NewFileUpload")
    file_id = event["content"]["FileUploadEvent"]["FileId"]
    [info] = _describe(sdk, [file_id], ["metaData"]).MediaInfoSet
    assert info.BasicInfo is None and info.MetaData is not None and info.FileId == file_id
    [info] = _describe(sdk, [file_id], ["basicInfo", "transcodeInfo"]).MediaInfoSet
    assert info.BasicInfo is not None and info.MetaData is None
    with pytest.raises(TencentCloudSDKException) as refused:
        _describe(sdk, [file_id], ["everything"])
    assert refused.value.code == "InvalidParameterValue"


def test_describe_media_infos_takes_one_to_twenty_file_ids(sdk, admin: AdminClient) -> None:
    ids = [f"52854854879852714{n:02d}" for n in range(21)]
    assert _describe(sdk, ids[:20]).NotExistFileIdSet == ids[:20]
    with pytest.raises(TencentCloudSDKException) as too_many:
        _describe(sdk, ids)
    assert too_many.value.code == "InvalidParameterValue.FileIdsTooMany"
    with pytest.raises(TencentCloudSDKException) as empty:
        _describe(sdk, [])
    assert empty.value.code == "InvalidParameterValue.FileIdsEmpty"
    with pytest.raises(TencentCloudSDKException) as missing:
        sdk.DescribeMediaInfos(models.DescribeMediaInfosRequest())
    assert missing.value.code == "MissingParameter"


def test_file_deleted_removes_the_file(sdk, admin: AdminClient) -> None:
    [event] = admin.emit("NewFileUpload")
    file_id = event["content"]["FileUploadEvent"]["FileId"]
    admin.emit("FileDeleted", overrides={"FileDeleteEvent": {
        "FileIdSet": [file_id], "FileDeleteResultInfo": [{"FileId": file_id,
                                                          "DeleteParts": []}]}})
    answer = _describe(sdk, [file_id])
    assert answer.MediaInfoSet == [] and answer.NotExistFileIdSet == [file_id]


def test_an_event_about_an_unknown_file_makes_it_describable(sdk, admin: AdminClient) -> None:
    [event] = admin.emit("ProcedureStateChanged", overrides={
        "ProcedureStateChangeEvent": {"FileName": "lecture-02"}})
    task = event["content"]["ProcedureStateChangeEvent"]
    answer = _describe(sdk, [task["FileId"]])
    [info] = answer.MediaInfoSet
    assert info.FileId == task["FileId"] and answer.NotExistFileIdSet == []
    assert info.BasicInfo.Name == "lecture-02"
    if task.get("MetaData") is not None:
        assert _sdk_json(info.MetaData) == _as_sdk_json(models.MediaMetaData, task["MetaData"])


def test_a_reset_clears_the_library(sdk, admin: AdminClient) -> None:
    [event] = admin.emit("NewFileUpload")
    file_id = event["content"]["FileUploadEvent"]["FileId"]
    admin.reset()
    assert _describe(sdk, [file_id]).NotExistFileIdSet == [file_id]


def _common_client(emulator: EmulatorThread) -> CommonClient:
    http = HttpProfile(protocol="http", endpoint=emulator.endpoint, reqTimeout=30)
    return CommonClient("vod", "2018-07-17", credential.Credential(SECRET_ID, SECRET_KEY), "",
                        profile=ClientProfile(httpProfile=http))


# ----- DeleteMedia: answered at once, its FileDeleted follows on the emulator clock


def _delete(sdk: vod_client.VodClient, file_id: str,
            parts: list[tuple[str, int | None]] | None = None) -> None:
    request = models.DeleteMediaRequest()
    request.FileId = file_id
    if parts is not None:
        request.DeleteParts = []
        for kind, definition in parts:
            item = models.MediaDeleteItem()
            item.Type, item.Definition = kind, definition
            request.DeleteParts.append(item)
    sdk.DeleteMedia(request)


def _file_deleted_events(admin: AdminClient) -> list[dict[str, Any]]:
    return [event["content"]["FileDeleteEvent"] for event in admin.events()["events"]
            if event["event_type"] == "FileDeleted"]


@pytest.mark.parametrize("style", STYLES)
def test_delete_media_is_followed_by_its_file_deleted_event(
        style: tuple[str, str], make_sdk: SdkFactory, admin: AdminClient) -> None:
    sdk = make_sdk(*style)
    admin.set_clock(freeze=True)
    [event] = admin.emit("NewFileUpload")
    file_id = event["content"]["FileUploadEvent"]["FileId"]
    assert [e.EventType for e in pull(sdk)] == ["NewFileUpload"]

    _delete(sdk, file_id)
    assert _file_deleted_events(admin) == []  # not yet: it follows
    assert _describe(sdk, [file_id]).NotExistFileIdSet == []
    admin.advance_clock(1)
    assert _file_deleted_events(admin) == [
        {"FileIdSet": [file_id], "FileDeleteResultInfo": [{"FileId": file_id,
                                                          "DeleteParts": []}]}]
    assert _describe(sdk, [file_id]).NotExistFileIdSet == [file_id]
    # Routed like any event: PullEvents delivers it.
    [deleted] = pull(sdk)
    assert deleted.EventType == "FileDeleted" and deleted.FileDeleteEvent.FileIdSet == [file_id]


@pytest.mark.parametrize("style", STYLES)
def test_delete_media_of_some_parts_keeps_the_file(
        style: tuple[str, str], make_sdk: SdkFactory, admin: AdminClient) -> None:
    sdk = make_sdk(*style)
    admin.set_clock(freeze=True)
    [event] = admin.emit("NewFileUpload")
    file_id = event["content"]["FileUploadEvent"]["FileId"]
    _delete(sdk, file_id, [("TranscodeFiles", 100030), ("OriginalFiles", None)])
    admin.advance_clock(1)
    [deleted] = _file_deleted_events(admin)
    assert deleted["FileDeleteResultInfo"] == [{"FileId": file_id, "DeleteParts": [
        {"Type": "TranscodeFiles", "Definition": 100030},
        {"Type": "OriginalFiles", "Definition": 0}]}]
    assert _describe(sdk, [file_id]).NotExistFileIdSet == []


def test_delete_media_refuses_an_unknown_file_or_part(sdk, admin: AdminClient,
                                                      emulator: EmulatorThread) -> None:
    with pytest.raises(TencentCloudSDKException) as unknown:
        _delete(sdk, "5285485487985271487")
    assert unknown.value.code == "InvalidParameterValue.FileId"
    [event] = admin.emit("NewFileUpload")
    file_id = event["content"]["FileUploadEvent"]["FileId"]
    with pytest.raises(TencentCloudSDKException) as bad_part:
        _delete(sdk, file_id, [("Everything", 0)])
    assert bad_part.value.code == "InvalidParameterValue"
    with pytest.raises(TencentCloudSDKException) as missing:
        sdk.DeleteMedia(models.DeleteMediaRequest())
    assert missing.value.code == "MissingParameter"
    with pytest.raises(TencentCloudSDKException) as unknown_member:
        _common_client(emulator).call_json("DeleteMedia", {
            "FileId": file_id, "DeleteParts": [{"Type": "OriginalFiles", "Kind": 1}]})
    assert unknown_member.value.code == "UnknownParameter"


def test_the_file_deleted_follows_as_emulator_time_runs(sdk, admin: AdminClient) -> None:
    """No clock change: the background timer routes it once its time comes."""
    admin.set_clock(scale=100)  # the second passes in 10 ms of real time
    [event] = admin.emit("NewFileUpload")
    file_id = event["content"]["FileUploadEvent"]["FileId"]
    last_seq = admin.events()["last_seq"]
    _delete(sdk, file_id)
    followed = admin.events(after=last_seq, wait_seconds=10)["events"]
    assert [e["event_type"] for e in followed] == ["FileDeleted"]
    assert followed[0]["content"]["FileDeleteEvent"]["FileIdSet"] == [file_id]


def test_a_reset_cancels_a_file_deleted_still_to_come(sdk, admin: AdminClient) -> None:
    admin.set_clock(freeze=True)
    [event] = admin.emit("NewFileUpload", sub_app_id=1500000001)
    admin.emit("NewFileUpload")
    file_id = event["content"]["FileUploadEvent"]["FileId"]
    request = models.DeleteMediaRequest()
    request.FileId, request.SubAppId = file_id, 1500000001
    sdk.DeleteMedia(request)
    admin.reset_application(1500000001)
    admin.advance_clock(5)
    assert _file_deleted_events(admin) == []

    [event] = admin.emit("NewFileUpload")
    _delete(sdk, event["content"]["FileUploadEvent"]["FileId"])
    admin.reset()
    admin.advance_clock(5)
    assert _file_deleted_events(admin) == []
