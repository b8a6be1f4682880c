"""Event payloads: generated ones, and checks on payloads users bring.

Generation is driven by one seeded ``random.Random`` (never the global one): the same
seed gives the same events in the same order; times follow the emulator clock.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from ..clock import iso8601
from .catalog import EVENT_TYPES, MEMBER_OF_EVENT_TYPE

NEVER_EXPIRES = "9999-12-31T23:59:59Z"
_REGIONS = ("ap-guangzhou", "ap-chongqing", "ap-shanghai", "ap-beijing")
_APP_ID = 1256768367


class EventInputError(ValueError):
    """An event payload or generation request that cannot be used, with the reason."""


class EventFactory:
    """Makes EventContent payloads (without EventHandle) for every EventType."""

    def __init__(self, seed: int, now: Callable[[], float]) -> None:
        self._seed = seed
        self._now = now
        self._random = random.Random(seed)

    def reseed(self) -> None:
        self._random = random.Random(self._seed)

    def make(self, event_type: str) -> dict[str, Any]:
        member = MEMBER_OF_EVENT_TYPE.get(event_type)
        if member is None:
            raise EventInputError(
                f"unknown event type {event_type!r}; known types: {', '.join(EVENT_TYPES)}"
            )
        build = _BUILDERS.get(event_type, EventFactory._task_member)
        return {"EventType": event_type, member: build(self)}

    # ----- values

    def _file_id(self) -> str:
        return str(self._random.randrange(5_285_890_700_000_000_000, 5_285_890_799_999_999_999))

    def _hex(self, length: int) -> str:
        return "".join(self._random.choice("0123456789abcdef") for _ in range(length))

    def _task_id(self, kind: str) -> str:
        return f"{_APP_ID}-{kind}-{self._hex(32)}t{self._random.randint(0, 9)}"

    def _media_url(self, name: str, ext: str) -> str:
        return f"https://{_APP_ID}.vod2.myqcloud.com/{self._hex(8)}/{self._hex(8)}/{name}.{ext}"

    # ----- members

    def _file_upload(self) -> dict[str, Any]:
        file_id = self._file_id()
        now = iso8601(self._now())
        name = f"video-{self._hex(6)}"
        return {
            "FileId": file_id,
            "MediaBasicInfo": {
                "Name": name,
                "Description": "",
                "CreateTime": now,
                "UpdateTime": now,
                "ExpireTime": NEVER_EXPIRES,
                "ClassId": 0,
                "ClassName": "其他",
                "ClassPath": "",
                "CoverUrl": "",
                "Type": "mp4",
                "MediaUrl": self._media_url(name, "mp4"),
                "StorageRegion": self._random.choice(_REGIONS),
                "TagSet": [],
                "Vid": file_id,
                "Category": "Video",
                "Status": "Normal",
                "StorageClass": "STANDARD",
            },
            "ProcedureTaskId": "",
            "ReviewAudioVideoTaskId": "",
        }

    def _procedure_state(self) -> dict[str, Any]:
        name = f"video-{self._hex(6)}"
        return {
            "TaskId": self._task_id("Procedure"),
            "Status": "FINISH",
            "ErrCode": 0,
            "Message": "SUCCESS",
            "FileId": self._file_id(),
            "FileName": name,
            "FileUrl": self._media_url(name, "mp4"),
        }

    def _file_delete(self) -> dict[str, Any]:
        return {"FileIdSet": [self._file_id()]}

    def _task_member(self) -> dict[str, Any]:
        return {}


_BUILDERS: dict[str, Callable[[EventFactory], dict[str, Any]]] = {
    "NewFileUpload": EventFactory._file_upload,
    "ProcedureStateChanged": EventFactory._procedure_state,
    "FileDeleted": EventFactory._file_delete,
}

_MEMBERS = frozenset(MEMBER_OF_EVENT_TYPE.values())


def check_event_content(content: Any) -> dict[str, Any]:
    """Accept an EventContent a user brings (without EventHandle), or say what is wrong."""
    if not isinstance(content, dict):
        raise EventInputError("each event must be a JSON object (an EventContent)")
    if "EventHandle" in content:
        raise EventInputError("EventHandle is assigned by the emulator at pull time; leave it out")
    event_type = content.get("EventType")
    if not isinstance(event_type, str):
        raise EventInputError("each event needs an EventType string")
    member = MEMBER_OF_EVENT_TYPE.get(event_type)
    if member is None:
        raise EventInputError(
            f"unknown EventType {event_type!r}; known types: {', '.join(EVENT_TYPES)}"
        )
    for key, value in content.items():
        if key == "EventType":
            continue
        if key not in _MEMBERS:
            raise EventInputError(f"{key!r} is not a field of EventContent")
        if key != member and value is not None:
            raise EventInputError(
                f"EventType {event_type} carries {member}; {key} must be left out"
            )
        if value is not None and not isinstance(value, dict):
            raise EventInputError(f"{key} must be a JSON object")
    return content
