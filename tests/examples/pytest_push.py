# test_push.py: a callback receiver, settings per test, a fault, the teardown check.
import pytest
from tencentcloud.vod.v20180717 import models


@pytest.mark.vod_emulator(callback_retry_seconds=[5], check_clean=True)
def test_a_forged_callback_is_refused_then_retried(vod_emulator, vod_callback_receiver):
    vod_emulator.use_callbacks(vod_callback_receiver, sign_key="mySignKey2024")
    vod_emulator.fault("callback", "bad_signature", times=1)  # the first one is forged

    vod_emulator.emit("NewFileUpload")
    (forged,) = vod_callback_receiver.wait_for(1)
    assert forged.status == 401 and "wrong signature" in forged.refused

    vod_emulator.advance(5)                                   # the retry is due
    vod_emulator.wait_for_callbacks(1)                        # delivered: nothing left over
    assert vod_callback_receiver.received[-1].status == 200


def test_an_unconfirmed_event_comes_back_after_a_second(vod_emulator):
    vod_emulator.configure(confirm_window_seconds=1)          # this test only
    vod_emulator.emit("FileDeleted")
    vod = vod_emulator.sdk_client()
    assert len(vod.PullEvents(models.PullEventsRequest()).EventSet) == 1   # never confirmed
    vod_emulator.advance(1)
    assert vod_emulator.peek()[0]["state"] == "pullable"      # back in the queue
