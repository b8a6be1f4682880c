"""What DescribeTaskDetail and DescribeTasks answer as the emulator clock runs (a frozen
one holds every task), per application; the same seed gives the same tasks and events;
resets forget tasks and cancel what they would send."""

from __future__ import annotations

import gc
import uuid
from typing import Any

from tencentcloud.common import credential
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.vod.v20180717 import models, vod_client

from emulator.clients.client import AdminClient
from emulator.core.tasks import TASK_SECONDS, TASKS_KEPT_SECONDS, WAIT_SECONDS, Task
from emulator.server import EmulatorThread

from . import test_tasks as shared
from .conftest import SECRET_ID, SECRET_KEY, SdkFactory, make_settings
from .test_tasks import (
    REQUESTS,
    SCHEMA,
    Params,
    call,
    call_raw,
    epoch,
    full_request,
    member,
    pull_all,
    refused,
    seconds_of,
    start,
)
from .test_tasks_flow import PROCEDURE_SECONDS, TWO_TRANSCODES

emulator, admin, sdk, file_id = shared.emulator, shared.admin, shared.sdk, shared.file_id


# ----- DescribeTaskDetail and DescribeTasks on the clock


def test_describe_task_detail_follows_the_clock_to_the_event(
        sdk: vod_client.VodClient, admin: AdminClient, file_id: str) -> None:
    created = admin.clock()["now"]
    task_id = start(sdk, "ProcessMedia", {**full_request("ProcessMedia", file_id),
                                          "MediaProcessTask": TWO_TRANSCODES})
    waiting = call(sdk, "DescribeTaskDetail", {"TaskId": task_id})
    assert (waiting.TaskType, waiting.Status) == ("Procedure", "WAITING")
    assert epoch(waiting.CreateTime) == int(created)
    assert waiting.BeginProcessTime == waiting.FinishTime == ""
    assert waiting.ProcedureTask.TaskId == task_id
    assert [result.TranscodeTask.Output for result in
            waiting.ProcedureTask.MediaProcessResultSet] == [None, None]

    admin.advance_clock(WAIT_SECONDS)
    processing = call(sdk, "DescribeTaskDetail", {"TaskId": task_id})
    assert processing.Status == "PROCESSING"
    assert processing.ProcedureTask.Status == "PROCESSING"
    assert processing.BeginProcessTime and processing.FinishTime == ""
    assert epoch(processing.BeginProcessTime) == int(created + WAIT_SECONDS)
    admin.advance_clock(TASK_SECONDS["Procedure"] - 1)
    assert call(sdk, "DescribeTaskDetail", {"TaskId": task_id}).Status == "PROCESSING"

    admin.advance_clock(1)
    raw = call_raw(sdk, "DescribeTaskDetail", {"TaskId": task_id})
    finished = call(sdk, "DescribeTaskDetail", {"TaskId": task_id})
    assert finished.Status == "FINISH" and finished.ProcedureTask.Status == "FINISH"
    assert epoch(finished.FinishTime) == int(created + PROCEDURE_SECONDS)
    SCHEMA.check_model(raw["ProcedureTask"], "ProcedureTask", "ProcedureTask")
    [event] = pull_all(sdk)
    assert raw["ProcedureTask"] == member(event)  # the detail is the event's, whole
    [summary] = admin.events()["events"]
    assert int(summary["enqueued_at"]) == int(epoch(finished.FinishTime))


def test_describe_task_detail_answers_each_kind_in_its_field(
        sdk: vod_client.VodClient, admin: AdminClient, file_id: str) -> None:
    kinds = {"EditMedia": "EditMediaTask", "PullUpload": "PullUploadTask",
             "CreateAigcVideoTask": "AigcVideoTask", "ProcessImageAsync": "ProcessImageAsyncTask",
             "DescribeFileAttributes": "DescribeFileAttributesTask"}
    task_ids = {action: start(sdk, action, REQUESTS[action](file_id)) for action in kinds}
    admin.advance_clock(max(seconds_of(action) for action in kinds))
    events = {member(event).get("TaskId"): member(event) for event in pull_all(sdk)}
    for action, field in kinds.items():
        raw = call_raw(sdk, "DescribeTaskDetail", {"TaskId": task_ids[action]})
        call(sdk, "DescribeTaskDetail", {"TaskId": task_ids[action]})  # the SDK takes it
        assert raw["Status"] == "FINISH"
        assert [name for name, value in raw.items() if isinstance(value, dict)] == [field]
        if task_ids[action] in events:
            assert raw[field] == events[task_ids[action]], action


def test_a_frozen_clock_holds_every_task_where_it_is(
        sdk: vod_client.VodClient, admin: AdminClient, file_id: str) -> None:
    # At this scale a real millisecond is a hundred emulator seconds: any time the clock
    # let pass would finish the tasks.
    admin.set_clock(freeze=True, scale=100000)
    try:
        now = admin.clock()["now"]
        waiting = start(sdk, "ProcessMedia", REQUESTS["ProcessMedia"](file_id))
        admin.advance_clock(WAIT_SECONDS)
        processing = start(sdk, "ProcessMedia", REQUESTS["ProcessMedia"](file_id))
        for _ in range(20):
            assert call(sdk, "DescribeTaskDetail", {"TaskId": waiting}).Status == "PROCESSING"
            assert call(sdk, "DescribeTaskDetail", {"TaskId": processing}).Status == "WAITING"
            assert pull_all(sdk) == []
        assert admin.clock()["now"] == now + WAIT_SECONDS
        statuses = {task.TaskId: task.Status for task in call(sdk, "DescribeTasks", {}).TaskSet}
        assert statuses == {waiting: "PROCESSING", processing: "WAITING"}
    finally:
        admin.set_clock(scale=1.0)


def _task_set(sdk: vod_client.VodClient, **params: Any) -> list[Any]:
    return list(call(sdk, "DescribeTasks", params).TaskSet)


def test_describe_tasks_filters_sorts_and_pages(
        sdk: vod_client.VodClient, admin: AdminClient, file_id: str) -> None:
    other = admin.seed_media()["FileId"]
    started = []
    for index in range(7):
        if index:
            admin.advance_clock(10)
        action = ("ProcessMedia", "EditMedia", "RemoveWatermark")[index % 3]
        fid = other if index == 3 else file_id
        started.append(start(sdk, action, {**REQUESTS[action](fid),
                                           "SessionContext": f"c{index}"}))
    # 7 tasks, 10 s apart: the last one still waits, the others process.
    newest_first = _task_set(sdk, Limit=100)
    assert [task.TaskId for task in newest_first] == started[::-1]
    assert [task.SessionContext for task in newest_first] == [
        f"c{index}" for index in range(6, -1, -1)]
    oldest_first = _task_set(sdk, Sort={"Field": "CreateTime", "Order": "Asc"})
    assert [task.TaskId for task in oldest_first] == started
    assert [task.TaskId for task in _task_set(sdk, FileId=other)] == [started[3]]
    assert {task.TaskType for task in newest_first} == {
        "Procedure", "EditMedia", "RemoveWatermarkTask"}  # as DescribeTaskDetail lists it
    for status in ("WAITING", "PROCESSING", "FINISH"):
        matching = _task_set(sdk, Status=status)
        assert {task.Status for task in matching} <= {status}
        assert [task.TaskId for task in matching] == [
            task.TaskId for task in newest_first if task.Status == status]
    assert {task.Status for task in newest_first} == {"PROCESSING", "WAITING"}
    # Pages of 3 with the ScrollToken: every task once, in order.
    paged, token = [], None
    while True:
        answer = call(sdk, "DescribeTasks", {"Limit": 3, **(
            {"ScrollToken": token} if token else {})})
        assert len(answer.TaskSet) <= 3
        paged.extend(task.TaskId for task in answer.TaskSet)
        token = answer.ScrollToken
        if not token:
            break
    assert paged == started[::-1]
    assert len(_task_set(sdk)) == 7  # at most 10 by default
    # After the longest has finished: FinishTime sorts and filters.
    admin.advance_clock(3600)
    finished = _task_set(sdk, Status="FINISH", Sort={"Field": "FinishTime", "Order": "Asc"})
    assert len(finished) == 7
    finish_times = [epoch(task.FinishTime) for task in finished]
    assert finish_times == sorted(finish_times)


def test_describe_tasks_answers_the_sdk_model(sdk: vod_client.VodClient, admin: AdminClient,
                                              file_id: str) -> None:
    for action in ("ProcessMedia", "PullUpload", "CreateAigcImageTask"):
        start(sdk, action, full_request(action, file_id))
    for task in call_raw(sdk, "DescribeTasks", {})["TaskSet"]:
        SCHEMA.check_model({k: v for k, v in task.items() if k != "TaskType"},
                           "TaskSimpleInfo", "TaskSimpleInfo")
        models.TaskSimpleInfo()._deserialize(task)
        assert task["Status"] == "WAITING" and task["CreateTime"]


def test_tasks_belong_to_their_application(sdk: vod_client.VodClient, admin: AdminClient,
                                           file_id: str) -> None:
    app = 1500000001
    assert refused(sdk, "ProcessMedia", {**REQUESTS["ProcessMedia"](file_id),
                                         "SubAppId": app}) == "InvalidParameterValue.FileId"
    theirs = admin.seed_media(sub_app_id=app)["FileId"]
    task_id = start(sdk, "ProcessMedia", {**REQUESTS["ProcessMedia"](theirs), "SubAppId": app})
    assert refused(sdk, "DescribeTaskDetail", {"TaskId": task_id}) == (
        "InvalidParameterValue.TaskId")
    assert call(sdk, "DescribeTaskDetail", {"TaskId": task_id, "SubAppId": app}).Status == (
        "WAITING")
    assert _task_set(sdk) == []
    admin.advance_clock(PROCEDURE_SECONDS)
    assert pull_all(sdk) == []
    [event] = pull_all(sdk, app)
    assert member(event)["TaskId"] == task_id


# ----- determinism and resets


def _run(sdk: vod_client.VodClient, admin: AdminClient) -> tuple[list[str], list[Params]]:
    """The same requests, on a fresh start: the TaskIds, and the events without times."""
    admin.set_clock(freeze=True)
    fid = admin.seed_media(file_id="5285890799999999999", basic_info={"Name": "same"})["FileId"]
    task_ids = [start(sdk, action, full_request(action, fid))
                for action in ("ProcessMedia", "PullUpload", "EditMedia", "CreateAigcVideoTask",
                               "SplitMedia")]
    admin.advance_clock(3600)
    return task_ids, [_timeless(event) for event in pull_all(sdk)]


def _timeless(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _timeless(item) for key, item in value.items() if "Time" not in key}
    if isinstance(value, list):
        return [_timeless(item) for item in value]
    return value


def test_the_same_seed_gives_the_same_tasks_and_events(
        sdk: vod_client.VodClient, admin: AdminClient) -> None:
    first_ids, first_events = _run(sdk, admin)
    assert len(first_events) == 6
    with EmulatorThread(make_settings(long_poll_seconds=0)) as other:
        other_admin = AdminClient(other.url)
        http = HttpProfile(protocol="http", endpoint=other.endpoint, reqTimeout=30)
        other_sdk = vod_client.VodClient(credential.Credential(SECRET_ID, SECRET_KEY), "",
                                         ClientProfile(httpProfile=http))
        second_ids, second_events = _run(other_sdk, other_admin)
    assert second_ids == first_ids
    assert second_events == first_events
    # A reset replays the seed: the same again.
    admin.reset()
    assert _run(sdk, admin) == (first_ids, first_events)


def test_a_reset_forgets_tasks_and_cancels_their_events(
        sdk: vod_client.VodClient, admin: AdminClient, make_sdk: SdkFactory,
        file_id: str) -> None:
    task_ids = [start(sdk, action, REQUESTS[action](file_id))
                for action in ("ProcessMedia", "PullUpload", "CreateAigcImageTask")]
    applied = call(sdk, "ApplyUpload", {"MediaType": "mp4"})
    admin.reset()
    admin.set_clock(freeze=True)
    for task_id in task_ids:
        assert refused(sdk, "DescribeTaskDetail", {"TaskId": task_id}) == (
            "InvalidParameterValue.TaskId")
    assert _task_set(sdk) == []
    assert refused(sdk, "CommitUpload", {"VodSessionKey": applied.VodSessionKey}) == (
        "InvalidParameterValue.VodSessionKey")
    admin.advance_clock(86400)
    assert pull_all(sdk) == []
    assert admin.events()["events"] == []
    assert admin.media()["total"] == 0


def test_a_task_is_forgotten_three_days_after_its_request(
        sdk: vod_client.VodClient, admin: AdminClient, file_id: str) -> None:
    """DescribeTaskDetail and DescribeTasks find the tasks of the last 3 days (72 hours),
    as their documentation says; the emulator lets go of older ones, so the tasks of a
    long run stay bounded."""
    # Named apart from the tasks of other emulators this process may run, whose TaskIds
    # the same seed makes alike.
    context = f"forgotten-{uuid.uuid4().hex}"
    old = start(sdk, "ProcessMedia", {**REQUESTS["ProcessMedia"](file_id),
                                      "SessionContext": context})
    admin.advance_clock(TASKS_KEPT_SECONDS - 1)
    assert call(sdk, "DescribeTaskDetail", {"TaskId": old}).Status == "FINISH"
    assert [task.TaskId for task in _task_set(sdk)] == [old]
    admin.advance_clock(1)
    assert refused(sdk, "DescribeTaskDetail", {"TaskId": old}) == (
        "InvalidParameterValue.TaskId")
    assert _task_set(sdk) == []
    new = start(sdk, "ProcessMedia", REQUESTS["ProcessMedia"](file_id))
    gc.collect()  # the emulator runs in this process: its objects are ours to count
    assert [task for task in gc.get_objects()
            if isinstance(task, Task) and task.session_context == context] == []
    assert [task.TaskId for task in _task_set(sdk)] == [new]


def test_an_application_reset_forgets_only_its_tasks(
        sdk: vod_client.VodClient, admin: AdminClient, file_id: str) -> None:
    app = 1500000002
    theirs = admin.seed_media(sub_app_id=app)["FileId"]
    mine = start(sdk, "ProcessMedia", REQUESTS["ProcessMedia"](file_id))
    gone = start(sdk, "ProcessMedia", {**REQUESTS["ProcessMedia"](theirs), "SubAppId": app})
    admin.reset_application(app)
    assert refused(sdk, "DescribeTaskDetail", {"TaskId": gone, "SubAppId": app}) == (
        "InvalidParameterValue.TaskId")
    admin.advance_clock(PROCEDURE_SECONDS)
    assert [member(event)["TaskId"] for event in pull_all(sdk)] == [mine]
    assert pull_all(sdk, app) == []
