"""Events: the catalog of types, the SDK-derived schema, and realistic payload generation."""

from .catalog import EVENT_TYPES, MEMBER_OF_EVENT_TYPE
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
