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


def test_confirmations_the_journal_no_longer_keeps_are_still_waited_for(
        pytester: pytest.Pytester) -> None:
    run(pytester, """
        import pytest
        from emulator.config import Settings
        from emulator.pytest_plugin import SECRET_ID, SECRET_KEY
        from tencentcloud.vod.v20180717 import models

        @pytest.fixture(scope="session")
        def vod_emulator_settings():
            return Settings(port=0, seed=1, secret_id=SECRET_ID, secret_key=SECRET_KEY,
                            journal_max_entries=6)

        def pull_and_confirm(vod, confirm=True):
            pulled = vod.PullEvents(models.PullEventsRequest()).EventSet
            if confirm:
                request = models.ConfirmEventsRequest()
                request.EventHandles = [event.EventHandle for event in pulled]
                vod.ConfirmEvents(request)
            return pulled

        def test_evicted_confirmations(vod_emulator):
            vod = vod_emulator.sdk_client()
            confirmed = [e["event_id"] for e in vod_emulator.emit("FileDeleted", count=2)]
            assert len(pull_and_confirm(vod)) == 2
            # Three more events, leased: six entries, and the journal keeps six.
            leased = [e["event_id"] for e in vod_emulator.emit("FileDeleted", count=3)]
            assert len(pull_and_confirm(vod, confirm=False)) == 3
            assert vod_emulator.admin.journal("confirmed") == []
            vod_emulator.wait_for_confirmed(confirmed, timeout=10)
            with pytest.raises(TimeoutError) as raised:
                vod_emulator.wait_for_confirmed(confirmed + leased[:1], timeout=0)
            assert leased[0] in str(raised.value) and confirmed[0] not in str(raised.value)
            with pytest.raises(LookupError):
                vod_emulator.wait_for_confirmed(["evt-99999999"], timeout=0)

        def test_events_older_than_those_kept_are_found_in_their_queue(vod_emulator):
            events = [e["event_id"] for e in vod_emulator.emit("FileDeleted", count=8)]
            kept = vod_emulator.admin.events()["events"]
            assert [e["event_id"] for e in kept] == events[2:]
            with pytest.raises(TimeoutError) as raised:
                vod_emulator.wait_for_confirmed(events[:1], timeout=0)
            assert events[0] in str(raised.value)
    """, passed=2)


def test_a_missing_sdk_is_named(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import sys

        def test_sdk(vod_emulator, monkeypatch):
            monkeypatch.setitem(sys.modules, "tencentcloud.vod.v20180717", None)
            vod_emulator.sdk_client()
    """)
    result = pytester.runpytest(*_STRICT)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*pip install 'vod-emulator[[]sdk[]]'*"])


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


_EXAMPLES = sorted((Path(__file__).parent / "examples").glob("pytest_*.py"))


@pytest.mark.parametrize("example", _EXAMPLES, ids=[path.stem for path in _EXAMPLES])
def test_readme_example(pytester: pytest.Pytester, example: Path) -> None:
    """Each of docs/pytest-plugin.md's examples, as a user's test file: every test passes."""
    source = example.read_text(encoding="utf-8")
    pytester.makepyfile(**{f"test_{example.stem}": source})
    result = pytester.runpytest(*_STRICT, "--strict-markers")
    result.assert_outcomes(passed=source.count("\ndef test_"))


# ----- callbacks into a receiver, per-test settings, faults, resets, the teardown check


def outcome_of(pytester: pytest.Pytester, source: str, *args: str,
               conftest: str | None = None) -> pytest.RunResult:
    """Run ``source`` as a test file (with a ``conftest``) under ``--strict-markers``."""
    if conftest is not None:
        pytester.makeconftest(conftest)
    pytester.makepyfile(source)
    return pytester.runpytest(*_STRICT, "--strict-markers", *args)


def test_a_receiver_fails_the_first_attempts_then_takes_the_retry(
    pytester: pytest.Pytester,
) -> None:
    run(pytester, """
        import pytest

        @pytest.mark.vod_emulator(callback_retry_seconds=[5, 5])
        def test_retried(vod_emulator, vod_callback_receiver, vod_callback_receivers):
            vod_callback_receiver.fail_first(2, status=503)
            url = vod_emulator.use_callbacks(vod_callback_receiver, sign_key="pluginKey1")
            assert url == vod_callback_receiver.url
            other = vod_callback_receivers()
            vod_emulator.use_callbacks(other.url, sub_app_id=1500000001)

            (event,) = vod_emulator.emit("NewFileUpload", FileUploadEvent={"FileId": "77"})
            vod_callback_receiver.wait_for(1)
            vod_emulator.advance(5)  # the first retry is due
            vod_callback_receiver.wait_for(2)
            vod_emulator.advance(5)
            vod_emulator.wait_for_callbacks(1)
            received = vod_callback_receiver.wait_for(3)
            assert [request.status for request in received] == [503, 503, 200]
            assert all(request.refused is None for request in received)  # signed right
            assert {request.json["FileUploadEvent"]["FileId"] for request in received} == {"77"}
            outcomes = [a["outcome"] for a in vod_emulator.callbacks(event["event_id"])]
            assert outcomes == ["pending_retry", "pending_retry", "delivered"]

            vod_emulator.emit("FileDeleted", sub_app_id=1500000001)
            (elsewhere,) = other.wait_for(1)
            assert elsewhere.json["EventType"] == "FileDeleted" and "Sign" not in elsewhere.json
            assert vod_callback_receiver.count == 3
    """, passed=1)


def test_a_signature_fault_is_refused_by_the_receiver(pytester: pytest.Pytester) -> None:
    run(pytester, """
        import pytest

        @pytest.mark.vod_emulator(callback_retry_seconds=[1])
        @pytest.mark.parametrize("effect, status, reason", [
            ("bad_signature", 401, "wrong signature"),
            ("expired_signature", 403, "expired signature"),
        ])
        def test_refused(vod_emulator, vod_callback_receiver, effect, status, reason):
            vod_emulator.advance(86400)  # T is checked on the emulator's clock, not real time
            vod_emulator.use_callbacks(vod_callback_receiver, sign_key="pluginKey2")
            rule = vod_emulator.fault("callback", effect, times=1)
            assert (rule["id"], rule["remaining"], rule["applied"]) == ("f1", 1, 0)
            assert vod_emulator.faults() == [rule]

            (event,) = vod_emulator.emit("NewFileUpload")
            (first,) = vod_callback_receiver.wait_for(1)
            assert first.status == status and reason in first.refused
            assert vod_callback_receiver.refused == [first]
            assert vod_emulator.faults() == []  # spent
            vod_emulator.advance(1)
            vod_emulator.wait_for_callbacks(1)
            second = vod_callback_receiver.wait_for(2)[1]
            assert (second.status, second.refused) == (200, None)
            details = [entry["detail"] for entry in vod_emulator.history(event["event_id"])
                       if entry["kind"] == "fault"]
            assert len(details) == 1 and effect in details[0]
            assert vod_emulator.stats()["faults"]["applied"] == 1

        def test_faults_are_listed_and_removed(vod_emulator):
            first = vod_emulator.fault("PullEvents", "error", code="RequestLimitExceeded")
            second = vod_emulator.fault("ConfirmEvents", "drop_confirm", probability=0.5)
            assert [rule["id"] for rule in vod_emulator.faults()] == ["f1", "f2"]
            assert vod_emulator.clear_faults(first["id"]) == ["f1"]
            assert vod_emulator.faults() == [second]
            assert vod_emulator.clear_faults() == ["f2"]
    """, passed=3)


def test_configure_changes_the_running_emulator(pytester: pytest.Pytester) -> None:
    run(pytester, """
        import pytest
        from tencentcloud.vod.v20180717 import models
        from emulator.client import AdminError

        def test_a_short_window(vod_emulator):
            changed = vod_emulator.configure(confirm_window_seconds=1,
                                             callback_retry_seconds=[0.1, 0.1])
            assert changed == vod_emulator.settings()
            assert changed["confirm_window_seconds"] == 1
            assert changed["callback_retry_seconds"] == [0.1, 0.1]
            vod_emulator.emit("FileDeleted")
            vod = vod_emulator.sdk_client()
            assert len(vod.PullEvents(models.PullEventsRequest()).EventSet) == 1
            (leased,) = vod_emulator.peek()
            assert leased["state"] == "leased"
            vod_emulator.advance(1)  # a second later, not thirty
            (back,) = vod_emulator.peek()
            assert (back["state"], back["deliveries"]) == ("pullable", 1)

        def test_a_bad_value_changes_nothing(vod_emulator):
            with pytest.raises(AdminError) as refused:
                vod_emulator.configure(confirm_window_seconds=2, long_poll_seconds="soon")
            assert refused.value.status == 400 and "long_poll_seconds" in refused.value.message
            assert vod_emulator.settings()["confirm_window_seconds"] == 30
    """, passed=2)


_OPTIONS_CONFTEST = """
    import pytest

    @pytest.fixture
    def vod_emulator_options():
        return {"confirm_window_seconds": 2, "long_poll_seconds": 1}
"""


def test_the_marker_and_the_options_fixture_set_each_test(pytester: pytest.Pytester) -> None:
    result = outcome_of(pytester, """
        import pytest

        def timings(vod_emulator):
            settings = vod_emulator.settings()
            return (settings["confirm_window_seconds"], settings["long_poll_seconds"],
                    settings["retention_seconds"])

        def test_the_options(vod_emulator):
            assert timings(vod_emulator) == (2, 1, 345600)

        @pytest.mark.vod_emulator(confirm_window_seconds=3)
        def test_the_marker_wins(vod_emulator):
            assert timings(vod_emulator) == (3, 1, 345600)

        @pytest.mark.vod_emulator(confirm_window_seconds=4, retention_seconds=100)
        class TestNearestWins:
            @pytest.mark.vod_emulator(confirm_window_seconds=5)
            def test_nearest(self, vod_emulator):
                assert timings(vod_emulator) == (5, 1, 100)

            def test_class(self, vod_emulator):
                assert timings(vod_emulator) == (4, 1, 100)

        @pytest.mark.vod_emulator(confirm_window_seconds=3)
        def test_a_full_reset_keeps_the_tests_settings(vod_emulator):
            vod_emulator.configure(confirm_window_seconds=9, retention_seconds=60)
            vod_emulator.fault("PullEvents", "error", code="InternalError")
            vod_emulator.reset()
            assert timings(vod_emulator) == (3, 1, 345600)
            assert vod_emulator.faults() == []

        @pytest.mark.vod_emulator(confirm_window_seconds="soon")
        def test_a_bad_setting(vod_emulator):
            pass

        @pytest.mark.vod_emulator(5)
        def test_a_positional_argument(vod_emulator):
            pass

        @pytest.mark.vod_emulator(check_clean="yes")
        def test_a_check_that_is_not_a_bool(vod_emulator):
            pass
    """, conftest=_OPTIONS_CONFTEST)
    result.assert_outcomes(passed=5, errors=3)
    result.stdout.fnmatch_lines([
        "*ERROR at setup of test_a_bad_setting*", "*confirm_window_seconds*",
        "*ERROR at setup of test_a_positional_argument*", "*keyword arguments only*",
        "*ERROR at setup of test_a_check_that_is_not_a_bool*",
        "*check_clean must be True or False*",
    ])


def test_the_marker_is_registered(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest(*_STRICT, "--markers")
    result.stdout.fnmatch_lines(
        ["@pytest.mark.vod_emulator(**settings, check_clean=False, snapshot=None)*"])


def test_one_application_is_reset_alone(pytester: pytest.Pytester) -> None:
    run(pytester, """
        from tencentcloud.vod.v20180717 import models

        def test_reset_one(vod_emulator, vod_callback_receiver):
            vod_emulator.configure(confirm_window_seconds=7)
            vod_emulator.fault("PullEvents", "error", code="InternalError", sub_app_id=1500000002)
            kept = vod_emulator.fault("ConfirmEvents", "error", code="InternalError")
            vod_emulator.use_callbacks(vod_callback_receiver, sub_app_id=1500000001)
            vod_emulator.emit("FileDeleted", count=2)
            vod_emulator.emit("FileDeleted", sub_app_id=1500000002)
            (pushed,) = vod_emulator.emit("FileDeleted", sub_app_id=1500000001)
            vod_emulator.wait_for_callbacks(1, sub_app_id=1500000001)

            vod_emulator.reset(sub_app_id=1500000001)
            assert vod_emulator.callbacks(sub_app_id=1500000001) == []
            assert vod_emulator.history(pushed["event_id"]) == []
            request = models.DescribeEventConfigRequest()
            request.SubAppId = 1500000001
            assert vod_emulator.sdk_client().DescribeEventConfig(request).Mode == "PULL"
            assert len(vod_emulator.peek()) == 2 and len(vod_emulator.peek(1500000002)) == 1

            vod_emulator.reset(sub_app_id=1500000002)
            assert vod_emulator.peek(1500000002) == [] and len(vod_emulator.peek()) == 2
            vod_emulator.reset(sub_app_id=None)
            assert vod_emulator.peek() == []
            # The settings and the faults not aimed at one application alone stay.
            assert vod_emulator.settings()["confirm_window_seconds"] == 7
            assert vod_emulator.faults() == [kept]
    """, passed=1)


_UNCLEAN = """
    import pathlib
    import pytest
    from tencentcloud.vod.v20180717 import models

    pytestmark = pytest.mark.vod_emulator(check_clean=True)

    def note(name, events):  # the ids the outer test looks for in the failures
        with pathlib.Path("ids.txt").open("a") as ids:
            ids.write(" ".join([name, *(event["event_id"] for event in events)]) + "\\n")

    def test_leaves_events(vod_emulator):
        note("left", vod_emulator.emit("NewFileUpload")
             + vod_emulator.emit("FileDeleted", sub_app_id=1500000003))

    def test_leaves_a_lease(vod_emulator):
        note("leased", vod_emulator.emit("PersistenceComplete"))
        assert vod_emulator.sdk_client().PullEvents(models.PullEventsRequest()).EventSet

    def test_leaves_an_undelivered_callback(vod_emulator, vod_callback_receiver):
        vod_emulator.configure(callback_retry_seconds=[])
        vod_callback_receiver.answer(500)
        vod_emulator.use_callbacks(vod_callback_receiver, sub_app_id=1500000004)
        note("undelivered", vod_emulator.emit("NewFileUpload", sub_app_id=1500000004))
        vod_emulator.wait_for_callbacks(1, sub_app_id=1500000004, state="undelivered")

    def test_leaves_a_callback_in_flight(vod_callback_receiver, vod_emulator):
        vod_callback_receiver.hang()  # until it stops, after this test's check
        vod_emulator.use_callbacks(vod_callback_receiver)
        note("in-flight", vod_emulator.emit("FileDeleted"))
        vod_callback_receiver.wait_for(1)

    def test_confirms_and_delivers_everything(vod_emulator, vod_callback_receiver):
        (event,) = vod_emulator.emit("NewFileUpload")
        vod = vod_emulator.sdk_client()
        (pulled,) = vod.PullEvents(models.PullEventsRequest()).EventSet
        confirm = models.ConfirmEventsRequest()
        confirm.EventHandles = [pulled.EventHandle]
        vod.ConfirmEvents(confirm)
        vod_emulator.use_callbacks(vod_callback_receiver)
        vod_emulator.emit("FileDeleted")
        vod_emulator.wait_for_callbacks(1)

    def test_a_failing_test_is_not_checked_too(vod_emulator):
        vod_emulator.emit("NewFileUpload")
        assert False, "the test's own failure"

    @pytest.mark.vod_emulator(check_clean=False)
    def test_turned_off(vod_emulator):
        vod_emulator.emit("NewFileUpload")
"""


def test_the_teardown_check_names_what_was_left(pytester: pytest.Pytester) -> None:
    result = outcome_of(pytester, _UNCLEAN)
    result.assert_outcomes(passed=6, failed=1, errors=4)
    ids = dict(line.split(" ", 1) for line in
               (pytester.path / "ids.txt").read_text().splitlines())
    left, elsewhere = ids["left"].split()
    result.stdout.fnmatch_lines([
        "*ERROR at teardown of test_leaves_events*",
        "*vod_emulator check_clean: the test left work unfinished",
        "the default application: 1 pullable",
        f"    {left} NewFileUpload (pullable, not confirmed)",
        "SubAppId 1500000003: 1 pullable",
        f"    {elsewhere} FileDeleted (pullable, not confirmed)",
        "*check_clean=False*",
        "*ERROR at teardown of test_leaves_a_lease*",
        "the default application: 1 leased",
        f"    {ids['leased']} PersistenceComplete (leased, not confirmed)",
        "*ERROR at teardown of test_leaves_an_undelivered_callback*",
        "SubAppId 1500000004: 1 callback(s) undelivered",
        f"    {ids['undelivered']} NewFileUpload (callback undelivered after 1 attempt(s))",
        "*ERROR at teardown of test_leaves_a_callback_in_flight*",
        "the default application: 1 callback(s) pending",
        f"    {ids['in-flight']} FileDeleted (callback pending, its first attempt unanswered)",
    ])
    for clean in ("test_confirms_and_delivers_everything", "test_a_failing_test_is_not_checked",
                  "test_turned_off"):
        result.stdout.no_fnmatch_line(f"*ERROR at teardown of {clean}*")


def test_the_check_is_an_option_too(pytester: pytest.Pytester) -> None:
    result = outcome_of(pytester, """
        def test_left(vod_emulator):
            vod_emulator.emit("NewFileUpload")
    """, conftest="""
        import pytest

        @pytest.fixture
        def vod_emulator_options():
            return {"check_clean": True}
    """)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*NewFileUpload (pullable, not confirmed)*"])


def test_nothing_leaks_into_the_next_test(pytester: pytest.Pytester) -> None:
    run(pytester, """
        import pytest
        from tencentcloud.vod.v20180717 import models

        START = {}

        def test_first_look(vod_emulator):
            START.update(vod_emulator.settings())

        @pytest.mark.vod_emulator(long_poll_seconds=1)
        def test_dirty(vod_emulator, vod_callback_receiver):
            vod_emulator.configure(confirm_window_seconds=1, callback_retry_seconds=[0.5])
            vod_emulator.fault("PullEvents", "error", code="RequestLimitExceeded")
            vod_emulator.fault("callback", "fail", status=502)
            vod_emulator.use_callbacks(vod_callback_receiver, sub_app_id=1500000009)
            vod_emulator.emit("FileDeleted", count=3)
            vod_emulator.emit("FileDeleted", sub_app_id=1500000009)
            vod_emulator.admin.set_clock(freeze=True, scale=2)
            assert vod_emulator.stats()["applications"]

        def test_clean(vod_emulator):
            assert vod_emulator.settings() == START
            assert vod_emulator.faults() == []
            stats = vod_emulator.stats()
            assert stats["applications"] == [] and stats["faults"] == {"active": 0, "applied": 0}
            clock = vod_emulator.admin.clock()
            assert (clock["frozen"], clock["scale"]) == (False, 1)
            assert vod_emulator.callbacks() == [] and vod_emulator.peek() == []
            request = models.DescribeEventConfigRequest()
            request.SubAppId = 1500000009
            assert vod_emulator.sdk_client().DescribeEventConfig(request).Mode == "PULL"
            vod_emulator.emit("FileDeleted")
            assert vod_emulator.sdk_client().PullEvents(models.PullEventsRequest()).EventSet
    """, passed=3)


def test_the_media_library_is_seeded_and_looked_at(pytester: pytest.Pytester) -> None:
    run(pytester, """
        import pytest
        from tencentcloud.vod.v20180717 import models
        from emulator.client import AdminError

        def test_seed_and_describe(vod_emulator):
            seeded = vod_emulator.seed_media("5285890800000000021", sub_app_id=1500000001,
                                             basic_info={"Name": "intro.mp4"},
                                             meta_data={"Duration": 9.5})
            assert vod_emulator.media(sub_app_id=1500000001) == [
                {"file_id": "5285890800000000021", "name": "intro.mp4",
                 "type": seeded["BasicInfo"]["Type"],
                 "create_time": seeded["BasicInfo"]["CreateTime"]}]
            assert vod_emulator.media("5285890800000000021", sub_app_id=1500000001) == seeded

            request = models.DescribeMediaInfosRequest()
            request.FileIds = ["5285890800000000021"]
            (info,) = vod_emulator.sdk_client(1500000001).DescribeMediaInfos(
                request).MediaInfoSet
            assert (info.BasicInfo.Name, info.MetaData.Duration) == ("intro.mp4", 9.5)

            generated = vod_emulator.seed_media()
            assert [f["file_id"] for f in vod_emulator.media()] == [generated["FileId"]]
            with pytest.raises(AdminError) as missing:
                vod_emulator.media("5285890800000000021")  # the default application's
            assert missing.value.status == 404

        def test_the_next_test_starts_with_an_empty_library(vod_emulator):
            assert vod_emulator.media(sub_app_id=1500000001) == []
            assert vod_emulator.media() == []
    """, passed=2)
