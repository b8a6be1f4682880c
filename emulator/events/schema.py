"""The event schema shipped with the emulator (``data/schema.json``, built from the SDK).

It answers what fields each model has and of which type, and checks payloads against it:
a user's EventContent, or an override, naming a field the model does not have or giving a
value of the wrong type, is refused with the path of the offending field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from .catalog import EVENT_TYPES

SCHEMA_PATH = Path(__file__).with_name("data") / "schema.json"


class EventInputError(ValueError):
    """An event payload, override or request that cannot be used; the message says why
    and names the offending field."""


@dataclass(frozen=True)
class Field:
    name: str
    type: str | None  # "string" | "integer" | "number" | "boolean"; None for a model
    model: str | None  # the nested model's name
    is_list: bool
    enum: tuple[Any, ...]  # allowed values: strings, or integer codes
    nullable: bool
    doc: str

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

    def member_of(self, event_type: str) -> tuple[str, str]:
        try:
            return self.members[event_type]
        except KeyError:
            raise EventInputError(
                f"unknown event type {event_type!r}; known types: {', '.join(EVENT_TYPES)}"
            ) from None

    def check_model(self, value: Any, model: str, path: str) -> None:
        """Raise EventInputError unless ``value`` fits ``model`` (fields may be absent or null)."""
        if not isinstance(value, dict):
            raise EventInputError(f"{path} must be an object ({model}), got {_kind(value)}")
        fields = self.models[model]
        for name, item in value.items():
            field = fields.get(name)
            if field is None:
                raise EventInputError(f"{path}.{name} is not a field of {model}")
            self.check_field(item, field, f"{path}.{name}")

    def check_field(self, value: Any, field: Field, path: str) -> None:
        if value is None:
            return
        if field.is_list:
            if not isinstance(value, list):
                raise EventInputError(
                    f"{path} must be a list ({field.type_name}), got {_kind(value)}")
            for index, item in enumerate(value):
                self._check_single(item, field, f"{path}[{index}]")
        else:
            self._check_single(value, field, path)

    def _check_single(self, value: Any, field: Field, path: str) -> None:
        if field.model is not None:
            self.check_model(value, field.model, path)
        elif not _fits(value, field.type or ""):
            raise EventInputError(f"{path} must be {field.type}, got {_kind(value)}")


def _fits(value: Any, type_name: str) -> bool:
    if type_name == "string":
        return isinstance(value, str)
    if type_name == "boolean":
        return isinstance(value, bool)
    if type_name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if type_name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
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
                type=spec.get("type"),
                model=spec.get("model"),
                is_list=bool(spec.get("list")),
                enum=tuple(spec.get("enum", ())),
                nullable=bool(spec.get("nullable")),
                doc=spec.get("doc", ""),
            )
            for name, spec in fields.items()
        }
        for model, fields in document["models"].items()
    }
    members = {t: (m["member"], m["model"]) for t, m in document["members"].items()}
    return Schema(document["sdk"]["version"], members, models,
                  tuple(document["event_content_fields"]))


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
            raise EventInputError(f"{key!r} is not a field of EventContent")
        if key != member:
            raise EventInputError(
                f"EventType {event_type} carries {member}; {key} must be left out")
        schema.check_model(value, model, member)
    return content
