"""The reliable-callback semantics, through the official SDK, with time driven by the clock."""

from __future__ import annotations

import concurrent.futures
import threading
import time
from collections import Counter

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.vod.v20180717 import models

from emulator.clients.client import AdminClient
from emulator.core.settings import Settings

from .conftest import confirm, make_settings, pull, pull_expecting_nothing


def _count(client, sub_app_id: int | None = None) -> int:
    request = models.DescribeEventsStateRequest()
    request.SubAppId = sub_app_id
    return int(client.DescribeEventsState(request).CountOfEventsToPull)


def _refused(client, handles: list[str], sub_app_id: int | None = None) -> str:
    with pytest.raises(TencentCloudSDKException) as raised:
        confirm(client, handles, sub_app_id)
    return str(raised.value.get_code())


def test_at_most_16_per_pull_oldest_first(sdk, admin: AdminClient) -> None:
    emitted = admin.emit("NewFileUpload", 40)
    order = [e["content"]["FileUploadEvent"]["FileId"] for e in emitted]
    seen: list[str] = []
    for expected_size in (16, 16, 8):
        events = pull(sdk)
        assert len(events) == expected_size
        seen += [e.FileUploadEvent.FileId for e in events]
        confirm(sdk, [e.EventHandle for e in events])
    assert seen == order


def test_unconfirmed_event_comes_back_with_a_new_handle(sdk, admin: AdminClient) -> None:
    emitted = admin.emit("NewFileUpload", 1)
    first = pull(sdk)
    assert _count(sdk) == 0  # leased: not pullable

    admin.advance_clock(29)
    assert _count(sdk) == 0  # still inside the confirm window
    admin.advance_clock(1)
    assert _count(sdk) == 1  # the window has passed

    second = pull(sdk)
    assert second[0].FileUploadEvent.FileId == emitted[0]["content"]["FileUploadEvent"]["FileId"]
    assert second[0].EventHandle != first[0].EventHandle
    assert _refused(sdk, [first[0].EventHandle]) == "InvalidParameterValue"
    confirm(sdk, [second[0].EventHandle])
    assert _count(sdk) == 0
    kinds = [entry["kind"] for entry in admin.journal()]
    assert kinds == ["enqueued", "leased", "expired", "leased", "confirmed"]


def test_confirmed_events_never_come_back(sdk, admin: AdminClient, background) -> None:
    admin.emit("NewFileUpload", 3)
    confirm(sdk, [e.EventHandle for e in pull(sdk)])
    admin.advance_clock(3600)
    assert _count(sdk) == 0
    assert pull_expecting_nothing(sdk, admin, background) == []


def test_confirm_is_all_or_nothing(sdk, admin: AdminClient) -> None:
    admin.emit("NewFileUpload", 2)
    handles = [e.EventHandle for e in pull(sdk)]
    assert _refused(sdk, [handles[0], "not-a-handle"]) == "InvalidParameterValue"
    assert admin.queue()["leased"] and len(admin.queue()["leased"]) == 2  # nothing confirmed
    confirm(sdk, handles)
    assert admin.queue()["leased"] == []


def test_confirming_twice_inside_the_window_is_harmless(sdk, admin: AdminClient) -> None:
    admin.emit("NewFileUpload", 1)
    handle = pull(sdk)[0].EventHandle
    confirm(sdk, [handle])
    confirm(sdk, [handle])  # a retry after a lost answer must not fail
    admin.advance_clock(30)
    assert _refused(sdk, [handle]) == "InvalidParameterValue"  # the handle has lapsed


@pytest.mark.parametrize("size", [0, 17])
def test_confirm_batch_size_limits(sdk, size: int) -> None:
    assert _refused(sdk, [f"h{i}" for i in range(size)]) == "InvalidParameterValue"


def test_confirm_without_handles_is_missing_parameter(sdk) -> None:
    with pytest.raises(TencentCloudSDKException) as raised:
        sdk.ConfirmEvents(models.ConfirmEventsRequest())
    assert raised.value.get_code() == "MissingParameter"


def test_held_pull_wakes_when_an_event_arrives(sdk, admin: AdminClient, background) -> None:
    held = background(pull, sdk)
    admin.wait(held_pulls=1)
    assert not held.done()
    emitted = admin.emit("NewFileUpload", 1)
    events = held.result(timeout=10)
    assert [e.FileUploadEvent.FileId for e in events] == [
        emitted[0]["content"]["FileUploadEvent"]["FileId"]]


def test_held_pull_ends_empty_when_the_clock_passes_the_hold(sdk, admin: AdminClient,
                                                             background) -> None:
    held = background(pull, sdk)
    admin.wait(held_pulls=1)
    admin.advance_clock(4)
    assert admin.queue()["held_pulls"] == 1  # 4 of 5 seconds: still held
    admin.advance_clock(1)
    assert held.result(timeout=10) == []
    assert admin.queue()["held_pulls"] == 0


def test_held_pull_wakes_when_a_lease_expires(sdk, admin: AdminClient, background) -> None:
    admin.emit("NewFileUpload", 1)
    first = pull(sdk)
    admin.advance_clock(27)
    held = background(pull, sdk)  # held from 27 s to 32 s; the lease ends at 30 s
    admin.wait(held_pulls=1)
    admin.advance_clock(3)
    again = held.result(timeout=10)
    assert [e.FileUploadEvent.FileId for e in again] == [first[0].FileUploadEvent.FileId]


class TestNoHold:
    @pytest.fixture
    def emulator_settings(self) -> Settings:
        return make_settings(long_poll_seconds=0)

    def test_long_poll_of_zero_answers_at_once(self, sdk) -> None:
        assert pull(sdk) == []


RELEASE_DEADLINE = 20.0
"""Real seconds for held pullers to be answered once the clock passes their holds: under
the SDK clients' 30-second read timeout, so a stuck hold is reported as one, not as a
puller's network error."""


def test_concurrent_pullers_never_share_a_lease(make_sdk, admin: AdminClient,
                                                background) -> None:
    pullers = 8
    clients = [make_sdk() for _ in range(pullers)]
    received: list[str] = []
    lock = threading.Lock()
    total = 200
    give_up = threading.Event()  # set on failure: the pullers stop after their pull

    def drain(client) -> None:
        while not give_up.is_set():
            with lock:
                if len(received) >= total:
                    return
            events = pull(client)
            if events:
                with lock:  # counted before the confirm, so "all confirmed" means "all counted"
                    received.extend(e.FileUploadEvent.FileId for e in events)
                confirm(client, [e.EventHandle for e in events])

    futures = [background(drain, client) for client in clients]
    admin.wait(held_pulls=pullers)  # every puller is held on the empty queue
    emitted = admin.emit("NewFileUpload", total)
    admin.wait(confirmed=total)
    # Pullers that went back to a hold after the last batch are released by the clock.
    deadline = time.monotonic() + RELEASE_DEADLINE
    while held := concurrent.futures.wait(futures, timeout=0.1).not_done:
        if time.monotonic() > deadline:
            give_up.set()
            admin.reset()  # held pulls answer empty: the pullers end, the pool can close
            pytest.fail(f"{len(held)} of {pullers} pullers still held after "
                        f"{RELEASE_DEADLINE:g} s of advancing the clock past their holds")
        admin.advance_clock(5)
    for future in futures:
        future.result()
    assert Counter(received) == Counter(
        e["content"]["FileUploadEvent"]["FileId"] for e in emitted)
    assert max(Counter(received).values()) == 1


def test_sub_app_ids_are_isolated(sdk, admin: AdminClient, background) -> None:
    admin.emit("NewFileUpload", 2, sub_app_id=1500000001)
    admin.emit("NewFileUpload", 3, sub_app_id=1500000002)
    admin.emit("NewFileUpload", 1)
    assert (_count(sdk, 1500000001), _count(sdk, 1500000002), _count(sdk)) == (2, 3, 1)

    events = pull(sdk, 1500000001)
    assert len(events) == 2
    handles = [e.EventHandle for e in events]
    assert _refused(sdk, handles, 1500000002) == "InvalidParameterValue"
    assert _refused(sdk, handles) == "InvalidParameterValue"
    confirm(sdk, handles, 1500000001)
    assert len(pull(sdk, 1500000002)) == 3
    assert len(pull(sdk)) == 1


@pytest.mark.parametrize("bad", [0, -1])
def test_sub_app_id_must_be_positive(sdk, bad: int) -> None:
    request = models.PullEventsRequest()
    request.SubAppId = bad
    with pytest.raises(TencentCloudSDKException) as raised:
        sdk.PullEvents(request)
    assert raised.value.get_code() == "InvalidParameterValue"


class TestRetention:
    @pytest.fixture
    def emulator_settings(self) -> Settings:
        return make_settings(retention_seconds=100, confirm_window_seconds=30)

    def test_old_events_are_dropped(self, sdk, admin: AdminClient) -> None:
        admin.emit("NewFileUpload", 2)
        admin.advance_clock(60)
        admin.emit("NewFileUpload", 1)
        assert _count(sdk) == 3
        admin.advance_clock(40)  # the first two reach 100 s
        assert _count(sdk) == 1
        assert len(admin.journal("dropped")) == 2

    def test_a_lease_outliving_retention_is_dropped_on_expiry(self, sdk,
                                                              admin: AdminClient) -> None:
        admin.emit("NewFileUpload", 1)
        admin.advance_clock(80)
        handle = pull(sdk)[0].EventHandle
        admin.advance_clock(30)  # lease expires at 110 s, past the 100 s retention
        assert _count(sdk) == 0
        assert _refused(sdk, [handle]) == "InvalidParameterValue"
        assert [e["kind"] for e in admin.journal()][-2:] == ["expired", "dropped"]


def test_reset_forgets_everything_and_releases_held_pulls(sdk, admin: AdminClient,
                                                          background) -> None:
    admin.emit("NewFileUpload", 2, sub_app_id=7)
    config = models.ModifyEventConfigRequest()
    config.UploadMediaCompleteEventSwitch = "OFF"
    sdk.ModifyEventConfig(config)
    held = background(pull, sdk)
    admin.wait(held_pulls=1)
    admin.reset()
    assert held.result(timeout=10) == []
    assert _count(sdk, 7) == 0
    answer = sdk.DescribeEventConfig(models.DescribeEventConfigRequest())
    assert (answer.Mode, answer.UploadMediaCompleteEventSwitch) == ("PULL", "ON")
    assert admin.journal() == []


class TestRealTime:
    """Without touching the clock, emulator time runs at real speed."""

    @pytest.fixture
    def emulator_settings(self) -> Settings:
        return make_settings(confirm_window_seconds=0.2, long_poll_seconds=5)

    def test_a_held_pull_wakes_when_a_lease_expires_in_real_time(self, sdk, admin: AdminClient,
                                                                 background) -> None:
        admin.emit("NewFileUpload", 1)
        first = pull(sdk)
        again = background(pull, sdk).result(timeout=10)  # woken by the expiry, not the hold
        assert again[0].FileUploadEvent.FileId == first[0].FileUploadEvent.FileId
        assert again[0].EventHandle != first[0].EventHandle
