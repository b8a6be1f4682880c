# test_catalog.py, next to three-uploads.vodsnap: each test starts from the snapshot.
import pytest
from tencentcloud.vod.v20180717 import models


@pytest.mark.vod_emulator(snapshot="three-uploads.vodsnap")
def test_the_uploads_are_handled(vod_emulator):
    vod = vod_emulator.sdk_client()
    events = vod.PullEvents(models.PullEventsRequest()).EventSet
    assert [event.EventType for event in events] == ["NewFileUpload"] * 3

    confirm = models.ConfirmEventsRequest()
    confirm.EventHandles = [event.EventHandle for event in events]
    vod.ConfirmEvents(confirm)
    assert vod_emulator.peek() == []


@pytest.mark.vod_emulator(snapshot="three-uploads.vodsnap")
def test_each_test_starts_from_it_again(vod_emulator):
    assert [event["state"] for event in vod_emulator.peek()] == ["pullable"] * 3
