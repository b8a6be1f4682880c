"""The reliable-callback ("PULL") queue, one per SubAppId.

An event is *pullable* until a PullEvents leases it under a fresh handle; a lease is
*confirmed* (the event is gone for good) or *expires* after the confirm window (the
event is pullable again, and only a new handle can confirm it). Events older than the
retention are dropped: a pullable one at once, a leased one when its lease ends (its
handle stays confirmable until then). Age is counted from each event's ``enqueued_at``,
whatever its place in the queue: a duplicate is queued behind younger events but keeps
its original's age.

Expiry and retention happen at the moment the emulator clock reaches them:
``EventQueues.run_timers()`` sleeps until the next one is due (or the clock is advanced)
and applies it, so whoever waits on the journal sees it then. Every operation also
applies what is due before it acts, so an answer never depends on the timer's timing.
"""

from __future__ import annotations

import hashlib
import heapq
import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..base.echo import shown
from ..base.jsontext import RawJson, plain
from . import journal as j
from .changes import Changes
from .clock import Clock
from .errors import InvalidParameterValue
from .event import CONFIRMED, DROPPED, LEASED, PULLABLE, EmittedEvent, caused_by
from .ids import SubAppId
from .journal import Journal
from .lagcount import LaggedCount
from .wakeup import Wakeup

EVENTS_PER_PULL = 16
"""The real service answers at most 16 events per PullEvents."""

HANDLES_PER_CONFIRM = 16
"""ConfirmEvents takes at most 16 handles."""

@dataclass(frozen=True)
class QueueTimings:
    """The real service's numbers, each configurable for fast tests."""

    long_poll_seconds: float = 5.0
    confirm_window_seconds: float = 30.0
    retention_seconds: float = 4 * 24 * 3600.0
    count_lag_seconds: float = 0.0
    """How old the count DescribeEventsState answers is: 0, exact (the real one is
    approximate: about 3 minutes late by the SDK's description, about 5 s by an older
    page)."""


@dataclass(slots=True)
class Lease:
    handle: str
    event: EmittedEvent
    expires_at: float

    def event_content(self) -> dict[str, Any]:
        """The EventContent a PullEvents answer carries: the payload plus its handle."""
        return {"EventHandle": self.handle, **self.event.content}

    def event_content_json(self) -> RawJson:
        """``event_content()`` as JSON, spliced from the payload's bytes."""
        payload = self.event.payload
        handle = plain(self.handle)
        if payload == b"{}":
            return RawJson(b'{"EventHandle":' + handle + b"}")
        return RawJson(b'{"EventHandle":' + handle + b"," + payload[1:])


class PullableEvents:
    """The pullable events of one queue, in the two orders the queue needs: queue order
    (seq: leases go oldest first) and age order (enqueued_at: retention drops). The orders
    differ for a duplicate, queued behind younger events with its original's age.

    Both heaps forget lazily: an entry whose event is no longer pullable is skipped when
    it reaches the head, and a heap mostly made of such entries is rebuilt, so every
    operation costs O(log n), amortized, however the events leave."""

    __slots__ = ("_events", "_by_seq", "_by_age")

    def __init__(self) -> None:
        self._events: dict[int, EmittedEvent] = {}  # by seq
        self._by_seq: list[int] = []
        self._by_age: list[tuple[float, int]] = []

    def __len__(self) -> int:
        return len(self._events)

    def add(self, event: EmittedEvent) -> None:
        self._events[event.seq] = event
        heapq.heappush(self._by_seq, event.seq)
        heapq.heappush(self._by_age, (event.enqueued_at, event.seq))

    def pop_first(self) -> EmittedEvent | None:
        """The first in queue order, taken out; None if there is none."""
        while self._by_seq:
            event = self._events.pop(heapq.heappop(self._by_seq), None)
            if event is not None:
                self._compact()
                return event
        return None

    def oldest(self) -> EmittedEvent | None:
        """The first enqueued (left in)."""
        while self._by_age:
            event = self._events.get(self._by_age[0][1])
            if event is not None:
                return event
            heapq.heappop(self._by_age)
        return None

    def remove(self, event: EmittedEvent) -> None:
        del self._events[event.seq]
        self._compact()

    def in_queue_order(self) -> list[EmittedEvent]:
        return sorted(self._events.values(), key=lambda event: event.seq)

    def _compact(self) -> None:
        slack = 2 * len(self._events) + 64
        if len(self._by_seq) > slack:
            self._by_seq = sorted(self._events)  # a sorted list is a heap
        if len(self._by_age) > slack:
            self._by_age = sorted((event.enqueued_at, seq) for seq, event in self._events.items())


class HandleMint:
    """Makes EventHandles: unguessable without the seed, repeatable with it.

    ``epoch`` counts resets: after one, the handles differ from those before it, so a
    handle a client kept from before a reset can never confirm an event after it.
    """

    def __init__(self, seed: int | None, epoch: int = 0) -> None:
        self.key = (
            secrets.token_bytes(32)
            if seed is None
            else hashlib.sha256(f"vod-emulator/handles/{seed}/{epoch}".encode()).digest()
        )
        self.minted = 0  # kept with the state: a restart must not mint a handle again

    def mint(self) -> str:
        self.minted += 1
        return hashlib.blake2b(self.minted.to_bytes(8, "big"), key=self.key,
                               digest_size=16).hexdigest()


@dataclass
class AppQueue:
    """The queue of one application."""

    sub_app_id: SubAppId
    clock: Clock
    timings: QueueTimings
    mint: HandleMint
    journal: Journal
    changes: Changes = field(default_factory=Changes)
    _pullable: PullableEvents = field(default_factory=PullableEvents)
    _leases: dict[str, Lease] = field(default_factory=dict)
    # Handles confirmed within their window: confirming one again is a harmless no-op.
    _confirmed: dict[str, float] = field(default_factory=dict)
    # (window end, handle) for leases and confirmed handles, soonest first; stale rows skipped.
    _windows: list[tuple[float, str]] = field(default_factory=list)
    _arrival: Wakeup = field(default_factory=Wakeup)
    # The pullable count's changes, kept while DescribeEventsState answers it late.
    _lagged: LaggedCount = field(default_factory=LaggedCount)
    _counted: int = 0  # the pullable count last noted
    on_due: Callable[[float], None] = lambda due: None
    """Told each emulator time at which something will fall due (expiry, retention)."""
    held_pulls: int = 0
    enqueued_events: int = 0
    confirmed_events: int = 0
    closed: bool = False
    """Set by a reset or shutdown: held pulls answer empty at once, new ones too."""

    # ----- putting events in

    def enqueue(self, event: EmittedEvent) -> None:
        self._pullable.add(event)
        self.enqueued_events += 1
        self._note_count()
        self._record(j.ENQUEUED, event)
        self._arrival.fire()  # first: a held pull is answered before the timer replans
        self.on_due(event.enqueued_at + self.timings.retention_seconds)

    # ----- taking them out

    def lease(self, max_count: int = EVENTS_PER_PULL) -> list[Lease]:
        """Lease up to ``max_count`` pullable events, oldest first, without waiting."""
        now = self.sweep()  # drops every event past retention: none is handed out
        leases: list[Lease] = []
        while len(leases) < max_count and (event := self._pullable.pop_first()) is not None:
            lease = Lease(self.mint.mint(), event, now + self.timings.confirm_window_seconds)
            event.deliveries += 1
            self._leases[lease.handle] = lease
            heapq.heappush(self._windows, (lease.expires_at, lease.handle))
            self._record(j.LEASED, event, lease.handle)
            leases.append(lease)
        if leases:
            self._note_count()
            self.on_due(now + self.timings.confirm_window_seconds)
        return leases

    def release(self, leases: list[Lease]) -> None:
        """Put leased events back at once, as if their window had passed: their answer
        never reached the puller (it hung up), so nobody holds these handles."""
        for lease in leases:
            if self._leases.get(lease.handle) is lease:
                del self._leases[lease.handle]
                self._record(j.RELEASED, lease.event, lease.handle)
                self._back_to_pullable(lease.event, self.clock.now())

    async def pull(self, max_count: int = EVENTS_PER_PULL) -> list[Lease]:
        """PullEvents: lease at once if anything is pullable, else hold until an event
        arrives (or a lease expires) or the long-poll time passes, then answer empty."""
        deadline = self.clock.now() + self.timings.long_poll_seconds
        leases = self.lease(max_count)
        if leases or self.closed or self.timings.long_poll_seconds <= 0:
            return leases
        self.held_pulls += 1
        self.journal.changed.fire()
        try:
            while True:
                next_expiry = self._windows[0][0] if self._windows else math.inf
                await self.clock.sleep_until(min(deadline, next_expiry), self._arrival.future())
                if self.closed:
                    return []
                leases = self.lease(max_count)
                if leases or self.clock.now() >= deadline:
                    return leases
        finally:
            self.held_pulls -= 1
            self.journal.changed.fire()

    def check_confirm(self, handles: list[str]) -> None:
        """Raise what ``confirm(handles)`` would refuse them with; confirm nothing."""
        _check_batch_size(handles)
        self.sweep()
        refused = [h for h in handles if h not in self._leases and h not in self._confirmed]
        if refused:
            raise _refusal(refused, self.timings)

    def confirm(self, handles: list[str]) -> None:
        """ConfirmEvents, all or nothing: if any handle is unknown or past its window,
        nothing is confirmed and the answer names the handles refused."""
        self.check_confirm(handles)
        for handle in handles:
            lease = self._leases.pop(handle, None)
            if lease is not None:
                self._confirmed[handle] = lease.expires_at
                self.confirmed_events += 1
                self._record(j.CONFIRMED, lease.event, handle)

    def close(self) -> None:
        self.closed = True
        self._arrival.fire()

    def in_use(self) -> bool:
        """Whether the queue holds anything worth keeping: events ever given to it, or a
        held pull. A queue that only a pull made is forgotten when the pull ends."""
        return self.enqueued_events > 0 or self.held_pulls > 0

    # ----- looking inside

    def count_pullable(self) -> int:
        self.sweep()
        return len(self._pullable)

    def count_to_pull(self) -> int:
        """DescribeEventsState's CountOfEventsToPull: the pullable count as it was
        ``count_lag_seconds`` ago (now, without a lag)."""
        current = self.count_pullable()
        return self._lagged.at(self.clock.now(), self.timings.count_lag_seconds, current)

    def count_leased(self) -> int:
        self.sweep()
        return len(self._leases)

    def pullable_events(self) -> list[EmittedEvent]:
        """The pullable events, in queue order."""
        self.sweep()
        return self._pullable.in_queue_order()

    def leases(self) -> list[Lease]:
        self.sweep()
        return list(self._leases.values())

    # ----- time

    def next_due(self) -> float:
        """The emulator time at which the next expiry or retention drop falls due."""
        due = self._windows[0][0] if self._windows else math.inf
        oldest = self._pullable.oldest()
        if oldest is not None:
            due = min(due, oldest.enqueued_at + self.timings.retention_seconds)
        return due

    def sweep(self) -> float:
        """Apply what the clock says: expire leases, forget old handles, drop old events."""
        now = self.clock.now()
        while self._windows and self._windows[0][0] <= now:
            window_end, handle = heapq.heappop(self._windows)
            lease = self._leases.get(handle)
            if lease is not None and lease.expires_at == window_end:
                self._end_lease(lease, now)
            else:
                self._confirmed.pop(handle, None)
        while (oldest := self._pullable.oldest()) is not None and not self._retained(oldest, now):
            self._pullable.remove(oldest)
            self._record(j.DROPPED, oldest)
        self._note_count()
        return now

    def expire_now(self, handle: str) -> None:
        """End a lease before its window does (an injected fault): as at its expiry."""
        lease = self._leases.get(handle)
        if lease is not None:
            self._end_lease(lease, self.sweep())

    def _end_lease(self, lease: Lease, now: float) -> None:
        del self._leases[lease.handle]
        self._record(j.EXPIRED, lease.event, lease.handle)
        self._back_to_pullable(lease.event, now)

    def _back_to_pullable(self, event: EmittedEvent, now: float) -> None:
        """A lease has ended unconfirmed: the event is pullable again, or dropped if it
        has outlived its retention meanwhile."""
        if self._retained(event, now):
            self._pullable.add(event)
            self._note_count()
            self._arrival.fire()
            self.on_due(event.enqueued_at + self.timings.retention_seconds)
        else:
            self._record(j.DROPPED, event)

    def confirmed_handles(self) -> list[tuple[str, float]]:
        """The handles confirmed within their window (confirming one again does nothing),
        each with its window's end."""
        return list(self._confirmed.items())

    def confirmed_until(self, handle: str) -> float | None:
        """The end of a confirmed handle's window, if it is within it."""
        return self._confirmed.get(handle)

    def lease_of(self, handle: str) -> Lease | None:
        return self._leases.get(handle)

    def leased_event(self, handle: str) -> EmittedEvent | None:
        lease = self._leases.get(handle)
        return None if lease is None else lease.event

    def _note_count(self) -> None:
        """Note a change of the pullable count, kept only while the count lags."""
        count = len(self._pullable)
        if count != self._counted:
            lag = self.timings.count_lag_seconds
            if lag > 0 or self._lagged:  # nothing to keep, or to forget, without a lag
                self._lagged.changed(self.clock.now(), self._counted, count, lag)
            self._counted = count

    def _retained(self, event: EmittedEvent, now: float) -> bool:
        return now < event.enqueued_at + self.timings.retention_seconds

    def _record(self, kind: str, event: EmittedEvent, handle: str | None = None) -> None:
        event.state = _STATE_AFTER[kind]
        if self.changes.watching:
            self.changes.queued(event, handle, kind == j.ENQUEUED)
        # An event's first entry says what caused it, if a request did.
        detail = caused_by(event) if kind == j.ENQUEUED else None
        self.journal.record(self.clock.now(), kind, self.sub_app_id, event.event_id, handle,
                            detail)


_STATE_AFTER = {j.ENQUEUED: PULLABLE, j.LEASED: LEASED, j.RELEASED: PULLABLE,
                j.EXPIRED: PULLABLE, j.CONFIRMED: CONFIRMED, j.DROPPED: DROPPED}
"""A queued event's state after each kind of journal entry about it."""


def _check_batch_size(handles: list[str]) -> None:
    if not 1 <= len(handles) <= HANDLES_PER_CONFIRM:
        raise InvalidParameterValue(
            f"EventHandles must hold 1 to {HANDLES_PER_CONFIRM} handles, got {len(handles)}."
        )


def _refusal(refused: list[str], timings: QueueTimings) -> InvalidParameterValue:
    return InvalidParameterValue(
        "EventHandles not valid: unknown, or their "
        f"{timings.confirm_window_seconds:g}-second confirm window has passed: "
        + ", ".join(shown(handle) for handle in refused[:HANDLES_PER_CONFIRM])
    )


class EventQueues:
    """Every application's queue. A queue is made by the first event given to it (or
    for the time of a held pull); looking never makes one, so a client choosing
    SubAppIds cannot grow the emulator without emitting events."""

    def __init__(self, clock: Clock, timings: QueueTimings, seed: int | None, journal: Journal):
        self.clock = clock
        self.timings = timings
        self.journal = journal
        self._seed = seed
        self._queues: dict[SubAppId, AppQueue] = {}
        self._epoch = 0
        self._mint = HandleMint(seed)
        self._last_seq = 0  # the newest event's seq
        self.changes = Changes()  # what the state file has yet to write
        self._closed = False
        # The timer sleeps until _planned_due; an earlier due time wakes it to plan again.
        self._planned_due = math.inf
        self._due_earlier = Wakeup()

    def queue(self, sub_app_id: SubAppId) -> AppQueue:
        """The application's queue, made if it has none yet."""
        queue = self._queues.get(sub_app_id)
        if queue is None:
            queue = AppQueue(sub_app_id, self.clock, self.timings, self._mint, self.journal,
                             self.changes, on_due=self._note_due, closed=self._closed)
            self._queues[sub_app_id] = queue
        return queue

    def find(self, sub_app_id: SubAppId) -> AppQueue | None:
        """The application's queue if it has one; never makes one."""
        return self._queues.get(sub_app_id)

    def set_timings(self, timings: QueueTimings) -> None:
        """New timings from now on: leases already granted keep their deadline; the
        retention applies to every event at once (it is counted from each emit)."""
        self.timings = timings
        for queue in self._queues.values():
            queue.timings = timings
        self._due_earlier.fire()  # the timer re-plans with the new numbers

    def forget(self, sub_app_id: SubAppId) -> None:
        """Drop one application's queue: its events, leases and confirmed count. Its held
        pulls answer empty at once."""
        queue = self._queues.pop(sub_app_id, None)
        if queue is not None:
            queue.close()

    def new_event(self, sub_app_id: SubAppId, content: dict[str, Any]) -> EmittedEvent:
        """An emitted event with its id, its payload encoded once; not queued yet."""
        seq = self._next_seq()
        return EmittedEvent(f"evt-{seq:08d}", seq, sub_app_id, content["EventType"],
                           RawJson(plain(content)), self.clock.now())

    def add(self, event: EmittedEvent) -> None:
        self.queue(event.sub_app_id).enqueue(event)

    def add_again(self, event: EmittedEvent) -> EmittedEvent:
        """Queue a second delivery of ``event`` (same id and payload) behind those queued
        now: the duplicate an at-least-once service may send. It keeps the original's
        ``enqueued_at``, so its retention ends when the original's does."""
        copy = EmittedEvent(event.event_id, self._next_seq(), event.sub_app_id,
                           event.event_type, event.payload, event.enqueued_at, duplicate=True)
        self.add(copy)
        return copy

    def _next_seq(self) -> int:
        self._last_seq += 1
        return self._last_seq

    def enqueue(self, sub_app_id: SubAppId, content: dict[str, Any]) -> EmittedEvent:
        event = self.new_event(sub_app_id, content)
        self.add(event)
        return event

    async def pull(self, sub_app_id: SubAppId, max_count: int = EVENTS_PER_PULL) -> list[Lease]:
        """PullEvents on one application (see ``AppQueue.pull``)."""
        queue = self.queue(sub_app_id)
        try:
            return await queue.pull(max_count)
        finally:
            if not queue.in_use() and self._queues.get(sub_app_id) is queue:
                del self._queues[sub_app_id]

    def confirm(self, sub_app_id: SubAppId, handles: list[str]) -> None:
        """ConfirmEvents on one application (see ``AppQueue.confirm``)."""
        self.confirmable(sub_app_id, handles).confirm(handles)

    def confirmable(self, sub_app_id: SubAppId, handles: list[str]) -> AppQueue:
        """The queue that would accept ConfirmEvents of ``handles``, or raise what it
        would refuse them with; confirms nothing (a fault rule asks before it acts)."""
        queue = self._queues.get(sub_app_id)
        if queue is None:  # it knows no handle: the same refusal, and nothing made
            _check_batch_size(handles)
            raise _refusal(handles, self.timings)
        queue.check_confirm(handles)
        return queue

    def queues(self) -> list[AppQueue]:
        return list(self._queues.values())

    # ----- time

    def _note_due(self, due: float) -> None:
        if due < self._planned_due:
            self._planned_due = due
            self._due_earlier.fire()

    async def run_timers(self) -> None:
        """Apply every expiry and retention drop at the emulator time it falls due,
        advanced clock or not. Runs until cancelled (the application's lifecycle)."""
        while True:
            for queue in list(self._queues.values()):
                queue.sweep()
            self._planned_due = min((q.next_due() for q in self._queues.values()),
                                    default=math.inf)
            await self.clock.sleep_until(self._planned_due, self._due_earlier.future())

    # ----- starting over, stopping

    def clear(self) -> None:
        """Forget every queue. Event ids start again; handles continue in a new epoch."""
        for queue in self._queues.values():
            queue.close()
        self._queues.clear()
        self._epoch += 1
        self._mint = HandleMint(self._seed, self._epoch)
        self._last_seq = 0
        self._due_earlier.fire()

    def close(self) -> None:
        """Shutting down: every held pull answers empty now, and so does any later one."""
        self._closed = True
        for queue in self._queues.values():
            queue.close()

    # ----- the state kept (snapshots and the state file: core/state.py)

    def counters(self) -> QueueCounters:
        """What the queues count, beside their events."""
        return QueueCounters(self._last_seq, self._epoch, self._mint.key, self._mint.minted,
                             {queue.sub_app_id: (queue.enqueued_events, queue.confirmed_events)
                              for queue in self._queues.values()})

    def restore(self, counters: QueueCounters, queued: list[EmittedEvent],
                leases: list[Lease], confirmed: list[tuple[SubAppId, str, float]]) -> None:
        """Start over from a kept state: the pullable events, the live leases and the
        handles confirmed within their window (their deadlines as they were: whatever
        fell due meanwhile is applied by the next sweep)."""
        self.clear()
        self._last_seq, self._epoch = counters.last_seq, counters.epoch
        self._mint = HandleMint(self._seed, self._epoch)
        self._mint.key, self._mint.minted = counters.mint_key, counters.minted
        for sub_app_id, (enqueued, confirmed_count) in counters.apps.items():
            queue = self.queue(sub_app_id)
            queue.enqueued_events, queue.confirmed_events = enqueued, confirmed_count
        for event in queued:
            self.queue(event.sub_app_id)._pullable.add(event)
        for lease in leases:
            queue = self.queue(lease.event.sub_app_id)
            queue._leases[lease.handle] = lease
            heapq.heappush(queue._windows, (lease.expires_at, lease.handle))
        for sub_app_id, handle, until in confirmed:
            queue = self.queue(sub_app_id)
            queue._confirmed[handle] = until
            heapq.heappush(queue._windows, (until, handle))
        for queue in self._queues.values():
            queue._note_count()
        self._due_earlier.fire()  # the timer plans again from what is due now


@dataclass(frozen=True)
class QueueCounters:
    last_seq: int  # the newest event's seq: ids go on from it
    epoch: int  # resets counted: handles of a new epoch differ
    mint_key: bytes
    minted: int  # handles made in this epoch: none is made twice
    apps: dict[SubAppId, tuple[int, int]]  # per application: events enqueued, confirmed
