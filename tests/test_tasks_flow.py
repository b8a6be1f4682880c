"""How tasks run: what they make reaches the event and the media library (a procedure's
outputs, the files of SplitMedia, EditMedia, ComposeMedia, the AIGC tasks), the
TasksNotifyMode choices, PUSH, faults and the task_seconds setting."""

from __future__ import annotations

import pytest
from tencentcloud.vod.v20180717 import vod_client

from emulator.clients.client import AdminClient
from emulator.core.tasks import TASK_SECONDS, WAIT_SECONDS

from . import test_tasks as shared
from .callback_receiver import Receiver
from .test_tasks import (
    REQUESTS,
    SCHEMA,
    Params,
    call,
    call_raw,
    check_event,
    epoch,
    member,
    pull_all,
    seconds_of,
    start,
)

emulator, admin, sdk, file_id = shared.emulator, shared.admin, shared.sdk, shared.file_id

PROCEDURE_SECONDS = WAIT_SECONDS + TASK_SECONDS["Procedure"]
TWO_TRANSCODES = {"TranscodeTaskSet": [{"Definition": 100020}, {"Definition": 100040}]}


def _transcodes(sdk: vod_client.VodClient, fid: str) -> list[int]:
    [info] = call(sdk, "DescribeMediaInfos", {"FileIds": [fid],
                                              "Filters": ["transcodeInfo"]}).MediaInfoSet
    assert info.BasicInfo is None  # only the part asked for
    if info.TranscodeInfo is None:
        return []
    return sorted(item.Definition for item in info.TranscodeInfo.TranscodeSet or [])


def _procedure_events(sdk: vod_client.VodClient) -> list[Params]:
    events = pull_all(sdk)
    assert {event["EventType"] for event in events} <= {"ProcedureStateChanged"}
    return [member(event) for event in events]


# ----- a procedure's outputs


def test_two_definitions_make_exactly_two_transcodes(
        sdk: vod_client.VodClient, admin: AdminClient, file_id: str) -> None:
    before = _transcodes(sdk, file_id)
    assert not {100020, 100040} & set(before)
    task_id = start(sdk, "ProcessMedia", {"FileId": file_id,
                                          "MediaProcessTask": TWO_TRANSCODES})
    admin.advance_clock(PROCEDURE_SECONDS)
    [procedure] = _procedure_events(sdk)
    assert procedure["TaskId"] == task_id and procedure["Status"] == "FINISH"
    results = procedure["MediaProcessResultSet"]
    assert [result["Type"] for result in results] == ["Transcode", "Transcode"]
    assert [result["TranscodeTask"]["Input"] for result in results] == (
        TWO_TRANSCODES["TranscodeTaskSet"])
    outputs = [result["TranscodeTask"]["Output"] for result in results]
    assert [output["Definition"] for output in outputs] == [100020, 100040]
    assert [result["TranscodeTask"]["Status"] for result in results] == ["SUCCESS"] * 2
    assert procedure["AiContentReviewResultSet"] == []
    assert procedure["AiAnalysisResultSet"] == []
    assert procedure["AiRecognitionResultSet"] == []
    # The library has those two, as the event said them.
    assert _transcodes(sdk, file_id) == sorted([*before, 100020, 100040])
    [info] = call_raw(sdk, "DescribeMediaInfos", {"FileIds": [file_id],
                                                  "Filters": ["transcodeInfo"]})["MediaInfoSet"]
    by_definition = {item["Definition"]: item for item in info["TranscodeInfo"]["TranscodeSet"]}
    for output in outputs:
        assert by_definition[output["Definition"]]["Url"] == output["Url"]


def test_a_snapshot_and_a_sprite_reach_the_library(
        sdk: vod_client.VodClient, admin: AdminClient, file_id: str) -> None:
    task = {"SnapshotByTimeOffsetTaskSet": [{"Definition": 10, "ExtTimeOffsetSet": ["1s"]}],
            "ImageSpriteTaskSet": [{"Definition": 10}]}
    start(sdk, "ProcessMedia", {"FileId": file_id, "MediaProcessTask": task})
    admin.advance_clock(PROCEDURE_SECONDS)
    [procedure] = _procedure_events(sdk)
    assert [result["Type"] for result in procedure["MediaProcessResultSet"]] == [
        "SnapshotByTimeOffset", "ImageSprites"]
    [info] = call(sdk, "DescribeMediaInfos", {"FileIds": [file_id]}).MediaInfoSet
    assert 10 in [item.Definition for item in info.SnapshotByTimeOffsetInfo.SnapshotByTimeOffsetSet]
    assert 10 in [item.Definition for item in info.ImageSpriteInfo.ImageSpriteSet]


def test_finish_mode_sends_one_event_at_the_end(
        sdk: vod_client.VodClient, admin: AdminClient, file_id: str) -> None:
    start(sdk, "ProcessMedia", {"FileId": file_id, "MediaProcessTask": TWO_TRANSCODES,
                                "TasksNotifyMode": "Finish"})
    admin.advance_clock(PROCEDURE_SECONDS - 1)
    assert pull_all(sdk) == []
    admin.advance_clock(1)
    [procedure] = _procedure_events(sdk)
    assert procedure["Status"] == "FINISH" and procedure["TasksNotifyMode"] == "Finish"


def test_change_mode_sends_an_event_at_each_change(
        sdk: vod_client.VodClient, admin: AdminClient, file_id: str) -> None:
    task = {"TranscodeTaskSet": [{"Definition": 100010}, {"Definition": 100020}],
            "SnapshotByTimeOffsetTaskSet": [{"Definition": 10, "TimeOffsetSet": [1000]}]}
    task_id = start(sdk, "ProcessMedia", {"FileId": file_id, "MediaProcessTask": task,
                                          "TasksNotifyMode": "Change",
                                          "SessionContext": "ctx"})
    assert pull_all(sdk) == []  # still WAITING
    admin.advance_clock(WAIT_SECONDS)
    [started] = _procedure_events(sdk)
    assert started["Status"] == "PROCESSING"
    assert [sub["Status"] for sub in _subs(started)] == ["PROCESSING"] * 3
    assert all("Output" not in sub or sub["Output"] is None for sub in _subs(started))
    step = TASK_SECONDS["Procedure"] / 3
    seen = [started]
    for settled in (1, 2):
        admin.advance_clock(step)
        [changed] = _procedure_events(sdk)
        assert changed["Status"] == "PROCESSING"
        assert [sub["Status"] for sub in _subs(changed)] == (
            ["SUCCESS"] * settled + ["PROCESSING"] * (3 - settled))
        seen.append(changed)
    admin.advance_clock(step)
    [finished] = _procedure_events(sdk)
    assert finished["Status"] == "FINISH"
    assert [sub["Status"] for sub in _subs(finished)] == ["SUCCESS"] * 3
    seen.append(finished)
    for procedure in seen:
        assert procedure["TaskId"] == task_id and procedure["SessionContext"] == "ctx"
        assert procedure["TasksNotifyMode"] == "Change"
    admin.advance_clock(3600)
    assert pull_all(sdk) == []
    # Each of the four names the request and its task.
    causes = {summary["caused_by"] for summary in admin.events()["events"]}
    assert len(causes) == 1 and causes.pop().endswith(f"task {task_id}")


def _subs(procedure: Params) -> list[Params]:
    return [result[next(key for key in result if key != "Type")]
            for result in procedure["MediaProcessResultSet"]]


def test_none_mode_sends_nothing_but_still_makes_the_outputs(
        sdk: vod_client.VodClient, admin: AdminClient, file_id: str) -> None:
    task_id = start(sdk, "ProcessMedia", {"FileId": file_id,
                                          "MediaProcessTask": TWO_TRANSCODES,
                                          "TasksNotifyMode": "None"})
    admin.advance_clock(PROCEDURE_SECONDS)
    assert pull_all(sdk) == []
    assert admin.events()["events"] == []
    assert {100020, 100040} <= set(_transcodes(sdk, file_id))
    detail = call(sdk, "DescribeTaskDetail", {"TaskId": task_id})
    assert detail.Status == "FINISH" and detail.ProcedureTask.TasksNotifyMode == "None"


def test_the_files_split_media_makes_are_in_the_library(
        sdk: vod_client.VodClient, admin: AdminClient, file_id: str) -> None:
    start(sdk, "SplitMedia", {"FileId": file_id, "Segments": [
        {"StartTimeOffset": 0, "EndTimeOffset": 5, "OutputConfig": {"MediaName": "part-1"}},
        {"StartTimeOffset": 5, "EndTimeOffset": 9}]})
    admin.advance_clock(seconds_of("SplitMedia"))
    [event] = pull_all(sdk)
    made = [info["Output"]["FileId"] for info in member(event)["FileInfoSet"]]
    assert len(set(made)) == 2 and file_id not in made
    answer = call(sdk, "DescribeMediaInfos", {"FileIds": made})
    assert answer.NotExistFileIdSet == []
    assert [info.FileId for info in answer.MediaInfoSet] == made
    assert answer.MediaInfoSet[0].BasicInfo.Name == "part-1"


def test_aigc_outputs_are_stored_as_asked(sdk: vod_client.VodClient,
                                          admin: AdminClient) -> None:
    kept = {"StorageMode": "Permanent", "MediaName": "poster", "ClassId": 0,
            "OutputImageCount": 2, "OutputFormat": "png"}
    start(sdk, "CreateAigcImageTask", {"ModelName": "Hunyuan", "Prompt": "a poster",
                                       "OutputConfig": kept})
    start(sdk, "CreateAigcVideoTask", {"ModelName": "Kling", "Prompt": "a clip"})
    start(sdk, "CreateAigcHunyuan3DTask", {"Prompt": "a chair", "ResultFormat": "FBX"})
    admin.advance_clock(seconds_of("CreateAigcVideoTask"))
    outputs = {event["EventType"]: member(event)["Output"]["FileInfos"]
               for event in pull_all(sdk)}
    images = outputs["AigcImageTaskComplete"]
    assert [(info["StorageMode"], info["MediaName"], info["FileType"]) for info in images] == [
        ("Permanent", "poster", "png")] * 2
    made = [info["FileId"] for info in images]
    assert len(set(made)) == 2 and all(made)
    answer = call(sdk, "DescribeMediaInfos", {"FileIds": made})
    assert answer.NotExistFileIdSet == []
    assert [info.BasicInfo.Name for info in answer.MediaInfoSet] == ["poster", "poster"]
    # By default a temporary URL, kept seven days, and no file of the library.
    [video] = outputs["AigcVideoTaskComplete"]
    assert video["StorageMode"] == "Temporary" and video["FileId"] == "" and video["FileUrl"]
    now = admin.clock()["now"]
    assert epoch(video["ExpireTime"]) == int(now + 7 * 86400)
    assert [info["FileType"] for info in outputs["AigcHunyuan3DTaskComplete"]] == [
        "obj", "glb", "fbx"]


def test_restore_media_starts_a_task_per_file_each_as_long_as_its_tier(
        sdk: vod_client.VodClient, admin: AdminClient) -> None:
    archived = admin.seed_media(basic_info={"StorageClass": "ARCHIVE"})["FileId"]
    deep = admin.seed_media(basic_info={"StorageClass": "DEEP_ARCHIVE"})["FileId"]
    response = call(sdk, "RestoreMedia", {"FileIds": [deep, archived, deep],
                                          "RestoreDay": 2, "RestoreTier": "Standard"})
    assert not hasattr(response, "TaskId")
    admin.advance_clock(WAIT_SECONDS + 5 * 3600)  # Standard: 5 hours from ARCHIVE
    [first] = [member(event) for event in pull_all(sdk)]
    assert (first["FileId"], first["OriginalStorageClass"]) == (archived, "ARCHIVE")
    admin.advance_clock(19 * 3600 - 1)
    assert pull_all(sdk) == []
    admin.advance_clock(1)  # 24 hours from DEEP_ARCHIVE
    [second] = [member(event) for event in pull_all(sdk)]
    assert (second["FileId"], second["OriginalStorageClass"]) == (deep, "DEEP_ARCHIVE")
    for task in (first, second):  # a temporary restore: the class stays
        assert task["TargetStorageClass"] == task["OriginalStorageClass"]
        assert (task["RestoreTier"], task["RestoreDay"]) == ("Standard", 2)


def test_the_files_edit_and_compose_make_are_in_the_library(
        sdk: vod_client.VodClient, admin: AdminClient, file_id: str) -> None:
    start(sdk, "EditMedia", {**REQUESTS["EditMedia"](file_id),
                             "OutputConfig": {"MediaName": "edited", "Type": "hls"}})
    start(sdk, "ComposeMedia", REQUESTS["ComposeMedia"](file_id))
    admin.advance_clock(seconds_of("ComposeMedia"))
    outputs = [member(event)["Output"] for event in pull_all(sdk)]
    assert [(output["MediaName"], output["FileType"]) for output in outputs] == [
        ("edited", "hls"), ("composed", "mp4")]
    answer = call(sdk, "DescribeMediaInfos", {"FileIds": [o["FileId"] for o in outputs]})
    assert answer.NotExistFileIdSet == []
    assert [info.BasicInfo.Name for info in answer.MediaInfoSet] == ["edited", "composed"]


def test_task_events_are_pushed_when_the_application_says_push(
        sdk: vod_client.VodClient, admin: AdminClient, file_id: str) -> None:
    with Receiver() as receiver:
        call(sdk, "ModifyEventConfig", {"Mode": "PUSH", "NotificationUrl": receiver.url})
        task_id = start(sdk, "ProcessMedia", {"FileId": file_id,
                                              "MediaProcessTask": TWO_TRANSCODES,
                                              "TasksNotifyMode": "Change"})
        admin.advance_clock(PROCEDURE_SECONDS)
        received = receiver.wait_for(3)
    pushed = [check_event(request.json) for request in received]
    assert [event.ProcedureStateChangeEvent.TaskId for event in pushed] == [task_id] * 3
    assert [event.ProcedureStateChangeEvent.Status for event in pushed] == [
        "PROCESSING", "PROCESSING", "FINISH"]
    assert pull_all(sdk) == []
    assert {summary["route"] for summary in admin.events()["events"]} == {"pushed"}


# ----- faults and settings


def test_a_failed_task_reports_its_error_and_makes_nothing(
        sdk: vod_client.VodClient, admin: AdminClient, file_id: str) -> None:
    admin.add_fault("ProcessMedia", "fail_task", code="FailedOperation.SourceFileError",
                    message="the source cannot be decoded", times=1)
    before = _transcodes(sdk, file_id)
    task_id = start(sdk, "ProcessMedia", {"FileId": file_id, "MediaProcessTask": TWO_TRANSCODES,
                                          "TasksNotifyMode": "Change"})
    admin.advance_clock(PROCEDURE_SECONDS)
    *progress, last = _procedure_events(sdk)
    assert len(progress) == 2  # PROCESSING at the start, one sub-task settled
    assert last["TaskId"] == task_id and last["Status"] == "FINISH"
    assert last["ErrCode"] != 0
    assert last["Message"] == "the source cannot be decoded"
    for sub in _subs(last):
        assert sub["Status"] == "FAIL"
        assert sub["ErrCodeExt"] == "FailedOperation.SourceFileError"
        assert sub["ErrCode"] != 0 and sub["Message"] == "the source cannot be decoded"
        assert sub.get("Output") is None
    assert _transcodes(sdk, file_id) == before  # nothing reached the library
    detail = call_raw(sdk, "DescribeTaskDetail", {"TaskId": task_id})
    assert detail["Status"] == "FINISH" and detail["ProcedureTask"] == last
    # The rule was used up: the next task succeeds.
    start(sdk, "ProcessMedia", {"FileId": file_id, "MediaProcessTask": TWO_TRANSCODES})
    admin.advance_clock(PROCEDURE_SECONDS)
    [ok] = _procedure_events(sdk)
    assert ok["ErrCode"] == 0 and {sub["Status"] for sub in _subs(ok)} == {"SUCCESS"}


@pytest.mark.parametrize(("action", "code"), [
    ("EditMedia", "FailedOperation.Custom"), ("CreateAigcVideoTask", "ContentModerationFailed"),
    ("PullUpload", "ResourceNotFound"), ("ProcessImageAsync", "InternalError"),
    ("DescribeFileAttributes", "InvalidParameter.MediaFormat"),
    ("ExtractTraceWatermark", None), ("CreateAigcImageTask", None)])
def test_a_failed_task_of_any_kind(action: str, code: str | None, sdk: vod_client.VodClient,
                                   admin: AdminClient, file_id: str) -> None:
    """The event says the error (valid against its model: a fault without a code takes
    one the model lists), DescribeTaskDetail the same; nothing is made."""
    admin.add_fault(action, "fail_task", message="no luck",
                    **({"code": code} if code else {}))
    task_id = start(sdk, action, REQUESTS[action](file_id))
    admin.advance_clock(seconds_of(action))
    events = pull_all(sdk)
    # Only the completion event: a failed PullUpload makes no file (no NewFileUpload).
    assert [event["EventType"] for event in events] == [
        shared.TASK_ACTIONS[action].event_type]
    [payload] = [member(event) for event in events]
    fields = SCHEMA.models[SCHEMA.member_of(events[0]["EventType"])[1]]
    if "ErrCode" in fields:
        assert payload["ErrCode"] != 0
    if "ErrCodeExt" in fields:
        assert payload["ErrCodeExt"] == code if code else payload["ErrCodeExt"]
    if "Message" in fields:
        assert payload["Message"] == "no luck"
    if "Status" in fields and "FAIL" in fields["Status"].enum:
        assert payload["Status"] == "FAIL"
    assert payload.get("Output") is None
    detail = call_raw(sdk, "DescribeTaskDetail", {"TaskId": task_id})
    [looked] = [value for value in detail.values() if isinstance(value, dict)]
    for name in ("ErrCode", "ErrCodeExt", "Message"):
        if name in looked:
            assert looked[name] == payload.get(name, looked[name]) and looked[name] not in (
                0, "", "SUCCESS"), name
    if action == "PullUpload":
        assert payload["FileId"] == ""
        assert admin.media()["total"] == 1  # only the seeded file


def test_a_task_whose_file_is_deleted_meanwhile_fails(
        sdk: vod_client.VodClient, admin: AdminClient, file_id: str) -> None:
    task_id = start(sdk, "ProcessMedia", {"FileId": file_id, "MediaProcessTask": TWO_TRANSCODES})
    call(sdk, "DeleteMedia", {"FileId": file_id})
    admin.advance_clock(PROCEDURE_SECONDS)
    deleted, finished = pull_all(sdk)
    assert deleted["EventType"] == "FileDeleted"
    procedure = member(finished)
    assert procedure["TaskId"] == task_id and procedure["ErrCode"] != 0
    assert [sub["ErrCodeExt"] for sub in _subs(procedure)] == ["ResourceNotFound"] * 2
    assert all(sub.get("Output") is None for sub in _subs(procedure))
    detail = call_raw(sdk, "DescribeTaskDetail", {"TaskId": task_id})
    assert detail["ProcedureTask"] == procedure


def test_a_deleted_file_stays_deleted_when_its_task_ends(
        sdk: vod_client.VodClient, admin: AdminClient, file_id: str) -> None:
    start(sdk, "ProcessMedia", {"FileId": file_id, "MediaProcessTask": TWO_TRANSCODES})
    call(sdk, "DeleteMedia", {"FileId": file_id})
    admin.advance_clock(PROCEDURE_SECONDS)
    assert len(pull_all(sdk)) == 2
    assert call(sdk, "DescribeMediaInfos", {"FileIds": [file_id]}).NotExistFileIdSet == [
        file_id]


def test_a_slow_task_finishes_later(sdk: vod_client.VodClient, admin: AdminClient,
                                    file_id: str) -> None:
    admin.add_fault("ProcessMedia", "slow_task", seconds=600)
    task_id = start(sdk, "ProcessMedia", REQUESTS["ProcessMedia"](file_id))
    admin.advance_clock(PROCEDURE_SECONDS)
    assert pull_all(sdk) == []
    assert call(sdk, "DescribeTaskDetail", {"TaskId": task_id}).Status == "PROCESSING"
    admin.advance_clock(599)
    assert pull_all(sdk) == []
    admin.advance_clock(1)
    [procedure] = _procedure_events(sdk)
    assert procedure["TaskId"] == task_id and procedure["ErrCode"] == 0


def test_task_seconds_changes_how_long_tasks_take(
        sdk: vod_client.VodClient, admin: AdminClient, file_id: str) -> None:
    admin.update_settings(task_seconds={"Procedure": 5, "EditMedia": 600})
    procedure = start(sdk, "ProcessMedia", REQUESTS["ProcessMedia"](file_id))
    edit = start(sdk, "EditMedia", REQUESTS["EditMedia"](file_id))
    admin.advance_clock(WAIT_SECONDS + 4)
    assert pull_all(sdk) == []
    admin.advance_clock(1)
    assert [member(event)["TaskId"] for event in pull_all(sdk)] == [procedure]
    admin.advance_clock(594)
    assert pull_all(sdk) == []
    admin.advance_clock(1)
    assert [member(event)["TaskId"] for event in pull_all(sdk)] == [edit]
    # A task keeps the duration it started with; a reset restores the defaults.
    admin.reset()
    admin.set_clock(freeze=True)
    fid = admin.seed_media()["FileId"]
    start(sdk, "ProcessMedia", REQUESTS["ProcessMedia"](fid))
    admin.advance_clock(WAIT_SECONDS + 5)
    assert pull_all(sdk) == []
    admin.advance_clock(TASK_SECONDS["Procedure"] - 5)
    assert len(pull_all(sdk)) == 1
