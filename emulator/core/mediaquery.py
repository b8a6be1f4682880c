"""What a media action asks, read and checked as the SDK documents it: the MediaInfo
parts DescribeMediaInfos' (and SearchMedia's) Filters name, SearchMedia's query, and the
ISO 8601 times the actions take. No state: the library (media.py) answers the query.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..base.echo import shown
from .errors import InvalidParameterValue, InvalidParameterValueOf

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

ALL_PARTS = frozenset(FILTERS.values()) | {"ImageUnderstandingInfo", "FaceRecognitionInfo"}


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


def parse_time(name: str, text: str, code: str | None = None) -> float:
    """An ISO 8601 time with its zone (``2018-10-01T10:00:00Z``, ``…+08:00``), as Unix
    seconds; else InvalidParameterValue (``.code`` when given)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        message = f"{name}: {shown(text)} is not an ISO 8601 time with its zone."
        if code is None:
            raise InvalidParameterValue(message)
        raise InvalidParameterValueOf(code, message)
    return moment.timestamp()


MAX_RESULTS = 5000  # SearchMediaRequest.Offset/Limit: "Offset + Limit 不超过5000"
DEFAULT_LIMIT = 10
CATEGORIES = ("Video", "Audio", "Image")
STATUSES = ("Normal", "SystemForbidden", "Forbidden")
SORT_ORDERS = ("Asc", "Desc")
# Each list filter: its parameter, the most items it takes, its error code's suffix.
_LIST_BOUNDS = {
    "FileIds": (10, "FileIds"), "Names": (10, "Names"), "NamePrefixes": (10, "NamePrefixes"),
    "ClassIds": (10, "ClassIds"), "Tags": (16, "Tags"), "Categories": (3, "Categories"),
    "SourceTypes": (10, "SourceTypes"), "StreamIds": (10, "StreamIds"),
    "StorageRegions": (20, "StorageRegions"), "MediaTypes": (10, "MediaType"),
    "Status": (3, "Status"),
}


@dataclass(frozen=True)
class MediaQuery:
    """SearchMedia's filters (each: any of its values; all filters together), its order
    and its page."""

    sets: dict[str, frozenset[Any]]
    """By BasicInfo field (``FileId`` for the id): the values one of which it must have."""
    names: tuple[str, ...] = ()
    name_prefixes: tuple[str, ...] = ()
    tags: frozenset[str] = frozenset()
    created_after: float | None = None
    created_before: float | None = None
    descending: bool = True
    offset: int = 0
    limit: int = DEFAULT_LIMIT
    parts: frozenset[str] = ALL_PARTS

    @property
    def by_name_only(self) -> bool:
        """Whether NamePrefixes and Names are the only filters (a file's Name says whether
        it matches)."""
        return not (self.sets or self.tags or self.created_after is not None
                    or self.created_before is not None)

    def matches(self, file_id: str, basic: Mapping[str, Any]) -> bool:
        name = basic.get("Name")
        if self.name_prefixes and not (isinstance(name, str)
                                       and name.startswith(self.name_prefixes)):
            return False
        if self.names and not (isinstance(name, str)
                               and any(part in name for part in self.names)):
            return False
        for key, wanted in self.sets.items():
            if _field(file_id, basic, key) not in wanted:
                return False
        if self.tags and self.tags.isdisjoint(as_list(basic.get("TagSet"))):
            return False
        if self.created_after is not None or self.created_before is not None:
            created = created_at(basic)
            if created is None or (self.created_after is not None
                                   and created < self.created_after) or (
                    self.created_before is not None and created >= self.created_before):
                return False
        return True


def _field(file_id: str, basic: Mapping[str, Any], key: str) -> Any:
    if key == "FileId":
        return file_id
    if key in ("SourceType", "StreamId"):
        source = as_object(basic.get("SourceInfo")) or {}
        if key == "SourceType":
            return source.get("SourceType")
        return (as_object(source.get("LiveRecordInfo")) or {}).get("StreamId")
    value = basic.get(key)
    return value if isinstance(value, (str, int)) else None


def created_at(basic: Mapping[str, Any]) -> float | None:
    """A BasicInfo's CreateTime as Unix seconds; None if it has none readable."""
    text = basic.get("CreateTime")
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.timestamp() if moment.tzinfo is not None else None


def check_query(params: Mapping[str, Any]) -> MediaQuery:
    """SearchMedia's parameters, checked as the SDK documents them."""
    for name, (most, code) in _LIST_BOUNDS.items():
        if len(params.get(name) or ()) > most:
            raise InvalidParameterValueOf(code, f"{name} holds more than {most} items.")
    _check_values(params, "Categories", CATEGORIES)
    _check_values(params, "Status", STATUSES)
    sets: dict[str, frozenset[Any]] = {}
    for name, key in (("FileIds", "FileId"), ("ClassIds", "ClassId"),
                      ("Categories", "Category"), ("SourceTypes", "SourceType"),
                      ("StreamIds", "StreamId"), ("StorageRegions", "StorageRegion"),
                      ("MediaTypes", "Type"), ("Status", "Status")):
        if params.get(name):
            sets[key] = frozenset(params[name])
    window = params.get("CreateTime") or {}
    after = parse_time("CreateTime.After", window["After"]) if "After" in window else None
    before = parse_time("CreateTime.Before", window["Before"]) if "Before" in window else None
    sort = params.get("Sort")
    descending = True
    if sort is not None:
        if sort.get("Field") != "CreateTime" or sort.get("Order") not in SORT_ORDERS:
            raise InvalidParameterValueOf(
                "Sort", "Sort takes Field CreateTime and Order Asc or Desc.")
        descending = sort["Order"] == "Desc"
    offset, limit = params.get("Offset", 0), params.get("Limit", DEFAULT_LIMIT)
    if offset < 0:
        raise InvalidParameterValueOf("Offset", "Offset must not be negative.")
    if limit < 1:
        raise InvalidParameterValueOf("Limit", "Limit must be at least 1.")
    if limit > MAX_RESULTS:
        raise InvalidParameterValueOf("LimitTooLarge", f"Limit is over {MAX_RESULTS}.")
    if offset + limit > MAX_RESULTS:
        raise InvalidParameterValueOf("OffsetTooLarge",
                                      f"Offset + Limit is over {MAX_RESULTS}.")
    return MediaQuery(sets, tuple(params.get("Names") or ()),
                      tuple(params.get("NamePrefixes") or ()),
                      frozenset(params.get("Tags") or ()), after, before, descending,
                      offset, limit, parts_of(params.get("Filters")))


def _check_values(params: Mapping[str, Any], name: str, allowed: tuple[str, ...]) -> None:
    for value in params.get(name) or ():
        if value not in allowed:
            raise InvalidParameterValueOf(
                name, f"{name}: {shown(value)} is not one of {', '.join(allowed)}.")


def as_object(value: object) -> dict[str, Any] | None:
    return value if isinstance(value, dict) else None


def as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []
