# test_uploads.py: no conftest needed, installing vod-emulator registers the fixture.
from tencentcloud.vod.v20180717 import models


def test_upload_is_handled_once(vod_emulator):
    (event,) = vod_emulator.emit("NewFileUpload", FileUploadEvent={"FileId": "5285890784273533167"})
    vod = vod_emulator.sdk_client()                        # the official SDK, signed, aimed here

    (pulled,) = vod.PullEvents(models.PullEventsRequest()).EventSet   # your handler's code
    assert pulled.FileUploadEvent.FileId == "5285890784273533167"
    assert vod_emulator.peek()[0]["state"] == "leased"     # queue as it is, without side effects

    confirm = models.ConfirmEventsRequest()
    confirm.EventHandles = [pulled.EventHandle]
    vod.ConfirmEvents(confirm)
    vod_emulator.wait_for_confirmed([event["event_id"]], timeout=5)
    assert [e["kind"] for e in vod_emulator.history(event["event_id"])] == [
        "enqueued", "leased", "confirmed"]
