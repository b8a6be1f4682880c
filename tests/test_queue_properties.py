"""Property-based tests of the reliable-callback queue (emulator/core/queue.py), no HTTP.

A Hypothesis state machine drives ``EventQueues``/``AppQueue`` directly (emit, lease,
pull, confirm, release, duplicate, reset, shutdown, clock advances) against a frozen
clock, and keeps a model of what every event, handle and held pull should be. A
duplicate (the ``duplicate`` fault's copy of a leased event) shares its original's id
and age but not its place in the queue, so the model knows events by seq. Its steps run in one
asyncio event loop the machine owns: a pull is a task, and after each step the loop
runs until nothing more happens, so a held pull woken by an emit, a release, a lease's
expiry or the end of its hold has answered by the time the model is checked. In half
the runs the queues' timer task (``run_timers``) runs too: then an advance of the clock
alone puts every expiry and retention drop due in the journal, with no other call.

After every step the queues are checked against the model: which queues exist, which
events are pullable (and in which order), which handles hold live leases, how many
pulls are held, the journal's counts and each event's journal history.

All times are multiples of 0.25 s on top of a whole-second start, so every sum the
queue computes is exact in floating point and the model can compare times exactly.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import os
import re
import time
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import event as hypothesis_event
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from emulator.base.jsontext import RawJson
from emulator.core import journal as j
from emulator.core.clock import Clock
from emulator.core.errors import InvalidParameterValue
from emulator.core.journal import Journal
from emulator.core.queue import (
    EVENTS_PER_PULL,
    HANDLES_PER_CONFIRM,
    AppQueue,
    EmittedEvent,
    EventQueues,
    Lease,
    PullableEvents,
    QueueTimings,
    SubAppId,
)

SUB_APPS: tuple[SubAppId, ...] = (None, 1500000001)
"""Two applications: the account's default one and a sub-application."""

TICK = 0.25
"""The clock's grain in these tests: keeps every time exact in binary floating point."""

LONG_POLL_SECONDS = 5.0
"""The machine's hold time (the real service's): between its short and long advances."""

# Enough to find ordering and expiry mistakes; well under a minute on 2 cores.
# VOD_QUEUE_PROPERTY_EXAMPLES raises it for a longer local run.
_EXAMPLES = int(os.environ.get("VOD_QUEUE_PROPERTY_EXAMPLES", "200"))
STATEFUL_SETTINGS = settings(
    max_examples=_EXAMPLES,
    stateful_step_count=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
GIVEN_SETTINGS = settings(max_examples=50, deadline=None)

IDLE_DEADLINE = 2.0
"""Real seconds a loop may take to go idle: a few hundred iterations at most, unless a
task spins (a wake-up that keeps firing, a timer re-planning for the past)."""

# Model states of an event.
PULLABLE = "pullable"
LEASED = "leased"
CONFIRMED = "confirmed"
DROPPED = "dropped"

# Model states of a handle.
LIVE = "live"
HANDLE_CONFIRMED = "confirmed"
HANDLE_EXPIRED = "expired"
HANDLE_RELEASED = "released"
HANDLE_STALE = "stale"
"""Minted before a reset: no queue may accept it again."""


@dataclass
class ModelEvent:
    event_id: str
    seq: int
    sub_app_id: SubAppId
    enqueued_at: float
    duplicate: bool = False
    state: str = PULLABLE
    handle: str | None = None
    """The handle of the live lease, if leased."""
    lease_expires: float = 0.0
    deliveries: int = 0


@dataclass
class ModelHandle:
    handle: str
    sub_app_id: SubAppId
    seq: int
    """Of the event (or copy) it leased."""
    expires_at: float
    """End of the confirm window (for a confirmed handle: of its re-confirm window)."""
    status: str = LIVE


@dataclass
class ModelPull:
    task: asyncio.Task[list[Lease]]
    sub_app_id: SubAppId
    max_count: int
    deadline: float
    """When its hold ends: the long-poll time after it started."""
    closed: bool
    """Its queue was closed (reset or shutdown): it answers empty."""


@dataclass
class Counts:
    by_kind: dict[str, int] = field(default_factory=lambda: dict.fromkeys(j.KINDS, 0))

    def add(self, kind: str) -> None:
        self.by_kind[kind] += 1


# An event's journal history, one letter per entry: Enqueued, Leased, eXpired, Released,
# Confirmed, Dropped. After an expiry or a release the event is pullable again (or
# dropped when its retention has passed); a confirmed or dropped event has no further
# history. Each copy of a duplicated event has a history of its own.
HISTORY = re.compile(r"E(L[XR])*(LC|D|L)?")
LETTER = {j.ENQUEUED: "E", j.LEASED: "L", j.EXPIRED: "X", j.RELEASED: "R", j.CONFIRMED: "C",
          j.DROPPED: "D"}


async def until_idle(loop: asyncio.AbstractEventLoop) -> None:
    """Yield until the loop has nothing left to run: every task woken has run on to its
    next wait or its end. Fails if that takes more than IDLE_DEADLINE real seconds.

    The queue has no signal for "every held pull has re-checked", so this looks at the
    loop itself: ``_ready`` (its ready callbacks) and ``_scheduled`` (its timer heap) are
    private attributes of asyncio's BaseEventLoop, with no public equivalent. With the
    tests' frozen clock nothing waits on real time but the tests' own safety nets, so
    "nothing ready and no timer due" is exactly "everything woken has run"."""
    deadline = time.monotonic() + IDLE_DEADLINE
    while busy(loop):
        if time.monotonic() > deadline:
            raise AssertionError(f"the event loop never went idle in {IDLE_DEADLINE:g} s: "
                                 "a task keeps waking or running")
        await asyncio.sleep(0)


def busy(loop: asyncio.AbstractEventLoop) -> bool:
    """Whether the loop has a callback ready to run, or a timer due now (see until_idle)."""
    ready: collections.deque[asyncio.Handle] = loop._ready  # type: ignore[attr-defined]
    timers: list[asyncio.TimerHandle] = loop._scheduled  # type: ignore[attr-defined]
    return bool(ready) or bool(timers and timers[0].when() <= loop.time())


def quarter_seconds(low: float, high: float) -> st.SearchStrategy[float]:
    """Multiples of TICK between low and high (inclusive)."""
    return st.integers(int(low / TICK), int(high / TICK)).map(lambda n: n * TICK)


class QueueMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.ready = False
        self.loop = asyncio.new_event_loop()
        self.pulls: list[ModelPull] = []
        self.timer: asyncio.Task[None] | None = None

    def teardown(self) -> None:
        tasks = [pull.task for pull in self.pulls] + ([self.timer] if self.timer else [])
        for task in tasks:
            task.cancel()
        if tasks:
            self.loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
        self.loop.close()

    # ----- set-up

    @initialize(
        window=st.sampled_from([2.0, 30.0]),
        retention_factor=st.sampled_from([20.0, 4.0, 0.5]),  # 0.5: leases outlive retention
        seed=st.integers(0, 2**32),
        prefill=st.tuples(st.integers(0, 20), st.integers(0, 20)),
        timers=st.booleans(),
    )
    def setup(
        self, window: float, retention_factor: float, seed: int, prefill: tuple[int, int],
        timers: bool,
    ) -> None:
        self.timings = QueueTimings(
            long_poll_seconds=LONG_POLL_SECONDS,
            confirm_window_seconds=window,
            retention_seconds=window * retention_factor,
        )
        self.clock = Clock.frozen()
        self.journal = Journal()
        self.queues = EventQueues(self.clock, self.timings, seed, self.journal)
        self.events: dict[str, ModelEvent] = {}
        self.handles: dict[str, ModelHandle] = {}
        self.lease_objects: dict[str, Lease] = {}
        self.counts = Counts()
        self.with_events: set[SubAppId] = set()
        """Applications given an event since the last reset: each has a queue."""
        self.closed = False
        self.unknown_serial = 0
        if timers:
            self.timer = self.loop.create_task(self.queues.run_timers())
        hypothesis_event("timer task " + ("running" if timers else "not running"))
        self.ready = True
        # Some events from the start, so a run has something to lease even when
        # Hypothesis's swarm testing leaves the emit rule out.
        for sub_app_id, n in zip(SUB_APPS, prefill, strict=True):
            self.enqueue(sub_app_id, n)
        self.settle()

    # ----- the event loop

    def settle(self) -> None:
        """Run the loop until it is idle: woken pulls have answered or gone back to
        waiting, and the timer has applied what is due and sleeps until what is next."""
        self.loop.run_until_complete(until_idle(self.loop))
        if self.timer is not None:
            if self.timer.done():
                raise AssertionError(f"the timer task ended: {self.timer!r}")
            # Idle, with nothing due at the current emulator time: the timer has
            # applied every expiry and drop due and sleeps until the next one.
            now = self.now
            for queue in self.queues.queues():
                assert queue.next_due() > now, (queue.sub_app_id, queue.next_due(), now)

    # ----- the model

    @property
    def now(self) -> float:
        return self.clock.now()

    def normalize(self) -> None:
        """Apply the clock to the model, as the queue's sweep does.

        A leased event outlives its retention until its lease ends (and can be confirmed
        until then); only then, or while pullable, is it dropped."""
        now = self.now
        retention = self.timings.retention_seconds
        for event in self.events.values():
            if event.state == LEASED and now >= event.lease_expires:
                assert event.handle is not None
                self.handles[event.handle].status = HANDLE_EXPIRED
                event.handle = None
                self.counts.add(j.EXPIRED)
                event.state = PULLABLE  # dropped just below if its retention has passed
            if event.state == PULLABLE and now >= event.enqueued_at + retention:
                event.state = DROPPED
                self.counts.add(j.DROPPED)
                hypothesis_event("event dropped by retention")
                if event.duplicate and any(
                        e.state == PULLABLE and e.sub_app_id == event.sub_app_id
                        and e.seq < event.seq for e in self.events.values()):
                    hypothesis_event("duplicate dropped by retention behind a younger event")

    def model_pullable(self, sub_app_id: SubAppId) -> list[ModelEvent]:
        return sorted(
            (e for e in self.events.values() if e.sub_app_id == sub_app_id and e.state == PULLABLE),
            key=lambda e: e.seq,
        )

    def model_live(self, sub_app_id: SubAppId) -> list[str]:
        return sorted(
            h.handle for h in self.handles.values()
            if h.sub_app_id == sub_app_id and h.status == LIVE
        )

    def model_held(self, sub_app_id: SubAppId) -> list[ModelPull]:
        return [pull for pull in self.pulls if pull.sub_app_id == sub_app_id]

    def confirmable(self, handle: str, sub_app_id: SubAppId) -> bool:
        """Accepted by ConfirmEvents on this queue: a live lease of this queue, or a handle
        of this queue already confirmed whose window has not passed (a no-op)."""
        h = self.handles.get(handle)
        if h is None or h.sub_app_id != sub_app_id:
            return False
        return h.status in (LIVE, HANDLE_CONFIRMED) and self.now < h.expires_at

    def new_unknown_handle(self) -> str:
        self.unknown_serial += 1
        return f"{self.unknown_serial:032x}"  # shaped like a real handle, never minted

    def took(self, leases: list[Lease], expected: list[ModelEvent],
             sub_app_id: SubAppId) -> None:
        """Check leases just made against the model's events they should be, and
        record them in the model."""
        assert [(lease.event.event_id, lease.event.seq) for lease in leases] == [
            (e.event_id, e.seq) for e in expected]
        now = self.now
        for lease, model in zip(leases, expected, strict=True):
            # No confirmed (or dropped, or already leased) event is leased.
            assert model.state == PULLABLE
            # Handles never repeat, across both applications, resets and all time.
            assert lease.handle not in self.handles
            assert lease.expires_at == now + self.timings.confirm_window_seconds
            assert lease.event.sub_app_id == sub_app_id
            assert lease.event.deliveries == model.deliveries + 1
            content = lease.event_content()
            assert content["EventHandle"] == lease.handle
            assert content["EventType"] == "NewFileUploadEvent"

            model.state = LEASED
            model.handle = lease.handle
            model.lease_expires = lease.expires_at
            model.deliveries += 1
            self.handles[lease.handle] = ModelHandle(
                lease.handle, sub_app_id, model.seq, lease.expires_at
            )
            self.lease_objects[lease.handle] = lease
            self.counts.add(j.LEASED)

    def settle_and_answer(self) -> None:
        """Let the loop run, then check every pull that has answered since the last
        step, and that every pull still held should be."""
        self.settle()
        self.normalize()
        now = self.now
        for sub_app_id in SUB_APPS:
            mine = self.model_held(sub_app_id)
            answers = [(pull, pull.task.result()) for pull in mine if pull.task.done()]
            waiting = [pull for pull in mine if not pull.task.done()]
            pullable = self.model_pullable(sub_app_id)
            # Pulls that found events took them oldest first, each as many as it could:
            # in the order they ran, each took the next slice of the pullable events.
            slices = sorted(((pull, leases) for pull, leases in answers if leases),
                            key=lambda answer: answer[1][0].event.seq)
            taken = [lease for _, leases in slices for lease in leases]
            for n, (pull, leases) in enumerate(slices, 1):
                assert len(leases) == pull.max_count or (
                    n == len(slices) and len(leases) < pull.max_count)
                hypothesis_event("pull: answered with events"
                                 + (" after its hold" if now >= pull.deadline else ""))
            self.took(taken, pullable[: len(taken)], sub_app_id)
            # An empty answer comes only at the end of the hold, or from a closed queue.
            for pull, leases in answers:
                if not leases:
                    assert pull.closed or now >= pull.deadline, (pull, now)
                    hypothesis_event("pull: answered empty" + (", closed" if pull.closed else ""))
            # A pull is held only within its hold, on an open queue.
            for pull in waiting:
                assert not pull.closed and now < pull.deadline, (pull, now)
            if waiting:
                hypothesis_event(f"pull: {min(len(waiting), 3)}{'+' * (len(waiting) >= 3)} held")
            # Nothing becomes pullable while the loop runs (an expiry is applied by
            # whoever looks first, for all to see): so if events are left, every pull
            # that ran took a full share, and none is held or answered empty.
            if len(pullable) > len(taken):
                assert not waiting, "a pull held beside pullable events"
                assert all(leases for _, leases in answers), "an empty answer beside events"
        self.pulls = [pull for pull in self.pulls if not pull.task.done()]

    # ----- rules

    @rule(data=st.data(), n=st.integers(1, 20))
    def emit(self, data: st.DataObject, n: int) -> None:
        self.normalize()
        sub_app_id = self.pick_sub_app(data, self.held_apps())
        if self.model_held(sub_app_id):
            hypothesis_event("emit: to a held pull")
        self.enqueue(sub_app_id, n)
        self.settle_and_answer()

    def enqueue(self, sub_app_id: SubAppId, n: int) -> None:
        for i in range(n):
            content = {"EventType": "NewFileUploadEvent", "Index": i}
            event = self.queues.enqueue(sub_app_id, content)
            assert event.seq not in self.events
            assert event.sub_app_id == sub_app_id
            assert event.enqueued_at == self.now
            self.events[event.seq] = ModelEvent(
                event.event_id, event.seq, sub_app_id, event.enqueued_at
            )
            self.counts.add(j.ENQUEUED)
        if n:
            self.with_events.add(sub_app_id)

    def pick_sub_app(self, data: st.DataObject, *preferred: list[SubAppId]) -> SubAppId:
        """Mostly from the first non-empty ``preferred`` list, now and then either."""
        choices = next((apps for apps in preferred if apps), list(SUB_APPS))
        if data.draw(st.integers(0, 3), label="any application") == 3:
            choices = list(SUB_APPS)
        return data.draw(st.sampled_from(choices), label="sub_app_id")

    def held_apps(self) -> list[SubAppId]:
        return [s for s in SUB_APPS if self.model_held(s)]

    @rule(data=st.data(), max_count=st.one_of(st.none(), st.integers(1, EVENTS_PER_PULL)))
    def lease(self, data: st.DataObject, max_count: int | None) -> None:
        """AppQueue.lease: take what is pullable now, never waiting."""
        self.normalize()
        sub_app_id = self.pick_sub_app(data, [s for s in SUB_APPS if self.model_pullable(s)])
        expected = self.model_pullable(sub_app_id)[: max_count or EVENTS_PER_PULL]
        queue = self.queues.find(sub_app_id)
        if queue is None:  # never given an event: nothing to lease, and nothing to make
            assert not expected
            return
        leases = queue.lease() if max_count is None else queue.lease(max_count)
        # Oldest first (enqueue order), at most the requested count, never more than 16.
        assert len(leases) <= (max_count or EVENTS_PER_PULL) <= EVENTS_PER_PULL
        if not leases:
            hypothesis_event("lease: nothing pullable")
        elif any(e.deliveries for e in expected):
            hypothesis_event("lease: includes a redelivery")
        else:
            hypothesis_event("lease: first deliveries only")
        self.took(leases, expected, sub_app_id)
        # As the backend's duplicate fault does, right after a lease.
        originals = [self.events[lease.event.seq] for lease in leases if not lease.event.duplicate]
        if originals and data.draw(st.sampled_from([False, True]), label="then duplicate"):
            self.make_copy(data, data.draw(st.sampled_from(originals), label="original"))

    @rule(data=st.data(), max_count=st.one_of(st.none(), st.integers(1, EVENTS_PER_PULL)))
    def pull(self, data: st.DataObject, max_count: int | None) -> None:
        """EventQueues.pull: answers at once if anything is pullable, else is held."""
        self.normalize()
        # Mostly where nothing is pullable: such a pull is held.
        sub_app_id = self.pick_sub_app(
            data, [s for s in SUB_APPS if not self.model_pullable(s)])
        pulling = (self.queues.pull(sub_app_id) if max_count is None
                   else self.queues.pull(sub_app_id, max_count))
        self.pulls.append(ModelPull(
            self.loop.create_task(pulling), sub_app_id, max_count or EVENTS_PER_PULL,
            self.now + LONG_POLL_SECONDS, closed=self.closed,
        ))
        self.settle_and_answer()
        # Held beside leases of its application: now and then some of those go back at
        # once (their puller hung up), which must answer this pull. The state takes a few
        # steps to reach, and the release rule alone finds it seldom.
        if self.model_held(sub_app_id) and self.model_live(sub_app_id) and data.draw(
                st.sampled_from([True, False]), label="then release"):
            self.release_some(data, sub_app_id)

    @rule(data=st.data())
    def release(self, data: st.DataObject) -> None:
        """AppQueue.release: some live leases (and maybe stale ones, a no-op) go back."""
        self.normalize()
        live_apps = [s for s in SUB_APPS if self.model_live(s)]
        self.release_some(data, self.pick_sub_app(
            data, [s for s in live_apps if self.model_held(s)], live_apps))

    def release_some(self, data: st.DataObject, sub_app_id: SubAppId) -> None:
        queue = self.queues.find(sub_app_id)
        if queue is None:
            assert not self.model_live(sub_app_id)
            return
        live = self.model_live(sub_app_id)
        chosen = data.draw(st.lists(st.sampled_from(live), min_size=1, unique=True),
                           label="live") if live else []
        stale = sorted(handle for handle, h in self.handles.items()
                       if h.status != LIVE and handle in self.lease_objects)
        ignored = data.draw(st.lists(st.sampled_from(stale), max_size=2, unique=True),
                            label="stale") if stale else []
        batch = data.draw(st.permutations(chosen + ignored), label="batch")
        if self.model_held(sub_app_id) and chosen:
            hypothesis_event("release: to a held pull")
        queue.release([self.lease_objects[handle] for handle in batch])
        for handle in chosen:
            h = self.handles[handle]
            h.status = HANDLE_RELEASED  # nobody holds it: it confirms nothing
            event = self.events[h.seq]
            assert event.state == LEASED and event.handle == handle
            event.state = PULLABLE  # at once, whatever its window said
            event.handle = None
            self.counts.add(j.RELEASED)
        self.settle_and_answer()

    @rule(data=st.data())
    def duplicate(self, data: st.DataObject) -> None:
        """A copy of any event leased now (see ``make_copy``)."""
        self.normalize()
        originals = sorted(e.seq for e in self.events.values()
                           if e.state == LEASED and not e.duplicate)
        if not originals:
            return
        self.make_copy(data, self.events[data.draw(st.sampled_from(originals),
                                                   label="original")])

    def make_copy(self, data: st.DataObject, original: ModelEvent) -> None:
        """EventQueues.add_again, as the ``duplicate`` fault does: a copy of a leased event
        (never of a copy), with its id and age, at the end of the queue."""
        assert original.handle is not None and not original.duplicate
        # Now and then younger events first, so the copy waits behind them: its place in
        # the queue then says nothing of its age. Seldom reached otherwise.
        younger = data.draw(st.sampled_from([0, 0, 1, 3]), label="younger events first")
        if younger and self.now > original.enqueued_at:
            self.enqueue(original.sub_app_id, younger)
        copy = self.queues.add_again(self.lease_objects[original.handle].event)
        assert (copy.event_id, copy.sub_app_id, copy.enqueued_at, copy.duplicate) == (
            original.event_id, original.sub_app_id, original.enqueued_at, True)
        assert copy.seq not in self.events and copy.seq > max(self.events)
        self.events[copy.seq] = ModelEvent(copy.event_id, copy.seq, copy.sub_app_id,
                                           copy.enqueued_at, duplicate=True)
        self.counts.add(j.ENQUEUED)
        if self.now >= copy.enqueued_at + self.timings.retention_seconds:
            hypothesis_event("duplicate: queued past its retention")
        elif any(e.enqueued_at > copy.enqueued_at for e in self.model_pullable(copy.sub_app_id)):
            hypothesis_event("duplicate: queued behind younger events")
        else:
            hypothesis_event("duplicate: queued")
        self.settle_and_answer()

    @rule(data=st.data())
    def confirm(self, data: st.DataObject) -> None:
        """Confirm some live handles, maybe with an expired, released, stale, unknown,
        confirmed, other application's or repeated handle mixed in (an unknown one when
        its pool is empty)."""
        self.normalize()
        with_live = [s for s in SUB_APPS if self.model_live(s)]
        sub_app_id = data.draw(st.sampled_from(with_live or SUB_APPS), label="sub_app_id")
        other = next(s for s in SUB_APPS if s != sub_app_id)
        live = self.model_live(sub_app_id)
        batch: list[str] = []
        if live:
            batch += data.draw(
                st.lists(st.sampled_from(live), min_size=1, max_size=12, unique=True),
                label="live",
            )

        def of_this_app(*statuses: str) -> list[str]:
            return sorted(h.handle for h in self.handles.values()
                          if h.sub_app_id == sub_app_id and h.status in statuses)

        pools = {
            "expired": of_this_app(HANDLE_EXPIRED, HANDLE_RELEASED),
            "stale": of_this_app(HANDLE_STALE),
            "confirmed": of_this_app(HANDLE_CONFIRMED),
            "other_app": sorted(h.handle for h in self.handles.values() if h.sub_app_id == other),
            "repeat": list(batch),
        }
        mixed = not batch or data.draw(st.integers(0, 2), label="mix") == 0
        extras = data.draw(
            st.lists(st.sampled_from(["unknown", *pools]), min_size=1, max_size=3)
            if mixed else st.just([]),
            label="extras",
        )
        for kind in extras:
            if kind == "unknown" or not pools[kind]:
                batch.append(self.new_unknown_handle())
            else:
                batch.append(data.draw(st.sampled_from(pools[kind]), label=kind))
        batch = data.draw(st.permutations(batch), label="batch")
        self.check_confirm(sub_app_id, batch)

    @rule(data=st.data())
    def confirm_across_apps(self, data: st.DataObject) -> None:
        """A handle of one application, even a live one, is refused by the other's queue."""
        self.normalize()
        candidates = sorted(
            h.handle for h in self.handles.values() if self.confirmable(h.handle, h.sub_app_id)
        )
        if not candidates:
            return
        handle = data.draw(st.sampled_from(candidates), label="handle")
        owner = self.handles[handle].sub_app_id
        other = next(s for s in SUB_APPS if s != owner)
        self.check_confirm(other, [handle])
        assert self.confirmable(handle, owner)  # still good where it belongs

    def check_confirm(self, sub_app_id: SubAppId, batch: list[str]) -> None:
        refused = [h for h in batch if not self.confirmable(h, sub_app_id)]
        if not 1 <= len(batch) <= HANDLES_PER_CONFIRM:
            hypothesis_event("confirm: refused, batch size")
            with pytest.raises(InvalidParameterValue):
                self.queues.confirm(sub_app_id, batch)
            return
        if refused:
            hypothesis_event("confirm: refused, bad handle")
            if any(self.handles[h].status == HANDLE_STALE for h in refused if h in self.handles):
                hypothesis_event("confirm: refused, a handle from before a reset")
            with pytest.raises(InvalidParameterValue) as raised:
                self.queues.confirm(sub_app_id, batch)
            # The answer names the refused handles, and no accepted one.
            for handle in refused:
                assert handle in raised.value.message
            for handle in set(batch) - set(refused):
                assert handle not in raised.value.message
            return  # all or nothing: the model is unchanged
        repeats = any(self.handles[h].status == HANDLE_CONFIRMED for h in batch)
        hypothesis_event("confirm: accepted" + (", with a no-op repeat" if repeats else ""))
        self.queues.confirm(sub_app_id, batch)
        for handle in batch:
            h = self.handles[handle]
            if h.status == LIVE:
                h.status = HANDLE_CONFIRMED  # keeps expires_at: re-confirmable until then
                event = self.events[h.seq]
                assert event.state == LEASED and event.handle == handle
                event.state = CONFIRMED
                event.handle = None
                self.counts.add(j.CONFIRMED)

    @rule(
        data=st.data(),
        # Mostly within twice the confirm window (often well within it); now and then to
        # a lease's, an event's or a hold's time limit; occasionally beyond the retention.
        how=st.sampled_from(
            ["short"] * 4 + ["window"] * 4 + ["boundary"] * 2 + ["beyond retention"]
        ),
    )
    def advance(self, data: st.DataObject, how: str) -> None:
        window = self.timings.confirm_window_seconds
        retention = self.timings.retention_seconds
        if how == "short":
            seconds = data.draw(quarter_seconds(0, window / 2), label="seconds")
        elif how == "window":
            seconds = data.draw(quarter_seconds(0, 2 * window), label="seconds")
        elif how == "beyond retention":
            seconds = data.draw(quarter_seconds(retention, retention + window), label="seconds")
        else:
            seconds = self.seconds_to_a_boundary(data)
        due = (self.counts.by_kind[j.EXPIRED], self.counts.by_kind[j.DROPPED])
        self.clock.advance(seconds)
        self.settle()
        self.normalize()
        if due != (self.counts.by_kind[j.EXPIRED], self.counts.by_kind[j.DROPPED]):
            hypothesis_event("advance: expiry or drop due" + (
                ", applied by the timer" if self.timer else ""))
        if self.timer is not None:
            # Time passing on its own: the timer alone has applied every expiry and
            # retention drop now due, with no queue operation after the advance.
            for kind in (j.EXPIRED, j.DROPPED):
                assert self.journal.count(kind) == self.counts.by_kind[kind], kind
        self.settle_and_answer()

    def seconds_to_a_boundary(self, data: st.DataObject) -> float:
        """Just before, exactly at or just after a held pull's hold end, a live lease's
        window end or a kept event's retention end (0 if there is none ahead)."""
        now = self.now
        kinds = {
            "hold": {pull.deadline for pull in self.pulls},
            "window": {e.lease_expires for e in self.events.values() if e.state == LEASED},
            "retention": {e.enqueued_at + self.timings.retention_seconds
                          for e in self.events.values() if e.state in (PULLABLE, LEASED)},
        }
        kind = data.draw(st.sampled_from([k for k, times in kinds.items() if times] or ["hold"]),
                         label="boundary")
        boundaries = kinds[kind]
        nudge = data.draw(st.sampled_from([0.0, -TICK, TICK]), label="nudge")
        targets = sorted(b + nudge for b in boundaries if b + nudge >= now)
        if not targets:
            return 0.0
        return data.draw(st.sampled_from(targets), label="target") - now

    @rule()
    def reset(self) -> None:
        """EventQueues.clear (with the journal, as the backend's reset does): held pulls
        answer empty, every queue is forgotten, ids restart, handles change epoch."""
        if self.pulls:
            hypothesis_event("reset: with held pulls")
        self.queues.clear()
        self.journal.clear()
        for pull in self.pulls:
            pull.closed = True
        for h in self.handles.values():
            h.status = HANDLE_STALE
        self.events.clear()
        self.counts = Counts()
        self.with_events.clear()
        self.settle_and_answer()

    @rule()
    def close(self) -> None:
        """EventQueues.close (shutting down): held pulls answer empty; from now on a pull
        finding nothing answers empty at once (one finding events still takes them)."""
        if self.closed or not self.pulls:
            # Only with pulls held (the case worth checking): after a shutdown nothing is
            # held again, so an early one would leave the rest of the run without holds.
            return
        self.queues.close()
        self.closed = True
        for pull in self.pulls:
            pull.closed = True
        self.settle_and_answer()

    # ----- invariants

    @invariant()
    def matches_model(self) -> None:
        if not self.ready:
            return
        self.check_queues()  # applies the clock to the queues (and the model) first
        self.check_journal()

    def check_queues(self) -> None:
        self.normalize()
        # A queue exists for each application given an event since the last reset, and
        # for one with a held pull; none for any other (a read never makes one).
        assert {q.sub_app_id for q in self.queues.queues()} == self.with_events | {
            pull.sub_app_id for pull in self.pulls}
        for sub_app_id in SUB_APPS:
            queue = self.queues.find(sub_app_id)
            pullable = self.model_pullable(sub_app_id)
            live = self.model_live(sub_app_id)
            if queue is None:
                assert not pullable and not live
                continue
            assert queue.held_pulls == len(self.model_held(sub_app_id))
            # Counts match the model (these also apply the clock to the queue).
            assert queue.count_pullable() == len(pullable)
            assert queue.count_leased() == len(live)

            # Exactly the model's pullable events, oldest first.
            assert [(e.event_id, e.seq) for e in queue.pullable_events()] == [
                (e.event_id, e.seq) for e in pullable
            ]
            # Exactly the model's live handles; at most one live lease per event (or copy).
            leased = queue.leases()
            assert sorted(lease.handle for lease in leased) == live
            assert len({lease.event.seq for lease in leased}) == len(leased)
            for lease in leased:
                model = self.events[lease.event.seq]
                assert model.state == LEASED and model.handle == lease.handle
                assert lease.expires_at == model.lease_expires > self.now
            # Nothing falls due in the past: the timer would have applied it.
            assert queue.next_due() > self.now

        # No event is lost before its retention ends: every unconfirmed event still
        # within its retention is pullable or leased (in its own application's queue).
        now = self.now
        for event in self.events.values():
            if event.state == CONFIRMED:
                continue
            if now < event.enqueued_at + self.timings.retention_seconds:
                assert event.state in (PULLABLE, LEASED), event
            if event.state == DROPPED:
                assert now >= event.enqueued_at + self.timings.retention_seconds

    def check_journal(self) -> None:
        for kind, expected in self.counts.by_kind.items():
            assert self.journal.count(kind) == expected, kind
        histories = self.histories()
        assert histories.keys() == self.events.keys()
        for seq, history in histories.items():
            letters = "".join(letter for letter, _ in history)
            # Never leased again once confirmed; dropped only when unleased.
            assert HISTORY.fullmatch(letters), (seq, letters)
            # An expiry, release or confirmation names the handle of the lease just
            # before it, and every lease has a handle of its own.
            for (prev, prev_handle), (letter, handle) in itertools.pairwise(history):
                if letter in "XRC":
                    assert prev == "L" and handle == prev_handle
            lease_handles = [h for letter, h in history if letter == "L"]
            assert len(set(lease_handles)) == len(lease_handles)
            model = self.events[seq]
            assert len(lease_handles) == model.deliveries
            final = {"C": CONFIRMED, "D": DROPPED, "L": LEASED}.get(letters[-1], PULLABLE)
            assert final == model.state

    def histories(self) -> dict[int, list[tuple[str, str | None]]]:
        """Each event's (or copy's) journal history: (letter, handle) in order.

        The journal names events by id, which copies share. An entry with a handle
        belongs to the copy that handle leased; the copies' enqueues come in queue
        order; a drop goes to the first copy of that id that is pullable at that point
        of the history and dropped in the model (copies share their age, so every
        such copy is past its retention and has nothing left but its own drop)."""
        copies: dict[str, list[int]] = {}
        for seq in sorted(self.events):
            copies.setdefault(self.events[seq].event_id, []).append(seq)
        histories: dict[int, list[tuple[str, str | None]]] = {}
        enqueues: dict[str, int] = {}
        for entry in self.journal.entries():
            seqs = copies[entry.event_id]
            if entry.handle is not None:
                seq = self.handles[entry.handle].seq
                assert seq in seqs, entry
            elif entry.kind == j.ENQUEUED:
                seq = seqs[enqueues.get(entry.event_id, 0)]
                enqueues[entry.event_id] = enqueues.get(entry.event_id, 0) + 1
            else:
                assert entry.kind == j.DROPPED, entry
                seq = next(s for s in seqs if self.events[s].state == DROPPED
                           and histories[s][-1][0] in "EXR")
            histories.setdefault(seq, []).append((LETTER[entry.kind], entry.handle))
        return histories


QueueMachine.TestCase.settings = STATEFUL_SETTINGS
# A passing run takes seconds; the longer timeout only lets Hypothesis finish shrinking a
# failure (it caps shrinking at about 5 minutes) and report the minimal example. The
# thread method ends a run that hangs (a queue task spinning without yielding holds the
# loop: the signal method's exception would land in that task, and the run go on).
TestQueueStateMachine = pytest.mark.timeout(600, method="thread")(QueueMachine.TestCase)


# ----- examples: edge cases


def make_queues(
    seed: int | None = 7,
    window: float = 30.0,
    retention: float = 4 * 24 * 3600.0,
    long_poll: float = 5.0,
) -> tuple[Clock, Journal, EventQueues]:
    clock = Clock.frozen()
    journal = Journal()
    timings = QueueTimings(
        long_poll_seconds=long_poll, confirm_window_seconds=window, retention_seconds=retention
    )
    return clock, journal, EventQueues(clock, timings, seed, journal)


def emit(queues: EventQueues, sub_app_id: SubAppId, n: int) -> list[str]:
    return [queues.enqueue(sub_app_id, {"EventType": "NewFileUploadEvent"}).event_id
            for _ in range(n)]


def test_confirm_of_no_handles_is_refused() -> None:
    _, _, queues = make_queues()
    with pytest.raises(InvalidParameterValue):
        queues.queue(None).confirm([])


def test_confirm_of_17_handles_is_refused_and_confirms_nothing() -> None:
    _, journal, queues = make_queues()
    queue = queues.queue(None)
    emit(queues, None, 17)
    leases = queue.lease(16) + queue.lease(16)
    assert len(leases) == 17
    with pytest.raises(InvalidParameterValue):
        queue.confirm([lease.handle for lease in leases])
    assert queue.count_leased() == 17
    assert journal.count(j.CONFIRMED) == 0
    # 16 of the same handles are fine.
    queue.confirm([lease.handle for lease in leases[:16]])
    assert queue.count_leased() == 1


def test_lease_answers_at_most_16_by_default() -> None:
    _, _, queues = make_queues()
    queue = queues.queue(None)
    ids = emit(queues, None, 40)
    assert [lease.event.event_id for lease in queue.lease()] == ids[:16]
    assert queue.count_pullable() == 24


def test_confirm_window_boundary_and_repeat_confirm() -> None:
    clock, _, queues = make_queues(window=30.0)
    queue = queues.queue(None)
    emit(queues, None, 2)
    first, second = queue.lease(2)
    clock.advance(10)
    queue.confirm([first.handle])
    queue.confirm([first.handle])  # again, within its window: a no-op
    clock.advance(20 - TICK)  # just before the window ends
    queue.confirm([first.handle, second.handle])
    emit(queues, None, 1)
    (third,) = queue.lease(1)
    clock.advance(TICK)  # exactly at the end of the first two windows
    with pytest.raises(InvalidParameterValue):
        queue.confirm([first.handle])
    with pytest.raises(InvalidParameterValue) as raised:
        queue.confirm([third.handle, second.handle])
    assert second.handle in raised.value.message and third.handle not in raised.value.message
    assert queue.count_leased() == 1  # all or nothing: third is still leased
    queue.confirm([third.handle])


def test_expired_lease_is_pullable_again_under_a_new_handle() -> None:
    clock, journal, queues = make_queues(window=30.0)
    queue = queues.queue(None)
    (event_id,) = emit(queues, None, 1)
    (lease,) = queue.lease()
    clock.advance(30)
    assert queue.count_leased() == 0 and queue.count_pullable() == 1
    (again,) = queue.lease()
    assert again.event.event_id == event_id and again.handle != lease.handle
    assert again.event.deliveries == 2
    with pytest.raises(InvalidParameterValue):
        queue.confirm([lease.handle])
    queue.confirm([again.handle])
    assert [(e.kind, e.handle) for e in journal.entries() if e.kind != j.ENQUEUED] == [
        (j.LEASED, lease.handle), (j.EXPIRED, lease.handle),
        (j.LEASED, again.handle), (j.CONFIRMED, again.handle),
    ]


def test_retention_drop_is_journaled() -> None:
    clock, journal, queues = make_queues(window=30.0, retention=100.0)
    queue = queues.queue(1500000001)
    leased, old = emit(queues, 1500000001, 2)
    clock.advance(80)
    (lease,) = queue.lease(1)  # oldest first; its window ends after its retention
    assert lease.event.event_id == leased
    (young,) = emit(queues, 1500000001, 1)
    clock.advance(20 - TICK)  # just before the first two reach retention
    assert queue.count_pullable() == 2 and journal.count(j.DROPPED) == 0
    clock.advance(TICK)
    assert queue.count_pullable() == 1
    dropped = journal.entries(j.DROPPED)
    assert [(e.event_id, e.sub_app_id, e.at) for e in dropped] == [(old, 1500000001, clock.now())]
    # The leased event outlives its retention until its lease ends, then is dropped.
    assert queue.count_leased() == 1
    clock.advance(10)
    assert queue.count_leased() == 0
    assert [e.event_id for e in journal.entries(j.DROPPED)] == [old, leased]
    assert [e.event_id for e in journal.entries(j.EXPIRED)] == [leased]
    assert [e.event_id for e in queue.pullable_events()] == [young]


def test_same_seed_mints_the_same_handles() -> None:
    def run(seed: int) -> list[str]:
        clock, _, queues = make_queues(seed=seed)
        handles = []
        for sub_app_id in (None, 1500000001, None):
            emit(queues, sub_app_id, 3)
            handles += [lease.handle for lease in queues.queue(sub_app_id).lease()]
        clock.advance(30)
        handles += [lease.handle for lease in queues.queue(None).lease()]
        return handles

    first, second = run(42), run(42)
    assert first == second
    assert len(set(first)) == len(first) == 15  # 9 leases, 6 again after expiry
    assert set(run(43)).isdisjoint(first)


@GIVEN_SETTINGS
@given(seed=st.integers(0, 2**64), counts=st.lists(st.integers(1, 20), min_size=1, max_size=5))
def test_same_seed_same_handles_for_any_seed(seed: int, counts: list[int]) -> None:
    def run() -> list[str]:
        _, _, queues = make_queues(seed=seed)
        handles: list[str] = []
        for i, n in enumerate(counts):
            sub_app_id = SUB_APPS[i % 2]
            emit(queues, sub_app_id, n)
            handles += [lease.handle for lease in queues.queue(sub_app_id).lease()]
        return handles

    first = run()
    assert first == run()
    assert len(set(first)) == len(first)


def test_unseeded_queues_mint_different_handles() -> None:
    handles = []
    for _ in range(2):
        _, _, queues = make_queues(seed=None)
        emit(queues, None, 1)
        handles += [lease.handle for lease in queues.queue(None).lease()]
    assert handles[0] != handles[1]


# ----- the held pull, against a frozen clock: no real waiting

SAFETY_NET = 10.0
"""Real seconds: only reached if a held pull fails to wake."""

LONG_POLL = 60.0
"""Emulator seconds. Longer than SAFETY_NET: a held pull's own real-time fallback timeout
(the emulator seconds left, as real seconds, on a frozen clock) must not rescue a pull
that the clock or an arrival failed to wake."""


async def held_pull(queue: AppQueue, journal: Journal) -> asyncio.Task[list[Lease]]:
    """Start a pull that finds nothing, and wait until the queue says it is held."""
    held_before = queue.held_pulls
    task = asyncio.create_task(queue.pull())
    assert await journal.wait_for(lambda: queue.held_pulls == held_before + 1, SAFETY_NET)
    assert not task.done()
    return task


async def still_held(task: asyncio.Task[list[Lease]], queue: AppQueue) -> bool:
    """Whether the pull is held still once it has run through any wake-up and re-check."""
    await until_idle(asyncio.get_running_loop())
    return not task.done() and queue.held_pulls == 1


@pytest.mark.asyncio
async def test_held_pull_wakes_when_an_event_arrives() -> None:
    _, journal, queues = make_queues(long_poll=LONG_POLL)
    queue = queues.queue(1500000001)
    task = await held_pull(queue, journal)
    emit(queues, None, 1)  # another application's event does not answer it
    assert await still_held(task, queue)
    (event_id,) = emit(queues, 1500000001, 1)
    leases = await asyncio.wait_for(task, SAFETY_NET)
    assert [lease.event.event_id for lease in leases] == [event_id]
    assert queue.held_pulls == 0 and queue.count_leased() == 1


@pytest.mark.asyncio
async def test_advancing_the_long_poll_time_ends_a_hold_empty() -> None:
    clock, journal, queues = make_queues(long_poll=LONG_POLL)
    queue = queues.queue(None)
    task = await held_pull(queue, journal)
    clock.advance(LONG_POLL - TICK)
    assert await still_held(task, queue)
    clock.advance(TICK)
    assert await asyncio.wait_for(task, SAFETY_NET) == []
    assert queue.held_pulls == 0


@pytest.mark.asyncio
async def test_held_pull_wakes_when_a_lease_expires() -> None:
    clock, journal, queues = make_queues(window=30.0, long_poll=LONG_POLL)
    queue = queues.queue(None)
    (event_id,) = emit(queues, None, 1)
    (first,) = queue.lease()
    task = await held_pull(queue, journal)  # the lease ends 30 s into this hold
    clock.advance(30 - TICK)
    assert await still_held(task, queue)
    clock.advance(TICK)
    leases = await asyncio.wait_for(task, SAFETY_NET)
    assert [lease.event.event_id for lease in leases] == [event_id]
    assert leases[0].handle != first.handle


# ----- duplicates and retention


def test_a_duplicate_is_dropped_by_its_age_not_its_place_in_the_queue() -> None:
    clock, journal, queues = make_queues(window=30.0, retention=100.0)
    queue = queues.queue(None)
    (old,) = emit(queues, None, 1)
    clock.advance(50)
    (young,) = emit(queues, None, 1)
    first, second = queue.lease()
    copy = queues.add_again(first.event)  # queued behind the young event, aged as the old
    queue.confirm([first.handle])
    clock.advance(30)  # the young event's lease lapses: it is pullable again, ahead
    assert [(e.event_id, e.seq) for e in queue.pullable_events()] == [
        (young, second.event.seq), (old, copy.seq)]
    assert queue.next_due() == copy.enqueued_at + 100
    clock.advance(20 - TICK)
    assert queue.count_pullable() == 2 and journal.count(j.DROPPED) == 0
    clock.advance(TICK)  # the copy is 100 s old
    assert [e.event_id for e in queue.pullable_events()] == [young]
    assert [(e.event_id, e.at) for e in journal.entries(j.DROPPED)] == [(old, clock.now())]
    assert [lease.event.event_id for lease in queue.lease()] == [young]


@pytest.mark.asyncio
async def test_the_timer_drops_a_duplicate_when_it_comes_of_age() -> None:
    clock, journal, queues = make_queues(window=30.0, retention=100.0)
    timer = asyncio.create_task(queues.run_timers())
    try:
        queue = queues.queue(None)
        (old,) = emit(queues, None, 1)
        clock.advance(50)
        emit(queues, None, 1)
        first, _ = queue.lease()
        queues.add_again(first.event)
        queue.confirm([first.handle])
        clock.advance(50)  # nobody looks: the timer alone journals the drop
        assert await journal.wait_for(lambda: journal.count(j.DROPPED) == 1, SAFETY_NET)
        assert [e.event_id for e in journal.entries(j.DROPPED)] == [old]
    finally:
        timer.cancel()
        await asyncio.gather(timer, return_exceptions=True)


def test_a_lease_released_past_retention_is_dropped_at_once() -> None:
    clock, journal, queues = make_queues(window=30.0, retention=100.0)
    queue = queues.queue(None)
    (event_id,) = emit(queues, None, 1)
    clock.advance(90)
    (lease,) = queue.lease()
    clock.advance(10)  # past retention, the lease still live
    queue.release([lease])
    assert [(e.kind, e.at) for e in journal.entries() if e.kind != j.ENQUEUED][-2:] == [
        (j.RELEASED, clock.now()), (j.DROPPED, clock.now())]
    assert queue.count_pullable() == 0


def test_pullable_events_keep_both_orders_and_stay_small_however_events_leave() -> None:
    """An old copy waits far back in the queue while many younger events pass it: the
    age index must neither lose it nor grow with the events that went by."""
    pullable = PullableEvents()

    def event(seq: int, enqueued_at: float) -> EmittedEvent:
        return EmittedEvent(f"evt-{seq:08d}", seq, None, "T", RawJson(b"{}"), enqueued_at)

    copy = event(10**6, 0.0)
    pullable.add(copy)
    for seq in range(1, 5000):
        pullable.add(event(seq, 1.0))
        taken = pullable.pop_first()
        assert taken is not None and taken.seq == seq
        assert pullable.oldest() is copy
    assert len(pullable) == 1 and pullable.in_queue_order() == [copy]
    # Indexes are rebuilt once mostly stale (a private detail: memory stays bounded).
    assert len(pullable._by_age) <= 2 * len(pullable) + 64
    young = [event(seq, 2.0) for seq in range(5000, 5100)]
    for each in young:
        pullable.add(each)
    for each in young[:99]:
        pullable.remove(each)
    assert len(pullable._by_seq) <= 2 * len(pullable) + 64
    assert [pullable.pop_first(), pullable.pop_first(), pullable.pop_first()] == [
        young[99], copy, None]
