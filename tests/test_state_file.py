"""``serve --state-file``: the state survives a restart, and a ``kill -9`` at any moment
loses at most the requests in flight. Each test runs ``vod-emulator serve`` as a process
of its own, drives it with the official SDK, stops or kills it, and starts it again on
the same file."""

from __future__ import annotations

import itertools
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from tencentcloud.common import credential
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.vod.v20180717 import models, vod_client

from emulator.clients.client import AdminClient
from emulator.clients.receiver import CallbackReceiver
from emulator.core.state import FORMAT
from emulator.core.statefile import LAYOUT

_UNSIGNED = {name: "" for name in ("VOD_EMULATOR_SECRET_ID", "VOD_EMULATOR_SECRET_KEY",
                                   "TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY")}


class Server:
    """``vod-emulator serve --state-file PATH`` in a process of its own."""

    def __init__(self, state_file: Path, *flags: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "emulator", "serve", "--port", "0", "--seed", "5",
             "--state-file", str(state_file), *flags],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, **_UNSIGNED})
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if "listening on" not in line:
            self.process.kill()
            raise AssertionError(f"did not start: {line}{self.process.communicate()[1]}")
        self.url = line.split("listening on ", 1)[1].split()[0]
        self.admin = AdminClient(self.url)
        http = HttpProfile(protocol="http", endpoint=self.url.removeprefix("http://"),
                           reqTimeout=30)
        self.sdk = vod_client.VodClient(credential.Credential("any", "any"), "",
                                        ClientProfile(httpProfile=http))

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        assert self.process.wait(timeout=20) == 0
        self.process.communicate()

    def kill(self) -> None:
        self.process.kill()  # SIGKILL: nothing runs on the way out
        self.process.wait(timeout=20)
        self.process.communicate()

    def pull(self) -> list[tuple[str, str]]:
        """(FileId, handle) of each NewFileUpload one PullEvents answers."""
        events = self.sdk.PullEvents(models.PullEventsRequest()).EventSet
        return [(event.FileUploadEvent.FileId, event.EventHandle) for event in events]

    def confirm(self, handles: list[str]) -> None:
        request = models.ConfirmEventsRequest()
        request.EventHandles = handles
        self.sdk.ConfirmEvents(request)

    def to_pull(self) -> int:
        return int(self.sdk.DescribeEventsState(
            models.DescribeEventsStateRequest()).CountOfEventsToPull)

    def upload(self, count: int) -> list[str]:
        """Emit ``count`` NewFileUpload; their FileIds (each event's own)."""
        return [event["content"]["FileUploadEvent"]["FileId"]
                for event in self.admin.emit("NewFileUpload", count=count)]


@pytest.fixture
def state_file(tmp_path: Path) -> Path:
    return tmp_path / "vod.state"


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        if server.process.poll() is None:
            server.kill()


def start(servers: list[Server], state_file: Path, *flags: str) -> Server:
    server = Server(state_file, *flags)
    servers.append(server)
    return server


# ----- a restart


def test_a_restart_goes_on_where_it_stopped(servers: list[Server], state_file: Path) -> None:
    first = start(servers, state_file, "--long-poll-seconds", "0",
                  "--confirm-window-seconds", "600")
    files = first.upload(40)
    pulled = first.pull()
    assert [file_id for file_id, _ in pulled] == files[:16]
    first.confirm([handle for _, handle in pulled[:8]])
    config = _with_app(models.ModifyEventConfigRequest(), 7)
    config.Mode, config.NotificationUrl = "PUSH", "http://127.0.0.1:9/vod"
    first.sdk.ModifyEventConfig(config)
    fault = first.admin.add_fault("PullEvents", "error", code="InternalError", times=1,
                                  sub_app_id=3)
    first.admin.update_settings(retention_seconds=86_400)
    first.admin.advance_clock(100)
    clock_before = first.admin.clock()["now"]
    journal_before = first.admin.journal()
    first.stop()

    second = start(servers, state_file, "--long-poll-seconds", "0")
    assert second.admin.clock()["now"] >= clock_before  # advanced, and resumed
    assert second.to_pull() == 40 - 16
    assert second.admin.journal()[:len(journal_before)] == journal_before
    # The open leases keep their handles; the confirmed ones stay confirmed.
    second.confirm([handle for _, handle in pulled[8:]])
    second.confirm([handle for _, handle in pulled[:8]])  # again: harmless, as before
    queue = second.admin.queue(content=False)
    assert (queue["confirmed"], queue["leased"]) == (16, [])
    rest: list[str] = []
    while batch := second.pull():
        rest += [file_id for file_id, _ in batch]
        second.confirm([handle for _, handle in batch])
    assert rest == files[16:]
    described = second.sdk.DescribeEventConfig(_with_app(models.DescribeEventConfigRequest(), 7))
    assert (described.Mode, described.NotificationUrl) == ("PUSH", "http://127.0.0.1:9/vod")
    assert [rule["id"] for rule in second.admin.faults()] == [fault["id"]]
    assert second.admin.settings()["retention_seconds"] == 86_400
    # Ids and handles go on from where they were: none is made twice.
    assert second.upload(1)[0] not in files
    assert second.pull()[0][1] not in {handle for _, handle in pulled}


def _with_app(request: Any, sub_app_id: int) -> Any:
    request.SubAppId = sub_app_id
    return request


def test_a_task_under_way_finishes_after_a_restart(servers: list[Server],
                                                   state_file: Path) -> None:
    first = start(servers, state_file, "--long-poll-seconds", "0")
    first.admin.set_clock(freeze=True)
    file_id = first.admin.seed_media()["FileId"]
    request = models.ProcessMediaRequest()
    request.from_json_string(json.dumps({"FileId": file_id, "MediaProcessTask": {
        "TranscodeTaskSet": [{"Definition": 100010}]}}))
    task_id = first.sdk.ProcessMedia(request).TaskId
    first.kill()

    second = start(servers, state_file, "--long-poll-seconds", "0")
    assert second.admin.task(task_id)["status"] in ("WAITING", "PROCESSING")
    second.admin.finish_tasks()
    assert second.admin.task(task_id)["status"] == "FINISH"
    types = [event.EventType
             for event in second.sdk.PullEvents(models.PullEventsRequest()).EventSet]
    assert "ProcedureStateChanged" in types


@pytest.mark.parametrize(("change", "written_as"), [
    ("UPDATE meta SET value = 999 WHERE key = 'format'",
     f"state format 999, table layout {LAYOUT}"),
    # A file of the first layout (leases keyed by handle) has no layout row.
    ("DELETE FROM meta WHERE key = 'layout'", f"state format {FORMAT}, table layout 1"),
], ids=["format", "layout"])
def test_a_state_file_of_another_format_or_layout_is_refused(
        servers: list[Server], state_file: Path, change: str, written_as: str) -> None:
    start(servers, state_file).stop()
    with sqlite3.connect(state_file) as db:
        db.execute(change)
    process = subprocess.run(
        [sys.executable, "-m", "emulator", "serve", "--port", "0", "--state-file",
         str(state_file)], capture_output=True, text=True, timeout=60,
        env={**os.environ, **_UNSIGNED})
    assert process.returncode == 2
    assert written_as in process.stderr
    assert f"reads format {FORMAT}, layout {LAYOUT} only" in process.stderr


def test_a_file_that_is_not_a_state_file_is_refused(tmp_path: Path) -> None:
    not_state = tmp_path / "notes.txt"
    not_state.write_text("hello\n" * 100)
    process = subprocess.run(
        [sys.executable, "-m", "emulator", "serve", "--port", "0", "--state-file",
         str(not_state)], capture_output=True, text=True, timeout=60,
        env={**os.environ, **_UNSIGNED})
    assert process.returncode == 2
    assert "is not a vod-emulator state file" in process.stderr
    assert not_state.read_text() == "hello\n" * 100  # left as it was


# ----- kill -9 in the middle of things, again and again


KILLS = 3


def test_kill_9_mid_drain_loses_nothing_and_undoes_no_confirm(
        servers: list[Server], state_file: Path) -> None:
    """A consumer drains while the emulator is killed at a moment that differs each
    round, three rounds: an event whose ConfirmEvents was answered is never delivered
    again, a lease answered before a kill keeps its handle, and in the end every event
    is confirmed."""
    rng = random.Random(17)
    server = start(servers, state_file, "--long-poll-seconds", "0",
                   "--confirm-window-seconds", "3600")
    files = set(server.upload(600))
    confirmed: set[str] = set()  # answered
    for _ in range(KILLS):
        consumer = Consumer(server)
        with ThreadPoolExecutor(1) as pool:
            drained = pool.submit(consumer.drain)
            server.admin.wait(confirmed=len(confirmed) + rng.randint(20, 120))
            server.kill()
            drained.exception(timeout=30)  # ends with the connection refused
        confirmed |= consumer.confirmed
        server = start(servers, state_file, "--long-poll-seconds", "0")
        # Leased before the kill and never confirmed: the handles still confirm.
        for batch in consumer.unconfirmed:
            server.confirm([handle for _, handle in batch])
            confirmed |= {file_id for file_id, _ in batch}
    server.admin.advance_clock(3600)  # leases whose answer the kill cut off come back
    while batch := server.pull():
        again = {file_id for file_id, _ in batch} & confirmed
        assert not again, f"confirmed, yet delivered again: {sorted(again)}"
        server.confirm([handle for _, handle in batch])
        confirmed |= {file_id for file_id, _ in batch}
    assert confirmed == files
    assert server.to_pull() == 0


class Consumer:
    """Pulls and confirms until the server goes away; every third batch is left leased
    (its handles kept, to be confirmed after the restart)."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.confirmed: set[str] = set()  # FileIds whose ConfirmEvents was answered
        self.unconfirmed: list[list[tuple[str, str]]] = []  # batches

    def drain(self) -> None:
        for turn in itertools.count(1):
            batch = self.server.pull()
            if not batch:
                return
            if turn % 3 == 0:
                self.unconfirmed.append(batch)
                continue
            self.server.confirm([handle for _, handle in batch])
            self.confirmed |= {file_id for file_id, _ in batch}


def test_kill_9_mid_emit_keeps_what_was_answered(servers: list[Server],
                                                 state_file: Path) -> None:
    """Emits answered before a kill are all kept; the one in flight keeps at most the
    events it had emitted by then, in order; ids and files go on without reuse."""
    server = start(servers, state_file)
    answered: list[str] = []
    for _ in range(KILLS):
        answered += server.upload(50)
        with ThreadPoolExecutor(1) as pool:
            big = pool.submit(server.admin.emit, "FileDeleted", count=20_000,
                              with_content=False)
            server.admin.wait(pullable=len(answered) + 1)  # the big emit is under way
            server.kill()
            assert big.exception(timeout=30) is not None
        server = start(servers, state_file)
        kept = server.admin.events(limit=100_000)["events"]
        ids = [event["event_id"] for event in kept]
        assert ids == sorted(ids) and len(ids) == len(set(ids))
        uploads = [event["content"]["FileUploadEvent"]["FileId"] for event in kept
                   if event["event_type"] == "NewFileUpload"]
        assert uploads == answered
    assert server.to_pull() == len(server.admin.events(limit=100_000)["events"])


def test_kill_9_mid_callback_retry_delivers_everything(servers: list[Server],
                                                       state_file: Path) -> None:
    """PUSH to a handler that refuses everything; the emulator killed while retries are
    scheduled, three times; then the handler accepts: every event is delivered, none
    given up, its attempts numbered on across the restarts."""
    with CallbackReceiver() as receiver:
        receiver.answer(500)
        flags = ("--callback-url", receiver.url, "--callback-retry-seconds",
                 ",".join(["60"] * 20))
        server = start(servers, state_file, *flags)
        emitted = {event["event_id"] for event in server.admin.emit("FileDeleted", count=30)}
        for round_ in range(1, KILLS + 1):
            _wait_failed_attempts(server, len(emitted) * round_)
            server.kill()
            server = start(servers, state_file, *flags)
            server.admin.advance_clock(60)  # the retries due now go out
        receiver.wait_for(len(emitted) * (KILLS + 1), timeout=30)
        receiver.answer(200)
        server.admin.advance_clock(60)
        server.admin.wait_for_delivered(emitted, timeout=60)
        delivered = server.admin.callbacks(outcome="delivered")
        assert {record["event_id"] for record in delivered} == emitted
        assert min(record["attempt"] for record in delivered) > KILLS


def _wait_failed_attempts(server: Server, count: int) -> None:
    """Until the journal holds ``count`` failed attempts (each answer is given once what
    it shows is written: these are kept whatever happens next)."""
    seen, after = 0, 0
    while seen < count:
        answer = server.admin.follow_journal(after, wait_seconds=10, kind="attempt_failed")
        assert answer["entries"], f"{seen} failed attempts, not {count}"
        seen += len(answer["entries"])
        after = answer["entries"][-1]["seq"]


def test_snapshots_are_kept_in_the_file(servers: list[Server], state_file: Path) -> None:
    first = start(servers, state_file, "--long-poll-seconds", "0")
    files = first.upload(5)
    first.admin.save_snapshot("five")
    first.admin.save_snapshot("gone")
    first.admin.delete_snapshot("gone")
    first.kill()

    second = start(servers, state_file, "--long-poll-seconds", "0")
    assert [snapshot["name"] for snapshot in second.admin.snapshots()] == ["five"]
    second.confirm([handle for _, handle in second.pull()])
    assert second.to_pull() == 0
    second.admin.restore_snapshot("five")
    assert [file_id for file_id, _ in second.pull()] == files
