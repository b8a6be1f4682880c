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


# ----- the asynchronous actions, and the event each ends in

PROCEDURE = "Procedure"
WAITING, PROCESSING, FINISH = "WAITING", "PROCESSING", "FINISH"
TASK_STATES = (WAITING, PROCESSING, FINISH)
"""A task's Status as DescribeTaskDetail and DescribeTasks answer it."""


class TaskAction:
    """An asynchronous VOD action: the event its task ends in, and the task's TaskType
    (DescribeTaskDetail's, and the ``<Kind>`` of its TaskId)."""

    __slots__ = ("event_type", "task_type", "required")

    def __init__(self, event_type: str, task_type: str, *required: str) -> None:
        self.event_type = event_type
        self.task_type = task_type
        self.required = required  # the parameters the API reference marks required

    @property
    def detail_field(self) -> str:
        """DescribeTaskDetail's field that holds this task's detail."""
        return self.task_type if self.task_type.endswith("Task") else f"{self.task_type}Task"


TASK_ACTIONS: dict[str, TaskAction] = {
    "ProcessMedia": TaskAction("ProcedureStateChanged", PROCEDURE, "FileId"),
    "ProcessMediaByProcedure": TaskAction("ProcedureStateChanged", PROCEDURE, "FileId",
                                          "ProcedureName"),
    "ProcessMediaByUrl": TaskAction("ProcedureStateChanged", PROCEDURE, "InputInfo"),
    "PullUpload": TaskAction("PullComplete", "PullUpload", "MediaUrl"),
    "EditMedia": TaskAction("EditMediaComplete", "EditMedia", "InputType"),
    "SplitMedia": TaskAction("SplitMediaComplete", "SplitMedia", "FileId", "Segments"),
    "ComposeMedia": TaskAction("ComposeMediaComplete", "ComposeMedia", "Tracks", "Output"),
    "RemoveWatermark": TaskAction("RemoveWatermark", "RemoveWatermark", "FileId"),
    "RestoreMedia": TaskAction("RestoreMediaComplete", "RestoreMedia", "FileIds"),
    "RebuildMedia": TaskAction("RebuildMediaComplete", "RebuildMedia", "FileId"),
    "ReviewAudioVideo": TaskAction("ReviewAudioVideoComplete", "ReviewAudioVideo", "FileId"),
    "DescribeFileAttributes": TaskAction("DescribeFileAttributesComplete",
                                         "DescribeFileAttributes", "FileId"),
    "InspectMediaQuality": TaskAction("QualityInspectComplete", "QualityInspect", "FileId",
                                      "Definition"),
    "EnhanceMediaQuality": TaskAction("QualityEnhanceComplete", "QualityEnhance", "FileId",
                                      "Definition"),
    "ExtractTraceWatermark": TaskAction("ExtractTraceWatermarkComplete",
                                        "ExtractTraceWatermark", "Url", "FileId"),
    "ExtractCopyRightWatermark": TaskAction("ExtractCopyRightWatermarkComplete",
                                            "ExtractCopyRightWatermark", "Url"),
    "ExtractBlindWatermark": TaskAction("ExtractBlindWatermarkComplete",
                                        "ExtractBlindWatermark", "Type", "InputInfo"),
    "WeChatMiniProgramPublish": TaskAction("WechatMiniProgramPublishComplete",
                                           "WechatMiniProgramPublish", "FileId"),
    "CreateComplexAdaptiveDynamicStreamingTask": TaskAction(
        "ComplexAdaptiveDynamicStreamingComplete", "ComplexAdaptiveDynamicStreaming",
        "FileId", "StreamParaSet"),
    "ProcessMediaByMPS": TaskAction("ProcessMediaByMPSComplete", "ProcessMediaByMPS",
                                    "FileId"),
    "CreateAigcImageTask": TaskAction("AigcImageTaskComplete", "AigcImageTask", "ModelName"),
    "CreateAigcVideoTask": TaskAction("AigcVideoTaskComplete", "AigcVideoTask", "ModelName"),
    "CreateSceneAigcImageTask": TaskAction("SceneAigcImageCompleteEvent",
                                           "SceneAigcImageTask", "SceneInfo"),
    "ProcessImageAsync": TaskAction("ProcessImageAsyncCompleteEvent", "ProcessImageAsync"),
    "CreateAigcCustomVoice": TaskAction("CreateAigcCustomVoiceCompleteEvent",
                                        "CreateAigcCustomVoice", "VoiceName"),
    "CreateAigcAdvancedCustomElement": TaskAction(
        "CreateAigcAdvancedCustomElementCompleteEvent", "CreateAigcAdvancedCustomElement",
        "ElementName", "ElementDescription", "ReferenceType"),
    "DescribeAigcFaceInfoAsync": TaskAction("DescribeAigcFaceInfoAsyncComplete",
                                            "DescribeAigcFaceInfoAsync", "FileInfos"),
    "CreateAigcHunyuan3DTask": TaskAction("AigcHunyuan3DTaskComplete", "AigcHunyuan3DTask"),
}
"""Each asynchronous action the emulator answers, paired with its completion event (the
SDK names the pairs: each action's event member carries the task the action starts).
DeleteMedia and the two-step upload (ApplyUpload + CommitUpload) make events too, but no
task DescribeTaskDetail knows: they are answered by the media actions."""

UPLOAD_ACTIONS = ("ApplyUpload", "CommitUpload")
TASK_LOOKUPS = ("DescribeTaskDetail", "DescribeTasks")
