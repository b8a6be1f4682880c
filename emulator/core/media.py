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

A finished procedure (a ProcedureStateChanged at FINISH, however it was emitted) adds its
successful outputs: each transcode, snapshot, sprite, animated graphic and stream joins its
part's list, a cover by snapshot becomes the cover. Parts nothing made (reviews, key
frames, subtitles...) are null.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import heapq
import itertools
import random
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeGuard

from ..base.echo import shown
from ..base.times import iso8601
from .errors import (
    InvalidParameterValue,
    InvalidParameterValueFileId,
    InvalidParameterValueFileIdsEmpty,
    InvalidParameterValueFileIdsTooMany,
    InvalidParameterValueOf,
)
from .event import EmittedEvent
from .ids import SubAppId
from .mediaindex import READ_FILES_A_STEP, NameIndexes, Record, prefix_ranges
from .mediaquery import ALL_PARTS, MediaQuery, created_at, parse_time
from .mediaquery import as_list as _list
from .mediaquery import as_object as _object

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

DELETE_NOTICE_SECONDS = 1.0
"""How long after a DeleteMedia its FileDeleted event follows, in emulator seconds (the
real service's delay is not documented: short, and never in the answer itself)."""

MAX_FILE_IDS = 20  # DescribeMediaInfosRequest.FileIds: "N 从 0 开始取值，最大 19"

PROCEDURE_OUTPUTS = {
    "Transcode": ("TranscodeInfo", "TranscodeSet"),
    "AnimatedGraphics": ("AnimatedGraphicsInfo", "AnimatedGraphicsSet"),
    "SnapshotByTimeOffset": ("SnapshotByTimeOffsetInfo", "SnapshotByTimeOffsetSet"),
    "SampleSnapshot": ("SampleSnapshotInfo", "SampleSnapshotSet"),
    "ImageSprites": ("ImageSpriteInfo", "ImageSpriteSet"),
    "AdaptiveDynamicStreaming": ("AdaptiveDynamicStreamingInfo", "AdaptiveDynamicStreamingSet"),
}
"""A procedure's result type (MediaProcessTaskResult.Type), and the MediaInfo part and list
its output joins."""

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
        # What finished procedures made of a file (TranscodeInfo...), apart from the entry
        # itself, which may still be its unread event.
        self._outputs: dict[SubAppId, dict[str, dict[str, Any]]] = {}
        # The files deleted: a later event naming one (a task that was running) does not
        # bring it back; only an upload or a seed of its FileId does.
        self._deleted: dict[SubAppId, set[str]] = {}
        # SearchMedia's index of the names of files read (core/mediaindex.py); told of a
        # file dropped or perhaps renamed, never of a new one (found at the library's end).
        self._indexes = NameIndexes()

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
                if self._indexes and file_id in files:  # known again: perhaps renamed
                    self._indexes.changed(event.sub_app_id, file_id)
                files[file_id] = event
                if self._deleted:
                    self._deleted.get(event.sub_app_id, set()).discard(file_id)
            return
        if event_type == "FileDeleted":
            task = content.get("FileDeleteEvent")
            if isinstance(task, dict):
                self._delete(event.sub_app_id, task)
            return
        if event_type == "ProcedureStateChanged":
            task = content.get("ProcedureStateChangeEvent")
            if type(task) is dict and task.get("Status") == "FINISH":
                self.add_outputs(event.sub_app_id, task)
        # _described_files(), written out: a generator per event costs more than the rest.
        for value in content.values():
            if type(value) is dict:
                for place in _FILE_PLACES:
                    part = value if place is None else value.get(place)
                    if type(part) is dict and _is_file_id(file_id := part.get("FileId")):
                        files = self._files(event.sub_app_id)
                        if file_id not in files and not self._was_deleted(
                                event.sub_app_id, file_id):
                            files[file_id] = event

    def _delete(self, sub_app_id: SubAppId, task: Mapping[str, Any]) -> None:
        files = self._apps.get(sub_app_id)
        if not files:
            return
        partial = {item["FileId"] for item in _list(task.get("FileDeleteResultInfo"))
                   if isinstance(item, dict) and isinstance(item.get("FileId"), str)
                   and item.get("DeleteParts")}
        outputs = self._outputs.get(sub_app_id, {})
        deleted = self._deleted.setdefault(sub_app_id, set())
        for file_id in _list(task.get("FileIdSet")):
            if isinstance(file_id, str) and file_id not in partial:
                if files.pop(file_id, None) is not None:
                    deleted.add(file_id)
                outputs.pop(file_id, None)
                if self._indexes:
                    self._indexes.dropped(sub_app_id, file_id)

    def _was_deleted(self, sub_app_id: SubAppId, file_id: str) -> bool:
        deleted = self._deleted.get(sub_app_id)
        return deleted is not None and file_id in deleted

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
        self._indexes.changed(sub_app_id, file_id)
        self._deleted.get(sub_app_id, set()).discard(file_id)

    def add_outputs(self, sub_app_id: SubAppId, procedure: Mapping[str, Any]) -> None:
        """A finished procedure's successful outputs become parts of its file: each
        transcode, snapshot, sprite, animated graphic and stream added to its list (one
        per Definition: a newer one replaces), a cover by snapshot becomes the cover."""
        file_id = procedure.get("FileId")
        if not (_is_file_id(file_id) and file_id in self._apps.get(sub_app_id, {})):
            return
        parts = self._outputs.setdefault(sub_app_id, {}).setdefault(file_id, {})
        for result in _list(procedure.get("MediaProcessResultSet")):
            if not isinstance(result, dict):
                continue
            for sub in result.values():
                if not (isinstance(sub, dict) and sub.get("Status") == "SUCCESS"
                        and isinstance(sub.get("Output"), dict)):
                    continue
                output = sub["Output"]
                place = PROCEDURE_OUTPUTS.get(result.get("Type"))  # type: ignore[arg-type]
                if place is None:  # CoverBySnapshot
                    if isinstance(output.get("CoverUrl"), str):
                        parts["CoverUrl"] = output["CoverUrl"]
                    continue
                part, items = place
                held = parts.setdefault(part, {items: []})[items]
                held[:] = [item for item in held
                           if item.get("Definition") != output.get("Definition")]
                held.append(_copied(output))

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
        entry = self._looked_at(sub_app_id, file_id, factory)
        if entry is None:
            return None
        info: dict[str, Any] = dict.fromkeys(MEDIA_INFO_FIELDS)
        info["FileId"] = file_id
        if "BasicInfo" in parts:
            info["BasicInfo"] = _copied(entry.basic_info)
        if "MetaData" in parts:
            info["MetaData"] = _copied(entry.meta_data)
        made = self._outputs.get(sub_app_id, {}).get(file_id)
        if made:
            for part, value in made.items():
                if part == "CoverUrl":
                    if info["BasicInfo"] is not None:
                        info["BasicInfo"]["CoverUrl"] = value
                elif part in parts:
                    info[part] = _copied(value)
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
        from ..events.context import new_context

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

    def basic_info(self, sub_app_id: SubAppId, file_id: str,
                   factory: EventFactory) -> dict[str, Any] | None:
        """The file's BasicInfo itself (not a copy: for matching and changing); None if
        the library does not know it."""
        media = self._looked_at(sub_app_id, file_id, factory)
        return None if media is None else media.basic_info

    def _looked_at(self, sub_app_id: SubAppId, file_id: str,
                   factory: EventFactory) -> MediaFile | None:
        files = self._apps.get(sub_app_id, {})
        entry = files.get(file_id)
        if entry is None:
            return None
        if isinstance(entry, EmittedEvent) or entry.basic_info is None or (
                entry.meta_data is None):
            entry = files[file_id] = self._read(sub_app_id, file_id, entry, factory)
        return entry

    def describe(self, sub_app_id: SubAppId, file_ids: list[str], parts: frozenset[str],
                 factory: EventFactory) -> tuple[list[dict[str, Any]], list[str]]:
        """DescribeMediaInfos: the MediaInfo of each known file (only ``parts``), and the
        ids the library does not know."""
        found: list[dict[str, Any]] = []
        missing: list[str] = []
        for file_id in file_ids:
            info = self.media_info(sub_app_id, file_id, factory, parts)
            if info is None:
                missing.append(file_id)
            else:
                found.append(info)
        return found, missing

    def newest(self, sub_app_id: SubAppId, limit: int | None,
               factory: EventFactory) -> tuple[list[dict[str, Any]], int]:
        """The newest known files (at most ``limit``), each's whole MediaInfo; and how many
        the library knows."""
        file_ids = self.file_ids(sub_app_id)
        infos = [self.media_info(sub_app_id, file_id, factory)
                 for file_id in file_ids[::-1][:limit]]
        return [info for info in infos if info is not None], len(file_ids)

    def seed(self, sub_app_id: SubAppId, file_id: str | None, basic_info: Mapping[str, Any],
             meta_data: Mapping[str, Any], factory: EventFactory, now: float) -> dict[str, Any]:
        """Add a file without an event (replacing one of the same FileId): its parts made
        as for a file an event named, the fields given replacing theirs; a new FileId if
        none is given. EventInputError, and nothing added, if a part does not fit the
        SDK's MediaBasicInfo or MediaMetaData. Its MediaInfo."""
        from ..events.vocabulary import new_file_id

        factory.schema.check_model(basic_info, "MediaBasicInfo", "basic_info")
        factory.schema.check_model(meta_data, "MediaMetaData", "meta_data")
        if file_id is None:
            file_id = new_file_id(factory.rng)
        made = MediaLibrary(self._seed)  # the parts, made apart from the library
        made.add(sub_app_id, file_id, None, None, now)
        info = made.media_info(sub_app_id, file_id, factory)
        assert info is not None
        self.add(sub_app_id, file_id, {**info["BasicInfo"], **basic_info},
                 {**info["MetaData"], **meta_data}, now)
        seeded = self.media_info(sub_app_id, file_id, factory)
        assert seeded is not None
        return seeded

    def modify(self, sub_app_id: SubAppId, file_id: str, changes: MediaChanges,
               factory: EventFactory, now: float) -> str:
        """ModifyMediaInfo: apply ``changes`` to the file's BasicInfo (its UpdateTime
        becomes ``now``); the CoverUrl made for a CoverData, else "". The cover's bytes
        are not kept. InvalidParameterValueFileId if the library does not know the file."""
        basic = self.basic_info(sub_app_id, file_id, factory)
        if basic is None:
            raise InvalidParameterValueFileId(f"FileId {shown(file_id)} does not exist.")
        tags = [] if changes.clear_tags else [
            tag for tag in _list(basic.get("TagSet")) if tag not in changes.delete_tags]
        tags += [tag for tag in changes.add_tags if tag not in tags]
        if len(tags) > MAX_TAGS:
            raise InvalidParameterValueOf(
                "Tags", f"A file holds at most {MAX_TAGS} tags; this would make {len(tags)}.")
        cover_url = ""
        if changes.cover is not None:
            cover_url = _cover_url(basic, file_id, factory.app_id, *changes.cover)
            basic["CoverUrl"] = cover_url
        basic.update(changes.fields)
        if "Name" in changes.fields:
            self._indexes.changed(sub_app_id, file_id)
        basic["TagSet"] = tags
        basic["UpdateTime"] = iso8601(now)
        return cover_url

    # ----- starting over

    def clear(self) -> None:
        self._apps.clear()
        self._outputs.clear()
        self._deleted.clear()
        self._indexes.clear()

    def forget(self, sub_app_id: SubAppId) -> None:
        self._apps.pop(sub_app_id, None)
        self._outputs.pop(sub_app_id, None)
        self._deleted.pop(sub_app_id, None)
        self._indexes.pop(sub_app_id, None)


# ModifyMediaInfoRequest.AddTags: "单个媒体文件最多 16 个标签，单个标签最多 32 个字符"
MAX_TAGS = 16
MAX_TAG_LENGTH = 32
_COVER_TYPES = ((b"\x89PNG\r\n\x1a\n", "png"), (b"\xff\xd8\xff", "jpg"), (b"GIF87a", "gif"),
                (b"GIF89a", "gif"))
"""The only cover formats ModifyMediaInfo takes (gif, jpeg, png), by their magic bytes."""


@dataclass(frozen=True)
class MediaChanges:
    """ModifyMediaInfo's changes, checked: BasicInfo fields to set, tags, a cover."""

    fields: dict[str, Any] = field(default_factory=dict)
    add_tags: tuple[str, ...] = ()
    delete_tags: frozenset[str] = frozenset()
    clear_tags: bool = False
    cover: tuple[str, str] | None = None
    """The cover's digest and file extension."""


def check_changes(params: Mapping[str, Any]) -> MediaChanges:
    """ModifyMediaInfo's parameters as changes, each checked as the SDK documents it."""
    fields: dict[str, Any] = {}
    if "Name" in params:
        fields["Name"] = _bounded("Name", params["Name"], 64)
    if "Description" in params:
        fields["Description"] = _bounded("Description", params["Description"], 128)
    if "ClassId" in params:
        if params["ClassId"] < 0:
            raise InvalidParameterValueOf("ClassId", "ClassId must not be negative.")
        fields["ClassId"] = params["ClassId"]
    if "ExpireTime" in params:
        parse_time("ExpireTime", params["ExpireTime"], "ExpireTime")
        fields["ExpireTime"] = params["ExpireTime"]
    add_tags = tuple(dict.fromkeys(params.get("AddTags") or ()))
    delete_tags = frozenset(params.get("DeleteTags") or ())
    clear_tags = params.get("ClearTags") == 1  # "其他值无意义"
    for tag in add_tags:
        if len(tag) > MAX_TAG_LENGTH:
            raise InvalidParameterValueOf(
                "TagTooLong", f"Tag {shown(tag)} is longer than {MAX_TAG_LENGTH} characters.")
    if delete_tags.intersection(add_tags):
        raise InvalidParameterValueOf(
            "AddTagsAndDeleteTagsConflict", "AddTags and DeleteTags name the same tag.")
    if clear_tags and add_tags:
        raise InvalidParameterValueOf(
            "AddTagsAndClearTagsConflict", "AddTags and ClearTags are given together.")
    cover = None
    if "CoverData" in params:
        cover = _check_cover(params["CoverData"])
    return MediaChanges(fields, add_tags, delete_tags, clear_tags, cover)


def _bounded(name: str, text: str, most: int) -> str:
    if len(text) > most:
        raise InvalidParameterValueOf(name, f"{name} is longer than {most} characters.")
    return text


def _check_cover(data: str) -> tuple[str, str]:
    try:
        image = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidParameterValue("CoverData is not Base64.") from None
    extension = next((ext for magic, ext in _COVER_TYPES if image.startswith(magic)), None)
    if extension is None:
        raise InvalidParameterValueOf("CoverType", "CoverData is not a gif, jpeg or png image.")
    return hashlib.md5(image).hexdigest(), extension  # noqa: S324 (a name, not security)


def _cover_url(basic: Mapping[str, Any], file_id: str, app_id: int, digest: str,
               extension: str) -> str:
    """Beside the file's MediaUrl when it has one, as the service's covers are."""
    media_url = basic.get("MediaUrl")
    if isinstance(media_url, str) and media_url.startswith(("http://", "https://")) and (
            media_url.count("/") > 2):
        folder = media_url.rsplit("/", 1)[0]
    else:
        folder = f"http://{app_id}.vod2.myqcloud.com/{file_id}"
    return f"{folder}/cover-{digest[:16]}.{extension}"


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


def _described_files(content: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Each FileId an event names, with the part of the payload that describes it."""
    for value in content.values():
        if isinstance(value, dict):
            for place in _FILE_PLACES:
                part = value if place is None else value.get(place)
                if isinstance(part, dict) and _is_file_id(file_id := part.get("FileId")):
                    yield file_id, part


def _copied(value: Any) -> Any:
    """A copy of JSON-shaped data (dicts, lists, scalars): an answer never shares the
    library's own objects. A third of ``copy.deepcopy``'s cost, which keeps a memo."""
    if isinstance(value, dict):
        return {key: _copied(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copied(item) for item in value]
    return value


def _is_file_id(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and value != ""


# ----- SearchMedia

class MediaSearch:
    """One SearchMedia. ``batches()`` first brings the application's name index up to date
    (core/mediaindex.py: the files not read yet are read, so the first search reads every
    file), then looks at the files that may match: those whose names start with one of the
    NamePrefixes (a slice of the index), the FileIds asked for (without the index), else
    every file; a step at a time (whoever walks it hands the loop back between steps),
    keeping only the page's worth of leaders, so no step sorts every match; then
    ``matched`` and ``page()``."""

    def __init__(self, library: MediaLibrary, sub_app_id: SubAppId, query: MediaQuery,
                 factory: EventFactory) -> None:
        self._library, self._sub_app_id = library, sub_app_id
        self._query, self._factory = query, factory
        self._index = library._indexes.of(sub_app_id)
        self.matched = 0
        # The first offset + limit matches in the query's order (CreateTime, then the order
        # the library knows the files), as a heap with the last of them on top.
        self._leaders: list[tuple[float, int, str]] = []

    def batches(self) -> Iterator[None]:
        query, index = self._query, self._index
        wanted = query.sets.get("FileId")
        if wanted is not None:
            yield from self._by_file_ids(wanted)
            return
        for _ in range(2):  # a refresh already under way (if any), then this search's own
            refresh = index.refresh(self._files(), self._facts)
            if refresh is None:
                break
            for _ in refresh:
                yield None
                if not self._current():
                    return
        if query.name_prefixes:
            candidates: list[Record] = []
            for low, high in prefix_ranges(query.name_prefixes):
                candidates += index.names.between(low, high)
        else:
            candidates = list(index.records.values())
        records, files, parts = index.records, self._files(), query.names
        by_name, stale = query.by_name_only, index.stale
        for count, record in enumerate(candidates, 1):
            if count % READ_FILES_A_STEP == 0:
                yield None
                if not self._current():
                    return
            name, place, file_id, created = record
            changed = file_id in stale  # during this search: looked at as it is now
            if parts and not changed and not (
                    isinstance(name, str) and any(part in name for part in parts)):
                continue  # Names: by the indexed name, before looking at the file
            if records.get(file_id) is not record:
                continue  # dropped or read again since
            if by_name and not changed:  # it matches, as the index says
                self._keep(created, place, file_id)
            else:
                self._consider(file_id, place, files.get(file_id))

    def _by_file_ids(self, wanted: frozenset[str]) -> Iterator[None]:
        """Only the files asked for. A recorded file's place is its record's; the files not
        recorded yet are the library's last ones, after every recorded one, in its order."""
        index, files = self._index, self._files()
        places = {file_id: record[1] for file_id in wanted
                  if (record := index.records.get(file_id)) is not None}
        unrecorded = [file_id for file_id in wanted
                      if file_id in files and file_id not in places]
        if unrecorded:
            last = list(itertools.islice(reversed(files), len(files) - len(index.records)))
            base = index.next_order + len(last) - 1  # the place of the library's last file
            for file_id in unrecorded:
                yield None  # each look is a pass over up to every file's id (~1 ms at 100,000)
                with contextlib.suppress(ValueError):  # (a file added since is not in it)
                    places[file_id] = base - last.index(file_id)
        if not self._current():
            return
        for file_id, place in places.items():
            entry = files.get(file_id)
            self._consider(file_id, place, entry)
            yield None  # possibly read from its event (~75 µs)

    def _consider(self, file_id: str, place: int, entry: Entry | None) -> None:
        basic = entry.basic_info if isinstance(entry, MediaFile) else None
        if basic is None:
            if entry is None:
                return
            basic = self._basic(file_id)  # not read yet (or again): read once, kept
        if basic is not None and self._query.matches(file_id, basic):
            self._keep(created_at(basic) or 0.0, place, file_id)

    def _basic(self, file_id: str) -> dict[str, Any] | None:
        return self._library.basic_info(self._sub_app_id, file_id, self._factory)

    def _facts(self, file_id: str) -> tuple[Any, float] | None:
        """What the index keeps of a file: its Name and CreateTime."""
        basic = self._basic(file_id)
        return None if basic is None else (basic.get("Name"), created_at(basic) or 0.0)

    def _files(self) -> dict[str, Entry]:
        return self._library._apps.get(self._sub_app_id, {})

    def _current(self) -> bool:
        """False once the library was reset under the search: it stops there."""
        return self._library._indexes.get(self._sub_app_id) is self._index

    def _keep(self, created: float, place: int, file_id: str) -> None:
        self.matched += 1
        rank = -created if self._query.descending else created
        item = (-rank, -place, file_id)  # the heap's top: the last leader
        size = self._query.offset + self._query.limit
        if len(self._leaders) < size:
            heapq.heappush(self._leaders, item)
        elif size and item > self._leaders[0]:  # it goes before the last leader
            heapq.heapreplace(self._leaders, item)

    def page(self) -> Iterator[dict[str, Any] | None]:
        """The MediaInfo of each file of the page asked for, one at a time (a page may
        hold 5,000: whoever walks it hands the loop back between them)."""
        query = self._query
        ordered = [file_id for _, _, file_id in sorted(self._leaders, reverse=True)]
        for file_id in ordered[query.offset:query.offset + query.limit]:
            yield self._library.media_info(self._sub_app_id, file_id, self._factory,
                                           query.parts)
