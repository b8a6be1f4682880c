"""The record of every emitted event, and every state an emitted event can be in.

The backend routes each emitted event once: queued for PullEvents, pushed to the
NotificationUrl, or suppressed. A queued event's state is then the queue's, a pushed
one's its callback delivery's; ``EmittedEvent.state`` says which it is now.

An event's payload is held packed: deflated with a preset dictionary of its type (made
once per process from generated events of that type), a tenth to a third of its JSON's
size, and inflated whenever ``payload`` is read (see the end of this module).
"""

from __future__ import annotations

import json
import random
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..base.jsontext import JsonPacker, RawJson, plain
from .ids import SubAppId

if TYPE_CHECKING:  # loaded with the first packer, not at start-up
    from ..events import EventFactory

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
    collector to re-scan (nor the memory they would take). Kept packed, too (see the end
    of this module): set as bytes of JSON, read back as those bytes, inflated each time."""
    enqueued_at: float  # when it was emitted (queued or not)
    deliveries: int = 0
    route: str = ROUTE_QUEUED  # one of ROUTES
    duplicate: bool = False  # a second delivery a fault queued (never duplicated again)
    state: str = NEW
    """Where it is now: one of EVENT_STATES."""
    caused_by: str | None = None
    """The request that caused it (an action's name, RequestId and task), if one did."""

    def __post_init__(self) -> None:
        # Events a client gives each bring their own copy of the type's name.
        self.event_type = sys.intern(self.event_type)

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickled with its payload as plain JSON: a pickle never depends on the
        dictionaries this process packs with."""
        return EmittedEvent, (self.event_id, self.seq, self.sub_app_id, self.event_type,
                              bytes(self.payload), self.enqueued_at, self.deliveries,
                              self.route, self.duplicate, self.state, self.caused_by)

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


# ----- packed payloads

# ``payload`` is a field (the dataclass's __init__, fields(), equality and repr name it as
# any other) whose slot holds the packed bytes: this property stands in front of the slot,
# packing on the way in and unpacking on the way out.
_PAYLOAD_SLOT = EmittedEvent.__dict__["payload"]


def _get_payload(event: EmittedEvent) -> RawJson:
    return unpack(event.event_type, _PAYLOAD_SLOT.__get__(event, EmittedEvent))


def _set_payload(event: EmittedEvent, payload: bytes) -> None:
    _PAYLOAD_SLOT.__set__(event, pack(event.event_type, payload))


EmittedEvent.payload = property(_get_payload, _set_payload)  # type: ignore[assignment,misc]


def held_payload(event: EmittedEvent) -> bytes:
    """What an event holds in place of its payload: deflated bytes, or the JSON itself
    (RawJson: the type tells them apart)."""
    held: bytes = _PAYLOAD_SLOT.__get__(event, EmittedEvent)
    return held


def event_holding(values: Sequence[Any]) -> EmittedEvent:
    """The event of its fields' values in order, its payload as ``held_payload`` gave it
    in this process: held as it is, not packed again (what a snapshot restores from; a
    restore makes a thousand events in a few milliseconds, hence no loop over fields)."""
    event: EmittedEvent = object.__new__(EmittedEvent)
    (event.event_id, event.seq, event.sub_app_id, event.event_type, held, event.enqueued_at,
     event.deliveries, event.route, event.duplicate, event.state, event.caused_by) = values
    _PAYLOAD_SLOT.__set__(event, held)
    event.__post_init__()
    return event


DICTIONARY_SEED = 0
"""The seed of the generated events a type's dictionary is made of: never the server's,
so every process packs alike, whatever events it was asked to make."""
DICTIONARY_TIME = 1_767_225_600.0  # 2026-01-01: the samples' "now"; only their shape counts
DICTIONARY_SAMPLES = 64
"""At most this many samples a dictionary: enough of the small types to fill much of it."""
STEP_SECONDS = 0.0005
"""How long one pack may spend making samples for its type's dictionary: a dictionary
(~32 KB of generated payloads, 5-15 ms) is made a step at a time by the first payloads of
its type, which are held as they are meanwhile, so the event loop is never held for it."""

_packers: dict[str, JsonPacker | None] = {}  # by event type, once made; None: held as is
_making: dict[str, tuple[random.Random, list[bytes]]] = {}  # by event type: samples so far
_sampler: list[EventFactory] = []  # the factory that makes every type's samples, once made
_lock = threading.Lock()  # a backend may run in a thread of its own (EmulatorThread)


def packer(event_type: str, at_once: bool = False) -> JsonPacker | None:
    """The packer of one type's payloads; None for a type the generator does not make, or
    (unless ``at_once``) while its dictionary is still being made."""
    try:
        return _packers[event_type]
    except KeyError:
        pass
    with _lock:
        while event_type not in _packers:
            _make_samples(event_type)
            if not at_once:
                break
        return _packers.get(event_type)


def _make_samples(event_type: str) -> None:
    """A step of making the type's dictionary: samples for up to STEP_SECONDS, then the
    packer if there are enough."""
    from ..events import EVENT_TYPES, EventFactory

    if event_type not in EVENT_TYPES:
        _packers[event_type] = None
        return
    if not _sampler:  # one factory for every type: the models' plans are made once
        _sampler.append(EventFactory(DICTIONARY_SEED, lambda: DICTIONARY_TIME))
    factory = _sampler[0]
    # Each type's samples come from a generator of its own: the same whatever came first.
    rng, samples = _making.setdefault(
        event_type, (random.Random(f"{DICTIONARY_SEED}/{event_type}"), []))
    factory.rng = rng
    deadline = time.perf_counter() + STEP_SECONDS
    while True:  # one sample at least
        samples.append(plain(factory.make(event_type)))
        if sum(map(len, samples)) >= JsonPacker.MAX_DICTIONARY_BYTES or (
                len(samples) == DICTIONARY_SAMPLES):
            _packers[event_type] = JsonPacker(samples)
            del _making[event_type]
            return
        if time.perf_counter() >= deadline:
            return


def pack(event_type: str, payload: bytes) -> bytes:
    """A payload as an event holds it: deflated with its type's dictionary, or the JSON
    itself (RawJson) when that is no longer, or while the dictionary is being made."""
    found = packer(event_type)
    if found is not None:
        return found.pack(payload)
    return payload if type(payload) is RawJson else RawJson(payload)


def unpack(event_type: str, packed: bytes) -> RawJson:
    """The JSON of a payload ``pack`` made."""
    if type(packed) is RawJson:
        return packed
    found = _packers[event_type]
    assert found is not None  # deflated bytes come only from a packer
    return found.unpack(packed)
