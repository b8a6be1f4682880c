# test_rate_limit.py: a consumer that backs off when VOD answers RequestLimitExceeded.
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.vod.v20180717 import models


def pull(vod, sleep, attempts=5):                   # your consumer's pull, with back-off
    for attempt in range(attempts):
        try:
            return vod.PullEvents(models.PullEventsRequest()).EventSet
        except TencentCloudSDKException as error:
            if error.code != "RequestLimitExceeded":
                raise
            sleep(2**attempt)                        # time.sleep in production
    raise RuntimeError("still rate-limited")


def test_the_consumer_backs_off_then_gets_the_event(vod_emulator):
    vod_emulator.fault("PullEvents", "error", code="RequestLimitExceeded", times=2)
    vod_emulator.emit("FileDeleted")
    waited = []
    (event,) = pull(vod_emulator.sdk_client(), sleep=waited.append)
    assert event.EventType == "FileDeleted" and waited == [1, 2]
    assert len(vod_emulator.admin.journal("fault")) == 2     # each fault is in the journal
