"""The asynchronous actions check their parameters as the real service does, with the
error codes of the SDK's list: required, unknown, mistyped and out-of-list parameters
(nested ones too, in JSON and flattened), unknown files, tasks and upload sessions, the
SessionContext and SessionId limits and the SessionId de-duplication window."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from tencentcloud.vod.v20180717 import vod_client

from emulator.clients.client import AdminClient
from emulator.events.catalog import TASK_ACTIONS

from . import test_tasks as shared
from .conftest import SdkFactory
from .test_tasks import (
    REQUESTS,
    Params,
    call,
    member,
    pull_all,
    refused,
    seconds_of,
    start,
    task_id_pattern,
)

# The fixtures of test_tasks: this module's own emulator, reset between tests.
emulator, admin, sdk, file_id = shared.emulator, shared.admin, shared.sdk, shared.file_id

DAY = 86400.0
UNKNOWN_FILE = "5285890000000000000"
STANDARD_FILE, DEEP_FILE = "5285890000000000001", "5285890000000000002"


@pytest.mark.parametrize(("action", "name"), [
    (action, name) for action, kind in sorted(TASK_ACTIONS.items()) for name in kind.required])
def test_each_required_parameter_left_out_is_missing(
        action: str, name: str, sdk: vod_client.VodClient, file_id: str) -> None:
    params = REQUESTS[action](file_id)
    assert name in params  # the table's request gives every required parameter
    del params[name]
    assert refused(sdk, action, params) == "MissingParameter"


_PROCESS = {"FileId": "<file>", "MediaProcessTask": {"TranscodeTaskSet": [{"Definition": 10}]}}


def _with(action: str, **changes: object) -> Callable[[str], Params]:
    def build(fid: str) -> Params:
        params = REQUESTS[action](fid)
        params.update(changes)
        return params

    return build


BAD: list[tuple[str, str, Callable[[str], Params], str]] = [
    # (what, action, request, code)
    ("unknown parameter", "ProcessMedia", _with("ProcessMedia", Definition=10),
     "UnknownParameter"),
    ("unknown nested member", "ProcessMedia", _with(
        "ProcessMedia", MediaProcessTask={"TranscodeTaskSet": [{"Definition": 10, "Fps": 5}]}),
     "UnknownParameter"),
    ("unknown member of a list item", "SplitMedia", _with(
        "SplitMedia", Segments=[{"StartTimeOffset": 0, "Length": 5}]), "UnknownParameter"),
    ("a number for a string", "ProcessMedia", _with("ProcessMedia", FileId=5285890000),
     "InvalidParameterValue"),
    ("a string for an integer", "ProcessMedia", _with("ProcessMedia", TasksPriority="high"),
     "InvalidParameterValue"),
    ("a boolean for an integer", "InspectMediaQuality",
     _with("InspectMediaQuality", Definition=True), "InvalidParameterValue"),
    ("a fraction for an integer", "EnhanceMediaQuality",
     _with("EnhanceMediaQuality", Definition=10.5), "InvalidParameterValue"),
    ("a list for an object", "ProcessMedia", _with("ProcessMedia", MediaProcessTask=[]),
     "InvalidParameterValue"),
    ("an object for a list", "ProcessMedia", _with(
        "ProcessMedia", MediaProcessTask={"TranscodeTaskSet": {"Definition": 10}}),
     "InvalidParameterValue"),
    ("a string for a nested integer", "ProcessMedia", _with(
        "ProcessMedia", MediaProcessTask={"TranscodeTaskSet": [{"Definition": "10"}]}),
     "InvalidParameterValue"),
    ("a string for a number", "SplitMedia", _with(
        "SplitMedia", Segments=[{"StartTimeOffset": "0", "EndTimeOffset": 5}]),
     "InvalidParameterValue"),
    ("a value not in the list", "EditMedia", _with("EditMedia", InputType="Disk"),
     "InvalidParameterValue"),
    ("a nested value not in the list", "ExtractBlindWatermark", _with(
        "ExtractBlindWatermark", InputInfo={"Type": "COS", "Url": "https://x/y.mp4"}),
     "InvalidParameterValue"),
    ("a listed value in the wrong case", "ProcessMedia",
     _with("ProcessMedia", OutputAsIndependentMedia="on"), "InvalidParameterValue"),
    ("an unknown model", "CreateAigcImageTask",
     _with("CreateAigcImageTask", ModelName="Dall-E"), "InvalidParameterValue"),
    ("an unknown TasksNotifyMode", "ProcessMedia",
     _with("ProcessMedia", TasksNotifyMode="Sometimes"), "InvalidParameterValue"),
    ("an unknown file", "ProcessMedia", _with("ProcessMedia", FileId=UNKNOWN_FILE),
     "InvalidParameterValue.FileId"),
    ("an unknown file", "EditMedia", _with("EditMedia", FileInfos=[{"FileId": UNKNOWN_FILE}]),
     "InvalidParameterValue.FileId"),
    ("an unknown file among known ones", "RestoreMedia",
     lambda fid: {"FileIds": [fid, UNKNOWN_FILE], "RestoreDay": 1},
     "InvalidParameterValue.FileId"),
    ("no file", "RestoreMedia", lambda fid: {"FileIds": []},
     "InvalidParameterValue.FileIdsEmpty"),
    ("over 100 files", "RestoreMedia", lambda fid: {"FileIds": [fid] + [
        f"52858900000000{index:05d}" for index in range(100)]},
     "InvalidParameterValue.FileIdsTooMany"),
    ("a RestoreDay of 0", "RestoreMedia", lambda fid: {"FileIds": [fid], "RestoreDay": 0},
     "InvalidParameterValue.RestoreDay"),
    ("an unknown tier", "RestoreMedia", lambda fid: {"FileIds": [fid], "RestoreTier": "Fast"},
     "InvalidParameterValue.RestoreTier"),
    ("a file that is not archived", "RestoreMedia", lambda fid: {"FileIds": [STANDARD_FILE]},
     "InvalidParameterValue.NotRestorable"),
    ("a tier its storage class has not", "RestoreMedia",
     lambda fid: {"FileIds": [DEEP_FILE], "RestoreTier": "Expedited"},
     "InvalidParameterValue.UnsupportedRestoreTier"),
    ("an empty FileId", "ProcessMedia", _with("ProcessMedia", FileId=""),
     "InvalidParameterValue.FileId"),
    ("an empty list", "SplitMedia", _with("SplitMedia", Segments=[]), "InvalidParameterValue"),
    ("no FileInfos to edit", "EditMedia", lambda fid: {"InputType": "File"},
     "InvalidParameterValue"),
    ("no StreamInfos to edit", "EditMedia", lambda fid: {"InputType": "Stream"},
     "InvalidParameterValue"),
    ("a MediaUrl that is no URL", "PullUpload", _with("PullUpload", MediaUrl="a.mp4"),
     "InvalidParameterValue.MediaUrl"),
    ("an empty MediaUrl", "PullUpload", _with("PullUpload", MediaUrl=""),
     "InvalidParameterValue.MediaUrl"),
    ("a Url that is no URL", "ExtractCopyRightWatermark",
     _with("ExtractCopyRightWatermark", Url="ftp://x/a.mp4"), "InvalidParameterValue.Url"),
    ("a TasksPriority over 10", "ProcessMedia", _with("ProcessMedia", TasksPriority=11),
     "InvalidParameterValue"),
    ("a TasksPriority under -10", "CreateAigcImageTask",
     _with("CreateAigcImageTask", TasksPriority=-11), "InvalidParameterValue"),
    ("an unknown file", "ReviewAudioVideo", _with("ReviewAudioVideo", FileId=UNKNOWN_FILE),
     "InvalidParameterValue.FileId"),
    ("a SessionContext over 1000 characters", "ProcessMedia",
     _with("ProcessMedia", SessionContext="x" * 1001),
     "InvalidParameterValue.SessionContextTooLong"),
    ("a SessionContext over 1000 characters", "CreateAigcVideoTask",
     _with("CreateAigcVideoTask", SessionContext="语" * 1001),
     "InvalidParameterValue.SessionContextTooLong"),
    ("a SessionId over 50 characters", "PullUpload", _with("PullUpload", SessionId="s" * 51),
     "InvalidParameterValue.SessionIdTooLong"),
    ("a SubAppId of no application", "ProcessMedia", _with("ProcessMedia", SubAppId=0),
     "InvalidParameterValue"),
]


@pytest.mark.parametrize(("what", "action", "build", "code"), BAD,
                         ids=[f"{action}-{what}" for what, action, _, _ in BAD])
def test_bad_parameters_get_the_real_error_codes(
        what: str, action: str, build: Callable[[str], Params], code: str,
        sdk: vod_client.VodClient, admin: AdminClient, file_id: str) -> None:
    admin.seed_media(STANDARD_FILE, basic_info={"StorageClass": "STANDARD"})
    admin.seed_media(DEEP_FILE, basic_info={"StorageClass": "DEEP_ARCHIVE"})
    assert refused(sdk, action, build(file_id)) == code
    # A refused request starts nothing.
    assert call(sdk, "DescribeTasks", {}).TaskSet == []
    admin.advance_clock(DAY)
    assert pull_all(sdk) == []


def test_the_limits_themselves_are_accepted(sdk: vod_client.VodClient, admin: AdminClient,
                                            file_id: str) -> None:
    context, session = "语" * 1000, "s" * 50
    task_id = start(sdk, "ProcessMedia", {**REQUESTS["ProcessMedia"](file_id),
                                          "SessionContext": context, "SessionId": session})
    admin.advance_clock(seconds_of("ProcessMedia"))
    [event] = pull_all(sdk)
    assert member(event)["TaskId"] == task_id
    assert member(event)["SessionContext"] == context
    assert member(event)["SessionId"] == session


def test_a_repeated_session_id_is_refused_within_its_window(
        sdk: vod_client.VodClient, admin: AdminClient, file_id: str) -> None:
    params = {**REQUESTS["ProcessMedia"](file_id), "SessionId": "order-42"}
    first = start(sdk, "ProcessMedia", params)
    assert refused(sdk, "ProcessMedia", params) == "InvalidParameterValue.SessionId"
    admin.advance_clock(3 * DAY - 1)
    assert refused(sdk, "ProcessMedia", params) == "InvalidParameterValue.SessionId"
    [task] = call(sdk, "DescribeTasks", {}).TaskSet  # the refusals started nothing
    assert task.TaskId == first and task.SessionId == "order-42"
    admin.advance_clock(1)  # three days on: the id is free again
    second = start(sdk, "ProcessMedia", params)
    assert second != first
    assert refused(sdk, "ProcessMedia", params) == "InvalidParameterValue.SessionId"


def test_a_repeated_session_id_can_answer_the_first_task_instead(
        sdk: vod_client.VodClient, admin: AdminClient, file_id: str) -> None:
    admin.update_settings(repeated_session_id="first_task")
    params = {**REQUESTS["ProcessMedia"](file_id), "SessionId": "order-43"}
    first = start(sdk, "ProcessMedia", params)
    assert start(sdk, "ProcessMedia", params) == first  # the first task's answer again
    [task] = call(sdk, "DescribeTasks", {}).TaskSet  # and no second task
    assert task.TaskId == first
    admin.advance_clock(3 * DAY)  # past the window: a new task
    assert start(sdk, "ProcessMedia", params) != first


def test_remove_watermark_keeps_a_session_id_seven_days(
        sdk: vod_client.VodClient, admin: AdminClient, file_id: str) -> None:
    params = {"FileId": file_id, "SessionId": "wm-1"}
    start(sdk, "RemoveWatermark", params)
    admin.advance_clock(7 * DAY - 1)
    assert refused(sdk, "RemoveWatermark", params) == "InvalidParameterValue.SessionId"
    admin.advance_clock(1)
    assert task_id_pattern("RemoveWatermark").fullmatch(start(sdk, "RemoveWatermark", params))


def test_a_refused_request_does_not_take_its_session_id(
        sdk: vod_client.VodClient, file_id: str) -> None:
    params = {**REQUESTS["ProcessMedia"](UNKNOWN_FILE), "SessionId": "order-7"}
    assert refused(sdk, "ProcessMedia", params) == "InvalidParameterValue.FileId"
    assert start(sdk, "ProcessMedia", {**params, "FileId": file_id})


def test_lookups_and_uploads_refuse_what_they_do_not_know(
        sdk: vod_client.VodClient, admin: AdminClient) -> None:
    assert refused(sdk, "DescribeTaskDetail", {
        "TaskId": "1250000000-Procedure-00000000000000000000000000000000t0"}) == (
        "InvalidParameterValue.TaskId")
    assert refused(sdk, "DescribeTaskDetail", {}) == "MissingParameter"
    assert refused(sdk, "DescribeTaskDetail", {"TaskId": ""}) == "InvalidParameterValue.TaskId"
    assert refused(sdk, "CommitUpload", {"VodSessionKey": ""}) == (
        "InvalidParameterValue.VodSessionKey")
    assert refused(sdk, "CommitUpload", {"VodSessionKey": "no-such-session"}) == (
        "InvalidParameterValue.VodSessionKey")
    assert refused(sdk, "CommitUpload", {}) == "MissingParameter"
    assert refused(sdk, "ApplyUpload", {"MediaName": "x"}) == "MissingParameter"
    assert refused(sdk, "ApplyUpload", {"MediaType": "mp4", "Bogus": 1}) == "UnknownParameter"
    # An upload session lasts three days.
    key = call(sdk, "ApplyUpload", {"MediaType": "mp4"}).VodSessionKey
    admin.advance_clock(3 * DAY)
    assert refused(sdk, "CommitUpload", {"VodSessionKey": key}) == (
        "InvalidParameterValue.VodSessionKey")


@pytest.mark.parametrize(("params", "code"), [
    ({"Limit": 101}, "InvalidParameterValue.Limit"),
    ({"Limit": 0}, "InvalidParameterValue.Limit"),
    ({"Status": "DONE"}, "InvalidParameterValue.Status"),
    ({"Sort": {"Field": "Name"}}, "InvalidParameterValue.Sort"),
    ({"Sort": {"Field": "CreateTime", "Order": "Up"}}, "InvalidParameterValue.Sort"),
    ({"ScrollToken": "page-2"}, "InvalidParameterValue"),
    ({"Limit": "10"}, "InvalidParameterValue"),
    ({"CreateTime": {"After": "yesterday"}}, "InvalidParameterValue"),
    ({"Sort": {"Field": "CreateTime", "Direction": "Asc"}}, "UnknownParameter"),
])
def test_describe_tasks_refuses_bad_filters(params: Params, code: str,
                                            sdk: vod_client.VodClient) -> None:
    assert refused(sdk, "DescribeTasks", params) == code


# ----- flattened (GET) requests


@pytest.mark.parametrize("sign_method", ["TC3-HMAC-SHA256", "HmacSHA1"])
def test_a_get_request_carries_nested_parameters_flattened(
        sign_method: str, make_sdk: SdkFactory, admin: AdminClient, file_id: str) -> None:
    get = make_sdk(method="GET", sign_method=sign_method)
    params = {"FileId": file_id, "MediaProcessTask": {"TranscodeTaskSet": [
        {"Definition": 100010}, {"Definition": 100020, "StartTimeOffset": 2.5}]},
        "TasksNotifyMode": "Finish", "SessionContext": "a=1&b=2 语", "SessionId": "get-1"}
    task_id = start(get, "ProcessMedia", params)
    admin.advance_clock(seconds_of("ProcessMedia"))
    [event] = pull_all(get)
    procedure = member(event)
    assert procedure["TaskId"] == task_id
    assert procedure["SessionContext"] == "a=1&b=2 语"
    inputs = [result["TranscodeTask"]["Input"] for result in procedure["MediaProcessResultSet"]]
    assert inputs == params["MediaProcessTask"]["TranscodeTaskSet"]  # type: ignore[index]


def test_a_get_request_with_a_float_in_a_list_of_objects(
        make_sdk: SdkFactory, admin: AdminClient, file_id: str) -> None:
    get = make_sdk(method="GET")
    params = REQUESTS["EditMedia"](file_id)
    start(get, "EditMedia", params)
    admin.advance_clock(seconds_of("EditMedia"))
    [event] = pull_all(get)
    assert member(event)["Input"]["FileInfoSet"] == params["FileInfos"]


@pytest.mark.parametrize(("params", "code"), [
    ({"MediaProcessTask": {"TranscodeTaskSet": [{"Definition": 10}]}}, "MissingParameter"),
    ({"FileId": "<file>", "MediaProcessTask": {"TranscodeTaskSet": [{"Definition": "ten"}]}},
     "InvalidParameterValue"),
    ({"FileId": "<file>", "MediaProcessTask": {"TranscodeTaskSet": [{"Fps": 10}]}},
     "UnknownParameter"),
    ({"FileId": "<file>", "MediaProcessTask": {"TranscodeTaskSet": [{"Definition": 1}],
                                               "Watermark": {"Definition": 1}}},
     "UnknownParameter"),
    ({"FileId": "<file>", "Extra": "1"}, "UnknownParameter"),
    ({"FileId": "<file>", "TasksPriority": "1.5"}, "InvalidParameterValue"),
    ({"FileId": ""}, "InvalidParameterValue.FileId"),
    ({"FileId": "<file>", "OutputAsIndependentMedia": "MAYBE"}, "InvalidParameterValue"),
    ({"FileId": UNKNOWN_FILE}, "InvalidParameterValue.FileId"),
    ({"FileId": "<file>", "SessionContext": "x" * 1001},
     "InvalidParameterValue.SessionContextTooLong"),
])
def test_a_get_request_is_checked_like_a_json_one(
        params: Params, code: str, make_sdk: SdkFactory, admin: AdminClient,
        file_id: str) -> None:
    if params.get("FileId") == "<file>":
        params = {**params, "FileId": file_id}
    assert refused(make_sdk(method="GET"), "ProcessMedia", params) == code


def test_a_flattened_list_must_run_without_gaps(make_sdk: SdkFactory, admin: AdminClient,
                                                file_id: str) -> None:
    get = make_sdk(method="GET")
    # The SDK flattens a dict with integer-like keys as it is: a list with a gap.
    params = {"FileId": file_id, "MediaProcessTask": {"TranscodeTaskSet": {
        "0": {"Definition": 10}, "2": {"Definition": 20}}}}
    assert refused(get, "ProcessMedia", params) == "InvalidParameterValue"
