"""The event schema shipped with the emulator (``data/schema.json``, built from the SDK).

It answers what fields each model has, of which type, and what the SDK's descriptions say
of their values (allowed values, ranges, units, tagged unions, and pairings: which values
go with another field's); and it checks payloads against it: a user's EventContent, or an
override, naming a field the model does not have, giving a value of the wrong type, outside
the field's allowed values or range, is refused with the path of the offending field.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from functools import cache
from pathlib import Path
from typing import Any

from ..base.echo import shown
from ..base.numeric import is_integer, is_number
from .catalog import EVENT_TYPES

SCHEMA_PATH = Path(__file__).with_name("data") / "schema.json"
MAX_DEPTH = 64  # deeper JSON is refused: the deepest model is far shallower
_LIST_LIMIT = 200  # characters of a list of allowed values in a message


class EventInputError(ValueError):
    """An event payload, override or request that cannot be used; the message says why
    and names the offending field."""


def _bare(name: Any) -> str:
    """A key as a path may show it: escaped and cut, without quotes."""
    text = shown(name)
    return text[1:-1] if isinstance(name, str) and text.endswith(("'", '"')) else text


def unknown(kind: str, name: Any, known: Iterable[str]) -> EventInputError:
    """``unknown event type 'NewFileUplod'; did you mean NewFileUpload?``"""
    if not isinstance(name, str):
        return EventInputError(f"{kind} must be a string, got {shown(name)}")
    close = difflib.get_close_matches(name, list(known), n=3)
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    return EventInputError(f"unknown {kind} {shown(name)}{hint}")


@dataclass(frozen=True)
class Pairing:
    """Which of a field's values go with the value of another field, ``field``: beside it, or
    (``outer``) in the object holding it. An audio ``Codec`` by the outer ``Container``, a
    ``DrmType`` by its ``Package``, an AIGC ``Resolution`` by the task's ``ModelName``."""

    field: str
    outer: bool
    allowed: Mapping[str, tuple[str, ...]] = dataclass_field(hash=False)

    def values_for(self, value: Any) -> tuple[str, ...] | None:
        """The values allowed with ``value`` (with a list: with each of its items); None when
        the pairing names no value of it, which leaves the field to its own values."""
        if isinstance(value, list):
            lists = [self.allowed[item] for item in value
                     if isinstance(item, str) and item in self.allowed]
            if not lists:
                return None
            return tuple(v for v in lists[0] if all(v in other for other in lists[1:]))
        return self.allowed.get(value) if isinstance(value, str) else None


@dataclass(frozen=True)
class Field:
    name: str
    owner: str  # the model this field belongs to
    type: str | None  # "string" | "integer" | "number" | "boolean"; None for a model
    model: str | None  # the nested model's name
    is_list: bool
    enum: tuple[Any, ...]  # allowed values: strings, or integer codes
    range: tuple[float, float] | None  # [low, high] a number must lie in
    unit: str | None  # "ms" for times in milliseconds
    holds: str | None  # what a text or the file a URL names holds: "json", "image"...
    nullable: bool
    pairing: Pairing | None = None  # the values allowed by another field's value

    @property
    def type_name(self) -> str:
        inner = self.model or self.type or "?"
        return f"list of {inner}" if self.is_list else inner


@dataclass(frozen=True)
class Schema:
    sdk_version: str
    members: dict[str, tuple[str, str]]  # EventType -> (member, model)
    models: dict[str, dict[str, Field]]
    event_content_fields: tuple[str, ...]
    unions: dict[str, dict[str, dict[str, str]]]  # model -> tag field -> {value: member}
    actions: dict[str, dict[str, Any]]  # asynchronous action -> request, response, session_days

    def member_of(self, event_type: str) -> tuple[str, str]:
        try:
            return self.members[event_type]
        except (KeyError, TypeError):
            raise unknown("event type", event_type, EVENT_TYPES) from None

    def check_model(self, value: Any, model: str, path: str, depth: int = 0) -> None:
        """Raise EventInputError unless ``value`` fits ``model`` (fields may be absent or null)."""
        if not isinstance(value, dict):
            raise EventInputError(f"{path} must be an object ({model}), got {_kind(value)}")
        if depth >= MAX_DEPTH:
            raise EventInputError(f"{path} is nested deeper than {MAX_DEPTH} levels")
        fields = self.models[model]
        for name, item in value.items():
            field = fields.get(name)
            if field is None:
                raise EventInputError(f"{path}.{_bare(name)} is not a field of {model}")
            self.check_field(item, field, f"{path}.{name}", depth + 1)

    def check_field(self, value: Any, field: Field, path: str, depth: int = 0) -> None:
        if value is None:
            return
        if field.is_list:
            if not isinstance(value, list):
                raise EventInputError(
                    f"{path} must be a list ({field.type_name}), got {_kind(value)}")
            for index, item in enumerate(value):
                self._check_single(item, field, f"{path}[{index}]", depth)
        else:
            self._check_single(value, field, path, depth)

    def _check_single(self, value: Any, field: Field, path: str, depth: int) -> None:
        if field.model is not None:
            self.check_model(value, field.model, path, depth)
            return
        if not _fits(value, field.type or ""):
            raise EventInputError(f"{path} must be {field.type}, got {_kind(value)}")
        if field.enum and value not in field.enum:
            allowed = ", ".join(shown(v) for v in field.enum)
            if len(allowed) > _LIST_LIMIT:
                allowed = allowed[: _LIST_LIMIT - 1] + "…"
            raise EventInputError(f"{path} must be one of {allowed}; got {shown(value)}")
        if field.range is not None and field.type == "integer":
            low, high = field.range
            if not low <= value <= high:
                raise EventInputError(
                    f"{path} must be in [{low:g}, {high:g}], got {shown(value)}")


def _fits(value: Any, type_name: str) -> bool:
    if type_name == "string":
        return isinstance(value, str)
    if type_name == "boolean":
        return isinstance(value, bool)
    if type_name == "integer":
        return is_integer(value)
    if type_name == "number":
        return is_number(value)
    return False


def _kind(value: Any) -> str:
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
            list: "a list", dict: "an object"}.get(type(value), type(value).__name__)


@cache
def load_schema(path: Path = SCHEMA_PATH) -> Schema:
    document = json.loads(path.read_text(encoding="utf-8"))
    models = {
        model: {
            name: Field(
                name=name,
                owner=model,
                type=spec.get("type"),
                model=spec.get("model"),
                is_list=bool(spec.get("list")),
                enum=tuple(spec.get("enum", ())),
                range=tuple(spec["range"]) if "range" in spec else None,
                unit=spec.get("unit"),
                holds=spec.get("holds"),
                nullable=bool(spec.get("nullable")),
                pairing=_pairing(spec.get("pairing")),
            )
            for name, spec in fields.items()
        }
        for model, fields in document["models"].items()
    }
    members = {t: (m["member"], m["model"]) for t, m in document["members"].items()}
    return Schema(document["sdk"]["version"], members, models,
                  tuple(document["event_content_fields"]), document["unions"],
                  document["actions"])


def _pairing(spec: dict[str, Any] | None) -> Pairing | None:
    if spec is None:
        return None
    allowed = {value: tuple(values) for value, values in spec["allowed"].items()}
    return Pairing(spec["field"], bool(spec["outer"]), allowed)


def check_event_content(schema: Schema, content: Any) -> dict[str, Any]:
    """Accept an EventContent a user brings (without EventHandle), or say what is wrong."""
    if not isinstance(content, dict):
        raise EventInputError("each event must be a JSON object (an EventContent)")
    if "EventHandle" in content:
        raise EventInputError("EventHandle is assigned by the emulator at pull time; leave it out")
    event_type = content.get("EventType")
    if not isinstance(event_type, str):
        raise EventInputError("each event needs an EventType string")
    member, model = schema.member_of(event_type)
    for key, value in content.items():
        if key == "EventType" or value is None:
            continue
        if key not in schema.event_content_fields:
            raise EventInputError(f"{shown(key)} is not a field of EventContent")
        if key != member:
            raise EventInputError(
                f"EventType {event_type} carries {member}; {key} must be left out")
        schema.check_model(value, model, member)
    return content
