"""The real service's request-rate limits, per action and per account, and the counter
that enforces them on the emulator clock when ``enforce_rate_limits`` is on.

Each number is the one the action's own API page states ("默认接口请求频率限制：N次/秒",
"A maximum of N requests can be initiated per second for this API"); where no page was
found the action takes DEFAULT_PER_SECOND, the value most Tencent Cloud API pages state,
and its source says so. The real limit is counted per action, access region and
sub-account; the emulator has one account and one region, so it counts per action over
every SubAppId together. A request is counted in the whole second of the emulator clock
it arrives in (Tencent Cloud counts by arrival at its servers): a test freezes the clock,
sends the limit, sees the next refused, advances one second and is served again.
"""

from __future__ import annotations

from typing import NamedTuple

from .clock import Clock
from .errors import ServiceError

DEFAULT_PER_SECOND = 20
"""For an action whose limit no public page states: Tencent Cloud's usual default."""

_OVERVIEW = "cloud.tencent.com/document/api/266/31753 (VOD API overview)"
_NOT_FOUND = "no page found stating it: the usual default"


class RateLimit(NamedTuple):
    per_second: int
    source: str  # where the number is stated


RATE_LIMITS: dict[str, RateLimit] = {
    # The event notifications'.
    "PullEvents": RateLimit(100, "cloud.tencent.com/document/api/266/33433"),
    "ConfirmEvents": RateLimit(100, "tencentcloud.com/document/api/266/34184"),
    "DescribeEventsState": RateLimit(20, "cloud.tencent.com/document/api/266/48758"),
    "ModifyEventConfig": RateLimit(20, "tencentcloud.com/document/api/266/57589"),
    # The SDK's own comment says 100 (tencentcloud-sdk-python-vod vod_client.py,
    # DescribeEventConfig); the international page 20 (tencentcloud.com/document/api/
    # 266/64486). The emulator takes the SDK's: the one every SDK user reads.
    "DescribeEventConfig": RateLimit(100, "the SDK's comment (the international page: 20)"),
    # The media library's.
    "DescribeMediaInfos": RateLimit(100, "cloud.tencent.com/document/api/266/31763"),
    "DeleteMedia": RateLimit(100, "tencentcloud.com/document/api/266/37571"),
    "ModifyMediaInfo": RateLimit(100, "cloud.tencent.com/document/product/266/31762"),
    "SearchMedia": RateLimit(DEFAULT_PER_SECOND, _NOT_FOUND),
    # The upload and the task lookups.
    "ApplyUpload": RateLimit(100, "cloud.tencent.com/document/product/266/31767"),
    "CommitUpload": RateLimit(100, "cloud.tencent.com/document/api/266/31766"),
    "DescribeTaskDetail": RateLimit(100, "cloud.tencent.com/document/api/266/33431"),
    "DescribeTasks": RateLimit(100, "cloud.tencent.com/document/api/266/33430"),
    # The actions that start tasks. ProcessMedia's page says 200 since 2026-01 (the
    # overview still 100): the page, the newer statement.
    "ProcessMedia": RateLimit(200, "cloud.tencent.com/document/product/266/33427"),
    "ProcessMediaByProcedure": RateLimit(100, "cloud.tencent.com/document/api/266/34782"),
    "ProcessMediaByUrl": RateLimit(100, _OVERVIEW),
    "PullUpload": RateLimit(100, "cloud.tencent.com/document/api/266/35575"),
    "EditMedia": RateLimit(100, "cloud.tencent.com/document/api/266/34783"),
    "SplitMedia": RateLimit(20, "cloud.tencent.com/document/api/266/51098"),
    "ComposeMedia": RateLimit(100, _OVERVIEW),
    "RemoveWatermark": RateLimit(20, _OVERVIEW),
    "RestoreMedia": RateLimit(20, "cloud.tencent.com/document/api/266/75728"),
    "RebuildMedia": RateLimit(20, _OVERVIEW),
    "ReviewAudioVideo": RateLimit(20, _OVERVIEW),
    "DescribeFileAttributes": RateLimit(20, _OVERVIEW),
    "InspectMediaQuality": RateLimit(20, _OVERVIEW),
    "EnhanceMediaQuality": RateLimit(20, _OVERVIEW),
    "ExtractTraceWatermark": RateLimit(20, _OVERVIEW),
    "ExtractCopyRightWatermark": RateLimit(20, _OVERVIEW),
    "ExtractBlindWatermark": RateLimit(DEFAULT_PER_SECOND, _NOT_FOUND),
    "WeChatMiniProgramPublish": RateLimit(100, _OVERVIEW),
    "CreateComplexAdaptiveDynamicStreamingTask": RateLimit(
        20, "cloud.tencent.com/document/api/266/112252"),
    "ProcessMediaByMPS": RateLimit(DEFAULT_PER_SECOND, _NOT_FOUND),
    "CreateAigcImageTask": RateLimit(20, "cloud.tencent.com/document/api/266/126240"),
    "CreateAigcVideoTask": RateLimit(20, "tencentcloud.com/document/api/266/76684"),
    "CreateSceneAigcImageTask": RateLimit(DEFAULT_PER_SECOND, _NOT_FOUND),
    "ProcessImageAsync": RateLimit(DEFAULT_PER_SECOND, _NOT_FOUND),
    "CreateAigcCustomVoice": RateLimit(DEFAULT_PER_SECOND, _NOT_FOUND),
    "CreateAigcAdvancedCustomElement": RateLimit(DEFAULT_PER_SECOND, _NOT_FOUND),
    "DescribeAigcFaceInfoAsync": RateLimit(DEFAULT_PER_SECOND, _NOT_FOUND),
    "CreateAigcHunyuan3DTask": RateLimit(DEFAULT_PER_SECOND, _NOT_FOUND),
}
"""Every action the emulator answers, with its limit (requests per second) and where the
number is stated."""


class RequestLimitExceeded(ServiceError):
    code = "RequestLimitExceeded"


def _refusal(count: int, per_second: int) -> RequestLimitExceeded:
    # The real service's words (its English answer, as the Go and Python SDKs show it).
    return RequestLimitExceeded(
        f"Your current request times equals to `{count}` in a second, which exceeds the "
        f"frequency limit `{per_second}` for a second. Please reduce the frequency of calls.")


class _Window:
    """One action's count in the current second: changed in place, never reallocated."""

    __slots__ = ("second", "count", "limit")

    def __init__(self, limit: int) -> None:
        self.second = -1
        self.count = 0
        self.limit = limit


class RateLimiter:
    """Counts each action's requests per whole second of the emulator clock: O(1) a
    request, nothing allocated."""

    __slots__ = ("_clock", "_windows")

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._windows = {action: _Window(limit.per_second)
                         for action, limit in RATE_LIMITS.items()}

    def admit(self, action: str) -> None:
        """Count one request of ``action``; RequestLimitExceeded (the request refused, so
        it changes nothing) when it is over its limit in this second."""
        window = self._windows[action]
        second = int(self._clock.now())
        if window.second != second:
            window.second, window.count = second, 0
        window.count += 1  # refused ones count too: the real answer numbers them
        if window.count > window.limit:
            raise _refusal(window.count, window.limit)

    def clear(self) -> None:
        """Every count back to zero (a full reset)."""
        for window in self._windows.values():
            window.second, window.count = -1, 0
