"""Sending callbacks again through every door: the AdminClient, the pytest plugin and the
command line, for an undelivered event and for a delivered one (what an idempotent
handler is tested with)."""

from __future__ import annotations

import pytest

from emulator.clients.client import AdminClient, AdminError
from emulator.clients.receiver import CallbackReceiver
from emulator.core.settings import Settings
from emulator.server import EmulatorThread

from .test_cli import _cli, _json_lines

pytest_plugins = ["pytester"]


def test_a_delivered_event_and_every_undelivered_one_are_sent_again(
        capsys: pytest.CaptureFixture[str]) -> None:
    with CallbackReceiver() as receiver, EmulatorThread(Settings(
            port=0, seed=3, callback_url=receiver.url, callback_retry_seconds=())) as thread:
        admin = AdminClient(thread.url)
        admin.add_fault("callback", "fail", status=503, event_id="evt-00000002", times=1)
        admin.emit("FileDeleted", 2)
        admin.wait(callbacks_delivered=1, callbacks_undelivered=1)
        assert len(receiver.wait_for(1)) == 1

        assert admin.redeliver("evt-00000001") == ["evt-00000001"]  # delivered: again
        first, again = receiver.wait_for(2)
        assert again.body == first.body  # the same event, as the handler saw it
        assert admin.redeliver() == ["evt-00000002"]  # every undelivered one
        receiver.wait_for(3)
        with pytest.raises(AdminError) as unknown:
            admin.redeliver("evt-00000099")
        assert unknown.value.status == 404

        status, out, err = _cli(capsys, "redeliver", "--url", thread.url, "evt-00000002")
        assert (status, out, err) == (0, "evt-00000002\n1 event(s) being sent again\n", "")
        receiver.wait_for(4)
        status, out, _ = _cli(capsys, "redeliver", "--url", thread.url, "--json")
        assert (status, _json_lines(out)) == (0, [])  # none is undelivered now
        status, out, err = _cli(capsys, "redeliver", "--url", thread.url, "evt-00000099")
        assert status == 1 and out == "" and "evt-00000099" in err


def test_the_plugin_sends_a_delivered_callback_again(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
    def test_redeliver(vod_emulator, vod_callback_receiver):
        receiver = vod_callback_receiver
        vod_emulator.use_callbacks(receiver)
        (event,) = vod_emulator.emit("NewFileUpload")
        receiver.wait_for(1)
        assert vod_emulator.redeliver(event["event_id"]) == [event["event_id"]]
        first, again = receiver.wait_for(2)
        assert again.body == first.body
        assert vod_emulator.redeliver() == []
    """)
    result = pytester.runpytest("-p", "no:cacheprovider", "-W", "error",
                                "-o", "asyncio_default_fixture_loop_scope=function")
    result.assert_outcomes(passed=1)


def test_a_duplicate_callback_comes_again_after_its_200() -> None:
    """The ``duplicate`` fault on callbacks: delivered, then the same body and signature
    again, as a receiver sees a delivery whose answer was lost; journaled as a fault."""
    # One delivery at a time: the unmatched event, emitted last, is sent only once the
    # duplicate before it has been answered and recorded.
    with CallbackReceiver(sign_key="dupKey1") as receiver, EmulatorThread(Settings(
            port=0, seed=3, callback_url=receiver.url, sign_key="dupKey1",
            callback_concurrency=1)) as thread:
        admin = AdminClient(thread.url)
        rule = admin.add_fault("callback", "duplicate", event_type="NewFileUpload", times=1)
        admin.emit("NewFileUpload", 1)
        admin.emit("FileDeleted", 1)  # not matched: sent once
        calls = receiver.wait_for(3)
        assert calls[2].json["EventType"] == "FileDeleted"
        admin.wait(callbacks_delivered=2)  # recorded as it is answered
        first, again = [c for c in calls if c.json["EventType"] == "NewFileUpload"]
        assert again.body == first.body  # the same signature (T and Sign) too
        assert (first.status, first.refused, again.status, again.refused) == (
            200, None, 200, None)  # both genuine: the receiver checks the signature
        attempts = admin.callbacks(event_id="evt-00000001")
        assert [(a["attempt"], a["status"], a["outcome"]) for a in attempts] == [
            (1, 200, "delivered"), (2, 200, "delivered")]
        faults = [e for e in admin.journal("fault") if e["event_id"] == "evt-00000001"]
        assert [e["detail"] for e in faults] == [f"{rule['id']}: duplicate on callback"]
        assert len(admin.callbacks(event_id="evt-00000002")) == 1
