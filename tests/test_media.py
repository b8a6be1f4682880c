"""The media library follows the events: what DescribeMediaInfos will answer about a file is
what the events about it said (core/media.py, through the backend's one routing path)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest
from tencentcloud.common import credential
from tencentcloud.common.abstract_model import AbstractModel
from tencentcloud.common.common_client import CommonClient
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.vod.v20180717 import models, vod_client

from emulator.base.times import iso8601
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


def test_a_deleted_file_comes_back_only_by_an_upload_or_a_seed(backend: VodBackend) -> None:
    task = _upload(backend)
    file_id = task["FileId"]
    backend.emit_events([_deleted(file_id)], None)
    backend.emit_generated("ProcedureStateChanged", 1, None,
                           {"ProcedureStateChangeEvent": {"FileId": file_id}})
    assert backend.media_file_ids(None) == []  # a late event about it does not revive it
    backend.emit_events([{"EventType": "NewFileUpload", "FileUploadEvent": task}], None)
    assert backend.media_file_ids(None) == [file_id]
    backend.emit_events([_deleted(file_id)], None)
    backend.seed_media(None, file_id)
    assert backend.media_file_ids(None) == [file_id]


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


# ----- ModifyMediaInfo and SearchMedia through the official Python SDK

_PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 16


def _seed(admin: AdminClient, name: str, created: str, **basic: Any) -> str:
    [event] = admin.emit("NewFileUpload", overrides={"FileUploadEvent": {"MediaBasicInfo": {
        "Name": name, "CreateTime": created, "TagSet": [], **basic}}})
    file_id: str = event["content"]["FileUploadEvent"]["FileId"]
    return file_id


def _search(sdk: vod_client.VodClient, **fields: Any) -> models.SearchMediaResponse:
    request = models.SearchMediaRequest()
    request._deserialize(fields)
    return sdk.SearchMedia(request)


def _modify(sdk: vod_client.VodClient, **fields: Any) -> models.ModifyMediaInfoResponse:
    request = models.ModifyMediaInfoRequest()
    request._deserialize(fields)
    return sdk.ModifyMediaInfo(request)


def _code(call: Callable[[], Any]) -> str:
    with pytest.raises(TencentCloudSDKException) as refused:
        call()
    return str(refused.value.code)


def test_the_media_error_codes_are_the_sdks() -> None:
    from tencentcloud.vod.v20180717 import errorcodes

    from emulator.core.errors import MEDIA_PARAMETER_CODES
    known = {value for value in vars(errorcodes).values() if isinstance(value, str)}
    assert {f"InvalidParameterValue.{suffix}" for suffix in MEDIA_PARAMETER_CODES} <= known


@pytest.mark.parametrize("style", STYLES)
def test_modify_media_info_changes_what_describe_and_search_answer(
        style: tuple[str, str], make_sdk: SdkFactory, admin: AdminClient) -> None:
    sdk = make_sdk(*style)
    admin.set_clock(freeze=True)
    file_id = _seed(admin, "before", "2024-01-01T00:00:00Z", TagSet=["old", "keep"])
    admin.advance_clock(60)
    answer = _modify(sdk, FileId=file_id, Name="after", Description="a talk", ClassId=7,
                     ExpireTime="2030-01-01T00:00:00+08:00", AddTags=["new"],
                     DeleteTags=["old"], CoverData=base64.b64encode(_PNG).decode())
    assert answer.CoverUrl.endswith(".png") and answer.AddedSubtitleSet == []
    [info] = _describe(sdk, [file_id]).MediaInfoSet
    basic = info.BasicInfo
    assert (basic.Name, basic.Description, basic.ClassId) == ("after", "a talk", 7)
    assert basic.ExpireTime == "2030-01-01T00:00:00+08:00"
    assert basic.TagSet == ["keep", "new"] and basic.CoverUrl == answer.CoverUrl
    assert basic.UpdateTime == iso8601(admin.clock()["now"])
    found = _search(sdk, NamePrefixes=["aft"])
    assert found.TotalCount == 1 and found.MediaInfoSet[0].BasicInfo.Name == "after"
    assert _search(sdk, Tags=["old"]).TotalCount == 0
    assert _search(sdk, Tags=["new"]).TotalCount == 1
    assert _search(sdk, ClassIds=[7]).TotalCount == 1
    assert _modify(sdk, FileId=file_id, ClearTags=1).CoverUrl == ""
    [info] = _describe(sdk, [file_id]).MediaInfoSet
    assert info.BasicInfo.TagSet == []


def test_modify_media_info_refuses_with_the_real_codes(sdk, admin: AdminClient) -> None:
    file_id = _seed(admin, "x", "2024-01-01T00:00:00Z")
    assert _code(lambda: _modify(sdk, FileId="5285485487985271487", Name="y")) == (
        "InvalidParameterValue.FileId")
    assert _code(lambda: sdk.ModifyMediaInfo(models.ModifyMediaInfoRequest())) == (
        "MissingParameter")
    cases = {
        "InvalidParameterValue.Name": {"Name": "n" * 65},
        "InvalidParameterValue.Description": {"Description": "d" * 129},
        "InvalidParameterValue.ExpireTime": {"ExpireTime": "tomorrow"},
        "InvalidParameterValue.ClassId": {"ClassId": -1},
        "InvalidParameterValue.TagTooLong": {"AddTags": ["t" * 33]},
        "InvalidParameterValue.Tags": {"AddTags": [f"t{n}" for n in range(17)]},
        "InvalidParameterValue.AddTagsAndDeleteTagsConflict": {"AddTags": ["a"],
                                                               "DeleteTags": ["a"]},
        "InvalidParameterValue.AddTagsAndClearTagsConflict": {"AddTags": ["a"],
                                                              "ClearTags": 1},
        "InvalidParameterValue.CoverType": {"CoverData": base64.b64encode(b"text").decode()},
        "InvalidParameterValue": {"CoverData": "not base64!"},
        "UnknownParameter": {"ClearSubtitles": 1},
    }
    for code, fields in cases.items():
        assert _code(lambda fields=fields: _modify(sdk, FileId=file_id, **fields)) == code
    [info] = _describe(sdk, [file_id]).MediaInfoSet
    assert info.BasicInfo.Name == "x"  # nothing refused changed anything


def test_search_media_filters(sdk, admin: AdminClient) -> None:
    a = _seed(admin, "lesson-1", "2024-01-01T00:00:00Z", Category="Video", Type="mp4",
              Status="Normal", StorageRegion="ap-chongqing", ClassId=1, TagSet=["x"],
              SourceInfo={"SourceType": "Record",
                          "LiveRecordInfo": {"StreamId": "s1"}})
    b = _seed(admin, "lesson-2", "2024-02-01T00:00:00Z", Category="Audio", Type="mp3",
              Status="Forbidden", StorageRegion="ap-guangzhou", ClassId=2, TagSet=["y"],
              SourceInfo={"SourceType": "Upload"})
    c = _seed(admin, "talk", "2024-03-01T00:00:00Z", Category="Image", Type="png",
              Status="Normal", StorageRegion="ap-chongqing", ClassId=3, TagSet=[],
              SourceInfo={"SourceType": "Upload"})

    def ids(**fields: Any) -> list[str]:
        return [info.FileId for info in _search(sdk, **fields).MediaInfoSet]

    assert ids() == [c, b, a]  # newest first
    assert ids(FileIds=[a, c]) == [c, a]
    assert ids(NamePrefixes=["lesson"]) == [b, a]
    assert ids(Names=["son-2"]) == [b]
    assert ids(Categories=["Video", "Image"]) == [c, a]
    assert ids(ClassIds=[2, 3]) == [c, b]
    assert ids(Tags=["x", "y"]) == [b, a]
    assert ids(SourceTypes=["Record"]) == [a]
    assert ids(StreamIds=["s1"]) == [a]
    assert ids(StorageRegions=["ap-guangzhou"]) == [b]
    assert ids(MediaTypes=["png", "mp4"]) == [c, a]
    assert ids(Status=["Forbidden"]) == [b]
    assert ids(CreateTime={"After": "2024-02-01T00:00:00Z",
                           "Before": "2024-03-01T00:00:00Z"}) == [b]  # [After, Before)
    assert ids(Categories=["Video"], Status=["Forbidden"]) == []
    answer = _search(sdk, NamePrefixes=["lesson"], Filters=["metaData"])
    assert answer.MediaInfoSet[0].BasicInfo is None and answer.MediaInfoSet[0].MetaData


def test_search_media_pages_and_sorts(sdk, admin: AdminClient) -> None:
    made = [_seed(admin, f"f{n}", f"2024-01-{n + 1:02d}T00:00:00Z") for n in range(12)]
    answer = _search(sdk)
    assert answer.TotalCount == 12 and len(answer.MediaInfoSet) == 10  # Limit's default
    ascending = _search(sdk, Sort={"Field": "CreateTime", "Order": "Asc"}, Offset=3, Limit=4)
    assert answer.TotalCount == 12
    assert [info.FileId for info in ascending.MediaInfoSet] == made[3:7]
    last = _search(sdk, Sort={"Field": "CreateTime", "Order": "Desc"}, Offset=10, Limit=5)
    assert [info.FileId for info in last.MediaInfoSet] == made[1::-1]


def test_search_media_refuses_with_the_real_codes(sdk) -> None:
    cases = {
        "InvalidParameterValue.Sort": {"Sort": {"Field": "Name", "Order": "Asc"}},
        "InvalidParameterValue.Offset": {"Offset": -1},
        "InvalidParameterValue.Limit": {"Limit": 0},
        "InvalidParameterValue.LimitTooLarge": {"Limit": 5001},
        "InvalidParameterValue.OffsetTooLarge": {"Offset": 4991, "Limit": 10},
        "InvalidParameterValue.Categories": {"Categories": ["Film"]},
        "InvalidParameterValue.Status": {"Status": ["Gone"]},
        "InvalidParameterValue.FileIds": {"FileIds": [str(n) for n in range(11)]},
        "InvalidParameterValue.NamePrefixes": {"NamePrefixes": ["p"] * 11},
        "InvalidParameterValue": {"CreateTime": {"After": "yesterday"}},
        "UnknownParameter": {"Text": "anything"},
    }
    for code, fields in cases.items():
        assert _code(lambda fields=fields: _search(sdk, **fields)) == code, fields
    assert _search(sdk, Offset=4990, Limit=10).TotalCount == 0
