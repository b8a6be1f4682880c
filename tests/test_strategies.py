"""The public Hypothesis strategies (``emulator.strategies``): every payload they draw is valid
against the schema and the official SDK, examples shrink small, and users can fuzz with them."""

from __future__ import annotations

import math
import warnings
from typing import Any

import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st
from tencentcloud.vod.v20180717 import models

from emulator.events import EVENT_TYPES, EventInputError, check_event_content, load_schema
from emulator.events.schema import Field, Schema
from emulator.events.strategies import any_event, event_content, event_member, event_types
from emulator.events.vocabulary import FAILURES, FILE_ID, TIME, VOD_URL

SCHEMA = load_schema()
FAST = settings(max_examples=30, deadline=None, database=None)
FIND = settings(max_examples=200, deadline=None, database=None, derandomize=True)
MEMBERS = [name for name in SCHEMA.event_content_fields if name not in ("EventHandle",
                                                                         "EventType")]


def deserialize_quietly(content: dict[str, Any]) -> tuple[Any, list[str]]:
    """EventContent as the SDK reads it, and the warnings it gave (it warns about fields it
    does not know: "... fileds are useless.")."""
    with warnings.catch_warnings(record=True) as caught:
        # Before the SDK's own filterwarnings("ignore", module="tencentcloud") and pytest's
        # "error": record every warning, each time.
        warnings.simplefilter("always")
        sdk_event = models.EventContent()
        sdk_event._deserialize(content)
    return sdk_event, [str(warning.message) for warning in caught]


def check_values(schema: Schema, value: dict[str, Any], model: str, path: str) -> None:
    """What check_event_content leaves out: int64 range, finite numbers, null only where
    the schema allows it (and enums and ranges again, for a clearer message)."""
    for name, item in value.items():
        field = schema.models[model][name]
        where = f"{path}.{name}"
        if item is None:
            assert field.nullable, f"{where} is null but not nullable"
            continue
        for element in item if field.is_list else [item]:
            check_single(schema, element, field, where)


def check_single(schema: Schema, value: Any, field: Field, path: str) -> None:
    if field.model is not None:
        check_values(schema, value, field.model, path)
        return
    if field.enum:
        assert value in field.enum, f"{path}={value!r} not in enum"
    if field.range is not None and field.type == "integer":
        assert field.range[0] <= value <= field.range[1], f"{path}={value} out of range"
    if field.type == "integer":
        assert -(2**63) <= value < 2**63, f"{path}={value} is not a 64-bit integer"
    if field.type == "number":
        assert math.isfinite(value), f"{path}={value} is not finite"


def assert_valid(content: dict[str, Any]) -> None:
    check_event_content(SCHEMA, content)
    event_type = content["EventType"]
    member, model = SCHEMA.member_of(event_type)
    assert set(content) == {"EventType", member}
    check_values(SCHEMA, content[member], model, member)
    sdk_event, caught = deserialize_quietly(content)
    assert caught == []
    assert sdk_event.EventType == event_type
    for name in MEMBERS:
        attribute = getattr(sdk_event, name)
        assert (attribute is not None) == (name == member), name


# ----- valid by construction


@pytest.mark.parametrize("nasty", [False, True], ids=["realistic", "nasty"])
@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_every_type_is_valid_for_the_schema_and_the_sdk(event_type: str, nasty: bool) -> None:
    @FAST
    @given(event_content(event_type, nasty=nasty))
    def check(content: dict[str, Any]) -> None:
        assert content["EventType"] == event_type
        assert_valid(content)

    check()


@FAST
@given(any_event(nasty=True))
def test_any_event_is_valid(content: dict[str, Any]) -> None:
    assert_valid(content)


def test_the_sdk_warning_on_unknown_fields_is_seen() -> None:
    """The check above is not vacuous: an unknown field would be caught."""
    _, caught = deserialize_quietly({"EventType": "NewFileUpload",
                                     "FileUploadEvent": {"FileId": "1"}, "Bogus": 1})
    assert caught and "useless" in caught[0]


def test_unknown_event_type_is_refused() -> None:
    with pytest.raises(EventInputError, match="unknown event type"):
        event_member("NoSuchEvent")
    with pytest.raises(EventInputError, match="did you mean NewFileUpload"):
        event_member("NewFileUplod")
    with pytest.raises(EventInputError, match="^unknown event type 'NoSuchEvent'$"):
        event_content("NoSuchEvent")


@FAST
@given(event_types(), st.data())
def test_event_member_is_the_member_of_event_content(event_type: str, data: st.DataObject
                                                     ) -> None:
    member, _ = SCHEMA.member_of(event_type)
    payload = data.draw(event_member(event_type))
    assert_valid({"EventType": event_type, member: payload})


@FAST
@given(event_content("NewFileUpload"), event_content("ProcedureStateChanged"))
def test_realistic_values(upload: dict[str, Any], procedure: dict[str, Any]) -> None:
    task = upload["FileUploadEvent"]
    if "FileId" in task:
        assert FILE_ID.match(task["FileId"])
    url = task.get("MediaBasicInfo", {}).get("MediaUrl")
    if url is not None:
        assert VOD_URL.match(url)
    state = procedure["ProcedureStateChangeEvent"]
    for name in ("CreateTime", "BeginProcessTime"):
        if name in state:
            assert TIME.match(state[name])
    if state.get("FinishTime"):  # empty while the task flow is processing
        assert TIME.match(state["FinishTime"])
    if "ErrCode" in state:
        assert state["ErrCode"] in (0, *(failure.code for failure in FAILURES))


# ----- shrinking


def test_examples_shrink_to_the_fields_that_matter() -> None:
    smallest = find(event_content("ProcedureStateChanged"),
                    lambda event: "FileId" in event["ProcedureStateChangeEvent"],
                    settings=FIND)
    assert list(smallest["ProcedureStateChangeEvent"]) == ["FileId"]
    assert FILE_ID.match(smallest["ProcedureStateChangeEvent"]["FileId"])


def test_any_event_shrinks_small() -> None:
    def failed_task(event: dict[str, Any]) -> bool:
        member, _ = SCHEMA.member_of(event["EventType"])
        return bool(event[member].get("ErrCode"))

    smallest = find(any_event(), failed_task, settings=FIND)
    member, _ = SCHEMA.member_of(smallest["EventType"])
    assert len(smallest[member]) < 5
    assert smallest[member]["ErrCode"] != 0


# ----- how a user fuzzes a handler (README material)


def handle_upload(event: dict[str, Any]) -> str | None:
    """A handler under test: the file name of a new upload, for a log line."""
    if event.get("EventType") != "NewFileUpload":
        return None
    upload = event.get("FileUploadEvent") or {}
    info = upload.get("MediaBasicInfo") or {}
    name = info.get("Name") or upload.get("FileId") or "(unnamed)"
    return f"new upload: {name[:100]}"


@settings(max_examples=60, deadline=None, database=None)
@given(event_content("NewFileUpload", nasty=True) | any_event(nasty=True))
def test_handler_survives_nasty_events(event: dict[str, Any]) -> None:
    result = handle_upload(event)
    assert (result is None) == (event["EventType"] != "NewFileUpload")
