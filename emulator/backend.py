"""The emulated VOD backend: every piece of state, and the operations on it.

The Cloud API actions, the admin API and the Python API all call these methods; none of
them keeps state of its own. No HTTP in here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .clock import Clock
from .config import Settings
from .eventconfig import EventConfigs
from .events import EventFactory, EventInputError, check_event_content
from .events.scenarios import build_scenario
from .journal import Journal
from .queue import EventQueues, QueuedEvent, SubAppId

MAX_EVENTS_PER_EMIT = 100_000


@dataclass(frozen=True)
class QueueState:
    sub_app_id: SubAppId
    pullable: int
    leased: int
    held_pulls: int
    confirmed: int

    def to_json(self) -> dict[str, Any]:
        return {
            "sub_app_id": self.sub_app_id,
            "pullable": self.pullable,
            "leased": self.leased,
            "held_pulls": self.held_pulls,
            "confirmed": self.confirmed,
        }


class VodBackend:
    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock = clock or Clock()
        self.journal = Journal()
        self.queues = EventQueues(self.clock, settings.timings, settings.seed, self.journal)
        self.event_configs = EventConfigs()
        self.factory = EventFactory(settings.seed, self.clock.now)

    # ----- putting events in

    def emit_generated(
        self,
        event_type: str,
        count: int,
        sub_app_id: SubAppId,
        overrides: Mapping[str, Any] | None = None,
    ) -> list[QueuedEvent]:
        """Generate ``count`` events of ``event_type`` (each deep-merged with ``overrides``)."""
        _check_count(count)
        # One at a time: each payload is encoded as it is queued, and its dict let go.
        # A bad type or override fails on the first event, before anything is queued.
        return [self.queues.enqueue(sub_app_id, self.factory.make(event_type, overrides))
                for _ in range(count)]

    def emit_scenario(self, name: str, sub_app_id: SubAppId) -> list[QueuedEvent]:
        """Enqueue one run of a scenario: a coherent flow of events sharing ids."""
        contents = build_scenario(self.factory, name, self.clock.now())
        return [self.queues.enqueue(sub_app_id, content) for content in contents]

    def emit_events(self, contents: list[Any], sub_app_id: SubAppId) -> list[QueuedEvent]:
        _check_count(len(contents))
        checked = []
        for index, content in enumerate(contents):
            try:
                checked.append(check_event_content(self.factory.schema, content))
            except EventInputError as error:
                raise EventInputError(f"events[{index}]: {error}") from None
        return [self.queues.enqueue(sub_app_id, content) for content in checked]

    # ----- looking inside

    def queue_state(self, sub_app_id: SubAppId) -> QueueState:
        queue = self.queues.queue(sub_app_id)
        return QueueState(sub_app_id, queue.count_pullable(), queue.count_leased(),
                          queue.held_pulls, queue.confirmed_events)

    def queue_states(self) -> list[QueueState]:
        return [self.queue_state(queue.sub_app_id) for queue in self.queues.queues()]

    # ----- starting over

    def clear_queues(self) -> None:
        self.queues.clear()

    def clear_event_configs(self) -> None:
        self.event_configs.clear()

    def clear_journal(self) -> None:
        self.journal.clear()

    def reseed(self) -> None:
        self.factory.reseed()

    def reset(self) -> None:
        """Back to a fresh start: no events, no configuration, no record, the seed
        replayed from its beginning. The clock keeps its time: it never goes back."""
        self.clear_queues()
        self.clear_event_configs()
        self.clear_journal()
        self.reseed()


def _check_count(count: int) -> None:
    if not 1 <= count <= MAX_EVENTS_PER_EMIT:
        raise EventInputError(f"count must be between 1 and {MAX_EVENTS_PER_EMIT}, got {count}")
