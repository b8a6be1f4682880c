"""The emulated VOD backend: every piece of state, and the operations on it.

The Cloud API actions, the admin API and the Python API all call these methods; none of
them keeps state of its own. No HTTP in here.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from ..base.echo import shown
from .callbacks import Attempt, Dispatcher, Sender
from .clock import Clock, check_scale
from .errors import (
    EmitInterrupted,
    InjectedError,
    NotFound,
)
from .event import ROUTE_PUSHED, ROUTE_SUPPRESSED, EmittedEvent
from .eventconfig import EventConfig, suppression
from .faults import Faults, Rule
from .ids import ANY_APP, AppFilter, SubAppId
from .journal import Journal, JournalEntry, newer_than
from .limits import SLICE_SECONDS
from .media import MediaLibrary
from .mediatasks import MediaAndTasks
from .operations import CONFIRM_EVENTS, PULL_EVENTS
from .queue import EventQueues, Lease
from .ratelimits import RateLimiter
from .ratetable import RATE_LIMITS
from .records import STATS_COUNTS, EventFilter, QueueContents, QueueState, SearchResult
from .report import ConsumerReport, Finding
from .scheduler import Scheduler
from .settings import Settings, with_changes
from .snapshots import Snapshot, Snapshots
from .taskflow import TaskFlow
from .wakeup import Wakeup

if TYPE_CHECKING:  # the event machinery is loaded on the first emit, not at start-up
    from ..events import EventFactory

MAX_EVENTS_PER_EMIT = 100_000

_CHANGING_QUEUES_ONLY = frozenset({PULL_EVENTS, CONFIRM_EVENTS})
"""Actions whose changes are the queues' alone (the state file writes those as rows)."""
_LOOKUPS = ("Describe", "Search")
"""Actions that change nothing (what falls due meanwhile says so itself)."""


T = TypeVar("T")


class VodBackend(MediaAndTasks):
    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.startup_settings = settings  # what a full reset goes back to
        self.clock = clock or Clock()
        self.journal = Journal(settings.journal_max_entries)
        self.queues = EventQueues(self.clock, settings.timings, settings.seed, self.journal)
        self.changes = self.queues.changes  # what the state file has yet to write
        self.persisted: Callable[[], Awaitable[None]] = _nothing_to_persist
        """Returns once every change made so far is kept (the state file's ``written``,
        set by the application): an answer waits for it before it is sent."""
        self.snapshots = Snapshots()
        self.event_configs = settings.event_configs
        self.faults = Faults(self.clock, self.journal, settings.seed)
        self.rate_limits = RateLimiter(self.clock)  # counted only while enforced
        self.callbacks = Dispatcher(self.clock, self.journal, settings.callbacks, self.faults)
        self.media = MediaLibrary(settings.seed)  # every file the events have made known
        # What the consumers do that the real service punishes, rates against its limits.
        self.report = ConsumerReport({action: limit.per_second
                                      for action, limit in RATE_LIMITS.items()})
        self.scheduler = Scheduler(self.clock)  # what actions set off to happen later
        self.tasks = TaskFlow(self.clock, self.scheduler, self.media, self.faults,
                              self._route_caused, settings.seed)
        self.tasks.task_seconds = settings.task_durations
        self.tasks.repeated_session_id = settings.repeated_session_id
        # Every emitted event, newest kept (as many as journal entries), for followers
        # and recordings; the queues hold only what is still to be delivered.
        self.emitted: deque[EmittedEvent] = deque(maxlen=settings.journal_max_entries)
        self._emitted_counts: dict[SubAppId, int] = {}
        self.last_emitted_seq = 0  # the newest emitted event's seq (0: none since a reset)
        self._factory: EventFactory | None = None
        self._factory_loading: asyncio.Future[EventFactory] | None = None
        self._resets = 0  # an emit under way stops when this changes
        self.stopping = False
        self.stopped = Wakeup()

    # ----- background work and stopping (driven by the application's lifecycle)

    async def run(self) -> None:
        """What runs in the background while the emulator serves: the queues' timers and
        the scheduled work."""
        await asyncio.gather(self.queues.run_timers(), self.scheduler.run())

    def stop(self) -> None:
        """Shutting down: held pulls and waits answer now; emits under way stop.
        (Callbacks in flight are abandoned by ``stop_callbacks()``, awaited by the
        lifecycle.)"""
        self.stopping = True
        self.scheduler.clear()
        self.queues.close()
        self.stopped.fire()

    async def stop_callbacks(self) -> None:
        """Shutting down: callbacks in flight or scheduled are abandoned (each recorded)."""
        await self.callbacks.stop()

    def set_callback_sender(self, sender: Sender | None) -> None:
        """How callbacks are sent (the application's HTTP client); None: not serving."""
        self.callbacks.sender = sender

    async def wait_for(self, condition: Callable[[], bool], timeout: float) -> bool:
        """Wait up to ``timeout`` real seconds until ``condition()`` holds, checked on every
        journal entry and clock change; shutdown ends the wait at once. False if it timed
        out."""
        return await self.journal.wait_for(lambda: condition() or self.stopping, timeout,
                                           also=[self.clock.advanced, self.stopped])

    # ----- the clock

    def now(self) -> float:
        """Emulator time, Unix seconds."""
        return self.clock.now()

    def clock_state(self) -> dict[str, Any]:
        """How the clock stands: now, offset_seconds, scale, frozen."""
        return self.clock.to_json()

    def change_clock(self, advance: float | None = None, freeze: bool | None = None,
                     scale: float | None = None) -> None:
        """Set the scale, freeze (True) or resume (False), advance: any of them, in that
        order. Everything is checked before anything changes: a ClockLimitError changes
        nothing. What the change made due happens before this returns."""
        self._set_clock(advance, freeze, scale)
        self.scheduler.run_due()

    async def change_clock_in_slices(self, advance: float | None = None,
                                     freeze: bool | None = None,
                                     scale: float | None = None) -> None:
        """``change_clock`` for the event loop: what the change made due is done in slices
        between which the loop is handed back (an advance of days can end thousands of
        tasks at once), all of it before this returns. EmitInterrupted if a reset or
        shutdown comes between."""
        self._set_clock(advance, freeze, scale)
        await self.in_slices(self.scheduler.due_work(), "clock change")

    def _set_clock(self, advance: float | None, freeze: bool | None,
                   scale: float | None) -> None:
        clock = self.clock
        self.changes.other()
        if scale is not None:
            check_scale(scale)
        if advance is not None:
            clock.check_advance(advance)
        if scale is not None:
            clock.set_scale(scale)
        if freeze is True:
            clock.freeze()
        elif freeze is False:
            clock.resume()
        if advance is not None:
            clock.advance(advance)

    # ----- the event factory, loaded when first needed

    @property
    def factory(self) -> EventFactory:
        if self._factory is None:
            self._factory = _new_factory(self.settings.seed, self.clock)
        return self._factory

    async def load_factory(self) -> EventFactory:
        """The factory, loaded off the event loop the first time (the schema and the
        generation plans take tens of milliseconds to build)."""
        if self._factory is None:
            if self._factory_loading is None:
                self._factory_loading = asyncio.ensure_future(
                    asyncio.to_thread(_new_factory, self.settings.seed, self.clock))
            factory = await asyncio.shield(self._factory_loading)
            if self._factory is None:
                self._factory = factory
        return self._factory

    # ----- putting events in

    def _route_caused(self, sub_app_id: SubAppId, content: dict[str, Any],
                      caused_by: str) -> str:
        """Route an event a request caused (a task's, a deletion's); its id."""
        return self._route(sub_app_id, content, caused_by).event_id

    def _route(self, sub_app_id: SubAppId, content: dict[str, Any],
               caused_by: str | None = None) -> EmittedEvent:
        """The one place that decides where an emitted event goes, by its application's
        configuration at this moment: not notified at all (a switch OFF, or PUSH without
        a URL), POSTed to the NotificationUrl (PUSH), or queued for PullEvents (PULL).
        Every emit, from the admin API, the Python API or a scenario, comes through here."""
        config = self.event_configs.get(sub_app_id)
        event = self.queues.new_event(sub_app_id, content)
        if caused_by is not None:
            event.caused_by = caused_by
        self.media.observe(event, content)
        self.emitted.append(event)
        self.changes.emitted(event)
        self.last_emitted_seq = event.seq
        self._emitted_counts[sub_app_id] = self._emitted_counts.get(sub_app_id, 0) + 1
        reason = suppression(config, event.event_type)
        if reason is not None:
            event.route = ROUTE_SUPPRESSED
            self.callbacks.suppress(event, reason)
        elif config.mode == "PUSH":
            event.route = ROUTE_PUSHED
            self.callbacks.push(event, config.notification_url, config.sign_key)
        else:
            self.queues.add(event)
        return event

    def generate(
        self, event_type: str, count: int, overrides: Mapping[str, Any] | None = None
    ) -> Iterator[dict[str, Any]]:
        """``count`` new payloads of ``event_type``, made one at a time as they are taken.
        A bad type or override fails on the first, before anything is queued."""
        _check_count(count)
        factory = self.factory
        for _ in range(count):
            yield factory.make(event_type, overrides)

    def scenario(self, name: str) -> list[dict[str, Any]]:
        """One run of a scenario: a coherent flow of payloads sharing ids."""
        from ..events.scenarios import build_scenario

        return build_scenario(self.factory, name, self.clock.now())

    def checked(self, contents: list[Any]) -> Iterator[dict[str, Any]]:
        """The given payloads, each checked against the schema as it is taken."""
        from ..events import EventInputError, check_event_content

        _check_count(len(contents))
        schema = self.factory.schema
        for index, content in enumerate(contents):
            try:
                yield check_event_content(schema, content)
            except EventInputError as error:
                raise EventInputError(f"events[{index}]: {error}") from None

    def emit(self, sub_app_id: SubAppId, contents: Iterable[dict[str, Any]]) -> list[EmittedEvent]:
        """Route every payload; all at once (for callers on the loop with few events)."""
        return [self._route(sub_app_id, content) for content in contents]

    async def emit_in_slices(
        self, sub_app_id: SubAppId, contents: Iterable[dict[str, Any]]
    ) -> list[EmittedEvent]:
        """Route every payload, handing the loop back every ``SLICE_SECONDS``."""
        return await self.in_slices(
            (self._route(sub_app_id, content) for content in contents), "emit",
            lambda emitted: f"{emitted} events were emitted before that")

    async def check_in_slices(self, contents: list[Any]) -> list[dict[str, Any]]:
        """``checked``, handing the loop back every ``SLICE_SECONDS``: every payload is
        checked before any is emitted, so one bad payload emits none."""
        return await self.in_slices(
            self.checked(contents), "emit",
            lambda _: "no event was emitted (the events were still being checked)")

    async def in_slices(self, items: Iterable[T], work: str,
                        done_by_then: Callable[[int], str] | None = None) -> list[T]:
        """Take every item of a lazy iterable, handing the loop back every
        ``SLICE_SECONDS``; raise EmitInterrupted if a reset or shutdown comes between,
        saying what ``done_by_then`` says of the number of items taken by then."""
        resets = self._resets
        taken: list[T] = []
        deadline = time.perf_counter() + SLICE_SECONDS
        for item in items:
            taken.append(item)
            if time.perf_counter() >= deadline:
                await asyncio.sleep(0)
                if self._resets != resets or self.stopping:
                    done = "" if done_by_then is None else f"; {done_by_then(len(taken))}"
                    raise EmitInterrupted(
                        f"the emulator was {'stopped' if self.stopping else 'reset'} "
                        f"during this {work}{done}")
                deadline = time.perf_counter() + SLICE_SECONDS
        return taken

    # The Python API's ways in, for synchronous callers (EmulatorThread.call).

    def emit_generated(
        self,
        event_type: str,
        count: int,
        sub_app_id: SubAppId,
        overrides: Mapping[str, Any] | None = None,
    ) -> list[EmittedEvent]:
        """Generate ``count`` events of ``event_type`` (each deep-merged with ``overrides``)."""
        return self.emit(sub_app_id, self.generate(event_type, count, overrides))

    def emit_scenario(self, name: str, sub_app_id: SubAppId) -> list[EmittedEvent]:
        """Emit one run of a scenario: a coherent flow of events sharing ids."""
        return self.emit(sub_app_id, self.scenario(name))

    def emit_events(self, contents: list[Any], sub_app_id: SubAppId) -> list[EmittedEvent]:
        """Emit the given payloads as they are, all or none: each is checked first."""
        return self.emit(sub_app_id, list(self.checked(contents)))

    # ----- the Cloud API's operations

    def admit_request(self, action: str) -> None:
        """RequestLimitExceeded, before anything acts, when ``action`` is over its
        documented rate (only while ``enforce_rate_limits`` is on)."""
        if action not in _CHANGING_QUEUES_ONLY and not action.startswith(_LOOKUPS):
            self.changes.other()
        if self.settings.enforce_rate_limits:
            self.rate_limits.admit(action)

    async def request_faults(self, action: str, sub_app_id: SubAppId) -> None:
        """The faults that act on a whole Cloud API request: a latency first (real
        seconds, cut short by shutdown), then an error answered instead of acting."""
        if not self.faults.active:
            return
        latency = self.faults.take(action, ("latency",), sub_app_id)
        if latency is not None and not self.stopping:
            await asyncio.wait([self.stopped.future()], timeout=latency.given["seconds"])
        error = self.faults.take(action, ("error",), sub_app_id)
        if error is not None:
            code = error.given["code"]
            raise InjectedError(code, error.given.get(
                "message", f"{code} (injected by fault {error.id})."))

    async def pull_events(self, sub_app_id: SubAppId) -> list[Lease]:
        leases = await self.queues.pull(sub_app_id)
        if not self.faults.active:
            return leases
        for lease in leases:
            event = lease.event
            if not event.duplicate and self.faults.take(
                    PULL_EVENTS, ("duplicate",), sub_app_id, event.event_type,
                    event.event_id, event.deliveries):
                self.queues.add_again(event)
        if len(leases) > 1 and self.faults.take(PULL_EVENTS, ("reorder",), sub_app_id):
            self.faults.shuffle(leases)
        return leases

    def release_events(self, sub_app_id: SubAppId, leases: list[Lease]) -> None:
        """The leases' answer never reached the puller: make the events pullable now."""
        queue = self.queues.find(sub_app_id)
        if queue is not None:
            queue.release(leases)

    def confirm_events(self, sub_app_id: SubAppId, handles: list[str]) -> None:
        if not self.faults.active:
            self.queues.confirm(sub_app_id, handles)
            return
        # A rule acts only on a confirm the real checks accept (a refused one is refused
        # as it would be, the rule unspent), and on each of its events apart.
        queue = self.queues.confirmable(sub_app_id, handles)
        dropped: set[str] = set()
        for handle in dict.fromkeys(handles):
            event = queue.leased_event(handle)
            if event is None:
                continue  # confirmed already: confirming it again is a no-op
            if self.faults.take(CONFIRM_EVENTS, ("drop_confirm",), sub_app_id,
                                event.event_type, event.event_id, event.deliveries):
                dropped.add(handle)  # this lease stays as it was
            elif self.faults.take(CONFIRM_EVENTS, ("expire_lease",), sub_app_id,
                                  event.event_type, event.event_id, event.deliveries):
                queue.expire_now(handle)  # so the confirm below is refused as a late one
        kept = [handle for handle in handles if handle not in dropped]
        if kept:  # otherwise "success" with nothing confirmed
            queue.confirm(kept)

    def count_events_to_pull(self, sub_app_id: SubAppId) -> int:
        """CountOfEventsToPull: as it was ``count_lag_seconds`` ago."""
        queue = self.queues.find(sub_app_id)
        return 0 if queue is None else queue.count_to_pull()

    def modify_event_config(self, sub_app_id: SubAppId, changes: dict[str, str]) -> EventConfig:
        self.changes.other()
        return self.event_configs.modify(sub_app_id, changes)

    def describe_event_config(self, sub_app_id: SubAppId) -> EventConfig:
        return self.event_configs.get(sub_app_id)

    # ----- looking inside (never makes state)

    def queue_state(self, sub_app_id: SubAppId) -> QueueState:
        queue = self.queues.find(sub_app_id)
        if queue is None:
            return QueueState(sub_app_id, 0, 0, 0, 0)
        return QueueState(sub_app_id, queue.count_pullable(), queue.count_leased(),
                          queue.held_pulls, queue.confirmed_events)

    def queue_contents(self, sub_app_id: SubAppId) -> QueueContents:
        queue = self.queues.find(sub_app_id)
        if queue is None:
            return QueueContents(self.queue_state(sub_app_id), [], [])
        return QueueContents(self.queue_state(sub_app_id), queue.pullable_events(),
                             queue.leases())

    def queue_states(self) -> list[QueueState]:
        return [self.queue_state(queue.sub_app_id) for queue in self.queues.queues()]

    # ----- the journal, the callbacks' records and the fault rules

    def journal_entries(self, kind: str | None = None, event_id: str | None = None,
                        after: int = 0, limit: int | None = None) -> list[JournalEntry]:
        """The journal's kept entries, oldest first (see ``Journal.entries``)."""
        return self.journal.entries(kind, event_id, after, limit)

    @property
    def journal_epoch(self) -> int:
        """Counts full resets: a follower that sees a new one starts again from seq 0."""
        return self.journal.epoch

    @property
    def journal_last_seq(self) -> int:
        return self.journal.last_seq

    @property
    def journal_evicted(self) -> int:
        return self.journal.evicted

    @property
    def journal_max_entries(self) -> int:
        return self.journal.max_entries

    def callback_attempts(self, event_id: str | None = None,
                          sub_app_id: AppFilter = ANY_APP,
                          outcome: str | None = None) -> list[Attempt]:
        """The callback attempts kept, oldest first; ``sub_app_id`` ANY_APP for every
        application."""
        return self.callbacks.attempts(event_id, sub_app_id, outcome)

    @property
    def callbacks_evicted(self) -> int:
        return self.callbacks.evicted

    def callback_counts(self, sub_app_id: SubAppId) -> dict[str, int]:
        """One application's callbacks by state (pending, delivered, undelivered)."""
        return self.callbacks.counts(sub_app_id)

    def redeliver(self, event_id: str | None = None) -> list[str]:
        """Send one event's callback again, or (None) every undelivered one; the ids of
        the events sent again. NotFound if the event has no callback kept."""
        self.changes.other()
        try:
            return self.callbacks.redeliver(event_id)
        except KeyError:
            raise NotFound(f"no callback of event {shown(event_id)} is kept: only events "
                           "routed to PUSH can be redelivered, and a finished one only while "
                           "the callback records keep it") from None

    def fault_rules(self) -> list[Rule]:
        """The fault rules in force, oldest first."""
        return self.faults.rules()

    def add_fault(self, body: Mapping[str, Any]) -> Rule:
        """Add a fault rule (FaultInputError, and nothing added, if it is not valid)."""
        self.changes.other()
        return self.faults.add(body)

    def remove_faults(self, fault_id: str | None = None) -> list[str]:
        """Remove one fault rule (NotFound if unknown) or, without an id, every rule."""
        self.changes.other()
        try:
            return self.faults.remove(fault_id)
        except KeyError:
            raise NotFound(f"no fault rule {shown(fault_id)}") from None

    # ----- settings that change while the emulator runs

    def change_settings(self, changes: Mapping[str, Any]) -> Settings:
        """Apply runtime settings (``config.RUNTIME_SETTINGS``), all checked first: a
        SettingsError changes nothing. Leases granted and held pulls keep their deadlines;
        the retention and the callback settings apply at once."""
        self._use_settings(with_changes(self.settings, changes))
        return self.settings

    def _use_settings(self, settings: Settings) -> None:
        self.changes.other()
        self.settings = settings
        self.queues.set_timings(settings.timings)
        self.callbacks.settings = settings.callbacks
        self.event_configs.set_defaults(*settings.app_defaults)
        self.tasks.task_seconds = settings.task_durations
        self.tasks.repeated_session_id = settings.repeated_session_id

    # ----- looking at the whole

    def emitted_events(self, after: int = 0, limit: int | None = None) -> list[EmittedEvent]:
        """The emitted events kept, oldest first, those after seq ``after``."""
        return list(itertools.islice(newer_than(self.emitted, after), limit))

    async def search_events(self, wanted: EventFilter, before: int | None = None,
                            limit: int | None = None) -> SearchResult:
        """The emitted events kept that match, newest first, those before seq ``before``,
        at most ``limit``; and how many match in all. Scanned in slices: a search over
        100,000 events never holds the loop."""
        page: list[EmittedEvent] = []

        def keep(event: EmittedEvent) -> bool:
            if not wanted.matches(event):
                return False
            if (before is None or event.seq < before) and (limit is None or len(page) < limit):
                page.append(event)
            return True

        # A copy (references only, ~1 ms for 100,000): emits go on between the slices.
        kept = list(self.emitted)
        # Every event passes through the slices, matched or not: a search that matches
        # little must hand the loop back as often as one that matches much.
        verdicts = await self.in_slices((keep(event) for event in reversed(kept)), "search")
        return SearchResult(page, sum(verdicts))

    def emitted_event(self, event_id: str) -> EmittedEvent | None:
        """The emitted event kept under ``event_id`` (the newest, were it emitted twice)."""
        return next((event for event in reversed(self.emitted) if event.event_id == event_id),
                    None)

    def leases_of(self, event: EmittedEvent) -> list[Lease]:
        queue = self.queues.find(event.sub_app_id)
        return [] if queue is None else [lease for lease in queue.leases()
                                         if lease.event.event_id == event.event_id]

    def events_by_id(self, event_ids: set[str]) -> list[EmittedEvent]:
        """The emitted events of these ids (never a duplicate a fault queued): from those
        kept, then from the queues, which may hold events older than those kept."""
        found = {event.event_id: event for event in self.emitted if event.event_id in event_ids}
        for queue in self.queues.queues() if len(found) < len(event_ids) else []:
            contents = self.queue_contents(queue.sub_app_id)
            for event in [*contents.pullable, *(lease.event for lease in contents.leases)]:
                if event.event_id in event_ids and not event.duplicate:
                    found.setdefault(event.event_id, event)
        missing = sorted(event_ids - found.keys())
        if missing:
            raise LookupError(
                "not emitted since the last reset, or older than the "
                f"{self.emitted.maxlen} emitted events kept and no longer queued: "
                + ", ".join(missing))
        return list(found.values())

    @property
    def emitted_evicted(self) -> int:
        return sum(self._emitted_counts.values()) - len(self.emitted)

    def stats(self) -> dict[str, Any]:
        """Counts per application (every one that has state) and in total."""
        journal = self.journal
        apps = {*self._emitted_counts, *self.event_configs.configured(),
                *(queue.sub_app_id for queue in self.queues.queues())}
        rows: list[dict[str, Any]] = []
        for sub_app_id in sorted(apps, key=lambda app: -1 if app is None else app):
            state = self.queue_state(sub_app_id)
            rows.append({
                "sub_app_id": sub_app_id,
                "mode": self.event_configs.get(sub_app_id).mode,
                "config": self.event_configs.get(sub_app_id).describe(),
                "emitted": self._emitted_counts.get(sub_app_id, 0),
                "pullable": state.pullable, "leased": state.leased,
                "confirmed": state.confirmed,
                **{kind: journal.count(kind, sub_app_id)
                   for kind in ("expired", "dropped", "suppressed")},
                **self.callbacks.counts(sub_app_id),
                "callback_attempts": sum(journal.count(kind, sub_app_id) for kind in
                                         ("delivered", "attempt_failed", "undelivered")),
            })
        totals = {name: sum(row[name] for row in rows) for name in STATS_COUNTS}
        return {
            "now": self.clock.now(),
            "applications": rows,
            "totals": totals,
            "faults": {"active": len(self.faults.rules()), "applied": self.faults.applied},
            "callback_latency_ms": self.callbacks.latency_histogram(),
            "journal": {"entries": journal.size, "evicted": journal.evicted},
        }

    # ----- starting over

    def clear_queues(self) -> None:
        self.queues.clear()

    def clear_callbacks(self) -> None:
        self.callbacks.clear()

    def clear_event_configs(self) -> None:
        self.event_configs.clear()

    def clear_journal(self) -> None:
        self.journal.clear()

    def clear_emitted(self) -> None:
        self.emitted.clear()
        self.last_emitted_seq = 0
        self._emitted_counts.clear()

    def clear_media(self) -> None:
        self.media.clear()
        self.tasks.clear()
        self.scheduler.clear()

    # ----- snapshots

    def save_snapshot(self, name: str) -> Snapshot:
        """Keep the whole state under ``name`` (SnapshotInputError for a bad name)."""
        return self.snapshots.save(self, name)

    def restore_snapshot(self, name: str) -> Snapshot:
        """Stand as the snapshot ``name`` does (NotFound if none): as after a reset, then
        its events, configurations, library, tasks, callbacks, record and clock."""
        self.changes.all()
        return self.snapshots.restore(self, name)

    def consumer_report(self) -> list[Finding]:
        """What the consumers did since the last full reset that the real service would
        punish (see core.report), as of now."""
        return self.report.findings(self.now(), self.callbacks.attempts())

    def reseed(self) -> None:
        if self._factory is not None:
            self._factory.reseed()

    def reset(self) -> None:
        """Back to a fresh start: no events, no configuration, no record, no faults, the
        settings the server started with, the seed replayed from its beginning. The clock
        keeps its time: it never goes back."""
        self._resets += 1
        self.changes.all()
        self.clear_queues()
        self.clear_callbacks()
        self.clear_event_configs()
        self.clear_journal()
        self.clear_emitted()
        self.clear_media()
        self.report.clear()
        self.faults.reset()
        self.rate_limits.clear()
        self._use_settings(self.startup_settings)
        self.reseed()

    def reset_app(self, sub_app_id: SubAppId) -> None:
        """One application back to a fresh start: its queue (held pulls answer empty),
        callbacks, configuration, journal entries, emitted events, media library and the
        fault rules aimed at it alone. Other applications, the settings and the seed go on."""
        self.changes.all()
        self.queues.forget(sub_app_id)
        self.callbacks.forget(sub_app_id)
        self.event_configs.forget(sub_app_id)
        self.journal.forget(sub_app_id)
        self.media.forget(sub_app_id)
        self.tasks.forget(sub_app_id)
        self.scheduler.forget(sub_app_id)
        self.faults.forget(sub_app_id)
        self.report.forget(sub_app_id)
        self.emitted = deque((event for event in self.emitted if event.sub_app_id != sub_app_id),
                             maxlen=self.emitted.maxlen)
        self._emitted_counts.pop(sub_app_id, None)


async def _nothing_to_persist() -> None:
    """Without a state file, a change is kept as soon as it is made."""


def _new_factory(seed: int, clock: Clock) -> EventFactory:
    from ..events import EventFactory

    return EventFactory(seed, clock.now)


def _check_count(count: int) -> None:
    if not 1 <= count <= MAX_EVENTS_PER_EMIT:
        from ..events import EventInputError

        raise EventInputError(f"count must be between 1 and {MAX_EVENTS_PER_EMIT}, got {count}")
