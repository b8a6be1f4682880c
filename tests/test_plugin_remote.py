"""The pytest plugin aimed at an emulator that already runs (a CI service, a container):
``VOD_EMULATOR_URL``, ``--vod-emulator-url`` or the ``vod_emulator_url`` ini option name
it, the fixture's API is the same, and each test starts from a reset made over HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from emulator.clients.client import AdminClient
from emulator.clients.remote import RemoteEmulator, RemoteEmulatorError
from emulator.core.settings import Settings
from emulator.server import EmulatorThread

from .conftest import SECRET_ID, SECRET_KEY
from .test_pytest_plugin import _STRICT

pytest_plugins = ["pytester"]

_INNER_TESTS = """
    import pytest
    from tencentcloud.vod.v20180717 import models

    from emulator.clients.remote import RemoteEmulator

    def test_drives_the_running_emulator(vod_emulator, vod_callback_receiver):
        assert isinstance(vod_emulator.server, RemoteEmulator)
        assert vod_emulator.url == "{url}"
        vod_emulator.configure(confirm_window_seconds=5)
        vod_emulator.fault("PullEvents", "error", code="InternalError", times=5)
        vod_emulator.admin.set_clock(freeze=True)
        (event,) = vod_emulator.emit("FileDeleted", FileDeleteEvent={{"FileIdSet": ["528"]}})
        vod_emulator.clear_faults()
        (pulled,) = vod_emulator.sdk_client().PullEvents(models.PullEventsRequest()).EventSet
        assert pulled.FileDeleteEvent.FileIdSet == ["528"]
        vod_emulator.use_callbacks(vod_callback_receiver, sub_app_id=1500000001,
                                   sign_key="k3y")
        (pushed,) = vod_emulator.emit("NewFileUpload", sub_app_id=1500000001)
        vod_emulator.wait_for_delivered([pushed["event_id"]])
        assert vod_callback_receiver.refused == []  # signed right, on the emulator's clock

    def test_starts_from_a_reset_made_over_http(vod_emulator):
        assert vod_emulator.peek() == [] and vod_emulator.faults() == []
        assert vod_emulator.settings()["confirm_window_seconds"] == 30
        clock = vod_emulator.admin.clock()
        assert (clock["frozen"], clock["scale"]) == (False, 1)

    @pytest.mark.vod_emulator(long_poll_seconds=2, check_clean=True)
    def test_markers_and_the_clean_check(vod_emulator):
        assert vod_emulator.settings()["long_poll_seconds"] == 2
        vod_emulator.emit("FileDeleted")
"""


@pytest.fixture
def running() -> Iterator[EmulatorThread]:
    settings = Settings(port=0, seed=5, secret_id=SECRET_ID, secret_key=SECRET_KEY)
    with EmulatorThread(settings) as emulator:
        yield emulator


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOD_EMULATOR_SECRET_ID", SECRET_ID)
    monkeypatch.setenv("VOD_EMULATOR_SECRET_KEY", SECRET_KEY)


@pytest.mark.usefixtures("credentials")
def test_the_fixture_drives_a_running_emulator(pytester: pytest.Pytester,
                                               monkeypatch: pytest.MonkeyPatch,
                                               running: EmulatorThread) -> None:
    pytester.makepyfile(_INNER_TESTS.format(url=running.url))
    monkeypatch.setenv("VOD_EMULATOR_URL", running.url)
    result = pytester.runpytest(*_STRICT)
    result.assert_outcomes(passed=3, errors=1)  # the clean check's teardown
    result.stdout.fnmatch_lines(["*the test left work unfinished*",
                                 "*the default application: 1 pullable*"])
    # What the tests did happened in the emulator that was running, not in one of their own.
    admin = AdminClient(running.url)
    assert admin.settings()["long_poll_seconds"] == 2  # the last test's marker
    assert [event["event_type"] for event in admin.events()["events"]] == ["FileDeleted"]


@pytest.mark.usefixtures("credentials")
@pytest.mark.parametrize("named_by", ["option", "ini"])
def test_an_option_names_it_too(pytester: pytest.Pytester, running: EmulatorThread,
                                named_by: str) -> None:
    pytester.makepyfile(f"""
        def test_there(vod_emulator):
            assert vod_emulator.url == "{running.url}"
    """)
    args: tuple[str, ...] = ()
    if named_by == "option":
        args = ("--vod-emulator-url", running.url)
    else:
        pytester.makeini(f"[pytest]\nvod_emulator_url = {running.url}\n")
    pytester.runpytest(*_STRICT, *args).assert_outcomes(passed=1)


def test_a_service_started_apart(pytester: pytest.Pytester,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """As in CI: ``vod-emulator serve`` in another process, the tests told where."""
    unsigned = dict.fromkeys(("VOD_EMULATOR_SECRET_ID", "VOD_EMULATOR_SECRET_KEY",
                              "TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY"), "")
    with subprocess.Popen([sys.executable, "-m", "emulator", "serve", "--port", "0"],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          env={**os.environ, **unsigned}) as server:
        assert server.stdout is not None
        line = server.stdout.readline()
        url = line.split("listening on ", 1)[1].split()[0]
        monkeypatch.setenv("VOD_EMULATOR_URL", url)
        pytester.makepyfile("""
            def test_pull_nothing(vod_emulator):
                vod_emulator.emit("FileDeleted", count=2)
                assert len(vod_emulator.peek()) == 2
                assert vod_emulator.server.secret_id is None  # it verifies none
        """)
        try:
            pytester.runpytest(*_STRICT).assert_outcomes(passed=1)
        finally:
            server.terminate()


def test_a_refusal_names_the_missing_credentials(pytester: pytest.Pytester,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 running: EmulatorThread) -> None:
    for name in ("VOD_EMULATOR_SECRET_ID", "VOD_EMULATOR_SECRET_KEY",
                 "TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("VOD_EMULATOR_URL", running.url)
    pytester.makepyfile("def test_it(vod_emulator):\n    pass\n")
    result = pytester.runpytest(*_STRICT)
    result.stdout.fnmatch_lines([
        f"*verifies signatures for SecretId {SECRET_ID}: give its SecretId and SecretKey"
        " (VOD_EMULATOR_SECRET_ID and VOD_EMULATOR_SECRET_KEY, or TENCENTCLOUD_SECRET_ID"
        " and TENCENTCLOUD_SECRET_KEY)*"])
    assert result.ret != 0


def test_nothing_listening_is_said_after_the_ready_wait() -> None:
    with pytest.raises(RemoteEmulatorError, match="no emulator answers at http://127.0.0.1:1"):
        RemoteEmulator("http://127.0.0.1:1/").connect(timeout=0.2)
    with pytest.raises(RemoteEmulatorError, match="is not an emulator's URL"):
        RemoteEmulator("127.0.0.1:4600")
