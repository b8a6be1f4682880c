"""The media library follows the events: what DescribeMediaInfos will answer about a file is
what the events about it said (core/media.py, through the backend's one routing path)."""

from __future__ import annotations

from typing import Any

import pytest
from tencentcloud.vod.v20180717 import models

from emulator.core.backend import VodBackend
from emulator.core.media import MEDIA_INFO_FIELDS

from .conftest import make_settings


@pytest.fixture
def backend() -> VodBackend:
    return VodBackend(make_settings())


def _upload(backend: VodBackend, sub_app_id: int | None = None) -> dict[str, Any]:
    [event] = backend.emit_generated("NewFileUpload", 1, sub_app_id)
    task: dict[str, Any] = event.content["FileUploadEvent"]
    return task


def _deleted(file_id: str, parts: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"EventType": "FileDeleted", "FileDeleteEvent": {
        "FileIdSet": [file_id],
        "FileDeleteResultInfo": [{"FileId": file_id, "DeleteParts": parts or []}]}}


def test_media_info_has_the_sdk_models_fields() -> None:
    assert list(MEDIA_INFO_FIELDS) == [name.lstrip("_") for name in vars(models.MediaInfo())]


def test_an_upload_adds_its_file_exactly_as_its_event_carried_it(backend: VodBackend) -> None:
    task = _upload(backend)
    info = backend.media_file(None, task["FileId"])
    assert info is not None
    assert info["FileId"] == task["FileId"]
    assert info["BasicInfo"] == task["MediaBasicInfo"]
    assert info["MetaData"] == task["MetaData"]
    assert [name for name, value in info.items() if value is not None] == [
        "BasicInfo", "MetaData", "FileId"]
    assert backend.media_file_ids(None) == [task["FileId"]]
    assert backend.media_file(1500000001, task["FileId"]) is None  # per application


def test_file_deleted_removes_the_file_and_a_partial_delete_keeps_it(
        backend: VodBackend) -> None:
    kept, removed = _upload(backend)["FileId"], _upload(backend)["FileId"]
    backend.emit_events([_deleted(kept, [{"Type": "TranscodeFiles", "Definition": 0}]),
                         _deleted(removed)], None)
    assert backend.media_file_ids(None) == [kept]


def test_an_event_about_an_unknown_file_makes_it_known_consistently(
        backend: VodBackend) -> None:
    [event] = backend.emit_generated(
        "ProcedureStateChanged", 1, None,
        {"ProcedureStateChangeEvent": {"FileName": "lecture-01", "FileUrl": "http://x/1.mp4"}})
    task = event.content["ProcedureStateChangeEvent"]
    info = backend.media_file(None, task["FileId"])
    assert info is not None
    assert info["BasicInfo"]["Name"] == "lecture-01"
    assert info["BasicInfo"]["MediaUrl"] == "http://x/1.mp4"
    if task.get("MetaData") is not None:
        assert info["MetaData"] == task["MetaData"]
    models.MediaInfo()._deserialize(info)  # the SDK's own model takes it
    # The same seed makes the same file, whenever it is looked at.
    again = VodBackend(make_settings())
    again.emit_events([event.content], None)
    assert again.media_file(None, task["FileId"]) == info


def test_an_event_about_a_known_file_leaves_it_as_it_is(backend: VodBackend) -> None:
    task = _upload(backend)
    backend.emit_generated("ProcedureStateChanged", 1, None,
                           {"ProcedureStateChangeEvent": {"FileId": task["FileId"]}})
    info = backend.media_file(None, task["FileId"])
    assert info is not None and info["BasicInfo"] == task["MediaBasicInfo"]


def test_resets_clear_the_library(backend: VodBackend) -> None:
    _upload(backend)
    other = _upload(backend, 1500000001)["FileId"]
    backend.reset_app(None)
    assert backend.media_file_ids(None) == []
    assert backend.media_file_ids(1500000001) == [other]
    backend.reset()
    assert backend.media_file_ids(1500000001) == []
