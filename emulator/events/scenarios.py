"""Scenarios: coherent flows of events that share ids, emitted in one call.

Each scenario is a small function that draws the flow's ids once (a FileId, the
Procedure task id...) from the factory's seeded random, then asks the factory for each
event with overrides that tie them together and put their times in order. Rendered
examples of every scenario live in ``fixtures/scenarios/``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..base.times import iso8601
from . import vocabulary as v
from .factory import EventFactory
from .schema import unknown

Content = dict[str, Any]


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    build: Callable[[EventFactory, float], list[Content]]


@dataclass(frozen=True)
class _Flow:
    """The ids and times one flow shares."""

    app_id: int
    file_id: str
    name: str
    path: str
    start: float

    def task_id(self, factory: EventFactory, kind: str) -> str:
        return v.new_task_id(factory.rng, self.app_id, kind)

    def url(self, stem: str, ext: str) -> str:
        return v.vod_url(self.app_id, self.path, stem, ext)

    def at(self, seconds_after_start: float) -> str:
        return iso8601(self.start + seconds_after_start)


def _new_flow(factory: EventFactory, now: float) -> _Flow:
    file_id = v.new_file_id(factory.rng)
    name = f"video-{file_id[-6:]}"
    return _Flow(factory.app_id, file_id, name, v.new_path(factory.rng), start=now - 600)


def _another_file_id(factory: EventFactory) -> str:
    return v.new_file_id(factory.rng)


def _upload(factory: EventFactory, flow: _Flow, procedure_task_id: str = "",
            review_task_id: str = "") -> Content:
    return factory.make("NewFileUpload", {"FileUploadEvent": {
        "FileId": flow.file_id,
        "ProcedureTaskId": procedure_task_id,
        "ReviewAudioVideoTaskId": review_task_id,
        "MediaBasicInfo": {
            "Name": flow.name, "Vid": flow.file_id, "Category": "Video", "Status": "Normal",
            "CreateTime": flow.at(0), "UpdateTime": flow.at(0), "Type": "mp4",
            "MediaUrl": flow.url(flow.name, "mp4"), "CoverUrl": flow.url("cover", "jpg"),
            "ExpireTime": v.NEVER_EXPIRES,
        },
    }})


def _transcode_result(flow: _Flow, metadata: dict[str, Any], status: str,
                      failure: v.Failure | None = None) -> dict[str, Any]:
    """One MediaProcessResultSet item for a transcode to the 720p MP4 template (100030)."""
    md5 = hashlib.md5(f"{flow.file_id}/100030".encode()).hexdigest()
    task: dict[str, Any] = {
        "Status": status,
        "ErrCode": failure.code if failure else 0,
        "ErrCodeExt": failure.code_ext if failure else "",
        "Message": failure.message if failure else (
            v.SUCCESS_MESSAGE if status == "SUCCESS" else ""),
        "Input": {"Definition": 100030},
        "Progress": 100 if status != "PROCESSING" else 40,
        "BeginProcessTime": flow.at(5),
        "FinishTime": flow.at(90) if status != "PROCESSING" else "",
    }
    if status == "SUCCESS":
        duration = metadata.get("Duration", 60.0)
        task["Output"] = {
            "Url": flow.url("v.f100030", "mp4"), "Definition": 100030, "Container": "mp4",
            "Width": 1280, "Height": 720, "Bitrate": 1_800_000, "Duration": duration,
            "Size": int(duration * 1_800_000 / 8), "Md5": md5,
            "VideoStreamSet": [{"Bitrate": 1_672_000, "Width": 1280, "Height": 720,
                                "Codec": "h264", "Fps": 25}],
            "AudioStreamSet": [{"Bitrate": 128_000, "SamplingRate": 44100, "Codec": "aac"}],
        }
    return {"Type": "Transcode", "TranscodeTask": task}


def _procedure(factory: EventFactory, flow: _Flow, task_id: str, metadata: dict[str, Any],
               status: str, results: list[dict[str, Any]]) -> Content:
    # The task flow's own ErrCode/Message are deprecated: failures live in each sub-task.
    return factory.make("ProcedureStateChanged", {"ProcedureStateChangeEvent": {
        "TaskId": task_id, "Status": status, "ErrCode": 0,
        "Message": "" if status == "PROCESSING" else "SUCCESS",
        "FileId": flow.file_id, "FileName": flow.name, "FileUrl": flow.url(flow.name, "mp4"),
        "MetaData": metadata, "MediaProcessResultSet": results,
        "AiContentReviewResultSet": [], "AiAnalysisResultSet": [],
        "AiRecognitionResultSet": [], "TasksNotifyMode": "Change",
    }})


def _metadata(upload: Content) -> dict[str, Any]:
    metadata: dict[str, Any] = upload["FileUploadEvent"].get("MetaData") or {}
    return metadata


# ----- the scenarios


def upload_then_transcode(factory: EventFactory, now: float) -> list[Content]:
    flow = _new_flow(factory, now)
    task_id = flow.task_id(factory, "Procedure")
    upload = _upload(factory, flow, procedure_task_id=task_id)
    metadata = _metadata(upload)
    return [
        upload,
        _procedure(factory, flow, task_id, metadata, "PROCESSING",
                   [_transcode_result(flow, metadata, "PROCESSING")]),
        _procedure(factory, flow, task_id, metadata, "FINISH",
                   [_transcode_result(flow, metadata, "SUCCESS")]),
    ]


def failed_transcode(factory: EventFactory, now: float) -> list[Content]:
    flow = _new_flow(factory, now)
    task_id = flow.task_id(factory, "Procedure")
    upload = _upload(factory, flow, procedure_task_id=task_id)
    metadata = _metadata(upload)
    failure = v.FAILURES[0]  # 30010: the source cannot be decoded
    return [
        upload,
        _procedure(factory, flow, task_id, metadata, "PROCESSING",
                   [_transcode_result(flow, metadata, "PROCESSING")]),
        _procedure(factory, flow, task_id, metadata, "FINISH",
                   [_transcode_result(flow, metadata, "FAIL", failure)]),
    ]


def pull_upload(factory: EventFactory, now: float) -> list[Content]:
    flow = _new_flow(factory, now)
    procedure_id = flow.task_id(factory, "Procedure")
    source_url = f"https://media.example.com/uploads/{flow.name}.mp4"
    pulled = factory.make("PullComplete", {"PullCompleteEvent": {
        "TaskId": flow.task_id(factory, "PullUpload"), "Status": "FINISH", "ErrCode": 0,
        "Message": "SUCCESS", "FileId": flow.file_id, "FileUrl": flow.url(flow.name, "mp4"),
        "ProcedureTaskId": procedure_id, "ReviewAudioVideoTaskId": "", "Progress": 100,
        "MediaBasicInfo": {"Name": flow.name, "Vid": flow.file_id, "CreateTime": flow.at(0),
                           "UpdateTime": flow.at(0), "MediaUrl": flow.url(flow.name, "mp4"),
                           "SourceInfo": {"SourceType": "Record", "SourceContext": source_url}},
    }})
    metadata: dict[str, Any] = pulled["PullCompleteEvent"].get("MetaData") or {}
    return [
        pulled,
        _procedure(factory, flow, procedure_id, metadata, "FINISH",
                   [_transcode_result(flow, metadata, "SUCCESS")]),
    ]


def edit_media(factory: EventFactory, now: float) -> list[Content]:
    flow = _new_flow(factory, now)
    upload = _upload(factory, flow)
    output_id = _another_file_id(factory)
    edited = factory.make("EditMediaComplete", {"EditMediaCompleteEvent": {
        "TaskId": flow.task_id(factory, "EditMedia"), "Status": "FINISH", "ErrCode": 0,
        "ErrCodeExt": "", "Message": "SUCCESS", "Progress": 100, "ProcedureTaskId": "",
        "Input": {"InputType": "File", "StreamInfoSet": [], "FileInfoSet": [
            {"FileId": flow.file_id, "StartTimeOffset": 0.0, "EndTimeOffset": 30.0}]},
        "Output": {"FileType": "mp4", "FileId": output_id, "MediaName": f"{flow.name}-clip",
                   "FileUrl": flow.url(f"{flow.name}-clip", "mp4"), "ClassId": 0,
                   "ExpireTime": v.NEVER_EXPIRES},
    }})
    return [upload, edited]


def compose_media(factory: EventFactory, now: float) -> list[Content]:
    first, second = _new_flow(factory, now), _new_flow(factory, now)
    output_id = _another_file_id(factory)
    tracks = [{"Type": "Video", "TrackItems": [
        {"Type": "Video", "VideoItem": {"SourceMedia": flow.file_id, "Duration": 10.0}}
        for flow in (first, second)]}]
    composed = factory.make("ComposeMediaComplete", {"ComposeMediaCompleteEvent": {
        "TaskId": first.task_id(factory, "ComposeMedia"), "Status": "FINISH", "ErrCode": 0,
        "Message": "SUCCESS", "Progress": 100,
        "Input": {"Tracks": tracks},
        "Output": {"FileType": "mp4", "FileId": output_id, "MediaName": "composed",
                   "FileUrl": first.url("composed", "mp4"), "ClassId": 0,
                   "ExpireTime": v.NEVER_EXPIRES},
    }})
    return [_upload(factory, first), _upload(factory, second), composed]


def upload_then_delete(factory: EventFactory, now: float) -> list[Content]:
    flow = _new_flow(factory, now)
    deleted = factory.make("FileDeleted", {"FileDeleteEvent": {
        "FileIdSet": [flow.file_id],
        "FileDeleteResultInfo": [{"FileId": flow.file_id, "DeleteParts": []}],
    }})
    return [_upload(factory, flow), deleted]


def upload_then_review(factory: EventFactory, now: float) -> list[Content]:
    flow = _new_flow(factory, now)
    review_id = flow.task_id(factory, "ReviewAudioVideo")
    reviewed = factory.make("ReviewAudioVideoComplete", {"ReviewAudioVideoCompleteEvent": {
        "TaskId": review_id, "Status": "FINISH", "ErrCodeExt": "", "Message": "SUCCESS",
        "Input": {"FileId": flow.file_id, "Definition": 10, "ReviewContents": ["Media"]},
        "Output": {"Suggestion": "pass", "SegmentSet": []},
    }})
    return [_upload(factory, flow, review_task_id=review_id), reviewed]


SCENARIOS: dict[str, Scenario] = {
    scenario.name: scenario
    for scenario in (
        Scenario("upload-transcode",
                 "NewFileUpload, then ProcedureStateChanged PROCESSING and FINISH (transcode "
                 "SUCCESS), sharing the FileId and the Procedure TaskId", upload_then_transcode),
        Scenario("failed-transcode",
                 "NewFileUpload, then ProcedureStateChanged PROCESSING and FINISH with the "
                 "transcode FAIL (ErrCode 30010)", failed_transcode),
        Scenario("pull-upload",
                 "PullComplete (a URL pulled into VOD), then its ProcedureStateChanged FINISH",
                 pull_upload),
        Scenario("edit-media",
                 "NewFileUpload, then EditMediaComplete cutting it into a new file",
                 edit_media),
        Scenario("compose-media",
                 "two NewFileUpload, then ComposeMediaComplete joining them into a new file",
                 compose_media),
        Scenario("delete", "NewFileUpload, then FileDeleted of the same FileId",
                 upload_then_delete),
        Scenario("review",
                 "NewFileUpload with a review task, then ReviewAudioVideoComplete of it",
                 upload_then_review),
    )
}


def build_scenario(factory: EventFactory, name: str, now: float) -> list[Content]:
    scenario = SCENARIOS.get(name) if isinstance(name, str) else None
    if scenario is None:
        raise unknown("scenario", name, SCENARIOS)
    return scenario.build(factory, now)
