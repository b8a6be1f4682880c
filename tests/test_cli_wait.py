"""``vod-emulator wait``, what a shell CI script runs instead of a curl to /_emulator/wait:
counts compared as the flags say, named events, a task; exit 0 once reached, 1 at the
timeout with the counts, 2 for a flag written wrong."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tencentcloud.vod.v20180717 import models

from emulator.clients.client import AdminClient
from emulator.clients.receiver import CallbackReceiver
from emulator.core.settings import Settings
from emulator.server import EmulatorThread

from .test_cli import _cli, _json_lines, _pull, _sdk

APP = "1500000041"


@pytest.fixture
def receiver() -> Iterator[CallbackReceiver]:
    with CallbackReceiver() as running:
        yield running


@pytest.fixture
def thread(receiver: CallbackReceiver) -> Iterator[EmulatorThread]:
    """Its default application queues (PULL); application APP pushes to the receiver."""
    with EmulatorThread(Settings(port=0, seed=7, callback_retry_seconds=(60.0,))) as running:
        request = models.ModifyEventConfigRequest()
        request.SubAppId = int(APP)
        request.Mode = "PUSH"
        request.NotificationUrl = receiver.url
        _sdk(running).ModifyEventConfig(request)
        yield running


def test_waits_for_callbacks_and_an_empty_queue(capsys: pytest.CaptureFixture[str],
                                                thread: EmulatorThread,
                                                receiver: CallbackReceiver) -> None:
    admin = AdminClient(thread.url)
    receiver.fail_first(1)
    ids = [event["event_id"] for event in admin.emit("FileDeleted", 3, int(APP))]
    status, out, err = _cli(capsys, "wait", "--url", thread.url, "--sub-app-id", APP,
                            "--callbacks-delivered", "2", "--callbacks-pending", "==1")
    assert (status, err) == (0, "")
    assert out == ("reached: callbacks_pending 1 (wanted ==1), "
                   "callbacks_delivered 2 (wanted 2)\n")

    status, out, err = _cli(capsys, "wait", "--url", thread.url, "--sub-app-id", APP,
                            "--callbacks-delivered", "3", "--timeout", "0")
    assert (status, out) == (1, "")
    assert err == ("vod-emulator wait: not reached within 0 s: callbacks_delivered 2 "
                   "(wanted 3)\n")

    admin.advance_clock(60)  # the failed one's retry
    status, out, _ = _cli(capsys, "wait", "--url", thread.url, "--json", "--sub-app-id", APP,
                          "--events-delivered", ",".join(ids), "--pullable", "0")
    (answer,) = _json_lines(out)
    assert status == 0 and answer["met"] and answer["events"] == dict.fromkeys(ids, "delivered")


def test_waits_for_confirmations_pulled_through_the_sdk(capsys: pytest.CaptureFixture[str],
                                                        thread: EmulatorThread) -> None:
    admin = AdminClient(thread.url)
    (event,) = admin.emit("FileDeleted", sub_app_id=None)
    (pulled,) = _pull(thread)
    status, _, err = _cli(capsys, "wait", "--url", thread.url, "--timeout", "0",
                          "--events-confirmed", event["event_id"], "--leased", "0")
    assert status == 1
    assert err == (f"vod-emulator wait: not reached within 0 s: leased 1 (wanted 0), "
                   f"{event['event_id']} leased\n")
    request = models.ConfirmEventsRequest()
    request.EventHandles = [pulled.EventHandle]
    _sdk(thread).ConfirmEvents(request)
    status, out, _ = _cli(capsys, "wait", "--url", thread.url, "--timeout", "0",
                          "--events-confirmed", event["event_id"], "--leased", "0")
    assert (status, out) == (0, f"reached: leased 0 (wanted 0), {event['event_id']} confirmed\n")


@pytest.mark.parametrize(("args", "said"), [
    ((), "name what to wait for, e.g. --callbacks-delivered 3 --pullable 0"),
    (("--pullable", "at most 2"), "--pullable: 'at most 2' is not a count (3: at least 3; "
                                  "0: none), or '==N', '<=N' or '>=N'"),
    (("--leased", "-1"), "--leased: '-1' is not a count"),
    (("--events-confirmed", " , "), "--events-confirmed: no event id in ' , '"),
])
def test_a_flag_written_wrong_is_a_usage_error(capsys: pytest.CaptureFixture[str],
                                               args: tuple[str, ...], said: str) -> None:
    status, out, err = _cli(capsys, "wait", "--url", "http://127.0.0.1:1", *args)
    assert (status, out) == (2, "")
    assert err.startswith(f"vod-emulator: error: {said}")


def test_an_unknown_event_is_said(capsys: pytest.CaptureFixture[str],
                                  thread: EmulatorThread) -> None:
    status, _, err = _cli(capsys, "wait", "--url", thread.url,
                          "--events-delivered", "evt-00000099")
    assert status == 1 and "events_delivered: not emitted since the last reset" in err
