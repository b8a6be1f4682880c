"""The consumer report: each mistake made through the official SDK, a raw socket or a real
aiohttp handler, then seen in GET /_emulator/report with the right ids; a well-behaved
consumer gets an empty report. Through the AdminClient, the command line and the pytest
plugin's end-of-session section."""

from __future__ import annotations

import gc
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.vod.v20180717 import models, vod_client

from emulator.clients.client import AdminClient
from emulator.clients.receiver import CallbackReceiver
from emulator.core.event import EmittedEvent
from emulator.core.report import KINDS
from emulator.server import EmulatorThread

from .conftest import confirm, make_settings, pull, wait_for_health
from .test_cli import _cli, _sdk
from .test_pytest_plugin import _STRICT

pytest_plugins = ["pytester"]
APP = 1500000051


@pytest.fixture
def frozen(admin: AdminClient) -> AdminClient:
    admin.set_clock(freeze=True)
    return admin


def findings(admin: AdminClient, kind: str | None = None) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = admin.report()["findings"]
    return [one for one in found if kind is None or one["kind"] == kind]


def test_a_well_behaved_consumer_gets_an_empty_report(frozen: AdminClient,
                                                      sdk: vod_client.VodClient) -> None:
    frozen.emit("FileDeleted", 3, APP)
    frozen.emit("NewFileUpload", 2, APP)
    events = pull(sdk, APP)
    confirm(sdk, [event.EventHandle for event in events], APP)
    request = models.DescribeEventsStateRequest()
    request.SubAppId = APP
    sdk.DescribeEventsState(request)
    frozen.advance_clock(61)  # polled once a minute at most
    sdk.DescribeEventsState(request)
    assert frozen.report() == {"clean": True, "findings": []}


def test_late_confirms_unconfirmed_events_and_refused_batches(
        frozen: AdminClient, sdk: vod_client.VodClient) -> None:
    ids = [event["event_id"] for event in frozen.emit("FileDeleted", 3, APP)]
    handles = [event.EventHandle for event in pull(sdk, APP)]
    frozen.advance_clock(31)  # every confirm window passed
    with pytest.raises(TencentCloudSDKException):
        confirm(sdk, handles[:1], APP)

    (late,) = findings(frozen, "late_confirm")
    assert (late["sub_app_id"], late["ids"], late["count"]) == (APP, ids[:1], 1)
    assert late["client"]["address"] == "127.0.0.1"
    assert late["client"]["user_agent"]  # the SDK's own
    assert late["explanation"] == KINDS["late_confirm"].explanation
    assert late["see"] == "README.md#the-consumer-report"
    (never,) = findings(frozen, "never_confirmed")
    assert (never["ids"], never["count"]) == (ids, 3)
    (refused,) = findings(frozen, "confirm_refused")
    assert "InvalidParameterValue" in refused["ids"][0]


def test_a_handle_confirmed_twice(frozen: AdminClient, sdk: vod_client.VodClient) -> None:
    (event,) = frozen.emit("FileDeleted", 1, APP)
    handles = [pulled.EventHandle for pulled in pull(sdk, APP)]
    confirm(sdk, handles, APP)
    confirm(sdk, handles, APP)  # accepted by the service, and a sign of a confused consumer
    (twice,) = findings(frozen)
    assert (twice["kind"], twice["ids"]) == ("confirmed_twice", [event["event_id"]])


def test_the_report_keeps_no_drained_event_alive() -> None:
    """What the report keeps of a pulled handle is its event's id and type, never the
    event: a drained event is let go (payload and all) while the report still names it."""
    with EmulatorThread(make_settings(secret_id=None, secret_key=None,
                                      journal_max_entries=1)) as emulator:
        admin = AdminClient(emulator.url)
        admin.set_clock(freeze=True)
        app = 1500000919  # no other test's: other emulators may run in this process
        ids = [event["event_id"] for event in admin.emit("FileDeleted", 5, app)]
        sdk = _sdk(emulator)
        handles = [pulled.EventHandle for pulled in pull(sdk, app)]
        confirm(sdk, handles, app)
        confirm(sdk, handles[:1], app)  # a finding that names the first event
        gc.collect()  # the emulator runs in this process: its objects are ours to count
        alive = {event.event_id for event in gc.get_objects()
                 if isinstance(event, EmittedEvent) and event.sub_app_id == app}
        assert alive == {ids[-1]}  # the one the emitted record keeps (1 entry)
        (twice,) = findings(admin)
        assert (twice["kind"], twice["ids"]) == ("confirmed_twice", ids[:1])


def test_describe_events_state_polled_too_often(frozen: AdminClient,
                                                sdk: vod_client.VodClient) -> None:
    request = models.DescribeEventsStateRequest()
    answers = [sdk.DescribeEventsState(request).RequestId for _ in range(3)]
    (polled,) = findings(frozen)
    assert (polled["kind"], polled["count"], polled["ids"]) == (
        "state_polled", 2, answers[1:])


def test_a_pull_hung_up_and_a_busy_loop() -> None:
    with EmulatorThread(make_settings(secret_id=None, secret_key=None,
                                      long_poll_seconds=30)) as emulator:
        admin = AdminClient(emulator.url)
        admin.set_clock(freeze=True)
        puller = socket.create_connection(("127.0.0.1", emulator.port), timeout=10)
        puller.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json"
                       b"\r\nX-TC-Action: PullEvents\r\nX-TC-Version: 2018-07-17\r\n"
                       b"User-Agent: impatient-worker/1.0\r\nContent-Length: 2\r\n\r\n{}")
        admin.wait(held_pulls=1)
        puller.close()
        wait_for_health(admin, "the hung-up pull to be let go",
                        lambda health: health["held_pulls"] == 0)
        (hung_up,) = findings(admin)
        assert hung_up["kind"] == "pull_hung_up"
        assert hung_up["client"]["user_agent"] == "impatient-worker/1.0"

        admin.update_settings(long_poll_seconds=0)  # a busy loop: empty answers at once
        admin.reset_application(None)
        sdk = _sdk(emulator)
        for _ in range(3):
            assert pull(sdk) == []
        (busy,) = findings(admin, "busy_pull")
        assert busy["count"] == 2


@pytest.fixture
def receiver() -> Iterator[CallbackReceiver]:
    with CallbackReceiver() as running:
        yield running


def use_push(sdk: vod_client.VodClient, url: str) -> None:
    request = models.ModifyEventConfigRequest()
    request.SubAppId = APP
    request.Mode = "PUSH"
    request.NotificationUrl = url
    sdk.ModifyEventConfig(request)


def test_callback_handlers_that_fail_redirect_or_are_too_slow(
        admin: AdminClient, sdk: vod_client.VodClient, receiver: CallbackReceiver) -> None:
    admin.update_settings(callback_retry_seconds=[60], callback_timeout_seconds=0.2)
    use_push(sdk, receiver.url)
    receiver.fail_first(1, status=503)
    (failed,) = admin.emit("FileDeleted", 1, APP)
    receiver.wait_for(1)  # answered as the behaviour then said
    receiver.answer(302)
    (moved,) = admin.emit("FileDeleted", 1, APP)
    receiver.wait_for(2)
    receiver.hang()
    (slow,) = admin.emit("FileDeleted", 1, APP)
    admin.wait(APP, callbacks_pending=3, timeout=30)
    found = {one["kind"]: one for one in findings(admin)}
    assert found["not_200"]["ids"] == [failed["event_id"]]
    assert found["redirect"]["ids"] == [moved["event_id"]]
    assert found["not_200"]["client"]["address"] == receiver.url
    wait_for_health(admin, "the slow attempt to time out", lambda _: any(
        one["kind"] == "slow_handler" for one in findings(admin)))
    receiver.release()
    assert findings(admin, "slow_handler")[0]["ids"] == [slow["event_id"]]
    assert findings(admin, "retries_caused")[0]["count"] == 3


def test_a_fault_s_failure_is_not_the_handler_s(admin: AdminClient, sdk: vod_client.VodClient,
                                                receiver: CallbackReceiver) -> None:
    use_push(sdk, receiver.url)
    admin.add_fault("callback", "fail", status=500, times=1)
    (event,) = admin.emit("FileDeleted", 1, APP)
    admin.follow_journal(kind="attempt_failed", event_id=event["event_id"], wait_seconds=10)
    admin.advance_clock(admin.settings()["callback_retry_seconds"][0])  # the retry is due
    admin.wait(APP, callbacks_delivered=1, timeout=30)
    assert findings(admin) == []


def test_a_type_never_confirmed(frozen: AdminClient, sdk: vod_client.VodClient) -> None:
    frozen.emit("FileDeleted", 2, APP)
    frozen.emit("NewFileUpload", 1, APP)
    events = pull(sdk, APP)
    confirm(sdk, [e.EventHandle for e in events if e.EventType == "FileDeleted"], APP)
    frozen.advance_clock(31)
    kinds = {one["kind"]: one for one in findings(frozen)}
    assert kinds["type_ignored"]["ids"] == ["NewFileUpload"]
    assert set(kinds) == {"never_confirmed", "type_ignored"}


def test_the_command_line_groups_and_checks(frozen: AdminClient, sdk: vod_client.VodClient,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _cli(capsys, "report", "--url", frozen.base_url, "--check")
    assert (status, out) == (0, "no finding: nothing the real service would punish\n")
    (event,) = frozen.emit("FileDeleted", 1, APP)
    pull(sdk, APP)
    frozen.advance_clock(31)
    status, out, _ = _cli(capsys, "report", "--url", frozen.base_url, "--check")
    lines = out.splitlines()
    assert status == 1
    assert lines[0].startswith(f"SubAppId {APP}, 127.0.0.1 ")
    assert lines[1].startswith("  pulled and never confirmed (×1, ")
    assert lines[1].endswith(event["event_id"])
    assert lines[2] == f"    why: {KINDS['never_confirmed'].explanation}"
    status, out, _ = _cli(capsys, "report", "--url", frozen.base_url, "--sub-app-id", "default")
    assert (status, out) == (0, "no finding: nothing the real service would punish\n")


def test_the_plugin_prints_each_test_s_findings_and_can_fail_the_session(
        pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        from tencentcloud.vod.v20180717 import models

        def test_forgets_to_confirm(vod_emulator):
            vod_emulator.admin.set_clock(freeze=True)
            vod_emulator.emit("FileDeleted")
            vod_emulator.sdk_client().PullEvents(models.PullEventsRequest())
            vod_emulator.advance(31)
            assert vod_emulator.report()[0]["kind"] == "never_confirmed"

        def test_clean(vod_emulator):
            assert vod_emulator.report() == []
    """)
    result = pytester.runpytest(*_STRICT)
    result.assert_outcomes(passed=2)
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*vod-emulator consumer report*",
                                 "test_the_plugin_prints*::test_forgets_to_confirm",
                                 "  the default application, 127.0.0.1 *",
                                 "    pulled and never confirmed (×1, *evt-00000001"])
    assert "::test_clean" not in result.stdout.str()
    failing = pytester.runpytest(*_STRICT, "--vod-emulator-report-fails")
    failing.assert_outcomes(passed=2)
    assert failing.ret == 1
    failing.stdout.fnmatch_lines(["*the session fails: --vod-emulator-report-fails (1 test(s)*"])


def test_the_readme_explains_every_kind_as_the_report_does() -> None:
    from pathlib import Path

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## The consumer report", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    assert rows == [f"| `{name}` | {kind.title}: {kind.explanation} | {kind.fix} |"
                    for name, kind in KINDS.items()]


@pytest.mark.parametrize("enforced", [False, True])
def test_a_rate_above_the_real_limit(frozen: AdminClient, sdk: vod_client.VodClient,
                                     enforced: bool) -> None:
    frozen.update_settings(enforce_rate_limits=enforced)
    request = models.ModifyEventConfigRequest()  # 20 a second
    request.UploadMediaCompleteEventSwitch = "ON"
    for _ in range(20):
        sdk.ModifyEventConfig(request)
    assert findings(frozen) == []
    if enforced:  # refused, and counted all the same
        with pytest.raises(TencentCloudSDKException, match="RequestLimitExceeded"):
            sdk.ModifyEventConfig(request)
    else:
        sdk.ModifyEventConfig(request)
    (over,) = findings(frozen)
    assert (over["kind"], over["count"], over["ids"]) == (
        "rate_exceeded", 1, ["ModifyEventConfig over 20/s"])
    frozen.advance_clock(1)
    sdk.ModifyEventConfig(request)  # a new second
    assert findings(frozen)[0]["count"] == 1


@pytest.mark.parametrize("checks", [True, False])
def test_probes_find_a_handler_that_accepts_spoiled_signatures(
        admin: AdminClient, sdk: vod_client.VodClient, checks: bool) -> None:
    admin.update_settings(probe_signatures=True)
    with CallbackReceiver() as receiver:
        if checks:
            receiver.check_signatures("Key123", lambda: admin.clock()["now"])
        request = models.ModifyEventConfigRequest()
        request.SubAppId = APP
        request.Mode = "PUSH"
        request.NotificationUrl = receiver.url
        request.SignKey = "Key123"
        sdk.ModifyEventConfig(request)
        first, second = admin.emit("FileDeleted", 2, APP)
        admin.wait(APP, callbacks_delivered=2)
        wait_for_health(admin, "both probes", lambda _: len(admin.journal("probe")) == 2)
        assert len(receiver.received) == 4  # two deliveries, then the two probes, once
        stats = admin.wait(APP, callbacks_delivered="==2", callbacks_pending=0)["state"]
        assert stats["callbacks_undelivered"] == 0  # probes are never counted
        probes = admin.callbacks(outcome="probe")
        assert [probe["error"] for probe in probes] == ["probe: forged Sign",
                                                        "probe: expired T"]
        kinds = {one["kind"]: one for one in findings(admin)}
        if checks:
            assert kinds == {}
            assert [probe["status"] for probe in probes] == [401, 403]
        else:
            assert set(kinds) == {"forged_signature_accepted", "expired_signature_accepted"}
            (probed,) = kinds["forged_signature_accepted"]["ids"]  # the first delivered
            assert probed in (first["event_id"], second["event_id"])
            assert kinds["expired_signature_accepted"]["client"]["address"] == receiver.url


def test_a_type_a_callback_handler_never_accepts(admin: AdminClient, sdk: vod_client.VodClient,
                                                 receiver: CallbackReceiver) -> None:
    admin.update_settings(callback_retry_seconds=[])
    use_push(sdk, receiver.url)
    receiver.fail_first(1, status=404)  # "not a type I handle"
    admin.emit("NewFileUpload", 1, APP)
    receiver.wait_for(1)
    admin.emit("FileDeleted", 1, APP)
    admin.wait(APP, callbacks_delivered=1, callbacks_undelivered=1)
    kinds = {one["kind"]: one for one in findings(admin)}
    assert set(kinds) == {"not_200", "type_ignored"}
    assert (kinds["type_ignored"]["ids"], kinds["type_ignored"]["ids_are"]) == (
        ["NewFileUpload"], "event_types")
