"""Events: the catalog of types, the SDK-derived schema, and realistic payload generation.

The catalog is light; the factory and the schema are loaded on first use of their names
(a server starts without them: its first emit or task loads them)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .catalog import EVENT_TYPES, MEMBER_OF_EVENT_TYPE

if TYPE_CHECKING:
    from .factory import EventFactory, apply_overrides
    from .schema import EventInputError, Schema, check_event_content, load_schema

__all__ = [
    "EVENT_TYPES",
    "MEMBER_OF_EVENT_TYPE",
    "EventFactory",
    "EventInputError",
    "Schema",
    "apply_overrides",
    "check_event_content",
    "load_schema",
]

_LAZY = {"EventFactory": "factory", "apply_overrides": "factory", "EventInputError": "schema",
         "Schema": "schema", "check_event_content": "schema", "load_schema": "schema"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f".{module}", __name__), name)
