"""`listen --redact`'s masking (clients/redact.py) on its own: deterministic and keyed,
shaped like what it masks, and blind to every field that identifies nothing."""

from __future__ import annotations

import re
from typing import Any

from emulator.clients.redact import Redactor

EVENT: dict[str, Any] = {
    "EventType": "NewFileUpload",
    "FileUploadEvent": {
        "FileId": "5285890784273533167",
        "ProcedureTaskId": "1256768367-Procedure-2a8a1b2c3d4e5f60718293a4b5c6d7e8t1",
        "ReviewAudioVideoTaskId": "",
        "MediaBasicInfo": {
            "Name": "launch party.mp4", "Description": "our launch", "ClassId": 0,
            "ClassName": "其他", "TagSet": ["launch", "2026"], "Vid": "5285890784273533167",
            "MediaUrl": "https://1256768367.vod2.myqcloud.com/8b529b4a/21636369/launch.mp4",
            "CoverUrl": "https://cdn.customer.example.org/covers/launch.jpg?sign=ab12&t=99",
            "StorageRegion": "ap-guangzhou", "Type": "mp4",
        },
        "MetaData": {"Size": 350867967, "Duration": 937.378, "Md5": "92f3277b62c8"},
    },
}


def test_the_same_value_masks_alike_everywhere_and_only_with_the_same_key() -> None:
    first, again = Redactor("secretKeyA").redact(EVENT), Redactor("secretKeyA").redact(EVENT)
    other = Redactor("secretKeyB").redact(EVENT)
    assert first == again != other
    upload = first["FileUploadEvent"]
    assert upload["MediaBasicInfo"]["Vid"] == upload["FileId"] != EVENT["FileUploadEvent"][
        "FileId"]
    app_in_task = upload["ProcedureTaskId"].split("-")[0]
    assert upload["MediaBasicInfo"]["MediaUrl"].startswith(f"https://{app_in_task}.vod2.")


def test_a_mask_keeps_the_shape_of_what_it_masks() -> None:
    upload = Redactor("k").redact(EVENT)["FileUploadEvent"]
    basic = upload["MediaBasicInfo"]
    assert re.fullmatch(r"[1-9]\d{18}", upload["FileId"])
    assert re.fullmatch(r"\d{10}-Procedure-[0-9a-f]{32}[g-z]\d", upload["ProcedureTaskId"])
    assert re.fullmatch(r"https://\d{10}\.vod2\.myqcloud\.com/[0-9a-f]{8}/\d{8}/[a-z]{6}\.mp4",
                        basic["MediaUrl"])
    assert re.fullmatch(r"https://redacted\.example\.com/[a-z]{6}/[a-z]{6}\.jpg\?"
                        r"[a-z]{4}=[a-f\d]{4}&[g-z]=\d\d", basic["CoverUrl"])
    assert re.fullmatch(r"name-[0-9a-f]{8}\.mp4", basic["Name"])
    assert re.fullmatch(r"name-[0-9a-f]{8}", basic["ClassName"])
    assert re.fullmatch(r"text-[0-9a-f]{8}", basic["Description"])
    assert [re.fullmatch(r"text-[0-9a-f]{8}", tag) is not None for tag in basic["TagSet"]] == [
        True, True]


def test_what_identifies_nothing_is_kept() -> None:
    upload = Redactor("k").redact(EVENT)["FileUploadEvent"]
    original = EVENT["FileUploadEvent"]
    assert upload["MetaData"] == original["MetaData"]
    assert upload["ReviewAudioVideoTaskId"] == ""  # empty stays empty
    for name in ("ClassId", "StorageRegion", "Type"):
        assert upload["MediaBasicInfo"][name] == original["MediaBasicInfo"][name]
    masked = str(Redactor("k").redact(EVENT))
    for secret in ("5285890784273533167", "1256768367", "launch", "customer", "8b529b4a",
                   "其他", "our launch"):
        assert secret not in masked
