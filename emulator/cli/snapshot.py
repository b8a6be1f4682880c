"""``vod-emulator snapshot``: keep the emulator's whole state under a name and start again
from it (``save``, ``list``, ``restore``, ``delete``), and move a snapshot in and out as
a file a team commits as a test fixture (``export``, ``import``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Protocol

from .commands import Command, Handler, Refused
from .output import table, when

FILE_SUFFIX = ".vodsnap"
"""What ``export`` names a file when -o does not say: ``NAME.vodsnap``."""
STANDARD_STREAM = "-"


class _Commands(Protocol):
    """How the client grammar adds a command and its actions (client_grammar.py)."""

    def add(self, name: str, handler: Handler | None, help: str,
            description: str) -> argparse.ArgumentParser: ...

    def actions(self, parser: argparse.ArgumentParser,
                required: bool = False) -> _Commands: ...


def add_snapshot_command(client: _Commands) -> None:
    snapshot = client.actions(client.add(
        "snapshot", None, "save, restore, export and import snapshots",
        "Keep the emulator's whole state under a name and start again from it; export a "
        "snapshot as a file (to commit as a test fixture) and import it into any "
        "emulator of the same version."), required=True)
    save = snapshot.add("save", save_snapshot, "keep the state now under a name",
                        "Keep the whole state under NAME, replacing a snapshot of that "
                        "name: events and queues (leases and their handles too), event "
                        "configurations, media library, tasks, callbacks, fault rules, "
                        "journal, settings and the clock. A reset keeps snapshots.")
    save.add_argument("name", metavar="NAME", help="letters, digits, '.', '_' or '-'")
    snapshot.add("list", list_snapshots, "list the snapshots kept",
                 "List the snapshots kept, by name, with their events and when they were "
                 "saved (emulator time).")
    restore = snapshot.add("restore", restore_snapshot, "start again from a snapshot",
                           "Make the emulator stand as the snapshot does: a full reset "
                           "(held pulls answer empty), then its state, its clock reading "
                           "what it read when saved. Exit status 1 if none is kept.")
    restore.add_argument("name", metavar="NAME")
    delete = snapshot.add("delete", delete_snapshot, "forget a snapshot",
                          "Forget a snapshot. Exit status 1 if none is kept.")
    delete.add_argument("name", metavar="NAME")
    export = snapshot.add("export", export_snapshot, "write a snapshot to a file",
                          "Write a snapshot to a file that 'snapshot import' (or the "
                          "pytest marker's snapshot=PATH) reads back: commit it with the "
                          "tests that start from it.")
    export.add_argument("name", metavar="NAME")
    export.add_argument("-o", "--out", metavar="FILE",
                        help=f"where (default NAME{FILE_SUFFIX}; '-': stdout)")
    load = snapshot.add("import", import_snapshot, "keep a snapshot file under a name",
                        "Keep an exported snapshot file in the emulator under a name (one "
                        "of that name is replaced); 'snapshot restore' then starts from "
                        "it. Exit status 1 if it is not an exported snapshot, is damaged "
                        "or comes from an emulator of another state format.")
    load.add_argument("file", metavar="FILE", help="an exported snapshot ('-': stdin)")
    load.add_argument("--name", help="the name to keep it under (default: the file's stem, "
                                     f"its name without {FILE_SUFFIX})")


def save_snapshot(command: Command) -> int:
    return _said(command, "saved", command.admin.save_snapshot(command.args.name))


def list_snapshots(command: Command) -> int:
    kept = command.admin.snapshots()
    if command.json:
        for snapshot in kept:
            command.print_json(snapshot)
    elif kept:
        command.print_lines(table(("name", "events", "taken_at"), [
            [snapshot["name"], snapshot["events"], when(snapshot["taken_at"])]
            for snapshot in kept]))
    else:
        command.print("no snapshots kept")
    return 0


def restore_snapshot(command: Command) -> int:
    return _said(command, "restored", command.admin.restore_snapshot(command.args.name))


def delete_snapshot(command: Command) -> int:
    command.admin.delete_snapshot(command.args.name)
    if command.json:
        command.print_json({"deleted": command.args.name})
    else:
        command.print(f"deleted {command.args.name}")
    return 0


def export_snapshot(command: Command) -> int:
    name = command.args.name
    out = command.args.out or name + FILE_SUFFIX
    data = command.admin.export_snapshot(name)
    if out == STANDARD_STREAM:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return 0
    try:
        Path(out).write_bytes(data)
    except OSError as error:
        raise Refused(f"cannot write {out}: {error.strerror or error}") from None
    if command.json:
        command.print_json({"name": name, "file": out, "bytes": len(data)})
    else:
        command.print(f"exported {name} to {out} ({len(data):,} bytes)")
    return 0


def import_snapshot(command: Command) -> int:
    file, name = command.args.file, command.args.name
    if name is None:
        if file == STANDARD_STREAM:
            command.parser.error("snapshot import -: give --name (stdin has no file name)")
        name = Path(file).stem
    try:
        data = sys.stdin.buffer.read() if file == STANDARD_STREAM else Path(file).read_bytes()
    except OSError as error:
        raise Refused(f"cannot read {file}: {error.strerror or error}") from None
    return _said(command, "imported", command.admin.import_snapshot(name, data))


def _said(command: Command, done: str, snapshot: dict[str, Any]) -> int:
    if command.json:
        command.print_json(snapshot)
    else:
        command.print(f"{done} {snapshot['name']}: {snapshot['events']} event(s), taken at "
                      f"{when(snapshot['taken_at'])}")
    return 0
