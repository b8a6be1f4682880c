"""The five VOD event-notification actions, thin: typed parameters in, domain call, fields out."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from .backend import VodBackend
from .cloudapi.parameters import Kind, Parameter, Signature
from .errors import InvalidParameterValue
from .subappid import SubAppId

Fields = dict[str, Any]
Handler = Callable[[VodBackend, dict[str, Any]], Awaitable[Fields]]

_SUB_APP_ID = Parameter(Kind.INTEGER)
_STRING = Parameter(Kind.STRING)


@dataclass(frozen=True)
class Action:
    signature: Signature
    handler: Handler


def _sub_app_id(params: dict[str, Any]) -> SubAppId:
    value: int | None = params.get("SubAppId")
    if value is not None and value <= 0:
        raise InvalidParameterValue(f"SubAppId must be a positive integer, got {value}.")
    return value


async def pull_events(backend: VodBackend, params: dict[str, Any]) -> Fields:
    leases = await backend.pull_events(_sub_app_id(params))
    return {"EventSet": [lease.event_content_json() for lease in leases]}


async def confirm_events(backend: VodBackend, params: dict[str, Any]) -> Fields:
    backend.confirm_events(_sub_app_id(params), params["EventHandles"])
    return {}


async def describe_events_state(backend: VodBackend, params: dict[str, Any]) -> Fields:
    return {"CountOfEventsToPull": backend.count_events_to_pull(_sub_app_id(params))}


async def modify_event_config(backend: VodBackend, params: dict[str, Any]) -> Fields:
    sub_app_id = _sub_app_id(params)
    changes = {name: value for name, value in params.items() if name != "SubAppId"}
    backend.modify_event_config(sub_app_id, changes)
    return {}


async def describe_event_config(backend: VodBackend, params: dict[str, Any]) -> Fields:
    return backend.describe_event_config(_sub_app_id(params)).describe()


ACTIONS: dict[str, Action] = {
    "PullEvents": Action({"ExtInfo": _STRING, "SubAppId": _SUB_APP_ID}, pull_events),
    "ConfirmEvents": Action(
        {
            "EventHandles": Parameter(Kind.STRING_LIST, required=True),
            "ExtInfo": _STRING,
            "SubAppId": _SUB_APP_ID,
        },
        confirm_events,
    ),
    "DescribeEventsState": Action({"SubAppId": _SUB_APP_ID}, describe_events_state),
    "ModifyEventConfig": Action(
        {
            "SubAppId": _SUB_APP_ID,
            "Mode": _STRING,
            "NotificationUrl": _STRING,
            "UploadMediaCompleteEventSwitch": _STRING,
            "DeleteMediaCompleteEventSwitch": _STRING,
            "PersistenceCompleteEventSwitch": _STRING,
            "SignKey": _STRING,
        },
        modify_event_config,
    ),
    "DescribeEventConfig": Action({"SubAppId": _SUB_APP_ID}, describe_event_config),
}
