"""Time control: freeze and resume emulator time, and run it faster than real time.

Nothing here sleeps: a frozen clock is checked by what does not happen while a held
request waits on it, and a scaled clock by waits that could only be met that fast."""

from __future__ import annotations

import asyncio

import pytest

from emulator.clients.client import AdminClient, AdminError
from emulator.core.clock import LATEST_TIME, MAX_ADVANCE_SECONDS, MAX_SCALE, Clock, iso8601

from .conftest import make_settings, pull
from .test_cli import _cli


def _clock(admin: AdminClient, **change: object) -> dict:
    if change:
        return admin.request("POST", "/_emulator/clock", dict(change))
    return admin.request("GET", "/_emulator/clock")


def test_a_frozen_clock_stands_still_until_resumed(admin: AdminClient) -> None:
    frozen = _clock(admin, freeze=True)
    assert frozen["frozen"] is True
    assert _clock(admin)["now"] == frozen["now"]  # no real time passes on it
    advanced = _clock(admin, advance_seconds=30)
    assert advanced["now"] == frozen["now"] + 30  # advances still move it
    resumed = _clock(admin, freeze=False)
    assert resumed["frozen"] is False and resumed["now"] >= advanced["now"]


@pytest.fixture
def emulator_settings():
    return make_settings(confirm_window_seconds=0.5, long_poll_seconds=2.0)


def test_a_frozen_clock_holds_leases_and_pulls(sdk, admin: AdminClient, background) -> None:
    admin.emit("NewFileUpload")
    assert len(pull(sdk)) == 1
    _clock(admin, freeze=True)
    # The lease's 0.5 s window would end in real time; frozen, it cannot: the wait for
    # the event to come back times out, and the lease is still there.
    with pytest.raises(TimeoutError):
        admin.wait(pullable=1, timeout=1.0)
    assert len(admin.queue()["leased"]) == 1
    held = background(pull, sdk)
    admin.wait(held_pulls=1)
    _clock(admin, freeze=False)  # time runs again: the lease ends, the held pull gets it
    assert len(held.result(timeout=10)) == 1


def test_a_scaled_clock_runs_faster_than_real_time(sdk, admin: AdminClient) -> None:
    admin.emit("NewFileUpload")
    pull(sdk)
    answer = _clock(admin, scale=3600)  # an hour a second
    assert answer["scale"] == 3600
    # The lease's window ends within a real millisecond or so, far sooner than a second.
    assert admin.wait(pullable=1, timeout=1.0)["state"]["leased"] == 0
    before = _clock(admin)["now"]
    waited = admin.request("POST", "/_emulator/wait", {"pullable": 2, "timeout_seconds": 0.05})
    assert waited["met"] is False  # 50 real milliseconds...
    assert _clock(admin)["now"] - before > 60  # ...were minutes of emulator time
    assert _clock(admin, scale=1)["scale"] == 1


@pytest.mark.parametrize("change", [
    {"scale": 0}, {"scale": -1}, {"scale": 1e9}, {"freeze": "yes"}, {},
    {"scale": 2, "advance_seconds": 1e12},
])
def test_bad_clock_changes_are_refused_and_change_nothing(admin: AdminClient,
                                                          change: dict) -> None:
    before = _clock(admin)
    with pytest.raises(AdminError) as raised:
        admin.request("POST", "/_emulator/clock", change)
    assert raised.value.status == 400
    after = _clock(admin)
    assert (after["scale"], after["frozen"], after["offset_seconds"]) == (
        before["scale"], before["frozen"], before["offset_seconds"])


def test_a_running_clock_stops_at_the_latest_time(admin: AdminClient) -> None:
    # Frozen, advances bring it to the very end; running (fast) from there, it stays.
    now = _clock(admin, freeze=True)["now"]
    while now < LATEST_TIME:
        now = _clock(admin, advance_seconds=min(LATEST_TIME - now, MAX_ADVANCE_SECONDS))["now"]
    assert now == LATEST_TIME
    running = _clock(admin, freeze=False, scale=MAX_SCALE)
    assert (running["frozen"], running["now"]) == (False, LATEST_TIME)
    assert _clock(admin)["now"] == LATEST_TIME  # real time has passed: a day a second
    event = admin.emit("NewFileUpload")[0]
    assert event["content"]["FileUploadEvent"]["MediaBasicInfo"]["CreateTime"] <= iso8601(
        LATEST_TIME)
    with pytest.raises(AdminError) as raised:
        _clock(admin, advance_seconds=1)
    assert raised.value.status == 400 and "cannot pass" in raised.value.message


def test_a_scaled_clock_reaches_the_latest_time_and_stops_there() -> None:
    real = [0.0]
    clock = Clock(start=LATEST_TIME - 60, monotonic=lambda: real[0])
    clock.set_scale(10)
    real[0] = 5.0
    assert clock.now() == LATEST_TIME - 10
    real[0] = 1e6
    assert clock.now() == LATEST_TIME
    clock.set_scale(1)  # a change of rate keeps the time it stands at
    assert clock.now() == LATEST_TIME
    assert clock.to_json()["now"] == LATEST_TIME


def test_clock_frozen_is_a_frozen_clock() -> None:
    clock = Clock.frozen()
    assert clock.is_frozen and clock.to_json()["frozen"] is True
    assert clock.now() == 1_767_225_600.0
    assert clock.advance(30) == 1_767_225_630.0  # advances move it
    clock.resume()
    assert not clock.is_frozen


@pytest.mark.asyncio
async def test_a_wait_past_the_latest_time_lasts_until_the_clock_changes() -> None:
    real = [0.0]
    clock = Clock(start=LATEST_TIME - 10, monotonic=lambda: real[0])
    clock.set_scale(MAX_SCALE)
    real[0] = 1.0  # the clock has run into its end
    waiting = asyncio.ensure_future(clock.sleep_until(LATEST_TIME + 30))
    # The clock stands: the wait neither ends nor wakes every 30 / MAX_SCALE real seconds.
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(asyncio.shield(waiting), 0.1)
    clock.set_scale(1)  # a change of the clock ends it: the caller re-plans
    await asyncio.wait_for(waiting, 10)


@pytest.mark.parametrize("seconds", [-5, MAX_ADVANCE_SECONDS + 1, 10**400])
def test_an_advance_out_of_range_says_the_range_in_words(
        admin: AdminClient, capsys: pytest.CaptureFixture[str], seconds: float) -> None:
    range_said = ("0 to 315,576,000 seconds (ten years) at a time; the clock cannot go back")
    with pytest.raises(AdminError) as refused:
        admin.advance_clock(seconds)
    assert refused.value.status == 400
    assert refused.value.message.startswith(f"advance_seconds must be {range_said}, got ")
    if seconds == 10**400:
        return  # no shell writes that
    status, out, err = _cli(capsys, "advance", "--url", admin.base_url, f"{seconds:.0f}")
    assert (status, out) == (2, "")
    assert err == f"vod-emulator: error: SECONDS: an advance is {range_said}, not {seconds:.0f}\n"
