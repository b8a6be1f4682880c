"""The VOD actions the emulator answers, the event notifications' and the media library's,
thin: typed parameters in, domain call, fields out.

An action answers its fields, and for PullEvents also what to undo if the answer never
reaches the caller (the events it leased are put back at once)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..base.jsontext import RawJson, plain
from ..core.backend import VodBackend
from ..core.eventconfig import PARAMETERS
from ..core.ids import SubAppId
from ..core.operations import (
    CONFIRM_EVENTS,
    DELETE_MEDIA,
    DESCRIBE_EVENT_CONFIG,
    DESCRIBE_EVENTS_STATE,
    DESCRIBE_MEDIA_INFOS,
    MODIFY_EVENT_CONFIG,
    MODIFY_MEDIA_INFO,
    PULL_EVENTS,
    SEARCH_MEDIA,
)
from ..core.queue import Lease
from .parameters import Kind, Parameter, RequestModel, Signature

Fields = dict[str, Any]
Params = dict[str, Any]


@dataclass(frozen=True)
class Answer:
    fields: Fields
    unsent: Callable[[], None] | None = None
    """Called when the answer could not be written to the caller (it hung up)."""
    leases: Sequence[Lease] = ()
    """PullEvents: the leases answered (the consumer report follows their handles)."""


Handler = Callable[[VodBackend, dict[str, Any], str], Awaitable[Answer]]
"""(backend, parameters, RequestId) -> the answer."""

_SUB_APP_ID = Parameter(Kind.INTEGER)
_STRING = Parameter(Kind.STRING)


@dataclass(frozen=True)
class Action:
    signature: Signature | RequestModel
    handler: Handler


def _sub_app_id(params: dict[str, Any]) -> SubAppId:
    # Parameter parsing has applied core.ids' rule already.
    sub_app_id: SubAppId = params.get("SubAppId")
    return sub_app_id


async def pull_events(backend: VodBackend, params: Params, request_id: str) -> Answer:
    sub_app_id = _sub_app_id(params)
    leases = await backend.pull_events(sub_app_id)
    return Answer({"EventSet": [lease.event_content_json() for lease in leases]},
                  unsent=lambda: backend.release_events(sub_app_id, leases) if leases else None,
                  leases=leases)


async def confirm_events(backend: VodBackend, params: Params, request_id: str) -> Answer:
    backend.confirm_events(_sub_app_id(params), params["EventHandles"])
    return Answer({})


async def describe_events_state(backend: VodBackend, params: Params, request_id: str) -> Answer:
    return Answer({"CountOfEventsToPull": backend.count_events_to_pull(_sub_app_id(params))})


async def modify_event_config(backend: VodBackend, params: Params, request_id: str) -> Answer:
    sub_app_id = _sub_app_id(params)
    changes = {name: value for name, value in params.items() if name != "SubAppId"}
    backend.modify_event_config(sub_app_id, changes)
    return Answer({})


async def describe_event_config(backend: VodBackend, params: Params, request_id: str) -> Answer:
    return Answer(backend.describe_event_config(_sub_app_id(params)).describe())


async def describe_media_infos(backend: VodBackend, params: Params, request_id: str) -> Answer:
    found, missing = backend.media_infos(_sub_app_id(params), params["FileIds"],
                                         params.get("Filters"))
    # Encoded whole, in one pass: MediaInfos are plain JSON, and walking them value by
    # value (as an answer that may hold RawJson is written) costs ten times as much.
    return Answer({"MediaInfoSet": RawJson(plain(found)), "NotExistFileIdSet": missing})


async def delete_media(backend: VodBackend, params: Params, request_id: str) -> Answer:
    backend.delete_media(_sub_app_id(params), params["FileId"], params.get("DeleteParts"),
                         f"{DELETE_MEDIA} {request_id}")
    return Answer({})


async def modify_media_info(backend: VodBackend, params: Params, request_id: str) -> Answer:
    cover_url = backend.modify_media_info(_sub_app_id(params), params["FileId"], params)
    return Answer({"CoverUrl": cover_url, "AddedSubtitleSet": []})


async def search_media(backend: VodBackend, params: Params, request_id: str) -> Answer:
    total, infos = await backend.search_media(_sub_app_id(params), params)
    # One at a time, handing the loop back between them: a page may hold 5,000.
    encoded = await backend.in_slices((plain(info) for info in infos), "search")
    return Answer({"TotalCount": total,
                   "MediaInfoSet": RawJson(b"[" + b",".join(encoded) + b"]")})


_STRINGS = Parameter(Kind.STRING_LIST)
_INTEGER = Parameter(Kind.INTEGER)

ACTIONS: dict[str, Action] = {
    PULL_EVENTS: Action({"ExtInfo": _STRING, "SubAppId": _SUB_APP_ID}, pull_events),
    CONFIRM_EVENTS: Action(
        {
            "EventHandles": Parameter(Kind.STRING_LIST, required=True),
            "ExtInfo": _STRING,
            "SubAppId": _SUB_APP_ID,
        },
        confirm_events,
    ),
    DESCRIBE_EVENTS_STATE: Action({"SubAppId": _SUB_APP_ID}, describe_events_state),
    MODIFY_EVENT_CONFIG: Action(
        {"SubAppId": _SUB_APP_ID, **dict.fromkeys(PARAMETERS, _STRING)},
        modify_event_config,
    ),
    DESCRIBE_EVENT_CONFIG: Action({"SubAppId": _SUB_APP_ID}, describe_event_config),
    DESCRIBE_MEDIA_INFOS: Action(
        {
            "FileIds": Parameter(Kind.STRING_LIST, required=True),
            "Filters": Parameter(Kind.STRING_LIST),
            "SubAppId": _SUB_APP_ID,
        },
        describe_media_infos,
    ),
    DELETE_MEDIA: Action(
        {
            "FileId": Parameter(Kind.STRING, required=True),
            "SubAppId": _SUB_APP_ID,
            "DeleteParts": Parameter(Kind.OBJECT_LIST, members=(
                ("Type", Kind.STRING), ("Definition", Kind.INTEGER))),
        },
        delete_media,
    ),
    # Key frame descriptions, subtitles and knowledge bases are not simulated: their
    # parameters are not declared, so a request naming one is refused (UnknownParameter).
    MODIFY_MEDIA_INFO: Action(
        {
            "FileId": Parameter(Kind.STRING, required=True),
            "SubAppId": _SUB_APP_ID,
            "Name": _STRING, "Description": _STRING, "ClassId": _INTEGER,
            "ExpireTime": _STRING, "CoverData": _STRING,
            "AddTags": _STRINGS, "DeleteTags": _STRINGS, "ClearTags": _INTEGER,
        },
        modify_media_info,
    ),
    SEARCH_MEDIA: Action(
        {
            "SubAppId": _SUB_APP_ID,
            **dict.fromkeys(("FileIds", "Names", "NamePrefixes", "Tags", "Categories",
                             "SourceTypes", "StreamIds", "StorageRegions", "MediaTypes",
                             "Status", "Filters"), _STRINGS),
            "ClassIds": Parameter(Kind.INTEGER_LIST),
            "CreateTime": Parameter(Kind.OBJECT, members=(("After", Kind.STRING),
                                                          ("Before", Kind.STRING))),
            "Sort": Parameter(Kind.OBJECT, members=(("Field", Kind.STRING),
                                                    ("Order", Kind.STRING))),
            "Offset": _INTEGER, "Limit": _INTEGER,
        },
        search_media,
    ),
}
