import json
import os
from urllib.parse import urlsplit

from tencentcloud.common import credential
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.vod.v20180717 import models, vod_client

from emulator.client import AdminClient

EMULATOR = os.environ.get("VOD_EMULATOR_URL", "http://127.0.0.1:4600")
admin = AdminClient(EMULATOR)
http = HttpProfile(protocol="http", endpoint=urlsplit(EMULATOR).netloc)
client = vod_client.VodClient(credential.Credential("AKIDany", "any"), "",
                              ClientProfile(httpProfile=http))

# A file in the library (as if uploaded), then a procedure on it: two transcodes.
file_id = admin.seed_media()["FileId"]
request = models.ProcessMediaRequest()
request.from_json_string(json.dumps({
    "FileId": file_id, "TasksNotifyMode": "Change", "SessionContext": "order-42",
    "MediaProcessTask": {"TranscodeTaskSet": [{"Definition": 100030},
                                              {"Definition": 100040}]}}))
task_id = client.ProcessMedia(request).TaskId

detail = models.DescribeTaskDetailRequest()
detail.TaskId = task_id
print(client.DescribeTaskDetail(detail).Status)  # WAITING: the clock has not moved

admin.advance_clock(120)  # past its duration: every event it sends is sent now
print(client.DescribeTaskDetail(detail).Status)
for event in client.PullEvents(models.PullEventsRequest()).EventSet:
    change = event.ProcedureStateChangeEvent
    print(event.EventType, change.Status, change.SessionContext)

infos = models.DescribeMediaInfosRequest()
infos.FileIds, infos.Filters = [file_id], ["transcodeInfo"]
(info,) = client.DescribeMediaInfos(infos).MediaInfoSet
print(sorted(item.Definition for item in info.TranscodeInfo.TranscodeSet))
