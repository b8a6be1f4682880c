import json
import os
import urllib.request
from urllib.parse import urlsplit

from tencentcloud.common import credential
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.vod.v20180717 import models, vod_client

EMULATOR = os.environ.get("VOD_EMULATOR_URL", "http://127.0.0.1:4600")

# 1. Put three events in the default application's queue (the admin API).
urllib.request.urlopen(urllib.request.Request(
    EMULATOR + "/_emulator/events", method="POST",
    data=json.dumps({"type": "NewFileUpload", "count": 3}).encode())).close()

# 2. Drain them exactly as against the real service: only the endpoint differs.
#    Credentials as the SDK finds them: TENCENTCLOUD_SECRET_ID/KEY when exported (an
#    emulator started in the same shell verifies them), else any pair (nothing is checked).
cred = (credential.EnvironmentVariableCredential().get_credential()
        or credential.Credential("AKIDany", "any"))
http = HttpProfile(protocol="http", endpoint=urlsplit(EMULATOR).netloc)
client = vod_client.VodClient(cred, "", ClientProfile(httpProfile=http))
events = client.PullEvents(models.PullEventsRequest()).EventSet
for event in events:
    print(event.EventType, event.FileUploadEvent.FileId)
confirm = models.ConfirmEventsRequest()
confirm.EventHandles = [event.EventHandle for event in events]
client.ConfirmEvents(confirm)
