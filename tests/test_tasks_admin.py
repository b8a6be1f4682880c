"""The tasks through the admin API, the AdminClient and the command line: listed,
inspected, waited for and finished, every task started as an application starts it,
through the official Python SDK."""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

import pytest
from tencentcloud.vod.v20180717 import models, vod_client

from emulator.clients.client import AdminClient, AdminError
from emulator.core.tasks import WAIT_SECONDS
from emulator.server import EmulatorThread

from .conftest import pull, wait_for_health
from .test_cli import _cli

APP = 1500000001
FILE = "5285890800000000101"


def call(sdk: vod_client.VodClient, action: str, params: dict[str, Any]) -> dict[str, Any]:
    """One action through the official SDK, its request made from ``params``."""
    request = getattr(models, action + "Request")()
    request.from_json_string(json.dumps(params))
    answer: dict[str, Any] = json.loads(getattr(sdk, action)(request).to_json_string())
    return answer


def process(sdk: vod_client.VodClient, sub_app_id: int | None = APP,
            **extra: Any) -> str:
    """ProcessMedia of FILE (a transcode to 100030) in ``sub_app_id``; its TaskId."""
    params = {"FileId": FILE, "SubAppId": sub_app_id,
              "MediaProcessTask": {"TranscodeTaskSet": [{"Definition": 100030}]}, **extra}
    task_id: str = call(sdk, "ProcessMedia", params)["TaskId"]
    return task_id


@pytest.fixture
def frozen(admin: AdminClient) -> AdminClient:
    """The emulator's clock frozen, FILE in APP's and the default application's library,
    and tasks of known lengths: a procedure 30 s, a pull 10 s (each after 1 s waiting)."""
    admin.set_clock(freeze=True)
    admin.seed_media(FILE, APP)
    admin.seed_media(FILE)
    admin.update_settings(task_seconds={"Procedure": 30, "PullUpload": 10})
    return admin


# ----- the admin API and the AdminClient


def test_the_list_shows_each_task_as_started_newest_first(
        frozen: AdminClient, sdk: vod_client.VodClient) -> None:
    started = frozen.clock()["now"]
    processed = process(sdk, TasksNotifyMode="Change", SessionId="s-1",
                        SessionContext="order=7")
    pulled = call(sdk, "PullUpload", {"MediaUrl": "http://example.com/a.mp4"})["TaskId"]

    listed = frozen.tasks()
    assert listed["count"] == 2
    assert [task["task_id"] for task in listed["tasks"]] == [pulled, processed]
    task = listed["tasks"][1]
    assert {name: task[name] for name in (
        "task_id", "sub_app_id", "action", "task_type", "status", "progress", "file_id",
        "created_at", "begins_at", "finishes_at", "session_id", "session_context",
        "notify_mode", "failed", "events")} == {
        "task_id": processed, "sub_app_id": APP, "action": "ProcessMedia",
        "task_type": "Procedure", "status": "WAITING", "progress": 0, "file_id": FILE,
        "created_at": started, "begins_at": started + WAIT_SECONDS,
        "finishes_at": started + WAIT_SECONDS + 30, "session_id": "s-1",
        "session_context": "order=7", "notify_mode": "Change", "failed": False,
        "events": []}
    assert task["caused_by"].startswith("ProcessMedia ")
    assert task["detail"]["TaskId"] == processed
    assert task["detail"]["SessionContext"] == "order=7"
    assert frozen.task(processed) == task

    pull_task = listed["tasks"][0]
    assert (pull_task["sub_app_id"], pull_task["action"], pull_task["task_type"],
            pull_task["notify_mode"]) == (None, "PullUpload", "PullUpload", "Finish")

    # One application, one state, a limit: count says how many match.
    assert [t["task_id"] for t in frozen.tasks(APP)["tasks"]] == [processed]
    assert [t["task_id"] for t in frozen.tasks(None)["tasks"]] == [pulled]
    assert frozen.tasks(1500000002) == {"tasks": [], "count": 0}
    assert frozen.tasks(status="PROCESSING") == {"tasks": [], "count": 0}
    assert [t["task_id"] for t in frozen.tasks(file_id=FILE)["tasks"]] == [processed]
    assert frozen.tasks(file_id=pull_task["file_id"])["tasks"] == [pull_task]
    assert frozen.tasks(None, file_id=FILE)["count"] == 0
    limited = frozen.tasks(limit=1)
    assert limited["count"] == 2 and [t["task_id"] for t in limited["tasks"]] == [pulled]
    assert frozen.task(processed, APP) == task
    with pytest.raises(AdminError) as elsewhere:
        frozen.task(processed, None)  # not the default application's
    assert (elsewhere.value.status, elsewhere.value.code) == (404, "NotFound")


def test_a_task_follows_the_clock_and_names_the_events_it_sent(
        frozen: AdminClient, sdk: vod_client.VodClient) -> None:
    task_id = process(sdk, None, TasksNotifyMode="Change", SessionContext="ctx")
    frozen.advance_clock(WAIT_SECONDS + 15)
    halfway = frozen.task(task_id)
    assert (halfway["status"], halfway["progress"]) == ("PROCESSING", 50)
    assert halfway["detail"]["Status"] == "PROCESSING"
    assert len(halfway["events"]) == 1  # Change: the procedure's start
    assert frozen.tasks(status="PROCESSING")["count"] == 1

    frozen.advance_clock(15)
    done = frozen.task(task_id)
    assert (done["status"], done["progress"], done["failed"]) == ("FINISH", 100, False)
    assert done["detail"]["Status"] == "FINISH"
    assert frozen.tasks(status="FINISH")["count"] == 1
    events = pull(sdk)
    assert [e.EventHandle for e in events]
    sent = [frozen.request("GET", f"/_emulator/events/{event_id}")["event"]
            for event_id in done["events"]]
    assert [event["event_type"] for event in sent] == ["ProcedureStateChanged"] * 2
    assert all(event["caused_by"] == f"{done['caused_by']} task {task_id}" for event in sent)
    assert sent[-1]["content"]["ProcedureStateChangeEvent"] == done["detail"]
    assert [e.ProcedureStateChangeEvent.TaskId for e in events] == [task_id] * 2
    detail = call(sdk, "DescribeTaskDetail", {"TaskId": task_id})
    assert detail["Status"] == "FINISH"
    assert detail["ProcedureTask"]["TaskId"] == task_id


def test_finish_tasks_advances_until_none_is_running(
        frozen: AdminClient, sdk: vod_client.VodClient) -> None:
    before = frozen.clock()["now"]
    assert frozen.finish_tasks() == {"advanced_seconds": 0, "now": before}
    process(sdk, APP)
    call(sdk, "PullUpload", {"MediaUrl": "http://example.com/b.mp4"})
    frozen.advance_clock(5)

    finished = frozen.finish_tasks()
    assert finished["advanced_seconds"] == pytest.approx(WAIT_SECONDS + 30 - 5)
    assert finished["now"] == pytest.approx(before + WAIT_SECONDS + 30)
    assert frozen.clock()["now"] == finished["now"]
    assert {task["status"] for task in frozen.tasks()["tasks"]} == {"FINISH"}
    # Every event they send has been sent: the pull's file and its end, the procedure's.
    assert [e.EventType for e in pull(sdk)] == ["NewFileUpload", "PullComplete"]
    assert [e.EventType for e in pull(sdk, APP)] == ["ProcedureStateChanged"]
    assert frozen.finish_tasks()["advanced_seconds"] == 0


def test_waiting_for_a_task_holds_without_moving_the_clock(
        frozen: AdminClient, sdk: vod_client.VodClient,
        background: Callable[..., Future[Any]]) -> None:
    task_id = process(sdk)
    frozen_at = frozen.clock()["now"]
    with pytest.raises(TimeoutError, match="WAITING"):
        frozen.wait_for_task(task_id, timeout=0)
    waiting = background(frozen.wait_for_task, task_id, APP, 30)
    wait_for_health(frozen, "the wait held", lambda health: health["held_waits"] == 1)
    assert frozen.clock()["now"] == frozen_at  # waiting never moves it
    assert not waiting.done()
    frozen.advance_clock(WAIT_SECONDS + 30)
    task = waiting.result(timeout=30)
    assert (task["task_id"], task["status"]) == (task_id, "FINISH")
    assert frozen.clock()["now"] == task["finishes_at"]  # no further than advanced
    assert len(task["events"]) == 1
    with pytest.raises(AdminError) as unknown:
        frozen.wait_for_task("1250000000-Procedure-00t0")
    assert (unknown.value.status, unknown.value.code) == (404, "NotFound")


def test_a_task_that_sends_nothing_is_waited_for_as_the_clock_runs(
        frozen: AdminClient, sdk: vod_client.VodClient) -> None:
    task_id = process(sdk, TasksNotifyMode="None")
    running = frozen.wait(APP, timeout=0, **{"pullable": 0})["state"]
    assert running["tasks_running"] == 1
    with pytest.raises(TimeoutError):
        frozen.wait(APP, timeout=0, tasks_running=0)
    # 31 emulator seconds in 0.31 real ones: no event and no clock change wakes the wait,
    # the task's end does (not the timeout, 3,000 emulator seconds later).
    frozen.set_clock(freeze=False, scale=100)
    task = frozen.wait_for_task(task_id, APP, timeout=30)
    assert (task["status"], task["events"]) == ("FINISH", [])
    assert frozen.clock()["now"] - task["finishes_at"] < 500
    assert frozen.wait(APP, timeout=30, tasks_running=0)["state"]["tasks_running"] == 0
    assert pull(sdk, APP) == []  # None: no event at all


def test_a_failed_task_is_finish_and_failed(
        frozen: AdminClient, sdk: vod_client.VodClient) -> None:
    frozen.add_fault("ProcessMedia", "fail_task", times=1)
    task_id = process(sdk)
    assert frozen.task(task_id)["failed"] is True
    frozen.finish_tasks()
    task = frozen.task(task_id)
    assert (task["status"], task["failed"]) == ("FINISH", True)
    assert task["detail"]["Status"] == "FINISH"
    assert task["detail"]["ErrCode"] != 0


def test_resets_forget_tasks(frozen: AdminClient, sdk: vod_client.VodClient) -> None:
    process(sdk, APP)
    default = process(sdk, None)
    frozen.reset_application(APP)
    assert [t["task_id"] for t in frozen.tasks()["tasks"]] == [default]
    frozen.reset()
    assert frozen.tasks() == {"tasks": [], "count": 0}
    with pytest.raises(AdminError):
        frozen.task(default)
    # What they were still to send is not sent.
    assert frozen.finish_tasks()["advanced_seconds"] == 0
    frozen.advance_clock(3600)
    assert frozen.events()["events"] == []


@pytest.mark.parametrize(("method", "path", "body", "said"), [
    ("GET", "/tasks?status=FAIL", None, "status must be one of WAITING, PROCESSING, FINISH"),
    ("GET", "/tasks?status=", None, "status must be one of"),
    ("GET", "/tasks?limit=0", None, "limit must be an integer from 1"),
    ("GET", "/tasks?sub_app_id=0", None, "sub_app_id '0' is not valid"),
    ("GET", "/tasks?sub_app_id=any", None, "sub_app_id 'any' is not valid"),
    ("GET", "/tasks?session_id=1", None, "unknown query parameter(s) 'session_id'"),
    ("GET", "/tasks?file_id=1&file_id=2", None, "file_id is given more than once"),
    ("GET", "/tasks?status=WAITING&status=FINISH", None, "status is given more than once"),
    ("GET", "/tasks/x?status=FINISH", None, "unknown query parameter(s) 'status'"),
    ("GET", "/tasks/x?sub_app_id=-1", None, "sub_app_id '-1' is not valid"),
    ("POST", "/tasks/finish", {"sub_app_id": 1}, "this route takes no fields"),
    ("POST", "/tasks/finish?now=1", {}, "unknown query parameter(s) 'now'"),
    ("POST", "/wait", {"task_id": ""}, "task_id must be a task's id"),
    ("POST", "/wait", {"task_id": ["a"]}, "task_id must be a task's id"),
    ("POST", "/wait", {"tasks_running": -1}, "tasks_running must compare with 0 to "),
    ("POST", "/wait", {"tasks_running": True},
     "tasks_running must be a count (2: at most 2), or '==N'"),
    ("GET", "/tasks/finish", None, "GET is not allowed"),
])
def test_bad_input_is_an_admin_error(admin: AdminClient, method: str, path: str,
                                     body: dict[str, Any] | None, said: str) -> None:
    with pytest.raises(AdminError) as refused:
        admin.request(method, "/_emulator" + path, body)
    status = 405 if method == "GET" and path == "/tasks/finish" else 400
    assert refused.value.status == status
    assert refused.value.code == ("MethodNotAllowed" if status == 405 else "InvalidRequest")
    assert said in refused.value.message


# ----- the command line


def test_the_cli_lists_shows_and_finishes_tasks(
        frozen: AdminClient, sdk: vod_client.VodClient, emulator: EmulatorThread,
        capsys: pytest.CaptureFixture[str]) -> None:
    url = ("--url", emulator.url)
    processed = process(sdk, APP, SessionContext="ctx")
    pulled = call(sdk, "PullUpload", {"MediaUrl": "http://example.com/c.mp4"})["TaskId"]
    frozen.advance_clock(WAIT_SECONDS + 15)

    status, out, err = _cli(capsys, "tasks", *url)
    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].split() == ["TASK_ID", "SUB_APP_ID", "ACTION", "STATUS", "PROGRESS",
                                "FILE_ID", "CREATED_AT", "FINISHES_AT"]
    assert [line.split()[:5] for line in lines[1:3]] == [
        [pulled, "default", "PullUpload", "FINISH", "100%"],
        [processed, str(APP), "ProcessMedia", "PROCESSING", "50%"]]
    assert lines[-1] == "2 task(s): 1 PROCESSING, 1 FINISH"

    status, out, _ = _cli(capsys, "tasks", "--status", "PROCESSING", "--json", *url)
    assert status == 0
    assert [task["task_id"] for task in map(json.loads, out.splitlines())] == [processed]
    status, out, _ = _cli(capsys, "tasks", "--sub-app-id", "default", *url)
    assert (status, out.splitlines()[-1]) == (0, "1 task(s): 1 FINISH")
    status, out, _ = _cli(capsys, "tasks", "--sub-app-id", "1500000002", *url)
    assert (status, out) == (0, "0 task(s)\n")

    status, out, _ = _cli(capsys, "tasks", processed, *url)
    assert status == 0
    facts, detail = out.split("detail:\n")
    shown = dict(line.split(":", 1) for line in facts.splitlines())
    assert {name: value.strip() for name, value in shown.items() if name in (
        "task_id", "sub_app_id", "action", "status", "progress", "session_id",
        "session_context", "notify_mode", "failed")} == {
        "task_id": processed, "sub_app_id": str(APP), "action": "ProcessMedia",
        "status": "PROCESSING", "progress": "50%", "session_id": "-",
        "session_context": "ctx", "notify_mode": "Finish", "failed": "no"}
    assert json.loads(detail) == frozen.task(processed)["detail"]
    status, out, _ = _cli(capsys, "tasks", processed, "--json", *url)
    assert (status, json.loads(out)) == (0, frozen.task(processed))

    status, out, err = _cli(capsys, "tasks", "--finish", *url)
    assert (status, err) == (0, "")
    assert out.startswith("advanced 15 s: no task is running; now ")
    assert frozen.tasks(status="FINISH")["count"] == 2
    status, out, _ = _cli(capsys, "tasks", "--finish", "--json", *url)
    assert (status, json.loads(out)) == (0, {"advanced_seconds": 0,
                                              "now": frozen.clock()["now"]})


def test_the_cli_refuses_an_unknown_task_and_mixed_flags(
        admin: AdminClient, emulator: EmulatorThread,
        capsys: pytest.CaptureFixture[str]) -> None:
    url = ("--url", emulator.url)
    status, out, err = _cli(capsys, "tasks", "1250000000-Procedure-00t0", *url)
    assert (status, out) == (1, "")
    assert err.startswith("vod-emulator tasks: no task '1250000000-Procedure-00t0'")
    assert err.count("\n") == 1
    for args in (("--finish", "x"), ("--finish", "--status", "FINISH"),
                 ("x", "--status", "WAITING")):
        status, out, err = _cli(capsys, "tasks", *args, *url)
        assert (status, out) == (2, ""), args
        assert err.startswith("vod-emulator: error: tasks") and err.count("\n") == 1, err
    status, _, err = _cli(capsys, "tasks", "--status", "FAIL", *url)
    assert status == 2 and "--status" in err
