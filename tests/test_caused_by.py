"""Events a request caused say so, in their summary and in their first journal entry,
however they are routed: queued (PULL), POSTed (PUSH) or suppressed."""

from __future__ import annotations

from tencentcloud.vod.v20180717 import models, vod_client

from emulator.clients.client import AdminClient


def _process(sdk: vod_client.VodClient, file_id: str) -> str:
    request = models.ProcessMediaRequest()
    request.FileId = file_id
    return str(sdk.ProcessMedia(request).TaskId)


def _first_entry(admin: AdminClient, event_id: str) -> dict:
    return admin.journal(event_id=event_id)[0]


def test_a_task_event_names_its_request_in_summary_and_journal(
        sdk: vod_client.VodClient, admin: AdminClient) -> None:
    task_id = _process(sdk, admin.seed_media()["FileId"])
    admin.advance_clock(3600)
    (event,) = [e for e in admin.events()["events"] if e["event_type"] == "ProcedureStateChanged"]
    assert event["caused_by"].startswith("ProcessMedia ")
    assert event["caused_by"].endswith(f" task {task_id}")
    entry = _first_entry(admin, event["event_id"])
    assert (entry["kind"], entry["detail"]) == ("enqueued", f"caused by {event['caused_by']}")


def test_a_deletion_names_delete_media_and_an_emitted_event_names_nothing(
        sdk: vod_client.VodClient, admin: AdminClient) -> None:
    file_id = admin.seed_media()["FileId"]
    request = models.DeleteMediaRequest()
    request.FileId = file_id
    sdk.DeleteMedia(request)
    admin.emit("NewFileUpload", count=1)
    admin.advance_clock(10)
    deleted = next(e for e in admin.events()["events"] if e["event_type"] == "FileDeleted")
    emitted = next(e for e in admin.events()["events"] if e["event_type"] == "NewFileUpload")
    assert deleted["caused_by"].startswith("DeleteMedia ")
    assert _first_entry(admin, deleted["event_id"])["detail"].startswith("caused by DeleteMedia ")
    assert emitted["caused_by"] is None
    assert _first_entry(admin, emitted["event_id"])["detail"] is None


def test_a_suppressed_task_event_keeps_its_reason_and_its_cause(
        sdk: vod_client.VodClient, admin: AdminClient) -> None:
    config = models.ModifyEventConfigRequest()
    config.Mode = "PUSH"  # PUSH without a NotificationUrl: nothing is notified
    sdk.ModifyEventConfig(config)
    _process(sdk, admin.seed_media()["FileId"])
    admin.advance_clock(3600)
    (event,) = [e for e in admin.events()["events"] if e["event_type"] == "ProcedureStateChanged"]
    entry = _first_entry(admin, event["event_id"])
    assert entry["kind"] == "suppressed"
    assert entry["detail"].endswith(f"; caused by {event['caused_by']}")
