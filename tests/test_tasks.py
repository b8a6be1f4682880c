"""The asynchronous actions, through the official Python SDK: each one answers as its
response model says, and its completion event follows on the emulator clock, valid
against the SDK's models, carrying the request's ids, context and input.

The helpers here serve the other tests/test_tasks_*.py modules too.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.vod.v20180717 import models, vod_client

from emulator.clients.client import AdminClient
from emulator.core.tasks import TASK_SECONDS, WAIT_SECONDS
from emulator.events.catalog import TASK_ACTIONS
from emulator.events.schema import EventInputError, Field, load_schema
from emulator.server import EmulatorThread

from .conftest import SdkFactory, make_settings

SCHEMA = load_schema()
Params = dict[str, Any]

# ----- the emulator every test of a module shares (reset, clock frozen, between tests)


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorThread]:
    with EmulatorThread(make_settings(long_poll_seconds=0)) as running:
        yield running


@pytest.fixture
def admin(emulator: EmulatorThread) -> AdminClient:
    """A fresh start, its clock frozen: it moves only when a test advances it."""
    client = AdminClient(emulator.url)
    client.reset()
    client.set_clock(freeze=True, scale=1.0)
    return client


@pytest.fixture
def sdk(make_sdk: SdkFactory, admin: AdminClient) -> vod_client.VodClient:
    return make_sdk()


@pytest.fixture
def file_id(admin: AdminClient) -> str:
    """A file of the default application's library."""
    seeded: str = admin.seed_media()["FileId"]
    return seeded


# ----- calling the SDK


def sdk_request(action: str, params: Params) -> Any:
    """The SDK's request model of ``action`` holding ``params`` (each one a field of it)."""
    request = getattr(models, f"{action}Request")()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the SDK warns of a field its model lacks
        request._deserialize(params)
    return request


def call(sdk: vod_client.VodClient, action: str, params: Params) -> Any:
    """Call ``action`` through the SDK's own method; its response model, which must
    hold every field answered (the SDK warns of any other: an error here)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        response = getattr(sdk, action)(sdk_request(action, params))
    assert isinstance(response, getattr(models, f"{action}Response"))
    return response


def call_raw(sdk: vod_client.VodClient, action: str, params: Params) -> Params:
    """Call ``action`` with any parameters (the SDK's generic call): the raw Response."""
    answer: Params = sdk.call_json(action, params)["Response"]
    return answer


def error_code(call_it: Callable[[], Any]) -> str:
    with pytest.raises(TencentCloudSDKException) as raised:
        call_it()
    code: str = raised.value.code
    return code


def refused(sdk: vod_client.VodClient, action: str, params: Params) -> str:
    """The error code ``action`` answers ``params`` with (sent as they are)."""
    return error_code(lambda: call_raw(sdk, action, params))


def task_id_pattern(task_type: str) -> re.Pattern[str]:
    """A TaskId as VOD makes them: ``<appid>-<TaskType>-<32 hex>t<digit>``."""
    return re.compile(rf"[0-9]{{10}}-{re.escape(task_type)}-[0-9a-f]{{32}}t[0-9]")


# ----- events


def check_event(raw: Params) -> Any:
    """A pulled EventContent, valid against the emulator's schema (from the SDK) and
    taken by the SDK's EventContent model without a field left over; the SDK model."""
    content = {name: value for name, value in raw.items() if name != "EventHandle"}
    event_type = content["EventType"]
    member, model = SCHEMA.member_of(event_type)
    assert set(content) == {"EventType", member}, content.keys()
    SCHEMA.check_model(content[member], model, member)
    event = models.EventContent()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        event._deserialize(raw)
    assert event.EventType == event_type
    return event


def pull_all(sdk: vod_client.VodClient, sub_app_id: int | None = None) -> list[Params]:
    """Every event waiting in the queue (checked, then confirmed), oldest first."""
    events: list[Params] = []
    while True:
        params: Params = {} if sub_app_id is None else {"SubAppId": sub_app_id}
        batch = call_raw(sdk, "PullEvents", params)["EventSet"] or []
        if not batch:
            return events
        for raw in batch:
            check_event(raw)
        call_raw(sdk, "ConfirmEvents", {**params, "EventHandles": [
            raw["EventHandle"] for raw in batch]})
        events.extend({k: v for k, v in raw.items() if k != "EventHandle"} for raw in batch)


def member(event: Params) -> Params:
    """The event's payload member (ProcedureStateChangeEvent, EditMediaCompleteEvent...)."""
    payload: Params = event[SCHEMA.member_of(event["EventType"])[0]]
    return payload


def seconds_of(action: str, params: Params | None = None) -> float:
    """How long a task of ``action`` takes from its request to its end, by default."""
    if action == "RestoreMedia" and (params or {}).get("RestoreTier") == "Expedited":
        return WAIT_SECONDS + 300.0
    return WAIT_SECONDS + TASK_SECONDS[TASK_ACTIONS[action].task_type]


def epoch(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


# ----- one request of each asynchronous action

URL = "https://media.example.com/in/a.mp4"
ELEMENT_IMAGES = json.dumps({"frontal_image": "https://media.example.com/f.jpg",
                             "refer_images": [{"image_url": "https://media.example.com/1.jpg"}]})

REQUESTS: dict[str, Callable[[str], Params]] = {
    "ProcessMedia": lambda fid: {
        "FileId": fid, "MediaProcessTask": {"TranscodeTaskSet": [{"Definition": 100010}]}},
    "ProcessMediaByProcedure": lambda fid: {"FileId": fid, "ProcedureName": "QCVB_Simple"},
    "ProcessMediaByUrl": lambda fid: {"InputInfo": {"Url": URL, "Name": "by-url"},
                                      "AiContentReviewTask": {"Definition": 10}},
    "PullUpload": lambda fid: {"MediaUrl": URL, "MediaName": "pulled", "MediaType": "mp4"},
    "EditMedia": lambda fid: {"InputType": "File", "FileInfos": [
        {"FileId": fid, "StartTimeOffset": 0, "EndTimeOffset": 10.5}]},
    "SplitMedia": lambda fid: {"FileId": fid, "Segments": [
        {"StartTimeOffset": 0, "EndTimeOffset": 10}, {"StartTimeOffset": 10,
                                                      "EndTimeOffset": 20}]},
    "ComposeMedia": lambda fid: {
        "Tracks": [{"Type": "Video", "TrackItems": [
            {"Type": "Video", "VideoItem": {"SourceMedia": fid, "Duration": 5}}]}],
        "Output": {"FileName": "composed", "Container": "mp4"}},
    "RemoveWatermark": lambda fid: {"FileId": fid},
    "RestoreMedia": lambda fid: {"FileIds": [fid], "RestoreDay": 3,
                                 "RestoreTier": "Expedited"},
    "RebuildMedia": lambda fid: {"FileId": fid, "StartTimeOffset": 1.5, "EndTimeOffset": 9},
    "ReviewAudioVideo": lambda fid: {"FileId": fid, "ReviewContents": ["Media", "Cover"]},
    "DescribeFileAttributes": lambda fid: {"FileId": fid},
    "InspectMediaQuality": lambda fid: {"FileId": fid, "Definition": 10},
    "EnhanceMediaQuality": lambda fid: {"FileId": fid, "Definition": 100},
    "ExtractTraceWatermark": lambda fid: {"Url": URL, "FileId": fid},
    "ExtractCopyRightWatermark": lambda fid: {"Url": URL},
    "ExtractBlindWatermark": lambda fid: {
        "Type": "blind-basic", "InputInfo": {"Type": "FILEID", "FileId": fid}},
    "WeChatMiniProgramPublish": lambda fid: {"FileId": fid, "SourceDefinition": 0},
    "CreateComplexAdaptiveDynamicStreamingTask": lambda fid: {
        "FileId": fid, "StreamParaSet": [{"Definition": 12}]},
    "ProcessMediaByMPS": lambda fid: {"FileId": fid, "MPSProcessMediaParams": "{}"},
    "CreateAigcImageTask": lambda fid: {"ModelName": "Hunyuan", "Prompt": "a red cat"},
    "CreateAigcVideoTask": lambda fid: {"ModelName": "Kling", "Prompt": "a red cat running",
                                        "FileInfos": [{"Type": "File", "FileId": fid}]},
    "CreateSceneAigcImageTask": lambda fid: {
        "SceneInfo": {"Type": "product_image"}, "FileInfos": [{"Type": "File",
                                                               "FileId": fid}]},
    "ProcessImageAsync": lambda fid: {"FileId": fid,
                                      "ImageTaskInput": {"Definition": 20000}},
    "CreateAigcCustomVoice": lambda fid: {"VoiceName": "narrator",
                                          "VoiceUrl": "https://media.example.com/v.mp3"},
    "CreateAigcAdvancedCustomElement": lambda fid: {
        "ElementName": "hero", "ElementDescription": "the hero, from the front",
        "ReferenceType": "image_refer"},
    "DescribeAigcFaceInfoAsync": lambda fid: {"FileInfos": [{"Type": "File", "FileId": fid}]},
    "CreateAigcHunyuan3DTask": lambda fid: {"Prompt": "a wooden chair",
                                            "GenerateType": "Normal"},
}
assert set(REQUESTS) == set(TASK_ACTIONS)


def full_request(action: str, fid: str, tag: str = "1") -> Params:
    """The action's request, with a SessionContext and a SessionId where it takes them."""
    params = REQUESTS[action](fid)
    fields = SCHEMA.models[f"{action}Request"]
    if "SessionContext" in fields:
        params["SessionContext"] = f'{{"order": "{action}-{tag}", "note": "上下文"}}'
    if "SessionId" in fields:
        params["SessionId"] = f"session-{action}-{tag}"
    return params


def looked_up(sdk: vod_client.VodClient, task_id: str) -> Params:
    """DescribeTaskDetail's raw answer, checked against the SDK's response model (its
    TaskType against the model's list too, but for ProcessImageAsync: not listed there)."""
    raw = call_raw(sdk, "DescribeTaskDetail", {"TaskId": task_id})
    call(sdk, "DescribeTaskDetail", {"TaskId": task_id})
    answer = {name: value for name, value in raw.items() if name != "RequestId"}
    if answer["TaskType"] == "ProcessImageAsync":
        answer.pop("TaskType")
    SCHEMA.check_model(answer, "DescribeTaskDetailResponse", "DescribeTaskDetail")
    return raw


def start(sdk: vod_client.VodClient, action: str, params: Params) -> str:
    """Call ``action``; its TaskId ("" for RestoreMedia, whose answer has none)."""
    response = call(sdk, action, params)
    return str(getattr(response, "TaskId", None) or "")


# ----- a test per action


def _made_for_the_request(action: str, params: Params, payload: Params,
                          library: Params) -> None:
    """What the task made is what was asked for: outputs per item asked, the names and
    kinds given, the file's own facts."""
    if action == "EditMedia":
        assert payload["Input"]["InputType"] == "File"
        assert payload["Input"]["FileInfoSet"] == params["FileInfos"]
    elif action == "SplitMedia":
        assert [(info["Input"]["StartTimeOffset"], info["Input"]["EndTimeOffset"])
                for info in payload["FileInfoSet"]] == [
            (segment["StartTimeOffset"], segment["EndTimeOffset"])
            for segment in params["Segments"]]
        assert all(info["Output"]["FileId"] for info in payload["FileInfoSet"])
    elif action == "CreateComplexAdaptiveDynamicStreamingTask":
        results = payload["ComplexAdaptiveDynamicStreamingTaskResultSet"]
        assert [result["Input"]["StreamPara"] for result in results] == params["StreamParaSet"]
        assert [result["Output"]["Definition"] for result in results] == [
            para["Definition"] for para in params["StreamParaSet"]]
        assert {result["Status"] for result in results} == {"SUCCESS"}
    elif action == "ProcessMediaByUrl":
        assert payload["FileUrl"] == params["InputInfo"]["Url"]
        assert payload["FileName"] == params["InputInfo"]["Name"]
        assert payload["FileId"] == ""  # no file of the library
        assert payload["MediaProcessResultSet"] == []
        reviews = payload["AiContentReviewResultSet"]
        assert reviews
        for review in reviews:  # one per kind of review the template does
            assert review[review["Type"].replace(".", "") + "Task"]["Input"][
                "Definition"] == 10
    elif action == "ProcessMedia":
        [result] = payload["MediaProcessResultSet"]
        assert result["Type"] == "Transcode"
        assert result["TranscodeTask"]["Output"]["Definition"] == 100010
        assert payload["FileName"] == library["BasicInfo"]["Name"]
        assert payload["MetaData"] == library["MetaData"]
    elif action == "ComposeMedia":
        assert payload["Output"]["MediaName"] == "composed"
        assert payload["Output"]["FileType"] == "mp4"
        assert payload["Input"]["Tracks"] == params["Tracks"]
    elif action == "RestoreMedia":
        assert payload["OriginalStorageClass"] == payload["TargetStorageClass"] == "ARCHIVE"
    elif action == "PullUpload":
        assert payload["MediaBasicInfo"]["Type"] == "mp4"
        assert payload["MediaBasicInfo"]["Name"] == "pulled"


def _same_kind(one: Field, other: Field) -> bool:
    return (one.type, one.model, one.is_list) == (other.type, other.model, other.is_list)


def _echoed(action: str, request: Params, payload: Params, model: str) -> None:
    """Each request field the task's model (or its Input) has, of the same type, is echoed
    there as it was."""
    asked = SCHEMA.models[f"{action}Request"]
    fields = SCHEMA.models[model]
    input_field = fields.get("Input")
    inputs = (SCHEMA.models[input_field.model] if input_field is not None
              and input_field.model is not None and not input_field.is_list else {})
    for name, value in request.items():
        if name in ("SubAppId", "ExtInfo"):
            continue
        if name in fields and _same_kind(fields[name], asked[name]):
            assert payload[name] == value, name
        if name in inputs and _same_kind(inputs[name], asked[name]):
            assert payload["Input"][name] == value, f"Input.{name}"


@pytest.mark.parametrize("action", sorted(TASK_ACTIONS))
def test_each_action_answers_a_task_whose_event_follows_on_the_clock(
        action: str, sdk: vod_client.VodClient, admin: AdminClient, file_id: str) -> None:
    if action == "RestoreMedia":  # a file to restore: an archived one
        file_id = admin.seed_media(basic_info={"StorageClass": "ARCHIVE"})["FileId"]
    params = full_request(action, file_id)
    library = admin.media_file(file_id)
    response = call(sdk, action, params)
    kind = TASK_ACTIONS[action]
    response_fields = SCHEMA.models[f"{action}Response"]
    task_id = getattr(response, "TaskId", None)
    if "TaskId" in response_fields:
        assert task_id_pattern(kind.task_type).fullmatch(task_id), task_id
    else:
        assert action == "RestoreMedia" and task_id is None
    assert response.RequestId

    # Nothing is sent until the clock reaches the task's end; DescribeTaskDetail follows.
    duration = seconds_of(action, params)
    assert pull_all(sdk) == []
    if task_id:
        assert looked_up(sdk, task_id)["Status"] == "WAITING"
    admin.advance_clock(WAIT_SECONDS)
    if task_id:
        assert looked_up(sdk, task_id)["Status"] == "PROCESSING"
    admin.advance_clock(duration - WAIT_SECONDS - 0.5)
    assert pull_all(sdk) == []
    admin.advance_clock(0.5)
    events = pull_all(sdk)
    if task_id:
        detail = looked_up(sdk, task_id)
        assert detail["Status"] == "FINISH"
        [(field, looked)] = [(name, value) for name, value in detail.items()
                             if isinstance(value, dict)]
        if SCHEMA.models["DescribeTaskDetailResponse"][field].model == SCHEMA.member_of(
                kind.event_type)[1]:
            assert looked == member(events[-1])  # the detail is the event's

    expected_types = (["NewFileUpload", kind.event_type] if action == "PullUpload"
                      else [kind.event_type])
    assert [event["EventType"] for event in events] == expected_types
    payload = member(events[-1])
    model = SCHEMA.member_of(kind.event_type)[1]
    fields = SCHEMA.models[model]
    if "TaskId" in fields:
        assert payload["TaskId"] == task_id
    if "Status" in fields and fields["Status"].enum:
        assert payload["Status"] in ("FINISH", "SUCCESS")
    for name in ("ErrCode",):
        if name in fields:
            assert payload[name] == 0
    for name in ("SessionContext", "SessionId"):
        if name in fields and name in params:
            assert payload[name] == params[name], name
    _echoed(action, params, payload, model)
    if "FileId" in params and "FileId" in fields:
        assert payload["FileId"] == file_id
    if "Output" in fields:  # a task that succeeded has its output
        assert isinstance(payload["Output"], dict) and payload["Output"]
    _made_for_the_request(action, params, payload, library)
    if action == "PullUpload":
        upload = member(events[0])
        assert payload["FileId"] == upload["FileId"] != file_id
        assert upload["MediaBasicInfo"]["Name"] == "pulled"
        assert call(sdk, "DescribeMediaInfos", {"FileIds": [payload["FileId"]]}
                    ).MediaInfoSet[0].BasicInfo.Name == "pulled"

    # The events name what caused them: the request and its task.
    summaries = admin.events()["events"]
    assert [summary["event_type"] for summary in summaries] == expected_types
    cause = f"{action} {response.RequestId}" + (f" task {task_id}" if task_id else "")
    for summary in summaries:
        assert summary["caused_by"] is not None
        assert summary["caused_by"].startswith(cause), summary["caused_by"]


@pytest.mark.parametrize("action", sorted(TASK_ACTIONS))
def test_each_action_takes_its_parameters_flattened(
        action: str, make_sdk: SdkFactory, admin: AdminClient, file_id: str) -> None:
    """Through GET (``Name.0.Member=...``, each leaf a string): the same task, the same
    echo as in JSON."""
    if action == "RestoreMedia":
        file_id = admin.seed_media(basic_info={"StorageClass": "ARCHIVE"})["FileId"]
    get = make_sdk(method="GET", sign_method="HmacSHA256")
    params = full_request(action, file_id, tag="get")
    task_id = start(get, action, params)
    admin.advance_clock(seconds_of(action, params))
    payload = member(pull_all(get)[-1])
    model = SCHEMA.member_of(TASK_ACTIONS[action].event_type)[1]
    if "TaskId" in SCHEMA.models[model]:
        assert payload["TaskId"] == task_id
    _echoed(action, params, payload, model)


def test_a_request_without_session_fields_sends_empty_ones(
        sdk: vod_client.VodClient, admin: AdminClient, file_id: str) -> None:
    """The event carries what the request said, and nothing made up in its place."""
    for action in ("ProcessMedia", "EditMedia", "CreateAigcImageTask"):
        start(sdk, action, REQUESTS[action](file_id))
    admin.advance_clock(max(seconds_of(action) for action in ("ProcessMedia", "EditMedia",
                                                              "CreateAigcImageTask")))
    events = pull_all(sdk)
    assert len(events) == 3
    for event in events:
        payload = member(event)
        assert payload["SessionContext"] == "" and payload["SessionId"] == "", payload
    procedure = member(next(e for e in events if e["EventType"] == "ProcedureStateChanged"))
    assert procedure["TasksNotifyMode"] == "Finish"
    assert procedure["TasksPriority"] == 0


def test_uploads_keep_what_the_request_said_of_the_file(
        sdk: vod_client.VodClient, admin: AdminClient) -> None:
    asked = {"ClassId": 0, "ExpireTime": "2030-01-01T00:00:00Z", "StorageRegion": "ap-chengdu",
             "SourceContext": "user=7"}
    start(sdk, "PullUpload", {"MediaUrl": URL, "MediaName": "pulled", **asked})
    applied = call(sdk, "ApplyUpload", {"MediaType": "mov", "MediaName": "applied", **asked})
    assert applied.StorageRegion == "ap-chengdu"
    committed = call(sdk, "CommitUpload", {"VodSessionKey": applied.VodSessionKey})
    admin.advance_clock(seconds_of("PullUpload"))
    uploads = [event["FileUploadEvent"] for event in pull_all(sdk)
               if event["EventType"] == "NewFileUpload"]
    assert [upload["MediaBasicInfo"]["Name"] for upload in uploads] == ["applied", "pulled"]
    for upload in uploads:
        basic = upload["MediaBasicInfo"]
        assert (basic["ClassId"], basic["ExpireTime"], basic["StorageRegion"]) == (
            0, "2030-01-01T00:00:00Z", "ap-chengdu")
        assert basic["SourceInfo"] == {"SourceType": "Upload", "SourceContext": "user=7"}
        [info] = call_raw(sdk, "DescribeMediaInfos", {"FileIds": [upload["FileId"]]})[
            "MediaInfoSet"]
        assert info["BasicInfo"] == basic
    assert uploads[0]["FileId"] == committed.FileId


def test_apply_and_commit_upload_make_a_file_and_its_new_file_upload(
        sdk: vod_client.VodClient, admin: AdminClient) -> None:
    applied = call(sdk, "ApplyUpload", {"MediaType": "mp4", "MediaName": "lecture",
                                        "CoverType": "jpg"})
    assert applied.VodSessionKey and applied.StorageBucket and applied.StorageRegion
    assert applied.MediaStoragePath.endswith(".mp4")
    assert applied.CoverStoragePath.endswith(".jpg")
    assert applied.TempCertificate.SecretId and applied.TempCertificate.Token
    committed = call(sdk, "CommitUpload", {"VodSessionKey": applied.VodSessionKey})
    assert re.fullmatch(r"[0-9]{19}", committed.FileId), committed.FileId
    assert committed.MediaUrl.endswith(".mp4")
    # The file exists at once; its NewFileUpload follows.
    [info] = call(sdk, "DescribeMediaInfos", {"FileIds": [committed.FileId]}).MediaInfoSet
    assert info.BasicInfo.Name == "lecture" and info.BasicInfo.Type == "mp4"
    assert info.BasicInfo.MediaUrl == committed.MediaUrl
    assert pull_all(sdk) == []
    admin.advance_clock(1)
    [event] = pull_all(sdk)
    assert event["EventType"] == "NewFileUpload"
    upload = event["FileUploadEvent"]
    assert upload["FileId"] == committed.FileId
    assert upload["MediaBasicInfo"]["Name"] == "lecture"
    assert upload["MediaBasicInfo"]["MediaUrl"] == committed.MediaUrl
    [summary] = admin.events()["events"]
    assert summary["caused_by"] == f"CommitUpload {committed.RequestId}"
    # A session commits once.
    assert refused(sdk, "CommitUpload", {"VodSessionKey": applied.VodSessionKey}) == (
        "InvalidParameterValue.VodSessionKey")


def test_a_json_parameter_is_not_held_to_its_samples_keys(
        sdk: vod_client.VodClient, admin: AdminClient) -> None:
    params = {**REQUESTS["CreateAigcAdvancedCustomElement"](""),
              "ElementImageList": ELEMENT_IMAGES,
              "TagList": json.dumps([{"tag_id": "o_101"}])}
    assert task_id_pattern("CreateAigcAdvancedCustomElement").fullmatch(
        start(sdk, "CreateAigcAdvancedCustomElement", params))


def test_the_event_check_itself_can_fail() -> None:
    """check_event refuses what the SDK's model would not take."""
    with pytest.raises(EventInputError):
        check_event({"EventType": "ProcedureStateChanged",
                     "ProcedureStateChangeEvent": {"TaskId": "x", "Unknown": 1}})
    with pytest.raises(AssertionError):
        check_event({"EventType": "ProcedureStateChanged", "FileUploadEvent": {}})
