"""PUSH delivery ("normal callbacks"): each event POSTed to its application's URL, signed,
retried on the emulator clock, every attempt recorded.

The dispatcher is domain code: it never imports aiohttp. It is handed a ``Sender`` (the
application's lifecycle owns the pooled HTTP client behind it) and the clock, so a
retry due in an advanced span happens at once and no test waits real seconds.

Ordering: each event is delivered on its own; an application has at most
``concurrency`` deliveries in flight, started in emit order. A failing event's retries
never hold back the events after it, and a slow or dead receiver never delays another
application's callbacks.
"""

from __future__ import annotations

import asyncio
import bisect
import codecs
import math
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from . import journal as j
from . import signature
from .clock import Clock
from .event import (
    ABANDONED,
    DELIVERED,
    PENDING,
    PENDING_RETRY,
    PROBE,
    SUPPRESSED,
    UNDELIVERED,
    EmittedEvent,
    caused_by,
)
from .faults import CALLBACK, EFFECTS, Faults, Rule
from .ids import ANY_APP, AppFilter, SubAppId
from .journal import Journal
from .signature import SIGNATURE_TTL_SECONDS
from .signature import callback_body as callback_body  # its old home: still importable here
from .success import DEFAULT_TIMEOUT_SECONDS, is_delivered
from .success import SUCCESS_RULES as SUCCESS_RULES  # its old home: still importable here

DEFAULT_RETRY_SECONDS = (5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 36000.0)
"""Waits before each retry, after a first attempt at once: Svix's schedule (5 s, 5 min,
30 min, 2 h, 5 h, 10 h, 10 h), eight attempts over about 27 hours of emulator time."""

@dataclass(frozen=True)
class CallbackPolicy:
    """A named preset of the callback settings: each attempt's timeout (real seconds), the
    waits before each retry (emulator seconds) and what counts as delivered."""

    timeout_seconds: float
    retry_seconds: tuple[float, ...]
    success: str  # one of SUCCESS_RULES
    source: str  # where its numbers come from


CALLBACK_POLICIES = {
    "default": CallbackPolicy(
        DEFAULT_TIMEOUT_SECONDS, DEFAULT_RETRY_SECONDS, "200",
        "the emulator's choice (the 3.0 format's timeout and retries are undocumented): "
        "5 s, Svix's schedule, HTTP 200"),
    # The archived page of the older format: "点播服务端发起HTTP回调的超时时间为5秒；如果回调
    # 超时，点播后台会重试两次（即：总共最多发送三次）" and "点播后台会忽略HTTP返回码与包体"
    # (tencentyun/qcloud-documents, 任务管理与事件通知.md). It names no wait between the
    # sends: the emulator sends again as soon as the timeout ends.
    "archived": CallbackPolicy(
        5.0, (0.0, 0.0), "any",
        "the archived page of the older format: 5 s; on no answer two more sends, at "
        "once; any HTTP answer is received"),
}
"""Every callback policy by name: the one place that says what each means."""

# The states and outcomes of a delivery are in event.py, with every state of an event.
FAILED = "failed"  # a filter of attempt records: pending_retry or undelivered
FINISHED = (DELIVERED, UNDELIVERED, ABANDONED)  # nothing more is attempted unless redelivered
CALLBACK_COUNTS = ("callbacks_pending", "callbacks_delivered", "callbacks_undelivered")
"""One application's deliveries by state (pending counts pending_retry too)."""
LATENCY_BOUNDS_MS = (1, 5, 10, 50, 100, 500, 1000, 5000)
"""Upper bounds of the latency histogram's buckets (one more bucket: above the last)."""
_CALLBACK_EFFECTS = tuple(name for name, effect in EFFECTS.items()
                          if effect.actions is not None and CALLBACK in effect.actions)
ANSWER_BODY_LIMIT = 4096
"""Bytes of a handler's answer body kept with its attempt (what explains a refusal); a
sender reads at most one more, to know that there was more."""
_ANSWERS_SHARED = 256  # distinct answers kept for sharing: most handlers say one thing


class Answer(NamedTuple):
    """What a handler answered besides its status: the start of its body and its type."""

    body: bytes  # at most ANSWER_BODY_LIMIT bytes
    content_type: str | None  # its Content-Type header as sent; None: it sent none
    truncated: bool  # the body was longer than what is kept

    def text(self) -> str:
        """The body as text (UTF-8, undecodable bytes replaced); a character cut by the
        limit is left out rather than replaced."""
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        return decoder.decode(self.body, final=not self.truncated)


def read_answer(start: bytes, content_type: str | None) -> Answer:
    """An Answer from the first bytes a sender read (up to ANSWER_BODY_LIMIT + 1)."""
    return Answer(start[:ANSWER_BODY_LIMIT], content_type, len(start) > ANSWER_BODY_LIMIT)


class SendResult(NamedTuple):
    status: int | None  # None: no HTTP answer (refused, reset, timed out)
    error: str | None
    answer: Answer | None = None  # None: no HTTP answer, or one a fault made up


Sender = Callable[[str, bytes, float], Awaitable[SendResult]]
"""POST ``body`` (JSON) to ``url``, waiting at most the given real seconds for the
answer (``CallbackSettings.timeout_seconds`` when the attempt starts); never raises."""


_DEFAULT_POLICY = CALLBACK_POLICIES["default"]


@dataclass(frozen=True)
class CallbackSettings:
    timeout_seconds: float = _DEFAULT_POLICY.timeout_seconds
    retry_seconds: tuple[float, ...] = _DEFAULT_POLICY.retry_seconds
    success: str = _DEFAULT_POLICY.success  # one of SUCCESS_RULES
    signature_ttl_seconds: float = SIGNATURE_TTL_SECONDS  # T = now + this
    concurrency: int = 10  # deliveries in flight per application
    max_records: int = 100_000  # attempt records (and finished deliveries) kept
    probe_signatures: bool = False  # after an application's first delivery, send PROBES


PROBES = {"bad_signature": "probe: forged Sign", "expired_signature": "probe: expired T"}
"""The callbacks sent to see a handler refuse a spoiled signature (what spoils it: the
record's error), once per application, after its first delivery, when it has a SignKey."""


_FAULT_MARK = " (fault "
"""Begins the end of the error of an attempt a fault rule spoiled: `` (fault f1)``."""


def by_fault(attempt: Attempt) -> bool:
    """Whether a fault rule, not the handler, made this attempt fail."""
    return attempt.error is not None and _FAULT_MARK in attempt.error


class Attempt(NamedTuple):
    """One POST (or, as attempt 0, an event never sent), as ``GET /_emulator/callbacks``
    shows it. A tuple: one is made per callback, so it must be cheap to make."""

    event_id: str
    event_type: str
    sub_app_id: SubAppId
    attempt: int
    at: float  # emulator time the attempt started
    url: str
    body: bytes | None  # exactly what was sent
    status: int | None
    error: str | None
    latency_ms: float | None
    outcome: str
    answer: Answer | None = None  # the handler's answer; None when there was none

    def to_json(self) -> dict[str, Any]:
        answer = self.answer
        return {
            "event_id": self.event_id, "event_type": self.event_type,
            "sub_app_id": self.sub_app_id, "attempt": self.attempt, "at": self.at,
            "url": self.url, "body": None if self.body is None else self.body.decode(),
            "status": self.status, "error": self.error,
            "latency_ms": self.latency_ms, "outcome": self.outcome,
            "answer_body": None if answer is None else answer.text(),
            "answer_content_type": None if answer is None else answer.content_type,
            "answer_truncated": answer is not None and answer.truncated,
        }


@dataclass
class Delivery:
    """One event's callback: where it goes and how far it got."""

    event: EmittedEvent
    url: str
    sign_key: str
    state: str = PENDING  # or pending_retry, delivered, undelivered, abandoned
    attempts: int = 0
    retries: int = 0  # retries made in this series (an index into the schedule)
    due: float = 0.0  # when the current attempt was due (emulator time)


@dataclass
class _Lane:
    """One application's deliveries waiting for an attempt, oldest first, and how many
    workers take from it (at most ``concurrency``)."""

    ready: deque[Delivery] = field(default_factory=deque)
    workers: int = 0


class Dispatcher:
    def __init__(self, clock: Clock, journal: Journal, settings: CallbackSettings,
                 faults: Faults | None = None,
                 real_time: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.real_time = real_time
        """What a receiver on real time reads: a signature's T must be right by it too."""
        self.journal = journal
        self.settings = settings
        """Read at each attempt: the runtime settings can change between attempts."""
        self.faults = faults or Faults(clock, journal, None)
        self.sender: Sender | None = None  # set by the lifecycle once its client exists
        self._records: deque[Attempt] = deque(maxlen=settings.max_records)
        self._recorded = 0
        self._forgotten = 0  # records dropped by a reset of their application
        self._latencies = [0] * (len(LATENCY_BOUNDS_MS) + 1)  # attempts per bucket
        self._deliveries: dict[str, Delivery] = {}
        # The finished ones among them, least recently finished first: beyond
        # max_records the first are forgotten (the unfinished are still needed).
        self._finished: OrderedDict[str, Delivery] = OrderedDict()
        self._lanes: dict[SubAppId, _Lane] = {}
        # Workers and retry timers, by application (a reset of one cancels its own).
        self._tasks: dict[asyncio.Task[None], SubAppId] = {}
        # Deliveries per application and state, kept as states change: waits read them
        # on every journal change, so they must not cost a walk over every delivery.
        self._states: dict[SubAppId, dict[str, int]] = {}
        self._probed: set[SubAppId] = set()  # the applications the PROBES went to
        # Answers recorded, each kept once: 100,000 records of one handler's "ok" (or of
        # its 4 KB error page) then cost one answer, not 100,000.
        self._answers: dict[Answer, Answer] = {}
        self._stopping = False

    # ----- taking work

    def push(self, event: EmittedEvent, url: str, sign_key: str) -> None:
        """Deliver ``event`` to ``url``: the first attempt as soon as a slot is free."""
        delivery = Delivery(event, url, sign_key)
        event.state = delivery.state
        self._deliveries[event.event_id] = delivery
        self._count(delivery, +1)
        self._record_journal(j.ROUTED, event, caused_by(event, f"PUSH to {url}") or "")
        if self._stopping:
            self._abandon(delivery, "the emulator is stopping")
            return
        delivery.due = self.clock.now()
        self._make_ready(delivery)

    def suppress(self, event: EmittedEvent, reason: str) -> None:
        """Record an event that is not notified at all, and why."""
        event.state = SUPPRESSED
        self._record_journal(j.SUPPRESSED, event, caused_by(event, reason) or "")
        self._record(Attempt(event.event_id, event.event_type, event.sub_app_id, 0,
                             self.clock.now(), "", None, None, reason, None, SUPPRESSED))

    def redeliver(self, event_id: str | None = None) -> list[str]:
        """Send one event again (any that is not in flight), or, without an id, every
        undelivered one: a fresh series of attempts, numbered on from the last."""
        if event_id is not None:
            delivery = self._deliveries.get(event_id)
            if delivery is None:
                raise KeyError(event_id)
            chosen = [delivery] if delivery.state not in (PENDING, PENDING_RETRY) else []
        else:
            chosen = [d for d in self._deliveries.values() if d.state == UNDELIVERED]
        for delivery in chosen:
            self._set_state(delivery, PENDING)
            self._record_journal(j.REDELIVERY, delivery.event, "redelivery requested")
            delivery.retries, delivery.due = 0, self.clock.now()
            self._make_ready(delivery)
        return [delivery.event.event_id for delivery in chosen]

    def resume(self) -> None:
        """After a kept state is put back: the deliveries it left unfinished go on, a
        pending one at once, one waiting for a retry when the retry is due. (An event's
        state is its delivery's: kept with the delivery.)"""
        for delivery in list(self._deliveries.values()):
            delivery.event.state = delivery.state
            if delivery.state == PENDING:
                self._make_ready(delivery)
            elif delivery.state == PENDING_RETRY:
                self._start(self._retry_when_due(delivery), delivery.event.sub_app_id)

    @property
    def recorded(self) -> int:
        """Attempts recorded since the last reset (a change to keep, when it moves)."""
        return self._recorded

    # ----- delivering

    def _make_ready(self, delivery: Delivery) -> None:
        """Queue ``delivery`` for its next attempt; start a worker if its application has
        fewer than ``concurrency`` (workers end when nothing is ready: none idle)."""
        lane = self._lanes.setdefault(delivery.event.sub_app_id, _Lane())
        lane.ready.append(delivery)
        if lane.workers < self.settings.concurrency:
            lane.workers += 1
            self._start(self._work(lane), delivery.event.sub_app_id)

    def _start(self, work: Coroutine[Any, Any, None], sub_app_id: SubAppId) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks[task] = sub_app_id
        task.add_done_callback(lambda done: self._tasks.pop(done, None))

    async def _work(self, lane: _Lane) -> None:
        try:
            while lane.ready:
                delivery = lane.ready.popleft()
                if delivery.state not in (PENDING, PENDING_RETRY):
                    continue  # abandoned meanwhile
                if not await self._attempt(delivery):
                    self._start(self._retry_when_due(delivery), delivery.event.sub_app_id)
        finally:
            lane.workers -= 1

    async def _retry_when_due(self, delivery: Delivery) -> None:
        while self.clock.now() < delivery.due:
            await self.clock.sleep_until(delivery.due)
        if delivery.state == PENDING_RETRY:
            self._make_ready(delivery)

    async def _attempt(self, delivery: Delivery) -> bool:
        """One POST; answers whether the delivery is finished (delivered, or the last
        attempt of its series failed)."""
        event = delivery.event
        schedule = self.settings.retry_seconds  # as the attempt starts: it may change
        last = delivery.retries >= len(schedule)
        delivery.attempts += 1
        at = self.clock.now()
        fault = self.faults.take(CALLBACK, _CALLBACK_EFFECTS, event.sub_app_id,
                                 event.event_type, event.event_id, delivery.attempts)
        spoil = fault.effect if fault is not None and fault.effect in PROBES else None
        body = self._body(delivery, at, spoil)
        started = time.perf_counter()
        result = await self._send(delivery, body, fault)
        latency = round((time.perf_counter() - started) * 1000, 3)
        self._latencies[bisect.bisect_left(LATENCY_BOUNDS_MS, latency)] += 1
        ok = is_delivered(result.status, self.settings.success)
        error = result.error
        if not ok and error is None:
            error = f"HTTP {result.status}"
        outcome = DELIVERED if ok else UNDELIVERED if last else PENDING_RETRY
        if outcome == PENDING_RETRY:
            # Due a fixed time after this attempt was due: an advance past several due
            # times makes those attempts one after the other, at once.
            delivery.due += schedule[delivery.retries]
            delivery.retries += 1
        self._set_state(delivery, outcome)
        self._record(Attempt(event.event_id, event.event_type, event.sub_app_id,
                             delivery.attempts, at, delivery.url, body,
                             result.status, None if ok else error, latency, outcome,
                             self._shared(result.answer)))
        said = f"HTTP {result.status}" if result.status is not None else error
        detail = f"attempt {delivery.attempts}: {said}"
        kind = {DELIVERED: j.DELIVERED, PENDING_RETRY: j.ATTEMPT_FAILED,
                UNDELIVERED: j.UNDELIVERED}[outcome]
        self._record_journal(kind, event, detail)
        if ok and fault is not None and fault.effect == "duplicate":
            await self._send_again(delivery, body, fault)
        if (ok and self.settings.probe_signatures and delivery.sign_key
                and event.sub_app_id not in self._probed):
            self._probed.add(event.sub_app_id)
            await self._probe(delivery)
        return ok or last

    async def _probe(self, delivery: Delivery) -> None:
        """The PROBES: never deliveries (no count, no state); each recorded with what the
        handler answered, and journaled as a probe."""
        for spoil, said in PROBES.items():
            body = self._body(delivery, self.clock.now(), spoil)
            result, answered = await self._send_extra(delivery, body, PROBE, said)
            verdict = " (accepted: the handler does not check it)" if result.status == 200 else ""
            self._record_journal(j.PROBE, delivery.event, f"{said}: {answered}{verdict}")

    async def _send_again(self, delivery: Delivery, body: bytes, fault: Rule) -> None:
        """The ``duplicate`` fault: the delivered body, signature and all, sent once more,
        as a receiver sees a delivery whose answer was lost. Recorded as an attempt of its
        own; the delivery stays delivered whatever this one gets."""
        delivery.attempts += 1
        _, said = await self._send_extra(delivery, body, DELIVERED)
        self._record_journal(j.DELIVERED, delivery.event, f"attempt {delivery.attempts}: "
                                                          f"{said} (sent again by fault "
                                                          f"{fault.id})")

    async def _send_extra(self, delivery: Delivery, body: bytes, outcome: str,
                          error: str | None = None) -> tuple[SendResult, str]:
        """Send ``body`` once outside the delivery's series of attempts (a duplicate, a
        probe) and record it as an attempt of ``outcome`` (its error ``error``, or, when
        not given, the answer's unless 200); answer the result and what it was."""
        event = delivery.event
        at = self.clock.now()
        started = time.perf_counter()
        result = await self._send(delivery, body, None)
        latency = round((time.perf_counter() - started) * 1000, 3)
        said = f"HTTP {result.status}" if result.status is not None else str(result.error)
        if error is None and result.status != 200:
            error = said
        self._record(Attempt(event.event_id, event.event_type, event.sub_app_id,
                             delivery.attempts, at, delivery.url, body, result.status,
                             error, latency, outcome, self._shared(result.answer)))
        return result, said

    def _body(self, delivery: Delivery, at: float, spoil: str | None) -> bytes:
        """What is sent: signed as the real service signs, unless ``spoil`` (a fault's
        effect, or a probe's: one of PROBES) says how to spoil it."""
        sign_key = delivery.sign_key
        expired = False
        if spoil is not None:
            sign_key = sign_key or "no-SignKey-is-configured"
            if spoil == "bad_signature":
                sign_key += "-but-this-is-not-it"
            else:
                expired = True
        expiry = signature.expiry(at, self.real_time(), self.settings.signature_ttl_seconds,
                                  expired)
        return callback_body(delivery.event.payload, sign_key, expiry)

    async def _send(self, delivery: Delivery, body: bytes, fault: Rule | None) -> SendResult:
        timeout = self.settings.timeout_seconds
        if fault is not None:
            because = f"{_FAULT_MARK}{fault.id})"
            if fault.effect == "fail":
                status = fault.given.get("status", 500)
                return SendResult(status, f"HTTP {status}{because}")
            if fault.effect == "timeout":
                return SendResult(None, f"no answer within {timeout:g} s{because}")
            if fault.effect == "reset":
                return SendResult(None, f"connection reset by the receiver{because}")
            if fault.effect == "delay":
                await asyncio.sleep(fault.given["seconds"])
        if self.sender is None:
            return SendResult(None, "no HTTP client: the emulator is not serving")
        return await self.sender(delivery.url, body, timeout)

    # ----- looking inside

    def attempts(self, event_id: str | None = None, sub_app_id: AppFilter = ANY_APP,
                 outcome: str | None = None) -> list[Attempt]:
        """The records kept, oldest first; ``sub_app_id`` ANY_APP for every application."""
        wanted = (UNDELIVERED, PENDING_RETRY) if outcome == FAILED else (outcome,)
        return [record for record in self._records
                if (event_id is None or record.event_id == event_id)
                and (sub_app_id == ANY_APP or record.sub_app_id == sub_app_id)
                and (outcome is None or record.outcome in wanted)]

    def latency_histogram(self) -> dict[str, list[int]]:
        """Attempts (since the last full reset) by latency: ``counts[i]`` took at most
        ``bounds_ms[i]`` ms (and more than the bound before); the last, more than all."""
        return {"bounds_ms": list(LATENCY_BOUNDS_MS), "counts": list(self._latencies)}

    @property
    def evicted(self) -> int:
        return self._recorded - len(self._records) - self._forgotten

    def counts(self, sub_app_id: SubAppId) -> dict[str, int]:
        """Deliveries of one application by state: what ``/_emulator/wait`` can wait on."""
        states = self._states.get(sub_app_id, {})
        pending = states.get(PENDING, 0) + states.get(PENDING_RETRY, 0)
        return dict(zip(CALLBACK_COUNTS, (pending, states.get(DELIVERED, 0),
                                          states.get(UNDELIVERED, 0)), strict=True))

    def _set_state(self, delivery: Delivery, state: str) -> None:
        self._count(delivery, -1)
        delivery.state = delivery.event.state = state
        self._count(delivery, +1)
        event_id = delivery.event.event_id
        if state not in FINISHED:
            self._finished.pop(event_id, None)  # redelivered: kept until it finishes again
            return
        self._finished[event_id] = delivery
        self._finished.move_to_end(event_id)
        # Past the bound, the least recently finished are forgotten: they can no longer
        # be redelivered; the counts keep them, as a queue's confirmed count does.
        while len(self._finished) > self.settings.max_records:
            forgotten, _ = self._finished.popitem(last=False)
            del self._deliveries[forgotten]

    def _count(self, delivery: Delivery, change: int) -> None:
        states = self._states.setdefault(delivery.event.sub_app_id, {})
        states[delivery.state] = states.get(delivery.state, 0) + change

    # ----- starting over, stopping

    def clear(self) -> None:
        """Reset: every in-flight or scheduled delivery is cancelled, the record emptied."""
        for task in self._tasks:
            task.cancel()
        self._tasks.clear()
        self._deliveries.clear()
        self._finished.clear()
        self._lanes.clear()
        self._states.clear()
        self._probed.clear()
        self._records.clear()
        self._answers.clear()
        self._recorded = self._forgotten = 0
        self._latencies = [0] * (len(LATENCY_BOUNDS_MS) + 1)

    def forget(self, sub_app_id: SubAppId) -> None:
        """One application's reset: its deliveries cancelled and forgotten, with their
        records; the other applications' go on."""
        for task, owner in list(self._tasks.items()):
            if owner == sub_app_id:
                task.cancel()
                del self._tasks[task]
        self._lanes.pop(sub_app_id, None)
        self._states.pop(sub_app_id, None)
        self._probed.discard(sub_app_id)
        self._deliveries = {event_id: delivery for event_id, delivery
                            in self._deliveries.items()
                            if delivery.event.sub_app_id != sub_app_id}
        self._finished = OrderedDict((event_id, delivery) for event_id, delivery
                                     in self._finished.items()
                                     if delivery.event.sub_app_id != sub_app_id)
        kept = [record for record in self._records if record.sub_app_id != sub_app_id]
        self._forgotten += len(self._records) - len(kept)
        self._records = deque(kept, maxlen=self.settings.max_records)

    async def stop(self) -> None:
        """Shutdown: take no more work, abandon what is in flight or scheduled (each
        recorded), and wait for the cancelled tasks to end."""
        self._stopping = True
        # Chosen first: each abandoned one is finished, which may forget older ones.
        unfinished = [delivery for delivery in self._deliveries.values()
                      if delivery.state in (PENDING, PENDING_RETRY)]
        for delivery in unfinished:
            self._abandon(delivery, "the emulator stopped before this event was delivered")
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    def _abandon(self, delivery: Delivery, reason: str) -> None:
        self._set_state(delivery, ABANDONED)
        event = delivery.event
        self._record_journal(j.ABANDONED, event, reason)
        self._record(Attempt(event.event_id, event.event_type, event.sub_app_id,
                             delivery.attempts, self.clock.now(), delivery.url, None, None,
                             reason, None, ABANDONED))

    # ----- records

    def _record(self, attempt: Attempt) -> None:
        self._records.append(attempt)
        self._recorded += 1

    def _shared(self, answer: Answer | None) -> Answer | None:
        """``answer``, or an equal one already recorded (the same body and type)."""
        if answer is None:
            return None
        shared = self._answers.setdefault(answer, answer)
        if len(self._answers) > _ANSWERS_SHARED:  # a handler whose answers all differ
            self._answers = {answer: answer}
        return shared

    def _record_journal(self, kind: str, event: EmittedEvent, detail: str) -> None:
        self.journal.record(self.clock.now(), kind, event.sub_app_id, event.event_id,
                            detail=detail)


def parse_retry_seconds(text: str) -> tuple[float, ...]:
    """``"5,300,1800"``: the waits before each retry; empty: no retries."""
    if not text.strip():
        return ()
    try:
        values = tuple(float(part) for part in text.split(","))
    except ValueError:
        values = (math.nan,)
    if not all(math.isfinite(value) and value >= 0 for value in values):
        raise ValueError(f"must be comma-separated seconds, each a finite number >= 0: {text!r}")
    return values
