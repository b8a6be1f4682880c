"""What the backend answers the adapters with, beside the domain's own objects: a search's
filter and page, a queue's counts and contents, and the names of the counts that waits,
stats and the OpenAPI document read."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from .callbacks import CALLBACK_COUNTS
from .event import EmittedEvent
from .ids import ANY_APP, AppFilter, SubAppId
from .queue import Lease


@dataclass(frozen=True)
class EventFilter:
    """Which emitted events a search keeps; None matches anything."""

    event_type: str | None = None
    sub_app_id: AppFilter = ANY_APP
    state: str | None = None
    text: bytes | None = None  # found in the event id or anywhere in its payload

    def matches(self, event: EmittedEvent) -> bool:
        return ((self.event_type is None or event.event_type == self.event_type)
                and (self.sub_app_id == ANY_APP or event.sub_app_id == self.sub_app_id)
                and (self.state is None or event.state == self.state)
                and (self.text is None or event.event_id.encode().find(self.text) >= 0
                     or event.payload.find(self.text) >= 0))  # (inflated: looked at last)


@dataclass(frozen=True)
class SearchResult:
    events: list[EmittedEvent]  # the page asked for
    matched: int  # how many match in all


@dataclass(frozen=True)
class QueueState:
    sub_app_id: SubAppId
    pullable: int
    leased: int
    held_pulls: int
    confirmed: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


QUEUE_COUNTS = tuple(field.name for field in fields(QueueState) if field.name != "sub_app_id")
"""One application's queue counts: pullable, leased, held_pulls, confirmed."""
LIVE_COUNTS = (*QUEUE_COUNTS, *CALLBACK_COUNTS)
"""One application's counts now, its queue's and its callbacks' (what a wait waits on)."""


@dataclass(frozen=True)
class QueueContents:
    """What one application's queue holds, for looking at (never a copy to change)."""

    state: QueueState
    pullable: list[EmittedEvent]  # oldest first
    leases: list[Lease]


STATS_COUNTS = ("emitted", "pullable", "leased", "confirmed", "expired", "dropped",
                "suppressed", *CALLBACK_COUNTS, "callback_attempts")
"""The counts ``stats()`` gives per application and in total."""
