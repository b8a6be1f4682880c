"""The media library: per application, every file the emulator knows, as DescribeMediaInfos
answers it (the SDK's ``MediaInfo``).

The library follows the events: the backend shows it every routed event. A NewFileUpload
adds its file with exactly the MediaBasicInfo and MetaData the event carried; a
FileDeleted removes each file it names (a partial delete, one whose FileDeleteResultInfo
names DeleteParts, keeps the file: the parts it removes are results the emulator does not
hold); any other event naming a FileId the library does not know adds that file, so a
handler's lookup after any event succeeds. Nothing is decoded or generated while routing: a
file is read from its event's payload when first looked at, and what the event does not
carry is made then, agreeing with the event's own facts (name, URL, MetaData), by a
generator seeded by the seed, the application and the FileId: the same seed gives the
same file whenever it is looked at.

Parts the emulator has nothing for (transcodes, sprites, reviews, ...) are null.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeGuard

from ..base.echo import shown
from .errors import (
    InvalidParameterValue,
    InvalidParameterValueFileIdsEmpty,
    InvalidParameterValueFileIdsTooMany,
)
from .event import EmittedEvent
from .ids import SubAppId

if TYPE_CHECKING:  # loaded with the first event, not at start-up
    from ..events import EventFactory

MEDIA_INFO_FIELDS = (
    "BasicInfo", "MetaData", "TranscodeInfo", "AnimatedGraphicsInfo", "SampleSnapshotInfo",
    "ImageSpriteInfo", "SnapshotByTimeOffsetInfo", "KeyFrameDescInfo",
    "AdaptiveDynamicStreamingInfo", "MiniProgramReviewInfo", "SubtitleInfo", "FileId",
    "ReviewInfo", "MPSAiMediaInfo", "ImageUnderstandingInfo", "KnowledgeBasesInfo",
    "FaceRecognitionInfo",
)
"""The SDK's MediaInfo, every field in its order."""

FILTERS = {
    "basicInfo": "BasicInfo", "metaData": "MetaData", "transcodeInfo": "TranscodeInfo",
    "animatedGraphicsInfo": "AnimatedGraphicsInfo", "imageSpriteInfo": "ImageSpriteInfo",
    "snapshotByTimeOffsetInfo": "SnapshotByTimeOffsetInfo",
    "sampleSnapshotInfo": "SampleSnapshotInfo", "keyFrameDescInfo": "KeyFrameDescInfo",
    "adaptiveDynamicStreamingInfo": "AdaptiveDynamicStreamingInfo",
    "miniProgramReviewInfo": "MiniProgramReviewInfo", "subtitleInfo": "SubtitleInfo",
    "reviewInfo": "ReviewInfo", "mpsAiMediaInfo": "MPSAiMediaInfo",
    "knowledgeBasesInfo": "KnowledgeBasesInfo",
}
"""DescribeMediaInfos' Filters (DescribeMediaInfosRequest.Filters) and the part each names."""

DELETE_NOTICE_SECONDS = 1.0
"""How long after a DeleteMedia its FileDeleted event follows, in emulator seconds (the
real service's delay is not documented: short, and never in the answer itself)."""

MAX_FILE_IDS = 20  # DescribeMediaInfosRequest.FileIds: "N 从 0 开始取值，最大 19"

ALL_PARTS = frozenset(FILTERS.values()) | {"ImageUnderstandingInfo", "FaceRecognitionInfo"}
# Where an event names a file: its member, and a task's Input and Output (an edit's result).
_FILE_PLACES = (None, "Output", "Input")
_UPLOAD = "FileUploadEvent"
_NAME_HINTS = ("FileName", "MediaName")


@dataclass
class MediaFile:
    """One file as read (or seeded): its parts; None: to be made when first looked at."""

    basic_info: dict[str, Any] | None
    meta_data: dict[str, Any] | None
    known_since: float  # emulator time


Entry = EmittedEvent | MediaFile
"""A file not looked at yet is held as the event that made it known (its payload stays
encoded: routing allocates nothing, and no object tree is kept); the first look reads it."""


class MediaLibrary:
    """Files by FileId, per application."""

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._apps: dict[SubAppId, dict[str, Entry]] = {}

    # ----- following the events (on the routing path: kept cheap)

    def observe(self, event: EmittedEvent, content: Mapping[str, Any]) -> None:
        """Follow one routed event (``content``: its payload, not kept)."""
        event_type = event.event_type
        if event_type == "NewFileUpload":
            task = content.get(_UPLOAD)
            if type(task) is dict and _is_file_id(file_id := task.get("FileId")):
                files = self._apps.get(event.sub_app_id)
                if files is None:
                    files = self._files(event.sub_app_id)
                files[file_id] = event
            return
        if event_type == "FileDeleted":
            task = content.get("FileDeleteEvent")
            if isinstance(task, dict):
                self._delete(event.sub_app_id, task)
            return
        # _described_files(), written out: a generator per event costs more than the rest.
        for value in content.values():
            if type(value) is dict:
                for place in _FILE_PLACES:
                    part = value if place is None else value.get(place)
                    if type(part) is dict and _is_file_id(file_id := part.get("FileId")):
                        files = self._files(event.sub_app_id)
                        if file_id not in files:
                            files[file_id] = event

    def _delete(self, sub_app_id: SubAppId, task: Mapping[str, Any]) -> None:
        files = self._apps.get(sub_app_id)
        if not files:
            return
        partial = {item["FileId"] for item in _list(task.get("FileDeleteResultInfo"))
                   if isinstance(item, dict) and isinstance(item.get("FileId"), str)
                   and item.get("DeleteParts")}
        for file_id in _list(task.get("FileIdSet")):
            if isinstance(file_id, str) and file_id not in partial:
                files.pop(file_id, None)

    def _files(self, sub_app_id: SubAppId) -> dict[str, Entry]:
        files = self._apps.get(sub_app_id)
        if files is None:
            files = self._apps[sub_app_id] = {}
        return files

    def add(self, sub_app_id: SubAppId, file_id: str, basic_info: dict[str, Any] | None,
            meta_data: dict[str, Any] | None, now: float) -> None:
        """Add (or replace) a file without an event; a part not given is made when first
        looked at."""
        self._files(sub_app_id)[file_id] = MediaFile(basic_info, meta_data, now)

    # ----- looking

    def file_ids(self, sub_app_id: SubAppId) -> list[str]:
        """The application's files, oldest known first."""
        return list(self._apps.get(sub_app_id, ()))

    def knows(self, sub_app_id: SubAppId, file_id: str) -> bool:
        return file_id in self._apps.get(sub_app_id, {})

    def media_info(self, sub_app_id: SubAppId, file_id: str, factory: EventFactory,
                   parts: frozenset[str] = ALL_PARTS) -> dict[str, Any] | None:
        """The file's MediaInfo with only ``parts`` filled (the others null); None if the
        library does not know it."""
        files = self._apps.get(sub_app_id, {})
        entry = files.get(file_id)
        if entry is None:
            return None
        if isinstance(entry, EmittedEvent) or entry.basic_info is None or (
                entry.meta_data is None):
            entry = files[file_id] = self._read(sub_app_id, file_id, entry, factory)
        info: dict[str, Any] = dict.fromkeys(MEDIA_INFO_FIELDS)
        info["FileId"] = file_id
        if "BasicInfo" in parts:
            info["BasicInfo"] = copy.deepcopy(entry.basic_info)
        if "MetaData" in parts:
            info["MetaData"] = copy.deepcopy(entry.meta_data)
        return info

    def _read(self, sub_app_id: SubAppId, file_id: str, entry: Entry,
              factory: EventFactory) -> MediaFile:
        """The file read from its event: an upload's MediaBasicInfo and MetaData as they
        are; what the event does not carry is made to agree with what it says, the same
        for the same seed, application and FileId."""
        hints: Mapping[str, Any] = {}
        if isinstance(entry, MediaFile):
            media = entry
        else:
            content = entry.content
            if entry.event_type == "NewFileUpload":
                hints = content[_UPLOAD]
            else:
                hints = next(part for named, part in _described_files(content)
                             if named == file_id)
            media = MediaFile(_object(hints.get("MediaBasicInfo")) if entry.event_type
                              == "NewFileUpload" else None, _object(hints.get("MetaData")),
                              entry.enqueued_at)
        if media.basic_info is not None and media.meta_data is not None:
            return media
        from ..events.factory import new_context

        rng = random.Random(f"media/{self._seed}/{sub_app_id}/{file_id}")
        context = new_context(rng, factory.app_id, media.known_since)
        context.file_id = file_id
        if media.meta_data is None:
            media.meta_data = factory.model("MediaMetaData", context)
        if media.basic_info is None:
            basic_info = factory.model("MediaBasicInfo", context)
            name = next((hints[key] for key in _NAME_HINTS
                         if isinstance(hints.get(key), str) and hints[key]), None)
            if name is not None:
                basic_info["Name"] = name
            if isinstance(hints.get("FileUrl"), str) and hints["FileUrl"]:
                basic_info["MediaUrl"] = hints["FileUrl"]
            media.basic_info = basic_info
        return media

    # ----- starting over

    def clear(self) -> None:
        self._apps.clear()

    def forget(self, sub_app_id: SubAppId) -> None:
        self._apps.pop(sub_app_id, None)


def file_deleted_event(file_id: str, delete_parts: list[dict[str, Any]]) -> dict[str, Any]:
    """The FileDeleted EventContent a DeleteMedia of ``file_id`` is followed by."""
    return {"EventType": "FileDeleted", "FileDeleteEvent": {
        "FileIdSet": [file_id],
        "FileDeleteResultInfo": [{"FileId": file_id, "DeleteParts": delete_parts}]}}


def check_delete_parts(parts: list[dict[str, Any]], types: Iterable[str]) -> list[dict[str, Any]]:
    """DeleteMedia's DeleteParts as its FileDeleted event names them: an item without a
    Type is without effect (as the SDK says), a Definition left out is 0 (every one)."""
    allowed = tuple(types)
    checked: list[dict[str, Any]] = []
    for part in parts:
        if "Type" not in part:
            continue
        if part["Type"] not in allowed:
            raise InvalidParameterValue(
                f"DeleteParts: {shown(part['Type'])} is not one of {', '.join(allowed)}.")
        checked.append({"Type": part["Type"], "Definition": part.get("Definition", 0)})
    return checked


def check_file_ids(file_ids: list[str]) -> list[str]:
    """DescribeMediaInfos' FileIds, each once in the order given: 1 to 20 of them."""
    if not file_ids:
        raise InvalidParameterValueFileIdsEmpty("FileIds is empty.")
    unique = list(dict.fromkeys(file_ids))
    if len(unique) > MAX_FILE_IDS:
        raise InvalidParameterValueFileIdsTooMany(
            f"FileIds holds {len(unique)} ids; at most {MAX_FILE_IDS} are allowed.")
    return unique


def parts_of(filters: Iterable[str] | None) -> frozenset[str]:
    """The MediaInfo parts DescribeMediaInfos' Filters name; none given: every part."""
    names = list(filters or ())
    if not names:
        return ALL_PARTS
    unknown = [name for name in names if name not in FILTERS]
    if unknown:
        raise InvalidParameterValue(
            f"Filters: {shown(unknown[0])} is not one of {', '.join(FILTERS)}.")
    return frozenset(FILTERS[name] for name in names)


def _described_files(content: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Each FileId an event names, with the part of the payload that describes it."""
    for value in content.values():
        if isinstance(value, dict):
            for place in _FILE_PLACES:
                part = value if place is None else value.get(place)
                if isinstance(part, dict) and _is_file_id(file_id := part.get("FileId")):
                    yield file_id, part


def _is_file_id(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and value != ""


def _object(value: object) -> dict[str, Any] | None:
    return value if isinstance(value, dict) else None


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []
