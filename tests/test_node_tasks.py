"""The tasks through the official Node.js SDK (tencentcloud-sdk-nodejs-vod), verification on.

tests/node/tasks.js makes the calls (ApplyUpload, CommitUpload, ProcessMedia with a
MediaProcessTask.TranscodeTaskSet, PullUpload, DescribeTaskDetail, DescribeTasks) and
prints every answer as one JSON line; the test advances the emulator's clock between runs
and checks the answers against what the emulator holds and emitted. The v1 styles send
MediaProcessTask flattened (MediaProcessTask.TranscodeTaskSet.0.Definition), TC3 POST as
JSON, TC3 GET flattened in the query string.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from tencentcloud.vod.v20180717 import errorcodes

from emulator.clients.client import AdminClient
from emulator.core.settings import Settings
from emulator.core.tasks import WAIT_SECONDS
from emulator.server import EmulatorThread

from .conftest import make_settings
from .nodejs import NODE_STYLES, run_script, skip_without_node

skip_without_node()
PROCESS_SECONDS, PULL_SECONDS = 30.0, 10.0
DEFINITIONS = [100030, 100040, 100070]
TASK_ID = re.compile(r"^\d+-(Procedure|PullUpload)-[0-9a-f]{32}t\d+$")
SDK_CODES = {value for name, value in vars(errorcodes).items()
             if isinstance(value, str) and not name.startswith("_")}


@pytest.fixture
def emulator_settings() -> Settings:
    return make_settings(task_seconds=(("Procedure", PROCESS_SECONDS),
                                       ("PullUpload", PULL_SECONDS)))


def run_node(emulator: EmulatorThread, style: tuple[str, str], mode: str,
             **arguments: Any) -> dict[str, Any]:
    """Run tasks.js once; answer its answers. A non-zero exit is a test failure."""
    report = run_script("tasks.js", emulator, style, mode=mode, **arguments)
    assert report["ok"], report
    answers: dict[str, Any] = report["answers"]
    return answers


def _inputs(procedure: dict[str, Any]) -> list[int]:
    return [result["TranscodeTask"]["Input"]["Definition"]
            for result in procedure["MediaProcessResultSet"]]


@pytest.mark.parametrize("style", NODE_STYLES)
def test_upload_process_and_describe_through_the_node_sdk(
        style: tuple[str, str], emulator: EmulatorThread, admin: AdminClient) -> None:
    admin.set_clock(freeze=True)
    context = json.dumps({"order": 42, "note": "état & ünïcode"})
    started = run_node(emulator, style, "start", mediaName="node-upload",
                       definitions=DEFINITIONS, sessionContext=context,
                       sessionId=f"node-{style[0]}-{style[1]}",
                       pullUrl="https://example.com/media/pulled.mp4", pullName="node-pull")

    applied = started["ApplyUpload"]
    assert applied["VodSessionKey"] and applied["StorageBucket"] and applied["RequestId"]
    assert applied["MediaStoragePath"].endswith(".mp4")
    file_id = started["CommitUpload"]["FileId"]
    # The file exists at the commit, as the upload named it.
    info = admin.media_file(file_id)
    assert info["BasicInfo"]["Name"] == "node-upload"
    assert info["BasicInfo"]["MediaUrl"] == started["CommitUpload"]["MediaUrl"]

    process_id = started["ProcessMedia"]["TaskId"]
    pull_id = started["PullUpload"]["TaskId"]
    assert TASK_ID.match(process_id) and TASK_ID.match(pull_id) and process_id != pull_id
    detail = started["DescribeTaskDetail.process"]
    assert (detail["TaskType"], detail["Status"]) == ("Procedure", "WAITING")
    procedure = detail["ProcedureTask"]
    assert (procedure["TaskId"], procedure["FileId"], procedure["SessionContext"],
            procedure["SessionId"], procedure["TasksNotifyMode"]) == (
        process_id, file_id, context, f"node-{style[0]}-{style[1]}", "Change")
    assert _inputs(procedure) == DEFINITIONS
    pulled = started["DescribeTaskDetail.pull"]
    assert (pulled["TaskType"], pulled["Status"]) == ("PullUpload", "WAITING")
    assert pulled["PullUploadTask"]["TaskId"] == pull_id
    assert [(t["TaskId"], t["TaskType"], t["Status"])
            for t in started["DescribeTasks"]["TaskSet"]] == [
        (process_id, "Procedure", "WAITING")]
    # A frozen clock holds every task: nothing has been emitted by them yet.
    assert [e["event_type"] for e in admin.events()["events"]] == []

    admin.advance_clock(WAIT_SECONDS + max(PROCESS_SECONDS, PULL_SECONDS))
    described = run_node(emulator, style, "describe", taskIds=[process_id, pull_id],
                         pageSize=1)
    done = described["DescribeTaskDetail.0"]
    assert (done["TaskType"], done["Status"]) == ("Procedure", "FINISH")
    assert done["BeginProcessTime"] and done["FinishTime"]
    outputs = [result["TranscodeTask"]["Output"]["Definition"]
               for result in done["ProcedureTask"]["MediaProcessResultSet"]]
    assert outputs == DEFINITIONS
    pull_done = described["DescribeTaskDetail.1"]
    assert (pull_done["TaskType"], pull_done["Status"]) == ("PullUpload", "FINISH")
    pulled_file = pull_done["PullUploadTask"]["FileId"]
    assert admin.media_file(pulled_file)["BasicInfo"]["Name"] == "node-pull"
    # DescribeTasks a page at a time to the end of the ScrollTokens: every task once (both
    # were made at the same emulator time, so either may come first).
    pages = [described[name] for name in sorted(
        (n for n in described if n.startswith("DescribeTasks.")),
        key=lambda n: int(n.split(".")[1]))]
    assert [len(page["TaskSet"]) for page in pages] == [1, 1]
    assert [page["ScrollToken"] == "" for page in pages] == [False, True]
    assert sorted(page["TaskSet"][0]["TaskId"] for page in pages) == sorted(
        [pull_id, process_id])

    # What the tasks emitted carries the Node request's ids and context.
    events = admin.events()["events"]
    procedure_events = [e["content"]["ProcedureStateChangeEvent"] for e in events
                        if e["event_type"] == "ProcedureStateChanged"]
    assert [e["Status"] for e in procedure_events] == ["PROCESSING"] * len(DEFINITIONS) + [
        "FINISH"]
    assert {(e["TaskId"], e["FileId"], e["SessionContext"]) for e in procedure_events} == {
        (process_id, file_id, context)}
    assert all(e["caused_by"].startswith("ProcessMedia ") for e in events
               if e["event_type"] == "ProcedureStateChanged")
    [pull_complete] = [e["content"]["PullCompleteEvent"] for e in events
                       if e["event_type"] == "PullComplete"]
    assert (pull_complete["TaskId"], pull_complete["FileId"]) == (pull_id, pulled_file)
    uploads = {e["content"]["FileUploadEvent"]["FileId"] for e in events
               if e["event_type"] == "NewFileUpload"}
    assert uploads == {file_id, pulled_file}
    # The library holds what the procedure made: one transcode per requested Definition.
    transcodes = admin.media_file(file_id)["TranscodeInfo"]["TranscodeSet"]
    assert sorted(t["Definition"] for t in transcodes) == DEFINITIONS


@pytest.mark.parametrize("style", [NODE_STYLES[0], NODE_STYLES[3]])
def test_refusals_reach_the_node_sdk_with_the_sdks_codes(
        style: tuple[str, str], emulator: EmulatorThread, admin: AdminClient) -> None:
    file_id = admin.seed_media()["FileId"]
    answers = run_node(emulator, style, "refused", fileId=file_id, sessionId="node-once")
    codes = {name: answer["code"] for name, answer in answers.items() if "code" in answer}
    assert codes == {
        "unknownFile": "InvalidParameterValue.FileId",
        "noFileId": "MissingParameter",
        "badNotifyMode": "InvalidParameterValue",
        "repeatedSession": "InvalidParameterValue.SessionId",
        "contextTooLong": "InvalidParameterValue.SessionContextTooLong",
        "sessionIdTooLong": "InvalidParameterValue.SessionIdTooLong",
        "unknownTask": "InvalidParameterValue.TaskId",
        "unknownSessionKey": "InvalidParameterValue.VodSessionKey",
    }
    assert set(codes.values()) <= SDK_CODES
    for name in codes:
        assert answers[name]["requestId"] and answers[name]["message"], name
    assert "TasksNotifyMode" in answers["badNotifyMode"]["message"]
    assert answers["firstSession"]["TaskId"] in answers["repeatedSession"]["message"]
    # Only the two accepted requests started a task.
    assert {answers["firstSession"]["TaskId"], answers["contextAtLimit"]["TaskId"]} == {
        task["task_id"] for task in admin.request("GET", "/_emulator/tasks")["tasks"]}
