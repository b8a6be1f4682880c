# test_redelivery.py: an event pulled but never confirmed is delivered again.
from tencentcloud.vod.v20180717 import models


def test_an_unconfirmed_event_comes_back(vod_emulator):
    (event,) = vod_emulator.emit("NewFileUpload")
    vod = vod_emulator.sdk_client()

    (first,) = vod.PullEvents(models.PullEventsRequest()).EventSet  # your consumer crashes
    vod_emulator.advance(30)                                         # before it confirms...

    (again,) = vod.PullEvents(models.PullEventsRequest()).EventSet  # ...and gets it again
    assert again.FileUploadEvent.FileId == first.FileUploadEvent.FileId
    assert again.EventHandle != first.EventHandle                    # under a new handle
    assert [e["kind"] for e in vod_emulator.history(event["event_id"])] == [
        "enqueued", "leased", "expired", "leased"]
