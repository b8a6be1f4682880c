"""Scenarios, fixtures and the `emit` command: coherent flows a user can emit in one call."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from emulator.clients.client import AdminClient, AdminError
from emulator.events import (
    EVENT_TYPES,
    EventFactory,
    EventInputError,
    check_event_content,
    load_schema,
)
from emulator.events.fixtures_build import FIXTURES
from emulator.events.fixtures_build import main as fixtures_main
from emulator.events.scenarios import SCENARIOS, build_scenario

from .conftest import pull


def _members(events: list[dict]) -> list[dict]:
    return [next(v for k, v in e["content"].items() if k != "EventType") for e in events]


def test_at_least_six_scenarios() -> None:
    assert len(SCENARIOS) >= 6


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_every_scenario_is_valid_and_pulls_back_as_emitted(name: str, admin: AdminClient,
                                                           sdk) -> None:
    emitted = admin.emit_scenario(name, sub_app_id=1500000001)
    assert len(emitted) >= 2
    schema = load_schema()
    for event in emitted:
        check_event_content(schema, event["content"])
    pulled = pull(sdk, 1500000001)
    assert [e.EventType for e in pulled] == [e["event_type"] for e in emitted]


def test_upload_then_transcode_shares_ids_and_progresses(admin: AdminClient) -> None:
    upload, processing, finished = _members(admin.emit_scenario("upload-transcode"))
    assert upload["ProcedureTaskId"] == processing["TaskId"] == finished["TaskId"]
    assert upload["FileId"] == processing["FileId"] == finished["FileId"]
    assert upload["MediaBasicInfo"]["Vid"] == upload["FileId"]
    assert (processing["Status"], finished["Status"]) == ("PROCESSING", "FINISH")
    transcode = finished["MediaProcessResultSet"][0]["TranscodeTask"]
    assert (transcode["Status"], transcode["ErrCode"], transcode["Message"]) == (
        "SUCCESS", 0, "SUCCESS")
    assert processing["MediaProcessResultSet"][0]["TranscodeTask"]["Status"] == "PROCESSING"
    created = upload["MediaBasicInfo"]["CreateTime"]
    assert created <= transcode["BeginProcessTime"] <= transcode["FinishTime"]


def test_failed_transcode_carries_an_error(admin: AdminClient) -> None:
    upload, _, finished = _members(admin.emit_scenario("failed-transcode"))
    transcode = finished["MediaProcessResultSet"][0]["TranscodeTask"]
    assert transcode["Status"] == "FAIL" and transcode["ErrCode"] != 0 and transcode["Message"]
    assert finished["FileId"] == upload["FileId"]


def test_delete_names_the_uploaded_file(admin: AdminClient) -> None:
    upload, deleted = _members(admin.emit_scenario("delete"))
    assert deleted["FileIdSet"] == [upload["FileId"]]


def test_edit_and_compose_make_new_files_from_uploaded_ones(admin: AdminClient) -> None:
    upload, edited = _members(admin.emit_scenario("edit-media"))
    assert edited["Input"]["FileInfoSet"][0]["FileId"] == upload["FileId"]
    assert edited["Output"]["FileId"] != upload["FileId"]
    first, second, composed = _members(admin.emit_scenario("compose-media"))
    sources = [item["VideoItem"]["SourceMedia"]
               for item in composed["Input"]["Tracks"][0]["TrackItems"]]
    assert sources == [first["FileId"], second["FileId"]]


def test_pull_upload_and_review_share_ids(admin: AdminClient) -> None:
    pulled, procedure = _members(admin.emit_scenario("pull-upload"))
    assert pulled["ProcedureTaskId"] == procedure["TaskId"]
    assert pulled["FileId"] == procedure["FileId"]
    upload, review = _members(admin.emit_scenario("review"))
    assert upload["ReviewAudioVideoTaskId"] == review["TaskId"]
    assert review["Input"]["FileId"] == upload["FileId"]


def test_scenarios_are_deterministic_under_the_seed(admin: AdminClient) -> None:
    first = _members(admin.emit_scenario("upload-transcode"))
    admin.reset()
    second = _members(admin.emit_scenario("upload-transcode"))
    file_ids = [member["FileId"] for member in first]
    assert all(file_ids) and file_ids == [member["FileId"] for member in second]
    assert [member.get("TaskId") for member in first] == [
        member.get("TaskId") for member in second]


# ----- fixtures


def test_fixtures_are_current() -> None:
    assert fixtures_main(["--check"]) == 0


def test_one_fixture_per_event_type_and_scenario() -> None:
    assert sorted(p.stem for p in (FIXTURES / "events").glob("*.json")) == sorted(EVENT_TYPES)
    assert sorted(p.stem for p in (FIXTURES / "scenarios").glob("*.json")) == sorted(SCENARIOS)


@pytest.mark.parametrize("path", sorted((FIXTURES).glob("*/*.json")), ids=lambda p: p.stem)
def test_fixture_files_can_be_posted_as_they_are(path: Path, admin: AdminClient, sdk) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    queued = admin.request("POST", "/_emulator/events", document)["events"]
    assert [e["content"] for e in queued] == document["events"]
    assert len(pull(sdk)) == len(document["events"])


# ----- the emit command


def _emit_cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "emulator", "emit", "--url", url, *args],
                          capture_output=True, text=True, timeout=60, check=False)


def test_emit_type_with_override(emulator, admin: AdminClient) -> None:
    override = json.dumps({"FileUploadEvent": {"FileId": "5285890784273533167"}})
    result = _emit_cli(emulator.url, "--type", "NewFileUpload", "--count", "2",
                       "--override", override, "--sub-app-id", "1500000001", "--json")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 2
    pullable = admin.queue(1500000001)["pullable"]
    assert [e["content"]["FileUploadEvent"]["FileId"] for e in pullable] == [
        "5285890784273533167"] * 2


def test_emit_scenario_and_file(emulator, admin: AdminClient) -> None:
    assert _emit_cli(emulator.url, "--scenario", "delete").returncode == 0
    fixture = FIXTURES / "events" / "FileDeleted.json"
    assert _emit_cli(emulator.url, "--file", str(fixture)).returncode == 0
    assert [e["event_type"] for e in admin.queue()["pullable"]] == [
        "NewFileUpload", "FileDeleted", "FileDeleted"]


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [  # 1: the emulator refused it; 2: the command line is wrong
        (["--type", "NewFileUpload", "--override", '{"FileUploadEvent": {"Nope": 1}}'], 1,
         "FileUploadEvent.Nope is not a field of FileUploadTask"),
        (["--type", "NewFileUpload", "--override", "{broken"], 2,
         "--override is not valid JSON"),
        (["--scenario", "nope"], 1, "unknown scenario"),
        (["--file", "/nonexistent.json"], 2, "cannot read"),
    ],
)
def test_emit_errors_are_clear(emulator, admin: AdminClient, args: list[str], status: int,
                               message: str) -> None:
    result = _emit_cli(emulator.url, *args)
    assert (result.returncode, result.stdout) == (status, ""), result.stderr
    assert message in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert admin.journal() == []  # nothing was emitted


def test_an_unknown_scenario_suggests_close_ones(admin: AdminClient) -> None:
    with pytest.raises(EventInputError) as raised:
        build_scenario(EventFactory(1, lambda: 0.0), "upload-transcod", 0.0)
    assert str(raised.value) == ("unknown scenario 'upload-transcod'; did you mean "
                                 "upload-transcode or failed-transcode?")
    with pytest.raises(AdminError) as refused:
        admin.emit_scenario("deleet")
    assert "did you mean delete?" in refused.value.message


def test_admin_refuses_a_bad_override(admin: AdminClient) -> None:
    with pytest.raises(AdminError) as raised:
        admin.emit("NewFileUpload", overrides={"FileUploadEvent": {"FileId": 5}})
    assert "FileUploadEvent.FileId must be string" in raised.value.message
