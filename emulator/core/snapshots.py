"""Named snapshots: the whole state kept under a name, to start again from it at will
(a test's starting point, a fixture a team commits).

A snapshot is kept in memory as its ``state.State``, whose rows are immutable values: a
restore makes new objects from them, so one snapshot can be restored again and again.
An exported one is a file of its own: a header line, then the state compressed.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from ..base.echo import shown
from .errors import NotFound

if TYPE_CHECKING:
    from . import state
    from .state import VodBackend

NAME_SYNTAX = "1 to 100 letters, digits, '.', '_' or '-', starting with a letter or digit"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")

MAX_STATE_BYTES = 2 * 1024**3
"""The most an exported snapshot may inflate to: a small file cannot fill the memory."""

FILE_HEADER = b"vod-emulator snapshot\n"
"""The first line of an exported snapshot: what the file is, before the compressed state."""


class Keeper(Protocol):
    def save_snapshot(self, snapshot: Snapshot) -> None: ...
    def delete_snapshot(self, name: str) -> None: ...


class SnapshotInputError(ValueError):
    """A snapshot name or file that cannot be used; the message says why."""


@dataclass(frozen=True)
class Snapshot:
    name: str
    taken_at: float  # emulator time
    state: state.State

    @property
    def events(self) -> int:
        """How many events it keeps."""
        return len(self.state.events)

    def summary(self) -> dict[str, Any]:
        return {"name": self.name, "taken_at": self.taken_at, "events": self.events}


class Snapshots:
    """The snapshots kept, by name. A reset keeps them: they are starting points."""

    def __init__(self) -> None:
        self._kept: dict[str, Snapshot] = {}
        self.keeper: Keeper | None = None  # the state file, which keeps them too

    def _keep(self, snapshot: Snapshot) -> Snapshot:
        self._kept[snapshot.name] = snapshot
        if self.keeper is not None:
            self.keeper.save_snapshot(snapshot)
        return snapshot

    def save(self, backend: VodBackend, name: str) -> Snapshot:
        """Keep the state as it is now under ``name`` (replacing one of that name)."""
        from . import state  # loaded with the first snapshot

        check_name(name)
        return self._keep(Snapshot(name, backend.now(), state.take(backend)))

    def restore(self, backend: VodBackend, name: str) -> Snapshot:
        """Make the backend stand as the snapshot does (its clock too)."""
        from . import state  # loaded with the first snapshot

        snapshot = self.get(name)
        kept = snapshot.state
        state.restore(backend, kept.events, kept.leases, kept.confirmed, kept.journal,
                      kept.counters, kept.rest, resume=False)
        return snapshot

    def get(self, name: str) -> Snapshot:
        snapshot = self._kept.get(name)
        if snapshot is None:
            raise NotFound(f"no snapshot {shown(name)}")
        return snapshot

    def all(self) -> list[Snapshot]:
        return sorted(self._kept.values(), key=lambda snapshot: snapshot.name)

    def delete(self, name: str) -> None:
        self.get(name)
        del self._kept[name]
        if self.keeper is not None:
            self.keeper.delete_snapshot(name)

    def exported(self, name: str) -> bytes:
        """The snapshot as one file's bytes."""
        return FILE_HEADER + zlib.compress(self.get(name).state.to_bytes())

    def imported(self, name: str, data: bytes, taken_at: float) -> Snapshot:
        """Keep an exported snapshot's file under ``name``; refused, and nothing kept, if
        it is not one this emulator can restore."""
        from . import state  # loaded with the first snapshot

        check_name(name)
        if not data.startswith(FILE_HEADER):
            raise SnapshotInputError("not an exported vod-emulator snapshot (no header line)")
        inflater = zlib.decompressobj()
        try:
            kept = inflater.decompress(data[len(FILE_HEADER):], MAX_STATE_BYTES + 1)
        except zlib.error:
            raise SnapshotInputError("the snapshot file is damaged") from None
        if len(kept) > MAX_STATE_BYTES or inflater.unconsumed_tail:
            raise SnapshotInputError(
                f"the snapshot holds more than {MAX_STATE_BYTES:,} bytes once inflated")
        try:
            snapshot = Snapshot(name, taken_at, state.State.from_bytes(kept))
        except state.StateFormatError as error:
            raise SnapshotInputError(str(error)) from None
        return self._keep(snapshot)

    def replace_all(self, snapshots: list[Snapshot]) -> None:
        """The snapshots a state file kept (at start-up)."""
        self._kept = {snapshot.name: snapshot for snapshot in snapshots}


def check_name(name: object) -> None:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise SnapshotInputError(f"a snapshot name is {NAME_SYNTAX}, not {shown(name)}")
