"""The consumer report: what an integration does that would lose or double-process events
against the real service, read from the requests it makes and the callbacks it answers.

The Cloud API endpoint hands each answered call over (``observe``: a few dict updates, so
the report costs the drain almost nothing); the callbacks' findings are read from the
attempt records when the report is asked for. Each finding is grouped by application
and by who did it (a client's address and User-Agent, or a callback URL), with counts,
the first and last time, and up to ``IDS_KEPT`` of the ids that show it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .callbacks import PROBES, by_fault
from .event import DELIVERED, PENDING_RETRY, PROBE, UNDELIVERED
from .ids import SubAppId

SEE = "README.md#the-consumer-report"
"""Where each finding's kind is explained at length."""
IDS_KEPT = 10
"""Ids kept per finding: enough to look at, bounded however often it happens."""
HANDLES_KEPT = 200_000
"""Handles remembered (which client pulled which event): older ones are forgotten."""
STATE_POLL_SECONDS = 60.0
"""DescribeEventsState more often than once in this many seconds is a finding."""
BUSY_PULL_SECONDS = 1.0
"""A PullEvents this soon after the same client's empty answer is a busy loop."""


EVENT_IDS, REQUEST_IDS, EVENT_TYPES, NOTES = "event_ids", "request_ids", "event_types", "notes"
"""What a finding's ``ids`` are."""


class FindingKind(NamedTuple):
    title: str
    explanation: str
    fix: str
    ids_are: str = EVENT_IDS


LATE_CONFIRM = "late_confirm"
NEVER_CONFIRMED = "never_confirmed"
CONFIRMED_TWICE = "confirmed_twice"
CONFIRM_REFUSED = "confirm_refused"
STATE_POLLED = "state_polled"
PULL_HUNG_UP = "pull_hung_up"
BUSY_PULL = "busy_pull"
RATE_EXCEEDED = "rate_exceeded"
SLOW_HANDLER = "slow_handler"
NOT_200 = "not_200"
REDIRECT = "redirect"
RETRIES_CAUSED = "retries_caused"
FORGED_ACCEPTED = "forged_signature_accepted"
EXPIRED_ACCEPTED = "expired_signature_accepted"
TYPE_IGNORED = "type_ignored"

KINDS: dict[str, FindingKind] = {
    LATE_CONFIRM: FindingKind(
        "confirmed after the confirm window",
        "ConfirmEvents named handles whose confirm window had passed: the events had "
        "become pullable again, so they were likely processed twice",
        "confirm each batch as soon as it is processed (within 30 s of the pull), and "
        "make processing idempotent"),
    NEVER_CONFIRMED: FindingKind(
        "pulled and never confirmed",
        "events were pulled and their confirm window passed without ConfirmEvents: the "
        "service delivers them again",
        "confirm every pulled event once processed, also the ones you skip"),
    CONFIRMED_TWICE: FindingKind(
        "the same handle confirmed twice",
        "ConfirmEvents named a handle already confirmed: the consumer keeps no record of "
        "what it confirmed, or confirms from two places",
        "confirm each handle once, after processing"),
    CONFIRM_REFUSED: FindingKind(
        "ConfirmEvents refused",
        "a whole ConfirmEvents batch was refused (nothing in it was confirmed)",
        "read the error: unknown handles, more than 16 handles, or a wrong SubAppId",
        NOTES),
    STATE_POLLED: FindingKind(
        "DescribeEventsState polled more than once a minute",
        "the count it answers lags; the docs advise against deciding to pull from it",
        "long-poll PullEvents instead of polling the count",
        REQUEST_IDS),
    PULL_HUNG_UP: FindingKind(
        "PullEvents closed before its long poll ended",
        "the client's timeout is shorter than the long poll, so it hangs up on held "
        "pulls (events answered then are not received)",
        "give PullEvents a client timeout longer than the long poll (the SDK's "
        "reqTimeout: 60 s is the default)",
        REQUEST_IDS),
    BUSY_PULL: FindingKind(
        "PullEvents again at once after an empty answer",
        "the consumer polls in a loop instead of relying on the long poll",
        "after an empty answer, pull again (the next pull is held until events come); "
        "do not add a loop of short pulls",
        REQUEST_IDS),
    RATE_EXCEEDED: FindingKind(
        "more requests per second than the real limit",
        "the real service answers RequestLimitExceeded above this rate",
        "batch (16 handles per ConfirmEvents), back off on RequestLimitExceeded, or "
        "spread the calls",
        NOTES),
    SLOW_HANDLER: FindingKind(
        "callback handler slower than the callback timeout",
        "the handler did not answer in time: the attempt counts as failed and the event "
        "is sent again",
        "answer 200 at once and process afterwards (queue the work)"),
    NOT_200: FindingKind(
        "callback answered with a status other than 200",
        "only HTTP 200 counts as received: the event is sent again",
        "answer 200 for every event you accept, including types you ignore"),
    REDIRECT: FindingKind(
        "callback answered with a redirect",
        "redirects are not followed: the attempt failed",
        "configure the final URL as NotificationUrl"),
    RETRIES_CAUSED: FindingKind(
        "callbacks retried",
        "failed attempts made the service send events again",
        "see the attempts' answers (GET /_emulator/callbacks) for why they failed"),
    FORGED_ACCEPTED: FindingKind(
        "a callback with a forged signature was accepted",
        "the handler answered 200 to a callback whose Sign is not the MD5 of SignKey + T: "
        "anyone who knows the URL can inject events",
        "check Sign against MD5(SignKey + T) and answer 401 when it differs"),
    EXPIRED_ACCEPTED: FindingKind(
        "a callback with an expired signature was accepted",
        "the handler answered 200 to a callback whose T (the signature's expiry) had "
        "passed: a captured callback can be replayed",
        "refuse a callback whose T is in the past"),
    TYPE_IGNORED: FindingKind(
        "events of a type never confirmed or accepted",
        "the application handles other types but never confirmed (or answered 200 to) "
        "this one: a handler that ignores a type silently",
        "confirm (or answer 200 to) every type, even those you do not process",
        EVENT_TYPES),
}
"""Every kind of finding, with what it means and what to change."""


@dataclass(frozen=True)
class Client:
    """Who made a call: its address and User-Agent (or, for callbacks, the handler's URL
    as ``address``)."""

    address: str
    user_agent: str = ""

    def __str__(self) -> str:
        return f"{self.address} {self.user_agent}".strip()


@dataclass
class CallSeen:
    """One answered Cloud API call, as the report needs it."""

    action: str
    sub_app_id: SubAppId
    client: Client
    request_id: str
    at: float  # emulator time of the answer
    error_code: str | None = None
    error_message: str | None = None
    leases: Sequence[Any] = ()  # PullEvents: the Leases answered
    handles: Sequence[str] = ()  # ConfirmEvents: the handles named
    hung_up: bool = False  # the caller closed the connection before the answer


@dataclass
class Finding:
    kind: str
    sub_app_id: SubAppId
    who: Client
    count: int = 0
    first_at: float = 0.0
    last_at: float = 0.0
    ids: list[str] = field(default_factory=list)

    def add(self, at: float, ids: Iterable[str] = (), count: int = 1) -> None:
        if not self.count:
            self.first_at = at
        self.count += count
        self.last_at = max(self.last_at, at)
        for one in ids:
            if len(self.ids) >= IDS_KEPT:
                break
            if one not in self.ids:
                self.ids.append(one)

    def to_json(self) -> dict[str, Any]:
        kind = KINDS[self.kind]
        return {"kind": self.kind, "title": kind.title, "sub_app_id": self.sub_app_id,
                "client": {"address": self.who.address, "user_agent": self.who.user_agent},
                "count": self.count, "first_at": self.first_at, "last_at": self.last_at,
                "ids": list(self.ids), "ids_are": kind.ids_are,
                "explanation": kind.explanation, "fix": kind.fix,
                "see": SEE}


_Pulled = tuple[str, SubAppId, str, Client, float]
"""One handle PullEvents answered: its event's id, application and type, who pulled it,
when its window ends. A tuple (the drain makes one per event) of what the report reads,
never the event itself: that would keep every payload alive as long as the handle."""


class ConsumerReport:
    """The findings since the last full reset; ``observe`` is called for every answered
    Cloud API call, ``findings`` reads them (with the callbacks' attempt records)."""

    def __init__(self, rate_limits: dict[str, int] | None = None) -> None:
        self.rate_limits = rate_limits or {}
        """Requests per second per action the real service allows (absent: no limit)."""
        self.clear()

    def clear(self) -> None:
        self._findings: dict[tuple[str, SubAppId, Client], Finding] = {}
        self._handles: dict[str, _Pulled] = {}
        # Its keys, oldest first: the oldest is dropped from here, since finding a dict's
        # first key scans past every slot deleted before it (100 µs a pull when full).
        self._pulled_order: deque[str] = deque()
        self._confirmed_handles: set[str] = set()
        self._last_state_poll: dict[tuple[SubAppId, Client], float] = {}
        self._last_empty_pull: dict[tuple[SubAppId, Client], float] = {}
        self._second: dict[str, tuple[int, int]] = {}  # action: (second, calls in it)

    def forget(self, sub_app_id: SubAppId) -> None:
        """One application's reset."""
        self._findings = {key: found for key, found in self._findings.items()
                          if key[1] != sub_app_id}
        self._handles = {handle: pulled for handle, pulled in self._handles.items()
                         if pulled[1] != sub_app_id}
        self._pulled_order = deque(self._handles)
        self._confirmed_handles &= self._handles.keys()
        for table in (self._last_state_poll, self._last_empty_pull):
            for key in [key for key in table if key[0] == sub_app_id]:
                del table[key]

    # ----- what the calls show, as they are answered

    def arrived(self, call: CallSeen) -> None:
        """A call named its action: counted against its real rate limit, whatever then
        becomes of it (refused by an enforced limit or a fault rule too)."""
        self._count_rate(call)

    def observe(self, call: CallSeen) -> None:
        """A call answered (or hung up on)."""
        if call.action == "PullEvents":
            self._pulled(call)
        elif call.action == "ConfirmEvents":
            self._confirmed(call)
        elif call.action == "DescribeEventsState" and call.error_code is None:
            key = (call.sub_app_id, call.client)
            last = self._last_state_poll.get(key)
            if last is not None and call.at - last < STATE_POLL_SECONDS:
                self._add(STATE_POLLED, call, [call.request_id])
            self._last_state_poll[key] = call.at

    def _pulled(self, call: CallSeen) -> None:
        if call.error_code is not None:
            return
        key = (call.sub_app_id, call.client)
        last_empty = self._last_empty_pull.pop(key, None)
        if call.hung_up:  # the answer never reached the caller: its events are pullable again
            self._add(PULL_HUNG_UP, call, [call.request_id])
            return
        if not call.leases:
            if last_empty is not None and call.at - last_empty < BUSY_PULL_SECONDS:
                self._add(BUSY_PULL, call, [call.request_id])
            self._last_empty_pull[key] = call.at
            return
        handles, order = self._handles, self._pulled_order
        for lease in call.leases:
            event = lease.event
            handles[lease.handle] = (event.event_id, event.sub_app_id, event.event_type,
                                     call.client, lease.expires_at)
            order.append(lease.handle)
        while len(handles) > HANDLES_KEPT:
            oldest = order.popleft()
            if handles.pop(oldest, None) is not None:  # None: listed twice (minted again)
                self._confirmed_handles.discard(oldest)

    def _confirmed(self, call: CallSeen) -> None:
        handles, confirmed = self._handles, self._confirmed_handles
        if call.error_code is not None:
            late = [handles[handle][0] for handle in call.handles
                    if handle in handles and handle not in confirmed
                    and handles[handle][4] <= call.at]
            if late:
                self._add(LATE_CONFIRM, call, late, len(late))
            self._add(CONFIRM_REFUSED, call,
                      [f"{call.request_id}: {call.error_code}: {call.error_message or ''}"[:300]])
            return
        for handle in call.handles:
            if handle in confirmed:
                self._add(CONFIRMED_TWICE, call, [handles[handle][0]])
            elif handle in handles:
                confirmed.add(handle)

    def _count_rate(self, call: CallSeen) -> None:
        limit = self.rate_limits.get(call.action)
        if limit is None:
            return
        second = int(call.at)
        started, calls = self._second.get(call.action, (second, 0))
        calls = calls + 1 if started == second else 1
        self._second[call.action] = (second, calls)
        if calls == limit + 1:  # once per second it happens in
            self._add(RATE_EXCEEDED, call, [f"{call.action} over {limit}/s"])

    def _add(self, kind: str, call: CallSeen, ids: Iterable[str], count: int = 1) -> None:
        self.add(kind, call.sub_app_id, call.client, call.at, ids, count)

    def add(self, kind: str, sub_app_id: SubAppId, who: Client, at: float,
            ids: Iterable[str] = (), count: int = 1) -> None:
        key = (kind, sub_app_id, who)
        found = self._findings.get(key)
        if found is None:
            found = self._findings[key] = Finding(kind, sub_app_id, who)
        found.add(at, ids, count)

    # ----- the report

    def findings(self, now: float, attempts: Iterable[Any] = ()) -> list[Finding]:
        """Every finding as of ``now``: those the calls showed, the leases that ran out
        unconfirmed, the types never confirmed, and what the callback ``attempts`` (the
        Dispatcher's records) show; by kind, then application."""
        found = dict(self._findings)
        types: _Types = {}
        for handle, (event_id, sub_app_id, event_type, client, expires_at) in (
                self._handles.items()):
            if handle in self._confirmed_handles:
                _accepted(types, sub_app_id, event_type)
                continue
            if expires_at > now:
                continue  # still in its window: it may yet be confirmed
            _given(types, sub_app_id, event_type, expires_at)
            key = (NEVER_CONFIRMED, sub_app_id, client)
            one = found.get(key)
            if one is None:
                one = found[key] = Finding(NEVER_CONFIRMED, sub_app_id, client)
            one.add(expires_at, [event_id])
        _read_attempts(attempts, found, types)
        _types_ignored(types, found)
        return sorted(found.values(),
                      key=lambda one: (list(KINDS).index(one.kind), str(one.sub_app_id),
                                       str(one.who)))


_DELIVERED, _RETRY, _UNDELIVERED = DELIVERED, PENDING_RETRY, UNDELIVERED
_PROBE_FINDINGS = {PROBES["bad_signature"]: FORGED_ACCEPTED,
                   PROBES["expired_signature"]: EXPIRED_ACCEPTED}


def _read_attempts(attempts: Iterable[Any], found: dict[tuple[str, SubAppId, Client], Finding],
                   types: _Types) -> None:
    """The callbacks' findings, from their attempt records (a fault's doing excepted:
    that failure was asked for, not the handler's)."""

    def add(kind: str, attempt: Any) -> None:
        key = (kind, attempt.sub_app_id, Client(attempt.url))
        one = found.get(key)
        if one is None:
            one = found[key] = Finding(kind, attempt.sub_app_id, Client(attempt.url))
        one.add(attempt.at, [attempt.event_id])

    for attempt in attempts:
        if attempt.outcome == PROBE:
            if attempt.status == 200:  # a spoiled signature accepted
                add(_PROBE_FINDINGS[attempt.error], attempt)
            continue
        if attempt.outcome not in (_DELIVERED, _RETRY, _UNDELIVERED) or attempt.attempt < 1:
            continue
        if attempt.outcome == _DELIVERED:
            _accepted(types, attempt.sub_app_id, attempt.event_type)
            continue
        if by_fault(attempt):
            continue
        error = attempt.error or ""
        _given(types, attempt.sub_app_id, attempt.event_type, attempt.at)
        if attempt.status is None and error.startswith("no answer within"):
            add(SLOW_HANDLER, attempt)
        elif attempt.status is not None and 300 <= attempt.status < 400:
            add(REDIRECT, attempt)
        elif attempt.status is not None:
            add(NOT_200, attempt)
        if attempt.outcome == _RETRY:
            add(RETRIES_CAUSED, attempt)


_Types = dict[tuple[SubAppId, str], list[float]]
"""Per application and event type: [given, accepted, first given at, last given at]."""


def _given(types: _Types, sub_app_id: SubAppId, event_type: str, at: float) -> None:
    counts = types.get((sub_app_id, event_type))
    if counts is None:
        types[(sub_app_id, event_type)] = [1, 0, at, at]
        return
    counts[0] += 1
    counts[3] = at


def _accepted(types: _Types, sub_app_id: SubAppId, event_type: str) -> None:
    counts = types.setdefault((sub_app_id, event_type), [0, 0, 0.0, 0.0])
    counts[1] += 1


def _types_ignored(types: _Types, found: dict[tuple[str, SubAppId, Client], Finding]) -> None:
    """A type given to an application and never accepted (confirmed, or answered 200),
    where the application accepted another: it handles events, but not this kind."""
    accepting = {sub_app_id for (sub_app_id, _), counts in types.items() if counts[1]}
    for (sub_app_id, event_type), (given, accepted, first, last) in types.items():
        if given and not accepted and sub_app_id in accepting:
            one = Finding(TYPE_IGNORED, sub_app_id, Client(""), int(given), first,
                          last, [event_type])
            found[(TYPE_IGNORED, sub_app_id, Client(event_type))] = one
