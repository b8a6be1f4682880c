"""The pytest plugin, as its users meet it: small test files run by pytest itself
(``pytester``), using the ``vod_emulator`` fixture and the official SDK."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

# The inner runs are as strict as ours: any warning is an error.
_STRICT = ("-p", "no:cacheprovider", "-W", "error",
           "-o", "asyncio_default_fixture_loop_scope=function")


def run(pytester: pytest.Pytester, source: str, passed: int, **outcomes: int) -> None:
    pytester.makepyfile(source)
    result = pytester.runpytest(*_STRICT)
    result.assert_outcomes(passed=passed, **outcomes)


def test_the_fixture_drives_the_official_sdk(pytester: pytest.Pytester) -> None:
    run(pytester, """
        from tencentcloud.vod.v20180717 import models

        def test_pull_and_confirm(vod_emulator):
            assert vod_emulator.url == "http://" + vod_emulator.endpoint
            (event,) = vod_emulator.emit("NewFileUpload", FileUploadEvent={"FileId": "528"})
            assert event["content"]["FileUploadEvent"]["FileId"] == "528"
            (queued,) = vod_emulator.peek()
            assert (queued["event_id"], queued["state"]) == (event["event_id"], "pullable")

            vod = vod_emulator.sdk_client()
            (pulled,) = vod.PullEvents(models.PullEventsRequest()).EventSet
            assert pulled.FileUploadEvent.FileId == "528"
            (leased,) = vod_emulator.peek()
            assert leased["state"] == "leased" and leased["handle"] == pulled.EventHandle
            assert leased["expires_at"] > 0

            request = models.ConfirmEventsRequest()
            request.EventHandles = [pulled.EventHandle]
            vod.ConfirmEvents(request)
            vod_emulator.wait_for_confirmed([event["event_id"]], timeout=10)
            kinds = [entry["kind"] for entry in vod_emulator.history(event["event_id"])]
            assert kinds[-2:] == ["leased", "confirmed"]
            assert vod_emulator.peek() == []
    """, passed=1)


def test_each_test_starts_fresh_on_one_server(pytester: pytest.Pytester) -> None:
    run(pytester, """
        import pytest

        servers = []

        @pytest.mark.parametrize("round", range(3))
        def test_fresh(vod_emulator, vod_emulator_server, round):
            servers.append(vod_emulator_server)
            assert vod_emulator.peek() == []
            assert vod_emulator.history("evt-none") == []
            vod_emulator.admin.request("POST", "/_emulator/clock", {"freeze": True})
            events = vod_emulator.emit("FileDeleted", count=2, sub_app_id=1500000001)
            assert [e["sub_app_id"] for e in events] == [1500000001] * 2

        def test_one_server():
            assert len(servers) == 3 and len(set(map(id, servers))) == 1

        def test_clock_runs_again(vod_emulator):
            clock = vod_emulator.admin.request("GET", "/_emulator/clock")
            assert (clock["frozen"], clock["scale"]) == (False, 1)
    """, passed=5)


def test_scenarios_given_events_and_the_clock(pytester: pytest.Pytester) -> None:
    run(pytester, """
        import pytest
        from tencentcloud.vod.v20180717 import models

        def test_emit_kinds(vod_emulator):
            flow = vod_emulator.emit(scenario="upload-transcode")
            assert len(flow) > 1
            again = vod_emulator.emit(events=[flow[0]["content"]])
            assert again[0]["content"] == flow[0]["content"]
            with pytest.raises(TypeError):
                vod_emulator.emit("NewFileUpload", scenario="upload-transcode")

        def test_lease_expires(vod_emulator):
            vod = vod_emulator.sdk_client(sub_app_id=1500000002, req_method="GET",
                                          sign_method="HmacSHA256")
            (event,) = vod_emulator.emit("FileDeleted", sub_app_id=1500000002)
            assert len(vod.PullEvents(models.PullEventsRequest()).EventSet) == 1
            assert vod_emulator.peek()  == []  # the default application has nothing
            vod_emulator.advance(30)
            (back,) = vod_emulator.peek(1500000002)
            assert back["state"] == "pullable" and back["deliveries"] == 1
            with pytest.raises(TimeoutError):
                vod_emulator.wait_for_confirmed([event["event_id"]], timeout=0)
    """, passed=2)


def test_callbacks_are_waited_for(pytester: pytest.Pytester) -> None:
    run(pytester, """
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        from tencentcloud.vod.v20180717 import models

        class Ok(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers["Content-Length"]))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        def test_push(vod_emulator):
            with ThreadingHTTPServer(("127.0.0.1", 0), Ok) as receiver:
                threading.Thread(target=receiver.serve_forever, daemon=True).start()
                request = models.ModifyEventConfigRequest()
                request.Mode = "PUSH"
                request.NotificationUrl = f"http://127.0.0.1:{receiver.server_port}/hook"
                vod_emulator.sdk_client().ModifyEventConfig(request)
                events = vod_emulator.emit("NewFileUpload", count=2)
                attempts = vod_emulator.wait_for_callbacks(2, timeout=10)
                receiver.shutdown()
            assert {a["event_id"] for a in attempts} == {e["event_id"] for e in events}
            assert vod_emulator.callbacks(event_id=events[0]["event_id"], sub_app_id=None)
            assert vod_emulator.callbacks(sub_app_id=1500000001) == []
    """, passed=1)


def test_settings_are_a_fixture_to_override(pytester: pytest.Pytester) -> None:
    run(pytester, """
        import pytest
        from emulator.config import Settings

        @pytest.fixture(scope="session")
        def vod_emulator_settings():
            return Settings(port=0, seed=5)

        def test_no_signatures(vod_emulator):
            assert vod_emulator.admin.health()["seed"] == 5
            assert vod_emulator.sdk_client().DescribeEventsState(
                __import__("tencentcloud.vod.v20180717.models", fromlist=["x"])
                .DescribeEventsStateRequest()) is not None
    """, passed=1)


def test_a_missing_sdk_is_named(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import sys

        def test_sdk(vod_emulator, monkeypatch):
            monkeypatch.setitem(sys.modules, "tencentcloud.vod.v20180717", None)
            vod_emulator.sdk_client()
    """)
    result = pytester.runpytest(*_STRICT)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*pip install tencentcloud-sdk-python-vod*"])


def test_importing_the_plugin_loads_neither_aiohttp_nor_the_sdk() -> None:
    code = ("import sys, emulator.pytest_plugin; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'aiohttp', 'tencentcloud'}))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout == "[]\n"


def test_unused_the_plugin_starts_nothing(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import threading

        def test_plain():
            assert "vod-emulator" not in [t.name for t in threading.enumerate()]
    """)
    result = pytester.runpytest(*_STRICT)
    result.assert_outcomes(passed=1)


def test_readme_example(pytester: pytest.Pytester) -> None:
    """The README's example, as a user's test file."""
    example = Path(__file__).parent / "examples" / "pytest_fixture.py"
    pytester.makepyfile(test_uploads=example.read_text(encoding="utf-8"))
    result = pytester.runpytest(*_STRICT)
    result.assert_outcomes(passed=1)
