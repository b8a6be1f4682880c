"""The real service's request-rate limits, per action and per account: the facts, read by
the emulator's enforcement (``ratelimits``) and by ``listen``'s pacing.

Each number is the one the action's own API page states ("默认接口请求频率限制：N次/秒",
"A maximum of N requests can be initiated per second for this API"); where no page was
found the action takes DEFAULT_PER_SECOND, the value most Tencent Cloud API pages state,
and its source says so. The real limit is counted per action, access region and
sub-account.
"""

from __future__ import annotations

from typing import NamedTuple

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
