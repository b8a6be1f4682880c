"""What changed since the state file was last written.

The queues say which events and handles they touched (a drain changes nothing else, and
must cost the state file only its own rows); everything else is kept as one record that
is written again when anything in it may have changed (``rest``). Nobody watches without
a state file, and then the queues note nothing.
"""

from __future__ import annotations

from typing import NamedTuple

from .event import EmittedEvent


class Changes:
    __slots__ = ("watching", "new", "events", "handles", "rest", "everything")

    def __init__(self) -> None:
        self.watching = False
        self.new: dict[int, EmittedEvent] = {}  # by seq: events never written yet
        self.events: dict[int, EmittedEvent] = {}  # by seq: written, their state changed
        self.handles: dict[str, EmittedEvent] = {}  # leases begun or ended: their events
        self.rest = False  # anything but the queues' events may have changed
        self.everything = False  # written again from scratch (a reset, a restore)

    def queued(self, event: EmittedEvent, handle: str | None, new: bool) -> None:
        """A queue changed ``event`` (and the lease ``handle``, if one); ``new``: it was
        just given to the queue (a duplicate a fault made is not emitted)."""
        (self.new if new else self.events)[event.seq] = event
        if handle is not None:
            self.handles[handle] = event

    def emitted(self, event: EmittedEvent) -> None:
        """A new event: its row, and the rest (routing touches the library, callbacks,
        the counts)."""
        if self.watching:
            self.new[event.seq] = event
            self.rest = True

    def other(self) -> None:
        """Something outside the queues changed."""
        self.rest = True

    def all(self) -> None:
        """Everything is to be written again."""
        self.everything = self.rest = True

    @property
    def pending(self) -> bool:
        return bool(self.new or self.events or self.handles or self.rest)

    def taken(self) -> Taken:
        """What changed, handed over and forgotten here."""
        taken = Taken(self.new, self.events, self.handles, self.rest, self.everything)
        self.new, self.events, self.handles = {}, {}, {}
        self.rest = self.everything = False
        return taken


class Taken(NamedTuple):
    new: dict[int, EmittedEvent]
    events: dict[int, EmittedEvent]
    handles: dict[str, EmittedEvent]
    rest: bool
    everything: bool
