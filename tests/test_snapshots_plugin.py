"""The pytest marker's ``snapshot``: a test starts from a snapshot the session's emulator
keeps, or from an exported file (a committed fixture) imported once per session and
restored for each test that names it; against an emulator the session starts and one
that already runs (``--vod-emulator-url``). Run by pytest itself (``pytester``), each
test draining through the official SDK."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tencentcloud.common import credential
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.vod.v20180717 import vod_client

from emulator.clients.client import AdminClient
from emulator.core.settings import Settings
from emulator.pytest_plugin import SECRET_ID, SECRET_KEY
from emulator.server import EmulatorThread

from .conftest import pull
from .test_pytest_plugin import _STRICT

pytest_plugins = ["pytester"]

_DRAIN = """
    from tencentcloud.vod.v20180717 import models

    def drain(vod_emulator, handles=()):
        '''Pull everything pullable and confirm it, with ``handles`` leased before.'''
        vod = vod_emulator.sdk_client()
        pulled = list(vod.PullEvents(models.PullEventsRequest()).EventSet)
        confirm = models.ConfirmEventsRequest()
        confirm.EventHandles = [*handles, *(event.EventHandle for event in pulled)]
        vod.ConfirmEvents(confirm)
        assert vod_emulator.peek() == []
        return pulled
"""


def test_a_snapshot_the_emulator_keeps(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(_DRAIN + """
    import pytest

    from emulator.clients.client import AdminClient

    @pytest.fixture(scope="session", autouse=True)
    def catalog(vod_emulator_server):
        '''The state the tests start from, built once and kept by the emulator.'''
        admin = AdminClient(vod_emulator_server.url)
        admin.emit("NewFileUpload", 3)
        admin.update_settings(confirm_window_seconds=60)
        admin.save_snapshot("catalog")

    @pytest.mark.vod_emulator(snapshot="catalog")
    def test_starts_from_it(vod_emulator):
        assert [event["state"] for event in vod_emulator.peek()] == ["pullable"] * 3
        assert vod_emulator.settings()["confirm_window_seconds"] == 60  # the snapshot's
        assert len(drain(vod_emulator)) == 3

    @pytest.mark.vod_emulator(snapshot="catalog", confirm_window_seconds=5)
    def test_again_with_its_own_settings(vod_emulator):
        assert len(drain(vod_emulator)) == 3  # what the test before confirmed is back
        assert vod_emulator.settings()["confirm_window_seconds"] == 5  # the marker wins

    def test_without_a_snapshot(vod_emulator):
        assert vod_emulator.peek() == []
        assert vod_emulator.settings()["confirm_window_seconds"] == 30

    @pytest.mark.vod_emulator(snapshot="never-saved")
    def test_an_unknown_name(vod_emulator):
        pass

    @pytest.mark.vod_emulator(snapshot="no/such/file.vodsnap")
    def test_neither_a_file_nor_a_name(vod_emulator):
        pass
    """)
    result = pytester.runpytest(*_STRICT)
    result.assert_outcomes(passed=3, errors=2)
    result.stdout.fnmatch_lines([
        "*vod_emulator snapshot='never-saved': no snapshot 'never-saved'*",
        "*vod_emulator snapshot='no/such/file.vodsnap': no file *no/such/file.vodsnap, and a "
        "snapshot name is*"])


@pytest.fixture
def fixture_file(tmp_path: Path) -> Iterator[tuple[Path, list[str]]]:
    """A snapshot exported by an emulator of its own, as a team commits it: two events
    leased through the official SDK, one pullable. Its path, and the leased handles."""
    with EmulatorThread(Settings(port=0, seed=3)) as emulator:
        admin = AdminClient(emulator.url)
        admin.set_clock(freeze=True)  # the leases' windows stay open, whenever restored
        admin.emit("NewFileUpload", 2)
        profile = ClientProfile(httpProfile=HttpProfile(protocol="http",
                                                        endpoint=emulator.endpoint))
        vod = vod_client.VodClient(credential.Credential("AKIDany", "any"), "", profile)
        leased = [event.EventHandle for event in pull(vod)]
        admin.emit("FileDeleted")
        admin.save_snapshot("uploads")
        path = tmp_path / "uploads.vodsnap"
        path.write_bytes(admin.export_snapshot("uploads"))
    yield path, leased


_FROM_A_FILE = _DRAIN + """
    import pytest

    HANDLES = {handles!r}

    @pytest.mark.vod_emulator(snapshot="fixtures/uploads.vodsnap")
    def test_starts_from_the_file(vod_emulator):
        assert [event["state"] for event in vod_emulator.peek()] == ["pullable", "leased",
                                                                      "leased"]
        (pulled,) = drain(vod_emulator, HANDLES)  # handles leased before the export
        assert pulled.EventType == "FileDeleted"

    @pytest.mark.vod_emulator(snapshot={absolute!r})
    class TestAgain:
        def test_restored_again(self, vod_emulator):
            drain(vod_emulator, HANDLES)

        def test_imported_once(self, vod_emulator):
            names = [snapshot["name"] for snapshot in vod_emulator.admin.snapshots()]
            assert len(names) == 1 and names[0].startswith("uploads-"), names
"""


def _with_fixture(pytester: pytest.Pytester, fixture_file: tuple[Path, list[str]]) -> None:
    path, handles = fixture_file
    (pytester.path / "fixtures").mkdir()
    copy = pytester.path / "fixtures" / "uploads.vodsnap"
    copy.write_bytes(path.read_bytes())
    pytester.makepyfile(_FROM_A_FILE.format(handles=handles, absolute=str(copy)))


def test_an_exported_file_is_imported_once_and_restored_for_each_test(
        pytester: pytest.Pytester, fixture_file: tuple[Path, list[str]]) -> None:
    _with_fixture(pytester, fixture_file)
    pytester.runpytest(*_STRICT).assert_outcomes(passed=3)


def test_an_emulator_that_already_runs(pytester: pytest.Pytester,
                                       fixture_file: tuple[Path, list[str]],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOD_EMULATOR_SECRET_ID", SECRET_ID)
    monkeypatch.setenv("VOD_EMULATOR_SECRET_KEY", SECRET_KEY)
    _with_fixture(pytester, fixture_file)
    settings = Settings(port=0, seed=5, secret_id=SECRET_ID, secret_key=SECRET_KEY)
    with EmulatorThread(settings) as running:
        result = pytester.runpytest(*_STRICT, "--vod-emulator-url", running.url)
        result.assert_outcomes(passed=3)
        (kept,) = AdminClient(running.url).snapshots()  # it was imported there, over HTTP
        assert kept["name"].startswith("uploads-") and kept["events"] == 3


def test_a_file_that_is_no_snapshot_is_said(pytester: pytest.Pytester) -> None:
    (pytester.path / "notes.vodsnap").write_bytes(b"not a snapshot")
    pytester.makepyfile("""
        import pytest

        @pytest.mark.vod_emulator(snapshot="notes.vodsnap")
        def test_it(vod_emulator):
            pass
    """)
    result = pytester.runpytest(*_STRICT)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*snapshot='notes.vodsnap': *notes.vodsnap: not an exported "
                                 "vod-emulator snapshot*"])
