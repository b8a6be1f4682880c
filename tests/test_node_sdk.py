"""The official Node.js SDK (tencentcloud-sdk-nodejs-vod) against the emulator, verification on.

The Node SDK signs differently from the Python one (TC3 host without the port, service "127"
taken from the endpoint 127.0.0.1:PORT), so it checks the verifier from another side.
Each test runs tests/node/roundtrip.js, which prints one JSON line of what the SDK saw.
"""

from __future__ import annotations

from typing import Any

import pytest

from emulator.clients.client import AdminClient
from emulator.server import EmulatorThread

from .conftest import SECRET_KEY
from .nodejs import NODE_STYLES, run_script, skip_without_node

skip_without_node()


def run_node(
    emulator: EmulatorThread,
    style: tuple[str, str],
    mode: str = "roundtrip",
    secret_key: str = SECRET_KEY,
    sub_app_id: int | None = None,
) -> dict[str, Any]:
    """Run roundtrip.js once; answer its JSON report. A non-zero exit is a test failure."""
    return run_script("roundtrip.js", emulator, style, mode=mode, secretKey=secret_key,
                      subAppId=sub_app_id)


def file_ids(emitted: list[dict[str, Any]]) -> list[str]:
    return [event["content"]["FileUploadEvent"]["FileId"] for event in emitted]


def assert_round_trip(report: dict[str, Any], emitted: list[dict[str, Any]], admin: AdminClient,
                      sub_app_id: int | None = None) -> None:
    assert report["ok"], report
    assert report["countBeforePull"] == 3
    assert report["count"] == 3
    assert report["eventTypes"] == ["NewFileUpload"] * 3
    assert report["fileIds"] == file_ids(emitted)
    handles = report["handles"]
    assert len(set(handles)) == 3 and all(handles)
    # The confirm went through: nothing left to pull or leased, and the SDK was told 0.
    queue = admin.queue(sub_app_id)
    assert queue["pullable"] == [] and queue["leased"] == []
    assert report["countAfterConfirm"] == 0
    confirmed = {entry["handle"] for entry in admin.journal("confirmed")
                 if entry["sub_app_id"] == sub_app_id}
    assert confirmed == set(handles)


@pytest.mark.parametrize("style", NODE_STYLES)
def test_pull_confirm_round_trip(style: tuple[str, str], emulator: EmulatorThread,
                                 admin: AdminClient) -> None:
    emitted = admin.emit("NewFileUpload", 3)
    assert_round_trip(run_node(emulator, style), emitted, admin)


def test_round_trip_for_a_sub_application(emulator: EmulatorThread, admin: AdminClient) -> None:
    # TC3 GET: SubAppId travels flattened in the signed query string.
    sub_app_id = 1500000001
    emitted = admin.emit("NewFileUpload", 3, sub_app_id=sub_app_id)
    report = run_node(emulator, ("GET", "TC3-HMAC-SHA256"), sub_app_id=sub_app_id)
    assert_round_trip(report, emitted, admin, sub_app_id)
    assert admin.queue()["pullable"] == []  # the default application saw nothing


@pytest.mark.parametrize("style", NODE_STYLES)
def test_wrong_secret_key_is_signature_failure(style: tuple[str, str], emulator: EmulatorThread,
                                               admin: AdminClient) -> None:
    admin.emit("NewFileUpload", 3)
    report = run_node(emulator, style, secret_key=SECRET_KEY[:-1] + "X")
    assert not report["ok"], report
    assert report["error"]["code"] == "AuthFailure.SignatureFailure"
    assert report["error"]["requestId"]
    # Refused before it touched the queue.
    queue = admin.queue()
    assert len(queue["pullable"]) == 3 and queue["leased"] == []


@pytest.mark.parametrize("style", NODE_STYLES)
def test_bogus_handle_error_code_reaches_the_sdk(style: tuple[str, str],
                                                 emulator: EmulatorThread) -> None:
    report = run_node(emulator, style, mode="bogus-confirm")
    assert not report["ok"], report
    assert (report["step"], report["error"]["code"]) == ("ConfirmEvents", "InvalidParameterValue")
    assert "bogus-handle-never-issued" in report["error"]["message"]
    assert report["error"]["requestId"]
