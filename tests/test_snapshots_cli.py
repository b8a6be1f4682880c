"""``vod-emulator snapshot``, as a shell user runs it against an emulator an official SDK
client drains: save, list, restore, delete; export to a file (the fixture a team
commits) and import it into another emulator, named after the file; exit status 1 for
what the emulator refuses or a file that cannot be read or written, 2 for a mistake on
the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tencentcloud.vod.v20180717 import vod_client

from emulator import cli
from emulator.clients.client import AdminClient
from emulator.core.snapshots import FILE_HEADER, NAME_SYNTAX
from emulator.server import EmulatorThread

from .conftest import confirm, make_settings, pull
from .examples.process import clean_environment

COMMAND = [sys.executable, "-m", "emulator"]  # as the console script runs, from this tree
ROOT = Path(__file__).parent.parent


def run(capsys: pytest.CaptureFixture[str], url: str, *args: str) -> tuple[int, str, str]:
    try:
        status = cli.main(["snapshot", *args, "--url", url])
    except SystemExit as exit_:
        status = int(exit_.code or 0)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_save_restore_list_delete(capsys: pytest.CaptureFixture[str], emulator: EmulatorThread,
                                  admin: AdminClient, sdk: vod_client.VodClient) -> None:
    admin.emit("NewFileUpload", 2)
    leased = pull(sdk)
    admin.emit("FileDeleted", 1)
    status, out, err = run(capsys, emulator.url, "save", "midway")
    assert (status, err) == (0, "")
    assert out.startswith("saved midway: 3 event(s), taken at 20") and out.endswith("Z\n")

    confirm(sdk, [event.EventHandle for event in leased])
    confirm(sdk, [event.EventHandle for event in pull(sdk)])
    status, out, _ = run(capsys, emulator.url, "restore", "midway")
    assert status == 0 and out.startswith("restored midway: 3 event(s)")
    assert len(admin.queue()["leased"]) == 2 and len(admin.queue()["pullable"]) == 1
    confirm(sdk, [event.EventHandle for event in leased])  # they confirm after the restore

    run(capsys, emulator.url, "save", "another")
    status, out, _ = run(capsys, emulator.url, "list")
    lines = out.splitlines()
    assert status == 0 and lines[0].split() == ["NAME", "EVENTS", "TAKEN_AT"]
    assert [line.split()[:2] for line in lines[1:]] == [["another", "3"], ["midway", "3"]]
    status, out, _ = run(capsys, emulator.url, "--json", "list")
    assert [json.loads(line) for line in out.splitlines()] == admin.snapshots()

    status, out, _ = run(capsys, emulator.url, "delete", "another")
    assert (status, out) == (0, "deleted another\n")
    status, out, err = run(capsys, emulator.url, "delete", "another")
    assert (status, out) == (1, "")
    assert err == ("vod-emulator snapshot delete: no snapshot 'another' (GET "
                   "/_emulator/snapshots lists them)\n")
    status, _, err = run(capsys, emulator.url, "restore", "no such")
    assert status == 1 and NAME_SYNTAX in err
    status, out, _ = run(capsys, emulator.url, "--json", "delete", "midway")
    assert json.loads(out) == {"deleted": "midway"}
    status, out, _ = run(capsys, emulator.url, "list")
    assert (status, out) == (0, "no snapshots kept\n")


@pytest.fixture
def other() -> Iterator[EmulatorThread]:
    with EmulatorThread(make_settings(seed=7)) as running:
        yield running


def test_export_to_a_file_and_import_it_elsewhere(
        capsys: pytest.CaptureFixture[str], emulator: EmulatorThread, admin: AdminClient,
        other: EmulatorThread, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    emitted = admin.emit("NewFileUpload", 3)
    admin.save_snapshot("three-uploads")
    monkeypatch.chdir(tmp_path)
    status, out, _ = run(capsys, emulator.url, "export", "three-uploads")
    fixture = tmp_path / "three-uploads.vodsnap"  # NAME.vodsnap by default
    assert status == 0 and out.startswith("exported three-uploads to three-uploads.vodsnap (")
    assert fixture.read_bytes() == admin.export_snapshot("three-uploads")

    status, out, _ = run(capsys, other.url, "import", str(fixture))  # named after the file
    assert status == 0 and out.startswith("imported three-uploads: 3 event(s)")
    status, out, _ = run(capsys, other.url, "--json", "import", str(fixture), "--name", "copy")
    assert json.loads(out)["name"] == "copy"
    status, _, _ = run(capsys, other.url, "restore", "three-uploads")
    elsewhere = AdminClient(other.url)
    assert [event["event_id"] for event in elsewhere.queue()["pullable"]] == [
        event["event_id"] for event in emitted]

    status, out, _ = run(capsys, emulator.url, "--json", "export", "three-uploads", "-o",
                         "fixtures.snap")
    assert json.loads(out) == {"name": "three-uploads", "file": "fixtures.snap",
                               "bytes": fixture.stat().st_size}
    status, out, _ = run(capsys, other.url, "import", "fixtures.snap")  # the file's stem
    assert status == 0 and out.startswith("imported fixtures: ")


def test_the_file_goes_through_standard_streams(emulator: EmulatorThread,
                                                other: EmulatorThread,
                                                admin: AdminClient) -> None:
    admin.emit("FileDeleted", 2)
    admin.save_snapshot("piped")
    env = clean_environment()
    exported = subprocess.run([*COMMAND, "snapshot", "export", "piped", "-o", "-", "--url",
                               emulator.url], capture_output=True, timeout=30, env=env,
                              cwd=ROOT)
    assert exported.returncode == 0 and exported.stdout.startswith(FILE_HEADER)
    imported = subprocess.run([*COMMAND, "snapshot", "import", "-", "--name", "piped", "--url",
                               other.url], input=exported.stdout, capture_output=True,
                              timeout=30, env=env, cwd=ROOT)
    assert imported.returncode == 0, imported.stderr
    assert AdminClient(other.url).snapshots()[0]["events"] == 2


def test_what_cannot_be_done_is_said(capsys: pytest.CaptureFixture[str],
                                     emulator: EmulatorThread, admin: AdminClient,
                                     tmp_path: Path) -> None:
    status, _, err = run(capsys, emulator.url, "import", str(tmp_path / "missing.vodsnap"))
    assert status == 1 and err.startswith("vod-emulator snapshot import: cannot read ")
    damaged = tmp_path / "damaged.vodsnap"
    damaged.write_bytes(FILE_HEADER + b"\x00\x01")
    status, _, err = run(capsys, emulator.url, "import", str(damaged))
    assert status == 1 and "damaged" in err
    status, _, err = run(capsys, emulator.url, "export", "never-saved")
    assert status == 1 and "no snapshot 'never-saved'" in err
    admin.save_snapshot("kept")
    status, _, err = run(capsys, emulator.url, "export", "kept", "-o",
                         str(tmp_path / "no-such-dir" / "kept.vodsnap"))
    assert status == 1 and "cannot write" in err
    status, _, err = run(capsys, emulator.url, "import", "-")
    assert status == 2 and "--name" in err  # a usage mistake: nothing is sent
    status, _, err = run(capsys, emulator.url, "save")
    assert status == 2
    status, _, err = run(capsys, emulator.url, "rename", "a", "b")
    assert status == 2
    assert [snapshot["name"] for snapshot in admin.snapshots()] == ["kept"]
