# test_transcode.py: a task started through the SDK, watched, then finished at once.
import json

import pytest
from tencentcloud.vod.v20180717 import models


@pytest.mark.vod_emulator(task_seconds={"Procedure": 5})   # a procedure takes 5 s, not 60
def test_a_transcode_ends_in_the_media_library(vod_emulator):
    file_id = vod_emulator.seed_media(basic_info={"Name": "talk.mp4"})["FileId"]
    request = models.ProcessMediaRequest()
    request.from_json_string(json.dumps({
        "FileId": file_id, "MediaProcessTask": {"TranscodeTaskSet": [{"Definition": 100030}]}}))
    vod_emulator.admin.set_clock(freeze=True)                # time moves only when told
    task_id = vod_emulator.sdk_client().ProcessMedia(request).TaskId   # your code's request

    (task,) = vod_emulator.tasks()
    assert (task["task_id"], task["status"], task["progress"]) == (task_id, "WAITING", 0)
    assert vod_emulator.finish_tasks() == 6                  # 1 s waiting + 5 s processing
    task = vod_emulator.task(task_id)
    assert task["status"] == "FINISH" and len(task["events"]) == 1   # ProcedureStateChanged
    transcodes = vod_emulator.media(file_id)["TranscodeInfo"]["TranscodeSet"]
    assert [t["Definition"] for t in transcodes] == [100030]
