# test_duplicates.py: a reliable queue may deliver an event twice; process it once.
import pytest
from tencentcloud.vod.v20180717 import models


def consume(vod, processed):                        # your consumer: one pull, then confirm
    events = vod.PullEvents(models.PullEventsRequest()).EventSet
    for event in events:
        processed.setdefault(event.FileUploadEvent.FileId, event.EventHandle)  # once per file
    if events:
        confirm = models.ConfirmEventsRequest()
        confirm.EventHandles = [event.EventHandle for event in events]
        vod.ConfirmEvents(confirm)
    return len(events)


@pytest.mark.vod_emulator(long_poll_seconds=0, check_clean=True)  # fails if any is left
def test_a_duplicated_event_is_processed_once(vod_emulator):
    vod_emulator.fault("PullEvents", "duplicate", times=1)   # the first event comes twice
    vod_emulator.emit("NewFileUpload", 3)
    vod, processed = vod_emulator.sdk_client(), {}
    delivered = consume(vod, processed) + consume(vod, processed)
    assert delivered == 4 and len(processed) == 3
    assert consume(vod, processed) == 0
