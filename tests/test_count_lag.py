"""``--count-lag-seconds``: DescribeEventsState answers CountOfEventsToPull as it was N
emulator seconds ago, as late as the real one, through the official SDK; the count's
changes are kept only as far back as the lag reaches."""

from __future__ import annotations

import pytest
from tencentcloud.vod.v20180717 import models, vod_client

from emulator.clients.client import AdminClient
from emulator.core.lagcount import LaggedCount
from emulator.core.settings import Settings

from .conftest import confirm, make_settings, pull

LAG = 60.0
APP = 1500000001


@pytest.fixture
def emulator_settings() -> Settings:
    return make_settings(count_lag_seconds=LAG)


@pytest.fixture
def frozen(admin: AdminClient) -> AdminClient:
    admin.set_clock(freeze=True)
    return admin


def count(sdk: vod_client.VodClient, sub_app_id: int | None = None) -> int:
    request = models.DescribeEventsStateRequest()
    request.SubAppId = sub_app_id
    answered: int = sdk.DescribeEventsState(request).CountOfEventsToPull
    return answered


def test_the_count_is_the_old_one_until_the_lag_has_passed(
    sdk: vod_client.VodClient, frozen: AdminClient
) -> None:
    frozen.emit("NewFileUpload", count=3)
    assert count(sdk) == 0  # emitted now: 60 s ago there was none
    frozen.advance_clock(LAG - 1)
    assert count(sdk) == 0
    frozen.advance_clock(1)
    assert count(sdk) == 3
    assert len(frozen.queue()["pullable"]) == 3  # the queue itself is never late


def test_changes_in_between_show_up_in_order_late(
    sdk: vod_client.VodClient, frozen: AdminClient
) -> None:
    seen: list[int] = []
    frozen.emit("NewFileUpload", count=2)  # t: 2
    frozen.advance_clock(10)
    frozen.emit("NewFileUpload", count=3)  # t+10: 5
    frozen.advance_clock(10)
    leased = pull(sdk)  # t+20: 0 (the pull takes all 5)
    assert len(leased) == 5
    frozen.advance_clock(10)
    confirm(sdk, [event.EventHandle for event in leased[:1]])  # t+30: still 0 pullable
    seen.append(count(sdk))  # at t+30: the count of t-30
    for _ in range(4):
        frozen.advance_clock(10)
        seen.append(count(sdk))  # t+40 .. t+70: the counts of t-20 .. t+10
    frozen.advance_clock(30)
    seen.append(count(sdk))  # at t+100: the count of t+40
    frozen.advance_clock(20)
    seen.append(count(sdk))  # at t+120: the count of t+60, after the 4 unconfirmed leases
    # ended (t+50) and their events became pullable again
    assert seen == [0, 0, 0, 2, 5, 0, 4]


def test_each_application_has_its_own_lagged_count(
    sdk: vod_client.VodClient, frozen: AdminClient
) -> None:
    frozen.emit("NewFileUpload", count=2, sub_app_id=APP)
    frozen.advance_clock(LAG)
    frozen.emit("NewFileUpload")
    assert (count(sdk, APP), count(sdk)) == (2, 0)
    frozen.advance_clock(LAG)
    assert (count(sdk, APP), count(sdk)) == (2, 1)


@pytest.mark.parametrize("emulator_settings", [make_settings()])
def test_exact_by_default_and_lagged_once_set_at_run_time(
    sdk: vod_client.VodClient, admin: AdminClient
) -> None:
    admin.set_clock(freeze=True)
    assert admin.settings()["count_lag_seconds"] == 0
    admin.emit("NewFileUpload", count=2)
    assert count(sdk) == 2  # no lag: exact
    assert admin.update_settings(count_lag_seconds="30")["count_lag_seconds"] == 30
    admin.emit("NewFileUpload")
    assert count(sdk) == 2  # the change kept from when the lag was set: late
    admin.advance_clock(30)
    assert count(sdk) == 3
    admin.update_settings(count_lag_seconds=0)
    admin.emit("NewFileUpload")
    assert count(sdk) == 4


def test_only_what_the_lag_reaches_is_kept() -> None:
    lagged = LaggedCount()
    for second in range(1000):  # a change every second, for 1000 seconds
        lagged.changed(float(second), second, second + 1, lag=LAG)
    assert len(lagged._changes) <= LAG + 2  # what is kept is the point
    assert lagged.at(999.0, LAG, current=1000) == 940  # the change made at 939
    lagged.changed(1000.0, 1000, 1001, lag=0)  # the lag switched off: nothing kept
    assert not lagged and lagged.at(1000.0, 0, current=1001) == 1001


def test_changes_at_one_instant_are_one_entry() -> None:
    lagged = LaggedCount()
    for value in range(16):  # a pull of 16, one event at a time, on a frozen clock
        lagged.changed(5.0, 16 - value, 15 - value, lag=LAG)
    assert len(lagged._changes) == 1
    assert lagged.at(5.0 + LAG, LAG, current=0) == 0
    assert lagged.at(5.0 + LAG - 1, LAG, current=0) == 16
