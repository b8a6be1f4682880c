"""Events: the catalog of types and the generators of realistic payloads."""

from .catalog import EVENT_TYPES, MEMBER_OF_EVENT_TYPE
from .generate import EventFactory, EventInputError, check_event_content

__all__ = [
    "EVENT_TYPES",
    "MEMBER_OF_EVENT_TYPE",
    "EventFactory",
    "EventInputError",
    "check_event_content",
]
