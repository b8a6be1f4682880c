"""EventFactory: realistic EventContent payloads of every type, from the SDK schema.

Every field of the member's model, nested models included, gets a value a VOD engineer
would believe. What a field holds is decided once per field (values.py: the schema's
allowed values, else the value makers by field name, else what the text holds or the
range a number lies in, else its type).

Values that belong together come from one per-event ``Context`` (context.py): one FileId and media
profile, times in order (created ≤ updated ≤ finished), spans that start before they end,
statuses and error codes that agree. Optional (nullable) parts are present in most events,
not all. In a tagged union (the schema's ``unions``: a ``Type`` and one member per value),
only the member the chosen tag names is filled. Values the schema pairs with another field's
(an audio ``Codec`` with its ``Container``: its ``pairings``) are made to agree once the
object holding both is made (``context.pair``).

One ``random.Random`` seeded once drives every choice: same seed, same events.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..base.echo import shown
from . import vocabulary as v
from .context import Context, Maker, new_context, pair
from .schema import EventInputError, Field, Schema, load_schema
from .values import value_maker

_LIST_SIZES = ((0, 1, 1, 2, 2, 3), (0, 1, 1, 2, 2, 3), (0, 1, 1, 2), (0, 0, 1))  # by depth
MODEL_DEPTH = 6  # deeper nested models are left out: real payloads are not deeper
_NULLABLE_PRESENT = 0.8  # how often an optional part is present


@dataclass(frozen=True)
class _Plan:
    """What making one object of a model takes, worked out once per model."""

    fields: tuple[tuple[Field, Maker | None], ...]  # filled independently; None: a model
    unions: tuple[tuple[str, dict[str, tuple[Field, Maker | None]]], ...]  # tag -> value -> member
    spans: tuple[tuple[str, str], ...]  # (StartX, EndX) to keep in order
    # Fields whose values go with another field's (the schema's pairings), each with
    # whether that field is free (no values of its own): beside it, or in a nested object.
    pairs: tuple[tuple[Field, bool], ...]
    held_pairs: tuple[tuple[str, tuple[tuple[Field, bool], ...]], ...]  # nested field -> pairs


class EventFactory:
    """Makes EventContent payloads (without EventHandle), deterministic under a seed."""

    def __init__(self, seed: int, now: Callable[[], float], schema: Schema | None = None):
        self.schema = schema or load_schema()
        self._seed = seed
        self._now = now
        self._plans: dict[str, _Plan] = {}
        self.reseed()

    def reseed(self) -> None:
        self.rng = random.Random(self._seed)
        self.app_id = random.Random(f"app/{self._seed}").randrange(*v.APP_IDS)

    def make(self, event_type: str, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
        member, model = self.schema.member_of(event_type)
        context = new_context(self.rng, self.app_id, self._now())
        file_id = _overridden_file_id(overrides, member)
        if file_id is not None:
            context.file_id = file_id  # the file an override names is the event's file throughout
        content: dict[str, Any] = {"EventType": event_type, member: self.model(model, context)}
        if overrides:
            content = apply_overrides(self.schema, content, overrides)
        return content

    def model(self, model: str, context: Context, depth: int = 0,
              skip: frozenset[str] = frozenset()) -> dict[str, Any]:
        """One object of ``model``; the fields in ``skip`` are left out (a caller that
        sets them itself need not pay for making them)."""
        plan = self._plans.get(model) or self._plan(model)
        chance = context.rng.random
        value: dict[str, Any] = {}
        for spec, make in plan.fields:
            if spec.name in skip or (spec.nullable and chance() > _NULLABLE_PRESENT):
                continue
            produced = self._nested(spec, context, depth) if make is None else make(context, spec)
            if produced is not _SKIP:
                value[spec.name] = produced
        for tag, members in plan.unions:
            chosen = members.get(value.get(tag))  # type: ignore[arg-type]
            if chosen is not None:
                spec, make = chosen
                produced = self._nested(spec, context, depth) if make is None else make(
                    context, spec)
                if produced is not _SKIP:
                    value[spec.name] = produced
        for spec, free in plan.pairs:
            pair(context, spec, value, value, free)
        for name, pairs in plan.held_pairs:
            held = value.get(name)
            for item in held if isinstance(held, list) else [held]:
                if isinstance(item, dict):
                    for spec, free in pairs:
                        pair(context, spec, item, value, free)
        for start, end in plan.spans:
            if (start in value and end in value and type(value[start]) is type(value[end])
                    and value[start] > value[end]):
                value[start], value[end] = value[end], value[start]
        return value

    def _nested(self, spec: Field, context: Context, depth: int) -> Any:
        assert spec.model is not None
        if depth >= MODEL_DEPTH:
            return [] if spec.is_list else _SKIP
        if not spec.is_list:
            return self.model(spec.model, context, depth + 1)
        if spec.name.endswith("StreamSet") or spec.name in _ONE_PER_FILE:
            count = 1  # one video stream, one audio stream; one result per file
        else:
            # Top-level lists (result sets, file lists) hold a few items; the lists nested in
            # a task's input (watermarks, mosaics, subtitles) are mostly empty in real payloads.
            count = context.rng.choice(_LIST_SIZES[min(depth, len(_LIST_SIZES) - 1)])
        return [self.model(spec.model, context, depth + 1) for _ in range(count)]

    def _plan(self, model: str) -> _Plan:
        fields = self.schema.models[model]
        unions = self.schema.unions.get(model, {})
        members = {name for mapping in unions.values() for name in mapping.values()}
        plan = _Plan(
            fields=tuple((spec, _maker(spec)) for spec in fields.values()
                         if spec.name not in members),  # filled after, to match the tag
            unions=tuple(
                (tag, {value: (fields[name], _maker(fields[name]))
                       for value, name in mapping.items()})
                for tag, mapping in unions.items()),
            spans=tuple((name, name.replace("Start", "End")) for name, spec in fields.items()
                        if "Start" in name and spec.model is None and not spec.is_list
                        and name.replace("Start", "End") in fields),
            pairs=_pairs(fields.values(), fields, outer=False),
            held_pairs=tuple(
                (spec.name, pairs) for spec in fields.values() if spec.model is not None
                if (pairs := _pairs(self.schema.models[spec.model].values(), fields, True))),
        )
        self._plans[model] = plan
        return plan


def _pairs(specs: Iterable[Field], controllers: Mapping[str, Field],
           outer: bool) -> tuple[tuple[Field, bool], ...]:
    """The fields of ``specs`` paired with a field of ``controllers`` (their own object's, or
    ``outer``, the holder's), each with whether that field is free (has no values of its own)."""
    return tuple(
        (spec, not controllers[spec.pairing.field].enum) for spec in specs
        if spec.pairing is not None and spec.pairing.outer == outer
        and spec.pairing.field in controllers)


def _maker(spec: Field) -> Maker | None:
    return None if spec.model is not None else value_maker(spec)


_SKIP = object()
_ONE_PER_FILE = frozenset({"FileDeleteResultInfo"})  # one entry per file of FileIdSet


# ----- overrides


def apply_overrides(
    schema: Schema, content: dict[str, Any], overrides: Mapping[str, Any]
) -> dict[str, Any]:
    """Deep-merge ``overrides`` into ``content``; objects merge, anything else replaces.

    Refused with EventInputError when an override names a field the model lacks, has the
    wrong type, or lies outside the field's allowed values or range.
    """
    if not isinstance(overrides, Mapping):
        raise EventInputError("overrides must be an object, e.g. {\"FileUploadEvent\": {...}}")
    event_type = content["EventType"]
    member, model = schema.member_of(event_type)
    for key, value in overrides.items():
        if key == "EventType":
            if value != event_type:
                raise EventInputError("overrides cannot change EventType")
        elif key != member:
            raise EventInputError(
                f"{shown(key)} cannot be overridden in a {event_type} event: only {member}")
        else:
            schema.check_model(value, model, member)
    return _merge(content, overrides)


def _overridden_file_id(overrides: Mapping[str, Any] | None, member: str) -> str | None:
    """The FileId (or the one file of a FileIdSet) an override gives the member, if any."""
    if not isinstance(overrides, Mapping) or not isinstance(overrides.get(member), Mapping):
        return None
    task = overrides[member]
    file_id = task.get("FileId")
    if file_id is None and isinstance(task.get("FileIdSet"), list) and task["FileIdSet"]:
        file_id = task["FileIdSet"][0]
    return file_id if isinstance(file_id, str) and file_id else None


def _merge(base: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in overrides.items():
        current = merged.get(key)
        if isinstance(current, dict) and isinstance(value, Mapping):
            merged[key] = _merge(current, value)
        else:
            merged[key] = value
    return merged
