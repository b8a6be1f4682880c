"""EventType ↔ EventContent member, as the real service pairs them."""

from __future__ import annotations

MEMBER_OF_EVENT_TYPE: dict[str, str] = {
    "NewFileUpload": "FileUploadEvent",
    "ProcedureStateChanged": "ProcedureStateChangeEvent",
    "FileDeleted": "FileDeleteEvent",
    "PullComplete": "PullCompleteEvent",
    "EditMediaComplete": "EditMediaCompleteEvent",
    "SplitMediaComplete": "SplitMediaCompleteEvent",
    "ComposeMediaComplete": "ComposeMediaCompleteEvent",
    "WechatPublishComplete": "WechatPublishCompleteEvent",
    "WechatMiniProgramPublishComplete": "WechatMiniProgramPublishCompleteEvent",
    "RemoveWatermark": "RemoveWatermarkCompleteEvent",
    "RestoreMediaComplete": "RestoreMediaCompleteEvent",
    "RebuildMediaComplete": "RebuildMediaCompleteEvent",
    "ExtractTraceWatermarkComplete": "ExtractTraceWatermarkCompleteEvent",
    "ExtractCopyRightWatermarkComplete": "ExtractCopyRightWatermarkCompleteEvent",
    "ExtractBlindWatermarkComplete": "ExtractBlindWatermarkComplete",
    "ReviewAudioVideoComplete": "ReviewAudioVideoCompleteEvent",
    "DescribeFileAttributesComplete": "DescribeFileAttributesCompleteEvent",
    "QualityInspectComplete": "QualityInspectCompleteEvent",
    "QualityEnhanceComplete": "QualityEnhanceCompleteEvent",
    "MediaCastStatusChanged": "MediaCastStatusChangedEvent",
    "PersistenceComplete": "PersistenceCompleteEvent",
    "ComplexAdaptiveDynamicStreamingComplete": "ComplexAdaptiveDynamicStreamingCompleteEvent",
    "ProcessMediaByMPSComplete": "ProcessMediaByMPSCompleteEvent",
    "AigcImageTaskComplete": "AigcImageCompleteEvent",
    "AigcVideoTaskComplete": "AigcVideoCompleteEvent",
    "AigcHunyuan3DTaskComplete": "AigcHunyuan3DCompleteEvent",
    "DescribeAigcFaceInfoAsyncComplete": "DescribeAigcFaceInfoAsyncCompleteEvent",
    # The SDK names these types after their member (unconfirmed by the docs).
    "SceneAigcImageCompleteEvent": "SceneAigcImageCompleteEvent",
    "ProcessImageAsyncCompleteEvent": "ProcessImageAsyncCompleteEvent",
    "CreateAigcAdvancedCustomElementCompleteEvent": "CreateAigcAdvancedCustomElementCompleteEvent",
    "CreateAigcCustomVoiceCompleteEvent": "CreateAigcCustomVoiceCompleteEvent",
    # 2017-compatible types, still sent to applications that asked for them.
    "TranscodeComplete": "TranscodeCompleteEvent",
    "ConcatComplete": "ConcatCompleteEvent",
    "ClipComplete": "ClipCompleteEvent",
    "CreateImageSpriteComplete": "CreateImageSpriteCompleteEvent",
    "CreateSnapshotByTimeOffsetComplete": "SnapshotByTimeOffsetCompleteEvent",
}

EVENT_TYPES: tuple[str, ...] = tuple(MEMBER_OF_EVENT_TYPE)
