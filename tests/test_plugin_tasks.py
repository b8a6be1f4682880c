"""The pytest plugin's tasks and media library, as its users meet them: small test files
run by pytest itself (``pytester``) that start tasks through the official SDK and list,
wait for and finish them with the ``vod_emulator`` fixture."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

_STRICT = ("-p", "no:cacheprovider", "-W", "error",
           "-o", "asyncio_default_fixture_loop_scope=function")

_HELPERS = """
    import json

    import pytest
    from tencentcloud.vod.v20180717 import models

    APP = 1500000001

    def process(vod_emulator, file_id, sub_app_id=None, **extra):
        request = models.ProcessMediaRequest()
        request.from_json_string(json.dumps({
            "FileId": file_id, "SubAppId": sub_app_id,
            "MediaProcessTask": {"TranscodeTaskSet": [{"Definition": 100030}]}, **extra}))
        return vod_emulator.sdk_client().ProcessMedia(request).TaskId

    def pull(vod_emulator, sub_app_id=None):
        request = models.PullEventsRequest()
        request.SubAppId = sub_app_id
        return list(vod_emulator.sdk_client().PullEvents(request).EventSet or [])

    def confirm(vod_emulator, events, sub_app_id=None):
        request = models.ConfirmEventsRequest()
        request.EventHandles = [event.EventHandle for event in events]
        request.SubAppId = sub_app_id
        vod_emulator.sdk_client().ConfirmEvents(request)
"""


def run(pytester: pytest.Pytester, source: str, passed: int) -> None:
    pytester.makepyfile(_HELPERS + source)
    result = pytester.runpytest(*_STRICT)
    result.assert_outcomes(passed=passed)


def test_tasks_are_listed_finished_and_leave_their_outputs(pytester: pytest.Pytester) -> None:
    run(pytester, """
    @pytest.mark.vod_emulator(check_clean=True)
    def test_process_and_finish(vod_emulator):
        file_id = vod_emulator.seed_media(basic_info={"Name": "talk.mp4"})["FileId"]
        assert [f["file_id"] for f in vod_emulator.media()] == [file_id]
        task_id = process(vod_emulator, file_id, SessionContext="job-1")
        [task] = vod_emulator.tasks()
        assert (task["task_id"], task["status"], task["session_context"]) == (
            task_id, "WAITING", "job-1")
        assert vod_emulator.tasks(status="FINISH") == []
        assert vod_emulator.tasks(sub_app_id=APP) == []
        assert vod_emulator.tasks(file_id=file_id) == [task]
        assert vod_emulator.tasks(file_id="5285890800000000999") == []

        advanced = vod_emulator.finish_tasks()
        assert 50 < advanced <= 61  # 1 s waiting, 60 processing, minus what has passed
        assert vod_emulator.finish_tasks() == 0
        done = vod_emulator.task(task_id)
        assert (done["status"], done["progress"], len(done["events"])) == ("FINISH", 100, 1)
        assert [t["task_id"] for t in vod_emulator.tasks(status="FINISH")] == [task_id]
        [event] = pull(vod_emulator)
        assert event.EventType == "ProcedureStateChanged"
        assert event.ProcedureStateChangeEvent.TaskId == task_id
        assert event.ProcedureStateChangeEvent.SessionContext == "job-1"
        confirm(vod_emulator, [event])
        info = vod_emulator.media(file_id)
        assert [t["Definition"] for t in info["TranscodeInfo"]["TranscodeSet"]] == [100030]

    def test_the_next_test_has_no_tasks(vod_emulator):
        assert vod_emulator.tasks() == [] and vod_emulator.media() == []
    """, passed=2)


def test_wait_for_task_waits_on_emulator_time(pytester: pytest.Pytester) -> None:
    run(pytester, """
    @pytest.mark.vod_emulator(task_seconds={"Procedure": 2})
    def test_wait_as_time_runs(vod_emulator):
        file_id = vod_emulator.seed_media(sub_app_id=APP)["FileId"]
        task_id = process(vod_emulator, file_id, APP, TasksNotifyMode="None")
        vod_emulator.admin.set_clock(scale=100)  # 3 emulator seconds in 0.03 real ones
        task = vod_emulator.wait_for_task(task_id, timeout=30)
        assert (task["status"], task["sub_app_id"], task["events"]) == ("FINISH", APP, [])
        assert task["finishes_at"] - task["created_at"] == pytest.approx(3)
        assert vod_emulator.wait_for_task(task_id, sub_app_id=APP) == vod_emulator.task(
            task_id)

    def test_a_frozen_clock_holds_the_task(vod_emulator):
        file_id = vod_emulator.seed_media()["FileId"]
        vod_emulator.admin.set_clock(freeze=True)
        task_id = process(vod_emulator, file_id)
        with pytest.raises(TimeoutError, match="WAITING"):
            vod_emulator.wait_for_task(task_id, timeout=0.2)
        vod_emulator.advance(61)
        assert vod_emulator.wait_for_task(task_id, timeout=0)["status"] == "FINISH"

    def test_an_unknown_task(vod_emulator):
        from emulator.clients.client import AdminError

        with pytest.raises(AdminError, match="404 NotFound"):
            vod_emulator.wait_for_task("1250000000-Procedure-00t0")
        with pytest.raises(AdminError, match="404 NotFound"):
            vod_emulator.task("1250000000-Procedure-00t0")
    """, passed=3)
