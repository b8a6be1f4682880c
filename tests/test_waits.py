"""Waiting for what tests reach for: counts compared exactly or at most (``callbacks_pending
== 0``, ``leased <= 1``), a bare 0 meaning none, and named events confirmed or delivered;
through the admin API, the AdminClient and the pytest plugin."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future
from typing import Any

import pytest
from tencentcloud.vod.v20180717 import models, vod_client

from emulator.clients.client import AdminClient
from emulator.clients.receiver import CallbackReceiver

from .conftest import confirm, pull
from .test_pytest_plugin import run

pytest_plugins = ["pytester"]
APP = 1500000031


@pytest.fixture
def receiver() -> Iterator[CallbackReceiver]:
    with CallbackReceiver() as running:
        yield running


def use_push(sdk: vod_client.VodClient, url: str, sub_app_id: int = APP) -> None:
    request = models.ModifyEventConfigRequest()
    request.SubAppId = sub_app_id
    request.Mode = "PUSH"
    request.NotificationUrl = url
    sdk.ModifyEventConfig(request)


def test_counts_compare_exactly_at_most_and_at_least(admin: AdminClient,
                                                     sdk: vod_client.VodClient) -> None:
    admin.emit("FileDeleted", 3, APP)
    assert admin.wait(APP, timeout=0, pullable="==3")["state"]["pullable"] == 3
    with pytest.raises(TimeoutError, match=r"pullable='==2'.*'pullable': 3"):
        admin.wait(APP, timeout=0, pullable="==2")
    with pytest.raises(TimeoutError):
        admin.wait(APP, timeout=0, pullable="<=2")
    admin.wait(APP, timeout=0, pullable=">=2")  # and a bare 2 is at least 2 too
    admin.wait(APP, timeout=0, pullable=2)

    handles = [event.EventHandle for event in pull(sdk, APP)]
    assert len(handles) == 3
    with pytest.raises(TimeoutError):
        admin.wait(APP, timeout=0, leased="<=1")
    confirm(sdk, handles[:2], APP)
    waited = admin.wait(APP, timeout=0, leased="<=1", pullable=0, confirmed=" >= 2 ")
    assert waited["met"] and waited["state"]["leased"] == 1


def test_a_bare_zero_means_none(admin: AdminClient, sdk: vod_client.VodClient) -> None:
    admin.emit("FileDeleted", 1, APP)
    with pytest.raises(TimeoutError):  # not "at least 0", which would hold at once
        admin.wait(APP, timeout=0, pullable=0)
    confirm(sdk, [event.EventHandle for event in pull(sdk, APP)], APP)
    assert admin.wait(APP, timeout=0, pullable=0, leased="0")["state"]["confirmed"] == 1
    admin.wait(APP, timeout=0, held_pulls=">=0")  # written out, at least 0 holds at once


def test_callbacks_pending_down_to_none(admin: AdminClient, sdk: vod_client.VodClient,
                                        receiver: CallbackReceiver,
                                        background: Callable[..., Future[Any]]) -> None:
    use_push(sdk, receiver.url)
    receiver.hang()
    admin.emit("NewFileUpload", 2, APP)
    admin.wait(APP, callbacks_pending=2)
    waiting = background(admin.wait, APP, 10.0, callbacks_pending=0)
    assert not waiting.done()
    with pytest.raises(TimeoutError, match="callbacks_pending=0"):
        admin.wait(APP, timeout=0, callbacks_pending=0)
    receiver.behave(hang=False)
    receiver.release()
    state = waiting.result(timeout=30)["state"]
    assert (state["callbacks_pending"], state["callbacks_delivered"]) == (0, 2)
    admin.wait(APP, timeout=0, callbacks_delivered="==2")


def test_named_events_delivered(admin: AdminClient, sdk: vod_client.VodClient,
                                receiver: CallbackReceiver) -> None:
    admin.update_settings(callback_retry_seconds=[60])
    use_push(sdk, receiver.url)
    receiver.fail_first(1)
    first, second = (event["event_id"] for event in admin.emit("FileDeleted", 2, APP))
    admin.wait(APP, callbacks_delivered=1, callbacks_pending=1)
    admin.wait_for_delivered([second], timeout=0)  # the one that went through
    with pytest.raises(TimeoutError) as late:
        admin.wait_for_delivered([first, second], timeout=0)
    assert str(late.value) == f"not delivered within 0s: {first} (pending_retry)"
    admin.advance_clock(60)  # its retry: answered 200
    admin.wait_for_delivered([first, second])
    answer = admin.wait(events_delivered=[first, second], timeout=0)
    assert answer["events"] == {first: "delivered", second: "delivered"}
    with pytest.raises(LookupError, match="evt-99999999"):
        admin.wait_for_delivered(["evt-99999999"], timeout=0)


def test_named_events_confirmed(admin: AdminClient, sdk: vod_client.VodClient) -> None:
    ids = [event["event_id"] for event in admin.emit("FileDeleted", 2, APP)]
    pulled = {event.EventHandle: event for event in pull(sdk, APP)}
    with pytest.raises(TimeoutError, match=r"not confirmed within 0s: .*\(leased\)"):
        admin.wait_for_confirmed(ids, timeout=0)
    confirm(sdk, list(pulled), APP)
    admin.wait_for_confirmed(ids, timeout=0)
    assert admin.wait(events_confirmed=ids, pullable=0, sub_app_id=APP,
                      timeout=0)["events"] == dict.fromkeys(ids, "confirmed")


def test_the_plugin_waits_on_conditions_and_deliveries(pytester: pytest.Pytester) -> None:
    run(pytester, """
        import pytest

        def test_waits(vod_emulator, vod_callback_receiver):
            vod_emulator.use_callbacks(vod_callback_receiver)
            vod_emulator.configure(callback_retry_seconds=[30])
            vod_callback_receiver.fail_first(1)
            events = [e["event_id"] for e in vod_emulator.emit("FileDeleted", count=2)]
            state = vod_emulator.wait(callbacks_pending="==1", callbacks_delivered=1)
            assert state["callbacks_pending"] == 1
            with pytest.raises(TimeoutError, match="pending_retry"):
                vod_emulator.wait_for_delivered(events, timeout=0)
            vod_emulator.advance(30)
            vod_emulator.wait_for_delivered(events)
            assert vod_emulator.wait(callbacks_pending=0, leased=0)["callbacks_delivered"] == 2
            with pytest.raises(TypeError):
                vod_emulator.wait()
    """, passed=1)

