"""Snapshots through the admin API (AdminClient) while a consumer drains with the official
SDK: a restore brings back the queue as it stood at the save (leases and their handles
too, which still confirm), the clock, the configurations, the library, the faults and the
settings; an exported file is imported into another emulator and restored there; names,
bodies and files that cannot be used are refused with a message saying why, and nothing
is kept then."""

from __future__ import annotations

import dataclasses
import http.client
import json
import pickle
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from typing import Any

import pytest
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
    TencentCloudSDKException,
)
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.vod.v20180717 import models, vod_client

from emulator.admin import snapshots as snapshot_routes
from emulator.clients.client import AdminClient, AdminError
from emulator.core import state
from emulator.core.backend import VodBackend
from emulator.core.settings import Settings
from emulator.core.snapshots import FILE_HEADER, NAME_SYNTAX
from emulator.server import EmulatorThread

from .conftest import SECRET_ID, SECRET_KEY, confirm, make_settings, pull

APP = 1500000001


def file_ids(events: list[Any]) -> list[str]:
    """The FileIds of events as the SDK answers them, or as the admin API shows them."""
    return [event.FileUploadEvent.FileId if hasattr(event, "FileUploadEvent")
            else event["content"]["FileUploadEvent"]["FileId"] for event in events]


def handles(events: list[Any]) -> list[str]:
    return [event.EventHandle for event in events]


# ----- restoring


def test_a_restore_brings_back_the_queue_and_its_leases(
        admin: AdminClient, sdk: vod_client.VodClient) -> None:
    first = admin.emit("NewFileUpload", 2)
    leased = pull(sdk)
    assert file_ids(leased) == file_ids(first)
    rest = admin.emit("NewFileUpload", 3)
    saved = admin.save_snapshot("midway")
    assert (saved["name"], saved["events"]) == ("midway", 5)

    confirm(sdk, handles(leased))
    drained = pull(sdk)
    confirm(sdk, handles(drained))
    admin.wait_for_confirmed([event["event_id"] for event in first + rest])
    assert file_ids(drained) == file_ids(rest)

    for _ in range(2):  # a snapshot is kept after a restore: restored again, the same
        assert admin.restore_snapshot("midway") == saved
        queue = admin.queue()
        assert [event["event_id"] for event in queue["pullable"]] == [
            event["event_id"] for event in rest]
        assert sorted(lease["handle"] for lease in queue["leased"]) == sorted(handles(leased))
        again = pull(sdk)
        assert file_ids(again) == file_ids(rest)
        confirm(sdk, handles(leased))  # leased before the save: they confirm after it
        confirm(sdk, handles(again))
        admin.wait_for_confirmed([event["event_id"] for event in first + rest])
        assert admin.queue()["leased"] == []


def test_the_clock_reads_what_it_read_at_the_save(admin: AdminClient,
                                                  sdk: vod_client.VodClient) -> None:
    admin.set_clock(freeze=True)
    admin.emit("FileDeleted")
    (leased,) = pull(sdk)
    saved = admin.save_snapshot("frozen")
    admin.advance_clock(3600)  # the lease's window ends, the event is pullable again
    assert admin.queue()["leased"] == []
    restored = admin.restore_snapshot("frozen")
    clock = admin.clock()
    assert clock["now"] == restored["taken_at"] == saved["taken_at"]
    assert clock["frozen"] is True
    assert [lease["handle"] for lease in admin.queue()["leased"]] == [leased.EventHandle]
    confirm(sdk, [leased.EventHandle])


def test_configurations_library_faults_and_settings_come_back(
        admin: AdminClient, sdk: vod_client.VodClient) -> None:
    modify = models.ModifyEventConfigRequest()
    modify.SubAppId, modify.UploadMediaCompleteEventSwitch = APP, "OFF"
    sdk.ModifyEventConfig(modify)
    seeded = admin.seed_media("5285890700000000001", APP, {"Name": "kept.mp4"})
    admin.add_fault("PullEvents", "error", code="InternalError", sub_app_id=APP)
    admin.update_settings(confirm_window_seconds=45)
    admin.emit("FileDeleted", sub_app_id=APP)
    saved = admin.save_snapshot("configured")

    admin.reset()
    assert admin.snapshots() == [saved]  # a reset keeps the snapshots
    assert admin.faults() == [] and admin.media(APP)["total"] == 0

    admin.restore_snapshot("configured")
    describe = models.DescribeEventConfigRequest()
    describe.SubAppId = APP
    assert sdk.DescribeEventConfig(describe).UploadMediaCompleteEventSwitch == "OFF"
    assert admin.media_file("5285890700000000001", APP) == seeded
    assert [(rule["action"], rule["code"]) for rule in admin.faults()] == [
        ("PullEvents", "InternalError")]
    assert admin.settings()["confirm_window_seconds"] == 45
    assert admin.queue(APP)["pullable"] != []
    with pytest.raises(TencentCloudSDKException) as refused:  # the fault acts again
        pull(sdk, APP)
    assert refused.value.code == "InternalError"


def test_a_held_pull_answers_empty_and_the_restored_events_wait(
        admin: AdminClient, sdk: vod_client.VodClient,
        background: Callable[..., Future[Any]]) -> None:
    emitted = admin.emit("NewFileUpload", 2)
    admin.save_snapshot("two")
    confirm(sdk, handles(pull(sdk)))
    held = background(pull, sdk)
    admin.wait(held_pulls=1)
    admin.restore_snapshot("two")
    assert held.result(timeout=10) == []  # as a reset answers it
    assert file_ids(pull(sdk)) == file_ids(emitted)


# ----- listing, deleting, refusals


def test_list_delete_and_what_is_refused(admin: AdminClient) -> None:
    assert admin.snapshots() == []
    admin.emit("FileDeleted")
    kept = [admin.save_snapshot(name) for name in ("b-2", "a.1", "C_3")]
    assert admin.snapshots() == sorted(kept, key=lambda snapshot: snapshot["name"])
    replaced = admin.save_snapshot("a.1")  # the same name: replaced
    assert [snapshot["name"] for snapshot in admin.snapshots()] == ["C_3", "a.1", "b-2"]
    assert admin.snapshots()[1] == replaced

    admin.delete_snapshot("b-2")
    assert [snapshot["name"] for snapshot in admin.snapshots()] == ["C_3", "a.1"]
    for gone in (admin.restore_snapshot, admin.delete_snapshot, admin.export_snapshot):
        with pytest.raises(AdminError) as unknown:
            gone("b-2")
        assert (unknown.value.status, unknown.value.code) == (404, "NotFound")
        assert "no snapshot 'b-2'" in unknown.value.message

    for bad in ("-a", "a b", "a/b", "..", "x" * 101, "é"):
        for refused in (admin.save_snapshot, admin.restore_snapshot, admin.export_snapshot,
                        admin.delete_snapshot, lambda name: admin.import_snapshot(name, b"x")):
            with pytest.raises(AdminError) as named:
                refused(bad)
            assert named.value.status == 400 and NAME_SYNTAX in named.value.message, bad
    with pytest.raises(AdminError) as empty:
        admin.save_snapshot("")
    assert empty.value.status == 400 and NAME_SYNTAX in empty.value.message
    with pytest.raises(AdminError) as not_text:
        admin.request("POST", "/_emulator/snapshots", {"name": 7})
    assert not_text.value.status == 400 and "not 7" in not_text.value.message
    with pytest.raises(AdminError) as nameless:
        admin.request("POST", "/_emulator/snapshots", {})
    assert nameless.value.status == 400 and '"name"' in nameless.value.message
    assert [snapshot["name"] for snapshot in admin.snapshots()] == ["C_3", "a.1"]


# ----- export and import


@pytest.fixture
def other() -> Iterator[tuple[EmulatorThread, AdminClient]]:
    """A second emulator, started on its own."""
    with EmulatorThread(make_settings(seed=99)) as running:
        yield running, AdminClient(running.url)


def test_an_exported_file_restores_in_another_emulator(
        admin: AdminClient, sdk: vod_client.VodClient,
        other: tuple[EmulatorThread, AdminClient]) -> None:
    admin.set_clock(freeze=True)  # the snapshot keeps the clock as it stands, frozen
    emitted = admin.emit("NewFileUpload", 3, sub_app_id=APP)
    leased = pull(sdk, APP)
    waiting = admin.emit("FileDeleted", 2, sub_app_id=APP)
    saved = admin.save_snapshot("fixture")
    data = admin.export_snapshot("fixture")
    assert data.startswith(FILE_HEADER)

    thread, other_admin = other
    imported = other_admin.import_snapshot("from-a-file", data)
    assert imported["name"] == "from-a-file" and imported["events"] == saved["events"] == 5
    assert other_admin.snapshots() == [imported]
    other_admin.restore_snapshot("from-a-file")
    assert other_admin.queue(APP) == admin.queue(APP)
    assert (other_admin.clock()["now"], other_admin.clock()["frozen"]) == (
        saved["taken_at"], True)

    # Both emulators verify the same pair.
    profile = ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint=thread.endpoint))
    there = vod_client.VodClient(credential.Credential(SECRET_ID, SECRET_KEY), "", profile)
    confirm(there, handles(leased), APP)  # handles leased in the first emulator
    drained = pull(there, APP)
    assert [event.FileDeleteEvent.FileIdSet for event in drained] == [
        event["content"]["FileDeleteEvent"]["FileIdSet"] for event in waiting]
    confirm(there, handles(drained), APP)
    other_admin.wait_for_confirmed([event["event_id"] for event in emitted + waiting])
    # Importing again under the same name replaces it; the export is the same file.
    assert other_admin.import_snapshot("from-a-file", data)["events"] == 5
    assert other_admin.export_snapshot("from-a-file") == data


def _fresh_state() -> state.State:
    backend = VodBackend(Settings(port=0, seed=1))
    return backend.save_snapshot("fresh").state


class _RunsCode:
    def __reduce__(self) -> tuple[Any, ...]:
        return (print, ("this must never run",))


@pytest.mark.parametrize(("body", "said"), [
    (b"", "the body is empty"),
    (b"PK\x03\x04 a zip file", "not an exported vod-emulator snapshot"),
    (FILE_HEADER + b"not compressed", "damaged"),
    (FILE_HEADER + zlib.compress(b"not a pickle"), "not a vod-emulator state"),
    (FILE_HEADER + zlib.compress(pickle.dumps(_RunsCode())), "not part of a state"),
    (FILE_HEADER + zlib.compress(dataclasses.replace(
        _fresh_state(), format=state.FORMAT + 1).to_bytes()),
     f"this emulator reads format {state.FORMAT} only"),
    (FILE_HEADER + zlib.compress(dataclasses.replace(
        _fresh_state(), events={1: ("text",) * len(state.EVENT_FIELDS)}).to_bytes()),
     "does not have the fields of an event"),
], ids=["empty", "another-file", "damaged", "not-a-state", "code", "another-format",
        "an-event-row"])
def test_a_file_that_cannot_be_used_is_refused_and_nothing_kept(
        admin: AdminClient, body: bytes, said: str, capsys: pytest.CaptureFixture[str]) -> None:
    good = admin.import_snapshot("good", FILE_HEADER + zlib.compress(_fresh_state().to_bytes()))
    with pytest.raises(AdminError) as refused:
        admin.import_snapshot("good", body)
    assert refused.value.status == 400 and said in refused.value.message
    with pytest.raises(AdminError):
        admin.import_snapshot("other", body)
    assert admin.snapshots() == [good]
    assert "must never run" not in capsys.readouterr().out
    admin.restore_snapshot("good")
    assert admin.health()["status"] == "ok"


def _send(emulator: EmulatorThread, method: str, path: str, body: Any,
          headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    connection = http.client.HTTPConnection("127.0.0.1", emulator.port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers,
                           encode_chunked="Transfer-Encoding" in headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def test_a_body_over_the_limit_is_413_and_nothing_more(
        emulator: EmulatorThread, admin: AdminClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(snapshot_routes, "MAX_IMPORT_BYTES", 64 * 1024)
    path = "/_emulator/snapshots/big"
    # Said by its length: refused before the body is read.
    status, answer = _send(emulator, "PUT", path, b"x" * (64 * 1024 + 1), {})
    assert (status, answer["error"]["code"]) == (413, "TooLarge")
    # Sent in chunks, no length said: refused once the limit is passed.
    chunks = iter([FILE_HEADER] + [b"y" * 16384] * 8)
    status, answer = _send(emulator, "PUT", path, chunks, {"Transfer-Encoding": "chunked"})
    assert (status, answer["error"]["code"]) == (413, "TooLarge")
    assert "larger than" in answer["error"]["message"]
    status, answer = _send(emulator, "PUT", path, b"x", {"Content-Encoding": "gzip"})
    assert status == 400 and "Content-Encoding" in answer["error"]["message"]
    assert admin.snapshots() == [] and admin.health()["status"] == "ok"


def test_an_import_that_inflates_past_the_cap_is_refused(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A small file that inflates past MAX_STATE_BYTES is refused before it fills memory."""
    import zlib

    from emulator.core import snapshots
    from emulator.core.backend import VodBackend
    from emulator.core.settings import Settings

    monkeypatch.setattr(snapshots, "MAX_STATE_BYTES", 10_000)
    bomb = snapshots.FILE_HEADER + zlib.compress(b"\0" * 1_000_000)
    backend = VodBackend(Settings(port=0, seed=1))
    with pytest.raises(snapshots.SnapshotInputError, match="more than 10,000 bytes"):
        backend.snapshots.imported("bomb", bomb, 0.0)
    assert backend.snapshots.all() == []
