"""The backend's state as data: taken whole (a snapshot) or written as it changes (the
state file, ``statefile.py``), and put back into a running backend.

A state has four parts:

- the events the backend refers to, each a row of plain values (the state file keeps
  one row per event and writes again only those a change touched);
- the live leases and the handles confirmed within their window;
- the journal's entries;
- the counts that move with every change (the newest seq, the handles minted, the
  journal's counts), small, written with every commit;
- everything else in one pickle, *the rest*: in it an event is written as a reference to
  its row and a part of the backend (the clock, the media library, ...) as its name, so
  that restoring puts the kept values into the running backend's own objects and every
  reference between them holds.

What belongs to the running process (its timers, tasks, HTTP client, waiters) is never
kept: ``_PROCESS_ONLY`` names it, per part.
"""

from __future__ import annotations

import io
import pickle
from collections import deque
from dataclasses import dataclass, field, fields, replace
from operator import attrgetter
from types import FunctionType
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from ..base.jsontext import RawJson
from .event import PULLABLE, ROUTE_QUEUED, EmittedEvent, event_holding, held_payload, pack, unpack
from .journal import JournalEntry
from .queue import Lease
from .settings import RUNTIME_SETTINGS

if TYPE_CHECKING:
    from ..events import EventFactory
    from .callbacks import Dispatcher
    from .changes import Changes
    from .clock import Clock
    from .faults import Faults
    from .journal import Journal
    from .queue import EventQueues
    from .settings import Settings


class VodBackend(Protocol):
    """What of the backend a state is taken from and put back into (core/backend.py)."""

    settings: Settings
    clock: Clock
    journal: Journal
    queues: EventQueues
    callbacks: Dispatcher
    faults: Faults
    changes: Changes
    emitted: deque[EmittedEvent]
    last_emitted_seq: int
    _emitted_counts: dict[Any, int]
    _factory: EventFactory | None

    @property
    def factory(self) -> EventFactory: ...
    def now(self) -> float: ...
    def reset(self) -> None: ...
    def _use_settings(self, settings: Settings) -> None: ...

FORMAT = 1
"""The shape of a kept state. A state of another format is refused, never misread:
bump it whenever what is pickled changes shape."""

_PICKLE_PROTOCOL = 5

PARTS = ("event_configs", "faults", "callbacks", "media", "scheduler", "tasks")
"""The backend's parts kept in the rest, by attribute name."""

_REFERENCED = (*PARTS, "clock", "journal", "queues", "report", "rate_limits")
"""Parts another part may refer to: kept as a reference to the running one."""

_PROCESS_ONLY: dict[str, frozenset[str]] = {
    "event_configs": frozenset({"_new_app", "_default_app"}),  # from the settings
    "faults": frozenset({"clock", "journal"}),
    "callbacks": frozenset({"clock", "journal", "faults", "settings", "sender", "real_time",
                            "_lanes", "_tasks", "_stopping"}),
    "media": frozenset({"_indexes"}),  # a search index, built again by the next search
    "scheduler": frozenset({"clock", "_sooner"}),
    "tasks": frozenset({"clock", "scheduler", "media", "faults", "route", "task_seconds",
                        "repeated_session_id"}),
    "journal": frozenset({"changed", "max_entries", "_entries"}),  # entries: rows of their own
}
"""Of each part, the attributes that are the running process's own (timers, waiters,
references to the other parts, values the settings give), never kept."""


class StateFormatError(ValueError):
    """A kept state this emulator cannot read: another format, or not a state at all."""


class LeaseRow(NamedTuple):
    handle: str
    sub_app_id: int | None
    seq: int  # the leased event's
    expires_at: float


class ConfirmedRow(NamedTuple):
    handle: str
    sub_app_id: int | None
    until: float  # the end of its window: confirming it again is a no-op until then


@dataclass
class State:
    """A whole state, as a snapshot holds it."""

    events: dict[int, EventRow]  # by seq
    leases: list[LeaseRow]
    confirmed: list[ConfirmedRow]
    journal: list[JournalEntry]
    counters: bytes
    rest: bytes
    format: int = FORMAT
    referenced: set[int] = field(default_factory=set)  # the events the rest refers to

    def to_bytes(self) -> bytes:
        plain = replace(self, events={seq: plain_row(row) for seq, row in self.events.items()})
        return pickle.dumps(plain, _PICKLE_PROTOCOL)

    @classmethod
    def from_bytes(cls, data: bytes) -> State:
        """The state ``to_bytes`` gave, its payloads packed again as this process packs
        them (restoring it packs nothing)."""
        try:
            state = _SafeUnpickler(io.BytesIO(data)).load()
        except Exception as error:  # any malformed bytes: one clear refusal
            raise StateFormatError(f"not a vod-emulator state ({error})") from None
        if not isinstance(state, State):
            raise StateFormatError("not a vod-emulator state")
        check_format(state.format)
        try:
            events = {seq: packed_row(row) for seq, row in state.events.items()}
        except (TypeError, ValueError, AttributeError) as error:
            raise StateFormatError(f"an event of this state is malformed ({error})") from None
        return replace(state, events=events)


def check_format(found: int) -> None:
    if found != FORMAT:
        raise StateFormatError(
            f"this state was kept in format {found}; this emulator reads format {FORMAT} "
            "only: start from a fresh state (or use the emulator version that kept it)")


# ----- taking


EventRow = tuple[Any, ...]
"""An event as plain values (str, bytes, numbers, None): its fields, in their order. Its
payload is as the event holds it (``event.held_payload``: deflated bytes only this process
can inflate, or RawJson) in a row kept in memory; JSON in a row that leaves the process
(``plain_row``) or comes from outside (``packed_row`` packs it again)."""

EVENT_FIELDS = tuple(field.name for field in fields(EmittedEvent))
_PAYLOAD_FIELD = EVENT_FIELDS.index("payload")
_TYPE_FIELD = EVENT_FIELDS.index("event_type")
_fields_of = attrgetter(*EVENT_FIELDS)
_fields_but_payload_of = attrgetter(*(name for name in EVENT_FIELDS if name != "payload"))


def event_row(event: EmittedEvent, held: bool = False) -> EventRow:
    """The event's row; ``held``: its payload as the event holds it (packed), for a
    snapshot kept in this process, which restores it without packing it again."""
    if not held:
        return _fields_of(event)
    row = _fields_but_payload_of(event)
    return (*row[:_PAYLOAD_FIELD], held_payload(event), *row[_PAYLOAD_FIELD:])


def plain_row(row: EventRow) -> EventRow:
    """The row with its payload as JSON, whatever held it: what leaves the process."""
    payload = row[_PAYLOAD_FIELD]
    if type(payload) is not bytes:  # not deflated
        return row
    return (*row[:_PAYLOAD_FIELD], unpack(row[_TYPE_FIELD], payload),
            *row[_PAYLOAD_FIELD + 1:])


def packed_row(row: EventRow) -> EventRow:
    """A row read from outside the process (a file, an import), its payload (JSON,
    whatever its type) packed as this process packs it, as a row kept in memory is."""
    if len(row) != len(EVENT_FIELDS) or not isinstance(row[_PAYLOAD_FIELD], bytes) or (
            type(row[_TYPE_FIELD]) is not str):
        raise StateFormatError("an event row does not have the fields of an event")
    return (*row[:_PAYLOAD_FIELD], pack(row[_TYPE_FIELD], RawJson(row[_PAYLOAD_FIELD])),
            *row[_PAYLOAD_FIELD + 1:])


def lease_row(lease: Lease) -> LeaseRow:
    return LeaseRow(lease.handle, lease.event.sub_app_id, lease.event.seq, lease.expires_at)


def counters_of(backend: VodBackend) -> bytes:
    """The counts that move with every change, pickled."""
    return pickle.dumps({
        "emitted": (backend.last_emitted_seq, dict(backend._emitted_counts)),
        "queues": backend.queues.counters(),
        "journal": _kept_attributes(backend.journal, "journal"),
    }, _PICKLE_PROTOCOL)


def rest_of(backend: VodBackend) -> tuple[bytes, dict[int, EmittedEvent]]:
    """The rest, pickled, and the events it refers to (by seq)."""
    parts = {name: _kept_attributes(getattr(backend, name), name) for name in PARTS}
    files, referenced = _library_files_kept(parts["media"].pop(_LIBRARY_FILES))
    rest = {
        "format": FORMAT,
        "clock": backend.clock.kept(),
        "settings": {name: getattr(backend.settings, name) for name in RUNTIME_SETTINGS},
        "factory_random": (None if backend._factory is None
                           else backend._factory.rng.getstate()),
        "parts": parts,
        "library_files": files,
    }
    buffer = io.BytesIO()
    pickler = _RestPickler(buffer, backend)
    pickler.dump(rest)
    referenced.update(pickler.referenced)
    return buffer.getvalue(), referenced


def take(backend: VodBackend) -> State:
    """The whole state, now."""
    rest, referenced = rest_of(backend)
    events: dict[int, EmittedEvent] = {event.seq: event for event in backend.emitted}
    leases: list[LeaseRow] = []
    confirmed: list[ConfirmedRow] = []
    for queue in backend.queues.queues():
        for event in queue.pullable_events():
            events[event.seq] = event
        for lease in queue.leases():
            events[lease.event.seq] = lease.event
            leases.append(lease_row(lease))
        confirmed += [ConfirmedRow(handle, queue.sub_app_id, until)
                      for handle, until in queue.confirmed_handles()]
    events.update(referenced)
    return State({seq: event_row(event, held=True) for seq, event in events.items()},
                 leases, confirmed,
                 backend.journal.entries(), counters_of(backend), rest,
                 referenced=set(referenced))


def live_events(backend: VodBackend) -> set[int]:
    """The seqs of the events a state must keep rows for, besides those the rest refers
    to: the emitted record and what the queues hold."""
    seqs = {event.seq for event in backend.emitted}
    for queue in backend.queues.queues():
        seqs.update(event.seq for event in queue.pullable_events())
        seqs.update(lease.event.seq for lease in queue.leases())
    return seqs


_LIBRARY_FILES = "_apps"
"""The media library's files by application: an event or a file read from it, each."""

KeptFiles = dict[Any, tuple[list[str], list[Any]]]


def _library_files_kept(apps: dict[Any, dict[str, Any]]
                        ) -> tuple[KeptFiles, dict[int, EmittedEvent]]:
    """The library's files with each event as its seq, and the events. Done by hand, not
    by the pickler's reducer: a library holds as many events as files were uploaded, and
    a comprehension takes a twentieth of the time of a reducer called for each."""
    kept: KeptFiles = {}
    events: dict[int, EmittedEvent] = {}
    for sub_app_id, files in apps.items():
        entries = list(files.values())
        found = {entry.seq: entry for entry in entries if type(entry) is EmittedEvent}
        events.update(found)
        kept[sub_app_id] = (list(files), [entry.seq if type(entry) is EmittedEvent else entry
                                          for entry in entries])
    return kept, events


def _library_files(kept: KeptFiles, events: dict[int, EmittedEvent]
                   ) -> dict[Any, dict[str, Any]]:
    try:
        return {sub_app_id: dict(zip(file_ids, [events[entry] if type(entry) is int else entry
                                                for entry in entries], strict=True))
                for sub_app_id, (file_ids, entries) in kept.items()}
    except KeyError as missing:
        raise StateFormatError(f"the library refers to event seq {missing}, not kept") from None


def _kept_attributes(part: Any, name: str) -> dict[str, Any]:
    skipped = _PROCESS_ONLY.get(name, frozenset())
    return {key: value for key, value in vars(part).items() if key not in skipped}


class _RestPickler(pickle.Pickler):
    """Pickles the rest with each event and each part of the backend as a reference
    (``_reference``), resolved by ``_RestUnpickler``. A reducer, not ``persistent_id``:
    the pickler asks it only about objects of classes, not about every str, dict and
    list (the media library's files are mostly those)."""

    def __init__(self, file: io.BytesIO, backend: VodBackend) -> None:
        super().__init__(file, _PICKLE_PROTOCOL)
        self._parts = {id(getattr(backend, name)): name for name in _REFERENCED}
        self._parts[id(backend)] = "backend"
        if backend._factory is not None:
            self._parts[id(backend._factory)] = "factory"
        self.referenced: dict[int, EmittedEvent] = {}

    def reducer_override(self, obj: Any) -> Any:
        if type(obj) is EmittedEvent:
            self.referenced[obj.seq] = obj
            return _reference, ("event", obj.seq)
        name = self._parts.get(id(obj))
        return NotImplemented if name is None else (_reference, ("part", name))


def _reference(kind: str, key: Any) -> Any:
    """Stands for an event or a part in the rest's pickle; never called (the unpickler
    resolves it)."""
    raise StateFormatError(f"a reference to {kind} {key!r} read outside a state")


# ----- putting back


def restore(backend: VodBackend, events: dict[int, EventRow], leases: list[LeaseRow],
            confirmed: list[ConfirmedRow], journal: list[JournalEntry], counters: bytes,
            rest: bytes, resume: bool) -> None:
    """Make the backend stand as the state says. Whatever it held is dropped first, as by
    a reset (held pulls answer empty, callbacks in flight are abandoned). ``resume``: a
    restart (the clock has run meanwhile); otherwise a snapshot restored (the clock reads
    what it read when the snapshot was taken)."""
    loaded = {seq: event_holding(row) for seq, row in events.items()}
    kept = _RestUnpickler(io.BytesIO(rest), backend, loaded).load()
    check_format(kept["format"])
    counts = _SafeUnpickler(io.BytesIO(counters)).load()
    backend.reset()
    backend.clock.restore(kept["clock"], resume)
    backend._use_settings(replace(backend.settings, **kept["settings"]))
    kept["parts"]["media"][_LIBRARY_FILES] = _library_files(kept["library_files"], loaded)
    for name, attributes in kept["parts"].items():
        vars(getattr(backend, name)).update(attributes)
    vars(backend.journal).update(counts["journal"])
    vars(backend.journal)["_entries"] = deque(journal, maxlen=backend.journal.max_entries)
    if kept["factory_random"] is not None:
        backend.factory.rng.setstate(kept["factory_random"])
    backend.last_emitted_seq, backend._emitted_counts = counts["emitted"]
    in_order = sorted(loaded.values(), key=lambda event: event.seq)
    backend.emitted = deque((event for event in in_order if not event.duplicate),
                            maxlen=backend.emitted.maxlen)
    backend.queues.restore(
        counts["queues"],
        [event for event in in_order
         if event.state == PULLABLE and event.route == ROUTE_QUEUED],
        [Lease(row.handle, loaded[row.seq], row.expires_at) for row in leases
         if row.seq in loaded],
        [(row.sub_app_id, row.handle, row.until) for row in confirmed])
    backend.callbacks.resume()


class _SafeUnpickler(pickle.Unpickler):
    """Loads only what a state is made of: the emulator's own classes and a few of the
    standard library's. A state file or snapshot is data, never a way to run code."""

    _ALLOWED = {("collections", "deque"), ("collections", "OrderedDict"),
                ("functools", "partial"), ("random", "Random"), ("builtins", "set"),
                ("builtins", "frozenset"), ("builtins", "bytearray")}

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in self._ALLOWED:
            return super().find_class(module, name)
        if (module, name) == ("builtins", "getattr"):  # how a bound method is pickled
            return _method_of
        if module.startswith("emulator.") and not name.startswith("__"):
            found = super().find_class(module, name)
            if isinstance(found, (type, FunctionType)) and found.__module__.startswith(
                    "emulator."):
                return found
        raise pickle.UnpicklingError(f"{module}.{name} is not part of a state")


def _method_of(obj: Any, name: str) -> Any:
    """``getattr`` for a pickled bound method, and for nothing else: a method the
    emulator's own class defines, on an instance of it."""
    cls = type(obj)
    if not (cls.__module__.startswith("emulator.") and not name.startswith("__")
            and isinstance(getattr(cls, name, None), FunctionType)):
        raise pickle.UnpicklingError(f"{cls.__name__}.{name} is not a method a state keeps")
    return getattr(obj, name)


class _RestUnpickler(_SafeUnpickler):
    def __init__(self, file: io.BytesIO, backend: VodBackend,
                 events: dict[int, EmittedEvent]) -> None:
        super().__init__(file)
        self._backend, self._events = backend, events

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == (__name__, _reference.__name__):
            return self._resolve
        return super().find_class(module, name)

    def _resolve(self, kind: str, key: Any) -> Any:
        if kind == "event":
            event = self._events.get(key)
            if event is None:
                raise StateFormatError(f"the state refers to event seq {key}, not kept")
            return event
        if key == "backend":
            return self._backend
        if key == "factory":
            return self._backend.factory
        if key in _REFERENCED:
            return getattr(self._backend, key)
        raise StateFormatError(f"the state refers to an unknown part {key!r}")
