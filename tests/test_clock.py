"""Time control: freeze and resume emulator time, and run it faster than real time.

Nothing here sleeps: a frozen clock is checked by what does not happen while a held
request waits on it, and a scaled clock by waits that could only be met that fast."""

from __future__ import annotations

import pytest

from emulator.clients.client import AdminClient, AdminError

from .conftest import make_settings, pull


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
