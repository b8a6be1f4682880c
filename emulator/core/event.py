"""The record of every emitted event, and every state an emitted event can be in.

The backend routes each emitted event once: queued for PullEvents, pushed to the
NotificationUrl, or suppressed. A queued event's state is then the queue's, a pushed
one's its callback delivery's; ``EmittedEvent.state`` says which it is now.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..base.jsontext import RawJson
from .ids import SubAppId

# Where an emitted event went, decided by ``VodBackend._route``.
ROUTE_QUEUED = "queued"  # for PullEvents
ROUTE_PUSHED = "pushed"  # POSTed to the NotificationUrl
ROUTE_SUPPRESSED = "suppressed"  # not notified at all
ROUTES = (ROUTE_QUEUED, ROUTE_PUSHED, ROUTE_SUPPRESSED)
"""Where an emitted event went (``EmittedEvent.route``)."""

NEW = "new"  # emitted, not routed yet

# A queued event's states.
PULLABLE = "pullable"
LEASED = "leased"
CONFIRMED = "confirmed"
DROPPED = "dropped"  # retention passed before it was confirmed
QUEUE_STATES = (PULLABLE, LEASED, CONFIRMED, DROPPED)
"""A queued event's states (a pushed event's are its callback's: pending or an outcome)."""

# A pushed event's states, its callback delivery's; each but pending is also what a
# callback attempt record says (its outcome).
PENDING = "pending"  # a delivery's state before its first attempt ends
DELIVERED = "delivered"
PENDING_RETRY = "pending_retry"  # this attempt failed; another is scheduled
UNDELIVERED = "undelivered"  # this attempt failed and was the last: the event is kept
SUPPRESSED = "suppressed"  # never sent: a switch is OFF, or PUSH without a URL
ABANDONED = "abandoned"  # the emulator was reset or stopped before the delivery ended
PROBE = "probe"  # not a delivery: a spoiled signature sent to see the handler refuse it
OUTCOMES = (DELIVERED, PENDING_RETRY, UNDELIVERED, SUPPRESSED, ABANDONED, PROBE)
"""What a callback attempt record says about one attempt (or about an event never attempted)."""

EVENT_STATES = (*QUEUE_STATES, PENDING, *(outcome for outcome in OUTCOMES if outcome != PROBE))
"""Every state an emitted event can be in (``EmittedEvent.state``): queued, or pushed."""


@dataclass(slots=True)
class EmittedEvent:
    event_id: str
    seq: int
    sub_app_id: SubAppId
    event_type: str
    payload: RawJson
    """The EventContent as delivered, without EventHandle, as compact JSON.

    Kept encoded, not as a dict: it never changes once queued, every answer carries it
    as these bytes, and a queue of encoded payloads holds no object trees for the garbage
    collector to re-scan (nor the memory they would take)."""
    enqueued_at: float  # when it was emitted (queued or not)
    deliveries: int = 0
    route: str = ROUTE_QUEUED  # one of ROUTES
    duplicate: bool = False  # a second delivery a fault queued (never duplicated again)
    state: str = NEW
    """Where it is now: one of EVENT_STATES."""
    caused_by: str | None = None
    """The request that caused it (an action's name, RequestId and task), if one did."""

    @property
    def content(self) -> dict[str, Any]:
        """The payload as a dict (decoded on each use: for looking, not for delivering)."""
        content: dict[str, Any] = json.loads(self.payload)
        return content

    def summary(self) -> dict[str, Any]:
        """What describes the event, without its payload."""
        return {
            "event_id": self.event_id,
            "sub_app_id": self.sub_app_id,
            "event_type": self.event_type,
            "enqueued_at": self.enqueued_at,
            "deliveries": self.deliveries,
            "route": self.route,
            "state": self.state,
            "caused_by": self.caused_by,
        }

    def to_json(self) -> dict[str, Any]:
        """The event as plain JSON-ready data: its summary and its decoded ``content``."""
        return {**self.summary(), "content": self.content}


def caused_by(event: EmittedEvent, before: str = "") -> str | None:
    """What an event's first journal entry adds about its cause (after ``before``, the
    entry's own detail): ``caused by ProcessMedia <RequestId> task <TaskId>``."""
    if event.caused_by is None:
        return before or None
    return f"{before}; caused by {event.caused_by}" if before else (
        f"caused by {event.caused_by}")
