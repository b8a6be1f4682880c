"""The tasks through tccli, unmodified: ``tccli vod ProcessMedia`` and ``tccli vod
DescribeTaskDetail`` against the emulator, signed with credentials exported in the shell
and verified by the emulator.

tccli is not a dependency (pip install tccli: ~40 s, ~650 MB): without it on the PATH these
tests are skipped, as the README's tccli example is. tccli writes under HOME, so each run
gets a temporary one and leaves the user's configuration untouched.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from emulator.clients.client import AdminClient
from emulator.core.settings import Settings
from emulator.core.tasks import WAIT_SECONDS
from emulator.server import EmulatorThread

from .conftest import SECRET_ID, SECRET_KEY, make_settings
from .examples.process import clean_environment

BIN = Path(sys.executable).parent
TCCLI = shutil.which("tccli", path=f"{BIN}:{clean_environment().get('PATH', '')}")
if TCCLI is None:
    pytest.skip("tccli is not installed (pip install tccli: ~40 s, ~650 MB)",
                allow_module_level=True)

PROCESS_SECONDS = 30.0
DEFINITIONS = [100030, 100040]


@pytest.fixture
def emulator_settings() -> Settings:
    return make_settings(task_seconds=(("Procedure", PROCESS_SECONDS),))


def tccli(emulator: EmulatorThread, home: Path, action: str,
          **parameters: Any) -> subprocess.CompletedProcess[str]:
    """``tccli vod ACTION --endpoint ... --Name value...`` (objects and lists as JSON)."""
    command = [str(TCCLI), "vod", action, "--endpoint", f"http://{emulator.endpoint}"]
    for name, value in parameters.items():
        command += [f"--{name}", value if isinstance(value, str) else json.dumps(value)]
    environment = clean_environment(TENCENTCLOUD_SECRET_ID=SECRET_ID,
                                    TENCENTCLOUD_SECRET_KEY=SECRET_KEY, HOME=str(home))
    return subprocess.run(command, env=environment, capture_output=True, text=True,
                          timeout=60, check=False)


def answered(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert result.returncode == 0, f"tccli failed:\n{result.stdout}\n{result.stderr}"
    answer: dict[str, Any] = json.loads(result.stdout)
    return answer


def test_process_media_and_describe_task_detail(emulator: EmulatorThread, admin: AdminClient,
                                                tmp_path: Path) -> None:
    admin.set_clock(freeze=True)
    file_id = admin.seed_media(basic_info={"Name": "tccli-source"})["FileId"]
    context = "from tccli: 42"
    started = answered(tccli(
        emulator, tmp_path, "ProcessMedia", FileId=file_id,
        MediaProcessTask={"TranscodeTaskSet": [{"Definition": d} for d in DEFINITIONS]},
        TasksNotifyMode="Change", SessionContext=context, SessionId="tccli-once"))
    task_id = started["TaskId"]
    assert "-Procedure-" in task_id and started["RequestId"]

    waiting = answered(tccli(emulator, tmp_path, "DescribeTaskDetail", TaskId=task_id))
    assert (waiting["TaskType"], waiting["Status"]) == ("Procedure", "WAITING")
    procedure = waiting["ProcedureTask"]
    assert (procedure["TaskId"], procedure["FileId"], procedure["FileName"],
            procedure["SessionContext"], procedure["SessionId"]) == (
        task_id, file_id, "tccli-source", context, "tccli-once")
    assert [r["TranscodeTask"]["Input"]["Definition"]
            for r in procedure["MediaProcessResultSet"]] == DEFINITIONS

    admin.advance_clock(WAIT_SECONDS + PROCESS_SECONDS)
    done = answered(tccli(emulator, tmp_path, "DescribeTaskDetail", TaskId=task_id))
    assert (done["Status"], done["ProcedureTask"]["Status"]) == ("FINISH", "FINISH")
    assert [r["TranscodeTask"]["Output"]["Definition"]
            for r in done["ProcedureTask"]["MediaProcessResultSet"]] == DEFINITIONS
    # What the task emitted and made agrees with what tccli was told.
    events = [e["content"]["ProcedureStateChangeEvent"] for e in admin.events()["events"]
              if e["event_type"] == "ProcedureStateChanged"]
    assert [e["Status"] for e in events] == ["PROCESSING"] * len(DEFINITIONS) + ["FINISH"]
    assert {(e["TaskId"], e["SessionContext"]) for e in events} == {(task_id, context)}
    transcodes = admin.media_file(file_id)["TranscodeInfo"]["TranscodeSet"]
    assert sorted(t["Definition"] for t in transcodes) == DEFINITIONS


def test_refusals_reach_tccli(emulator: EmulatorThread, admin: AdminClient,
                              tmp_path: Path) -> None:
    """The SDK's codes, as tccli reports them (on its output, with a failing status)."""
    unknown_file = tccli(emulator, tmp_path, "ProcessMedia", FileId="5285485487985271487",
                         MediaProcessTask={"TranscodeTaskSet": [{"Definition": 100030}]})
    unknown_task = tccli(emulator, tmp_path, "DescribeTaskDetail",
                         TaskId="1250000000-Procedure-00000000000000000000000000000000t0")
    for result, code in ((unknown_file, "InvalidParameterValue.FileId"),
                         (unknown_task, "InvalidParameterValue.TaskId")):
        assert result.returncode != 0
        assert f"code:{code} " in result.stdout + result.stderr
    assert admin.request("GET", "/_emulator/tasks")["tasks"] == []
