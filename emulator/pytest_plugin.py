"""The ``vod_emulator`` pytest fixtures, registered through the ``pytest11`` entry point.

One emulator serves the whole session (``vod_emulator_server``); each test that asks for
``vod_emulator`` gets it reset first (or restored from the ``snapshot`` it names), then
given its settings (the ``vod_emulator_options`` fixture, then the ``vod_emulator``
marker), and with ``check_clean`` its teardown fails on work left unfinished.
``vod_callback_receiver`` is a callback receiver per test.
Nothing here runs unless a test asks for it, and importing this module loads neither
aiohttp nor the SDK: they are imported in fixtures.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Literal, Protocol, overload

import pytest

from .clients.client import AdminClient
from .clients.remote import URL_VARIABLE
from .core.ids import ANY_APP, AppFilter

if TYPE_CHECKING:
    from .clients.receiver import CallbackReceiver
    from .clients.remote import RemoteEmulator
    from .core.settings import Settings
    from .server import EmulatorThread

__all__ = ["SECRET_ID", "SECRET_KEY", "CallbackReceiverFactory", "VodEmulator"]

# The default credentials: signatures are verified, so a client that signs wrongly fails.
SECRET_ID = "AKIDvodEmulatorPytestPlugin000000000"
SECRET_KEY = "vodEmulatorPytestPluginSecretKey0000"
_DEFAULT_SEED = 1
_SDK_INSTALL = "pip install 'vod-emulator[sdk]'"  # the extra: the SDK in its tested range
CallbackState = Literal["pending", "delivered", "undelivered"]
MARKER = "vod_emulator"
CHECK_CLEAN = "check_clean"  # the options that are the plugin's, not server settings
SNAPSHOT = "snapshot"
URL_OPTION = "--vod-emulator-url"
URL_INI = "vod_emulator_url"
REPORT_FAILS_OPTION = "--vod-emulator-report-fails"
REPORT_FAILS_INI = "vod_emulator_report_fails"
_REPORTS = pytest.StashKey[list[tuple[str, list[dict[str, Any]]]]]()
"""Each test's consumer report findings (those with any), for the session's summary."""
_MARKER_HELP = (f"{MARKER}(**settings, {CHECK_CLEAN}=False, {SNAPSHOT}=None): this test's "
                "emulator settings (as POST /_emulator/settings takes them), whether its "
                "teardown fails on unconfirmed events or unfinished callbacks, and the "
                "snapshot it starts from (a name the emulator keeps, or an exported file)")
_CALL_FAILED = pytest.StashKey[bool]()
_IMPORTED = pytest.StashKey[dict[str, str]]()
"""The exported snapshot files imported this session, by path, and the name each got."""
_UNFINISHED = {  # the stats counts the teardown check fails on, as its message says them
    "pullable": "pullable", "leased": "leased",
    "callbacks_pending": "callback(s) pending",
    "callbacks_undelivered": "callback(s) undelivered",
}


class CallbackReceiverFactory(Protocol):
    """``vod_callback_receivers``: start another receiver, stopped after the test."""

    def __call__(self, sign_key: str | None = None) -> CallbackReceiver: ...


class VodEmulator:
    """One test's view of the session's emulator: its address, clients and controls."""

    def __init__(self, server: EmulatorThread | RemoteEmulator,
                 options: Mapping[str, Any] | None = None) -> None:
        self.server = server
        """The session's emulator: an ``EmulatorThread`` this process started, or, when
        ``VOD_EMULATOR_URL`` names one, a ``RemoteEmulator`` reached over HTTP."""
        self.admin = AdminClient(server.url)
        self.options = dict(options or {})  # this test's settings, kept across its resets

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def endpoint(self) -> str:
        """host:port, what the SDKs take as HttpProfile.endpoint."""
        return self.server.endpoint

    @property
    def secret_id(self) -> str:
        """The SecretId the emulator verifies; any works when it verifies none."""
        return self.server.secret_id or "AKIDanyIsAccepted"

    @property
    def secret_key(self) -> str:
        return self.server.secret_key or "anyIsAccepted"

    def sdk_client(
        self,
        sub_app_id: int | None = None,
        sign_method: str = "TC3-HMAC-SHA256",
        req_method: str = "POST",
    ) -> Any:
        """An official ``VodClient`` aimed at the emulator with its credentials; with a
        ``sub_app_id``, every request that names none is sent for that application."""
        try:
            from tencentcloud.common import credential
            from tencentcloud.common.profile.client_profile import ClientProfile
            from tencentcloud.common.profile.http_profile import HttpProfile
            from tencentcloud.vod.v20180717 import vod_client
        except ImportError as error:
            raise pytest.UsageError(
                f"vod_emulator.sdk_client() needs the official SDK: {_SDK_INSTALL}"
                f" ({error})") from None

        class _SubAppClient(vod_client.VodClient):  # type: ignore[misc]  # untyped SDK
            def call(self, action: str, params: dict[str, Any], *args: Any, **kw: Any) -> Any:
                if params.get("SubAppId") is None:
                    params = {**params, "SubAppId": sub_app_id}
                return super().call(action, params, *args, **kw)

        http = HttpProfile(protocol="http", endpoint=self.endpoint, reqMethod=req_method)
        profile = ClientProfile(signMethod=sign_method, httpProfile=http)
        kind = vod_client.VodClient if sub_app_id is None else _SubAppClient
        return kind(credential.Credential(self.secret_id, self.secret_key), "", profile)

    def emit(
        self,
        event_type: str | None = None,
        count: int = 1,
        sub_app_id: int | None = None,
        *,
        scenario: str | None = None,
        events: list[dict[str, Any]] | None = None,
        **overrides: Any,
    ) -> list[dict[str, Any]]:
        """Emit ``count`` generated events of ``event_type`` (keyword arguments are
        deep-merged into each), one run of a ``scenario``, or the given ``events``;
        answer the emitted events as the admin API shows them."""
        given = [name for name, value in (("event_type", event_type), ("scenario", scenario),
                                          ("events", events)) if value is not None]
        if len(given) != 1:
            raise TypeError("emit() takes exactly one of event_type, scenario= or events=")
        if event_type is None and (overrides or count != 1):
            raise TypeError("count and overrides go with an event_type")
        if scenario is not None:
            return self.admin.emit_scenario(scenario, sub_app_id)
        if events is not None:
            return self.admin.emit_events(events, sub_app_id)
        assert event_type is not None
        return self.admin.emit(event_type, count, sub_app_id, overrides or None)

    def advance(self, seconds: float) -> float:
        """Move the emulator clock forward; answer its new time."""
        return self.admin.advance_clock(seconds)

    def peek(self, sub_app_id: int | None = None) -> list[dict[str, Any]]:
        """The application's queued events, pullable then leased, each with its
        ``state``; leased ones with ``handle`` and ``expires_at``. Changes nothing."""
        return self._queued(sub_app_id, content=True)

    def history(self, event_id: str) -> list[dict[str, Any]]:
        """The journal entries of one event, oldest first."""
        return self.admin.journal(event_id=event_id)

    def callbacks(
        self,
        event_id: str | None = None,
        sub_app_id: AppFilter = ANY_APP,
        outcome: str | None = None,
    ) -> list[dict[str, Any]]:
        """Callback attempt records, oldest first; ``sub_app_id=None`` is the default
        application, ``"any"`` every one."""
        return self.admin.callbacks(event_id, sub_app_id, outcome)

    def redeliver(self, event_id: str | None = None) -> list[str]:
        """Send an event's callback again (delivered or not: a handler's idempotence is
        tested so), or, without an id, every undelivered one; the ids being sent again."""
        return self.admin.redeliver(event_id)

    def reset(self, sub_app_id: int | None | Literal["all"] = "all") -> None:
        """Forget every event, configuration, journal entry, callback, fault rule, file of
        the media library and task, and give the server this test's settings again (its
        start-up ones, then the options and marker's); or, given a ``sub_app_id``
        (``None``: the default application), forget only that application's queue,
        callbacks, event configuration, journal entries, media library, tasks and the
        fault rules aimed at it alone."""
        if sub_app_id != "all":
            self.admin.reset_application(sub_app_id)
            return
        self.admin.reset()
        if self.options:
            self.configure(**self.options)

    # ----- the media library

    @overload
    def media(self, file_id: None = None,
              sub_app_id: int | None = None) -> list[dict[str, Any]]: ...

    @overload
    def media(self, file_id: str, sub_app_id: int | None = None) -> dict[str, Any]: ...

    def media(self, file_id: str | None = None,
              sub_app_id: int | None = None) -> list[dict[str, Any]] | dict[str, Any]:
        """The application's files (``file_id``, ``name``, ``type``, ``create_time``),
        newest known first; or, given a ``file_id``, that file's whole MediaInfo as
        DescribeMediaInfos answers it (AdminError 404 if the library does not know it)."""
        if file_id is None:
            files: list[dict[str, Any]] = self.admin.media(sub_app_id)["files"]
            return files
        return self.admin.media_file(file_id, sub_app_id)

    def seed_media(self, file_id: str | None = None, sub_app_id: int | None = None,
                   basic_info: dict[str, Any] | None = None,
                   meta_data: dict[str, Any] | None = None) -> dict[str, Any]:
        """Add a file to the media library without an event, as if uploaded before the
        test (a new FileId if none is given): the given fields of the SDK's MediaBasicInfo
        and MediaMetaData replace those made for it. Answer its MediaInfo."""
        return self.admin.seed_media(file_id, sub_app_id, basic_info, meta_data)

    # ----- the tasks the asynchronous actions start

    def tasks(self, status: str | None = None, sub_app_id: AppFilter = ANY_APP,
              file_id: str | None = None) -> list[dict[str, Any]]:
        """The tasks the asynchronous actions started (ProcessMedia, PullUpload...),
        newest first, each as it stands now (``task_id``, ``action``, ``status``,
        ``progress``, ``events``, ``detail``...); only those in ``status`` (WAITING,
        PROCESSING or FINISH), or on ``file_id``, if given; ``sub_app_id=None`` is the
        default application, ``"any"`` (the default) every one."""
        tasks: list[dict[str, Any]] = self.admin.tasks(sub_app_id, status,
                                                       file_id=file_id)["tasks"]
        return tasks

    def task(self, task_id: str, sub_app_id: AppFilter = ANY_APP) -> dict[str, Any]:
        """One task as it stands now; AdminError (404) if no task of that id is known."""
        return self.admin.task(task_id, sub_app_id)

    def finish_tasks(self) -> float:
        """Advance the emulator clock until no task is running: every task FINISH, every
        event they send sent (routed as any event) before this returns. Answer how many
        emulator seconds it moved the clock (0 when none was running). Everything else
        due in that span happens too (leases expire, retries go out)."""
        return self.admin.finish_tasks()["advanced_seconds"]

    def wait_for_task(self, task_id: str, timeout: float = 10.0,
                      sub_app_id: AppFilter = ANY_APP) -> dict[str, Any]:
        """Wait until the task is FINISH (failed or not: see its ``failed``) and answer it.
        Never moves the clock: the task finishes as emulator time passes (real time, a
        ``scale``, or ``advance``); ``finish_tasks()`` gets there at once. TimeoutError
        if it is not FINISH within ``timeout`` real seconds."""
        return self.admin.wait_for_task(task_id, sub_app_id, timeout)

    # ----- runtime settings, faults, counts

    def configure(self, **settings: Any) -> dict[str, Any]:
        """Change runtime settings for this test (``confirm_window_seconds=1``,
        ``callback_retry_seconds=[0.1, 0.1]``...; all or none: a bad one changes nothing,
        AdminError); answer them all. The next test starts from the start-up ones."""
        return self.admin.update_settings(**settings)

    def settings(self) -> dict[str, Any]:
        """The runtime settings in force."""
        return self.admin.settings()

    def fault(self, action: str, effect: str, **fields: Any) -> dict[str, Any]:
        """Add a fault rule (``vod_emulator.fault("PullEvents", "error",
        code="RequestLimitExceeded", times=1)``); answer it as stored, with its ``id``."""
        return self.admin.add_fault(action, effect, **fields)

    def faults(self) -> list[dict[str, Any]]:
        """The fault rules in force, oldest first, each with how often it ``applied``."""
        return self.admin.faults()

    def clear_faults(self, fault_id: str | None = None) -> list[str]:
        """Remove one fault rule, or all of them; answer the ids removed."""
        if fault_id is None:
            return self.admin.clear_faults()
        return self.admin.remove_fault(fault_id)

    def report(self, sub_app_id: AppFilter = ANY_APP) -> list[dict[str, Any]]:
        """The consumer report's findings since this test started: what the test's
        clients and callback handlers did that the real service would punish (confirms
        after the window, events never confirmed, slow or failing handlers...), each with
        its ``kind``, ``count``, ``ids``, ``explanation`` and ``fix``; [] when clean."""
        findings: list[dict[str, Any]] = self.admin.report(sub_app_id)["findings"]
        return findings

    def stats(self) -> dict[str, Any]:
        """Counts per application and in total (emitted, pullable, leased, confirmed,
        callbacks...), faults in force and applied, journal size."""
        return self.admin.stats()

    def use_callbacks(
        self,
        target: CallbackReceiver | str,
        sub_app_id: int | None = None,
        sign_key: str | None = None,
    ) -> str:
        """Put the application in PUSH mode, its callbacks sent to ``target`` (a
        ``CallbackReceiver`` or a URL) and signed with ``sign_key`` (none: unsigned),
        through the official SDK's ModifyEventConfig as an application would; answer the
        URL. A receiver given a ``sign_key`` checks signatures against the emulator's
        clock. Needs ``tencentcloud-sdk-python-vod``."""
        from tencentcloud.vod.v20180717 import models  # sdk_client() named it if missing

        url = target if isinstance(target, str) else target.url
        client = self.sdk_client()
        request = models.ModifyEventConfigRequest()
        request.SubAppId = sub_app_id
        request.Mode = "PUSH"
        request.NotificationUrl = url
        request.SignKey = sign_key or ""
        client.ModifyEventConfig(request)
        if not isinstance(target, str) and sign_key is not None:
            target.check_signatures(sign_key, self._clock_now)
        return url

    def _clock_now(self) -> float:
        """The emulator clock (read on its own loop when it runs in this process)."""
        return self.server.now()

    # ----- each test's start and end

    def _start_test(self, snapshot: str | None = None) -> None:
        """A full reset (which restores the start-up settings and clears faults), the
        clock running at real speed, or the ``snapshot`` restored; then this test's
        settings: on the server's loop, no HTTP round trip per test, when it runs in
        this process."""
        try:
            self.server.fresh_start(self.options, snapshot)
        except LookupError as error:  # no snapshot of that name is kept
            raise pytest.UsageError(f"{MARKER} {SNAPSHOT}={snapshot!r}: {error}") from None
        except ValueError as error:  # a setting refused: the message names it
            raise pytest.UsageError(f"{MARKER} settings {self.options!r}: {error}") from None

    def leftovers(self) -> str | None:
        """What a test left unfinished: unconfirmed events (pullable or leased) and
        callbacks pending or undelivered, in every application; None when there are none."""
        counts = self.server.stats()
        unclean = [app for app in counts["applications"]
                   if any(app.get(name) for name in _UNFINISHED)]
        if not unclean:
            return None
        lines = []
        for app in unclean:
            sub_app_id = app["sub_app_id"]
            name = "the default application" if sub_app_id is None else f"SubAppId {sub_app_id}"
            said = ", ".join(f"{app[count]} {label}" for count, label in _UNFINISHED.items()
                             if app.get(count))
            lines.append(f"{name}: {said}")
            lines.extend(f"    {line}" for line in self._unfinished_events(app))
        return "\n".join(lines)

    def _unfinished_events(self, app: Mapping[str, Any]) -> list[str]:
        """One line per event of ``app`` left unfinished: its id, type and state."""
        sub_app_id = app["sub_app_id"]
        lines = [f"{event['event_id']} {event['event_type']} ({event['state']}, not confirmed)"
                 for event in self._queued(sub_app_id)] if app["pullable"] or app["leased"] else []
        if app["callbacks_pending"] or app["callbacks_undelivered"]:
            outcome: dict[str, tuple[str, int]] = {}  # each event's latest attempt
            for attempt in self.callbacks(sub_app_id=sub_app_id):
                outcome[attempt["event_id"]] = (attempt["outcome"], attempt["attempt"])
            for event in self.admin.events()["events"]:
                if event["sub_app_id"] != sub_app_id or event["route"] != "pushed":
                    continue
                state, attempts = outcome.get(event["event_id"], ("pending", 0))
                said = {"pending": "callback pending, its first attempt unanswered",
                        "pending_retry": f"callback pending, {attempts} attempt(s) failed",
                        "undelivered": f"callback undelivered after {attempts} attempt(s)",
                        }.get(state)
                if said is not None:
                    lines.append(f"{event['event_id']} {event['event_type']} ({said})")
        return lines

    def _queued(self, sub_app_id: int | None, content: bool = False) -> list[dict[str, Any]]:
        queue = self.admin.queue(sub_app_id, content)
        return ([{**event, "state": "pullable"} for event in queue["pullable"]]
                + [{**lease, "state": "leased"} for lease in queue["leased"]])

    def wait_for_confirmed(self, event_ids: Iterable[str], timeout: float = 10.0) -> None:
        """Return once every event is confirmed; raise TimeoutError naming those that
        are not within ``timeout`` seconds, LookupError for an event the server does not
        know. Waits on the events' own state (the journal may have evicted their
        confirmations), held by the server, never polled."""
        self.admin.wait_for_confirmed(event_ids, timeout)

    def wait_for_delivered(self, event_ids: Iterable[str], timeout: float = 10.0) -> None:
        """Return once every event's callback is delivered (its handler answered 200);
        raise TimeoutError naming those that are not, with their state (pending,
        pending_retry, undelivered...), LookupError for an unknown event."""
        self.admin.wait_for_delivered(event_ids, timeout)

    def wait(self, timeout: float = 10.0, sub_app_id: int | None = None,
             **conditions: int | str) -> dict[str, Any]:
        """Wait until every condition holds in the application: a count (``pullable``,
        ``leased``, ``held_pulls``, ``confirmed``, ``callbacks_pending``,
        ``callbacks_delivered``, ``callbacks_undelivered``) given a number is at least
        that many, 0 none (``callbacks_pending=0, leased=0``), or as a comparison says
        (``"==2"``, ``"<=1"``, ``">=5"``); ``tasks_running=N``: at most N unfinished
        tasks. Answer the counts then; TimeoutError if not within ``timeout`` seconds."""
        if not conditions:
            raise TypeError("wait() needs a condition, e.g. callbacks_pending=0")
        state: dict[str, Any] = self.admin.wait(sub_app_id, timeout, **conditions)["state"]
        return state

    def wait_for_callbacks(
        self,
        n: int,
        timeout: float = 10.0,
        sub_app_id: int | None = None,
        state: CallbackState = "delivered",
    ) -> list[dict[str, Any]]:
        """Wait until at least ``n`` of the application's callbacks are ``state``
        (delivered by default), counting events, not attempts (``wait`` compares
        exactly: ``callbacks_delivered="==3"``); answer its attempt records. Raise
        TimeoutError if not."""
        self.admin.wait(sub_app_id, timeout, **{f"callbacks_{state}": n})
        return self.callbacks(sub_app_id=sub_app_id)


@pytest.fixture(scope="session")
def vod_emulator_settings() -> Settings:
    """How the session's emulator is configured: override (session-scoped) to change it."""
    from .core.settings import Settings

    return Settings(port=0, seed=_DEFAULT_SEED, secret_id=SECRET_ID, secret_key=SECRET_KEY)


@pytest.fixture(scope="session")
def vod_emulator_server(
    vod_emulator_settings: Settings, pytestconfig: pytest.Config,
) -> Iterator[EmulatorThread | RemoteEmulator]:
    """The session's emulator: the one ``--vod-emulator-url``, ``VOD_EMULATOR_URL`` or
    the ``vod_emulator_url`` ini option names (a ``RemoteEmulator``, already running:
    ``vod_emulator_settings`` does not apply to it), else one started in a background
    thread of this process (an ``EmulatorThread``)."""
    import os

    url = (pytestconfig.getoption(URL_OPTION) or os.environ.get(URL_VARIABLE)
           or pytestconfig.getini(URL_INI))
    if url:
        from .clients.remote import CredentialsNeeded, RemoteEmulator, RemoteEmulatorError
        from .core.settings import OPTIONS_BY_NAME, SettingsError, secret_pair

        try:  # read as ``serve`` reads them: the service was likely started with the same
            remote = RemoteEmulator(url, *secret_pair({}, os.environ))
            remote.connect()
        except CredentialsNeeded as error:
            id_option, key_option = OPTIONS_BY_NAME["secret_id"], OPTIONS_BY_NAME["secret_key"]
            raise pytest.UsageError(
                f"{MARKER}: {error} ({id_option.variable} and {key_option.variable}, or "
                f"{id_option.sdk_variable} and {key_option.sdk_variable})") from None
        except (RemoteEmulatorError, SettingsError) as error:
            raise pytest.UsageError(f"{MARKER}: {error}") from None
        yield remote
        return
    from .server import EmulatorThread

    with EmulatorThread(vod_emulator_settings) as server:
        yield server


def pytest_addoption(parser: pytest.Parser) -> None:
    where = ("a running emulator the tests use (e.g. http://127.0.0.1:4600), reset over "
             "HTTP before each test, in place of one the session starts itself")
    parser.getgroup(MARKER).addoption(URL_OPTION, default=None, metavar="URL",
                                      help=f"{where}; also {URL_VARIABLE} or the "
                                           f"{URL_INI} ini option")
    parser.addini(URL_INI, where, default="")
    fails = ("fail the session when the consumer report has a finding (what a test's "
             "clients or callback handlers did that the real service would punish)")
    parser.getgroup(MARKER).addoption(REPORT_FAILS_OPTION, action="store_true",
                                      default=False, help=f"{fails}; also the "
                                                          f"{REPORT_FAILS_INI} ini option")
    parser.addini(REPORT_FAILS_INI, fails, type="bool", default=False)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", _MARKER_HELP)
    config.stash[_REPORTS] = []
    config.stash[_IMPORTED] = {}


def _report_fails(config: pytest.Config) -> bool:
    return bool(config.getoption(REPORT_FAILS_OPTION) or config.getini(REPORT_FAILS_INI))


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """The consumer report of every test that had a finding."""
    reports = config.stash.get(_REPORTS, [])
    if not reports:
        return
    from .clients.report_text import report_lines

    terminalreporter.section("vod-emulator consumer report")
    for nodeid, findings in reports:
        terminalreporter.write_line(nodeid)
        for line in report_lines(findings, "  "):
            terminalreporter.write_line(line)
    if _report_fails(config):
        terminalreporter.write_line(f"the session fails: {REPORT_FAILS_OPTION} "
                                    f"({len(reports)} test(s) with findings)", red=True)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    if (session.config.stash.get(_REPORTS, []) and _report_fails(session.config)
            and session.exitstatus == pytest.ExitCode.OK):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Note a failed test: its teardown check would only repeat what the failure says."""
    report = yield
    if report.when == "call" and report.failed:
        item.stash[_CALL_FAILED] = True
    return report


@pytest.fixture
def vod_emulator_options() -> dict[str, Any]:
    """Settings every test using ``vod_emulator`` gets (runtime settings as
    ``POST /_emulator/settings`` takes them, and ``check_clean``): override it in a
    ``conftest.py`` for a directory's tests; a ``vod_emulator`` marker's win."""
    return {}


@pytest.fixture
def vod_emulator(
    vod_emulator_server: EmulatorThread | RemoteEmulator,
    vod_emulator_options: Mapping[str, Any],
    request: pytest.FixtureRequest,
) -> Iterator[VodEmulator]:
    """The session's emulator, reset for this test (start-up settings, no faults), its
    clock running at real speed, or restored from the ``snapshot`` the test names; then
    given this test's settings. With ``check_clean``, the teardown fails if events were
    left unconfirmed or callbacks unfinished."""
    options = _test_options(request.node, vod_emulator_options)
    check_clean = options.pop(CHECK_CLEAN, False)
    if not isinstance(check_clean, bool):
        raise pytest.UsageError(f"{CHECK_CLEAN} must be True or False, got {check_clean!r}")
    snapshot = options.pop(SNAPSHOT, None)
    emulator = VodEmulator(vod_emulator_server, options)
    emulator._start_test(None if snapshot is None else
                         _snapshot_name(snapshot, vod_emulator_server, request))
    yield emulator
    findings = vod_emulator_server.report()  # before the next test's reset forgets them
    if findings:
        request.config.stash[_REPORTS].append((request.node.nodeid, findings))
    if check_clean and not request.node.stash.get(_CALL_FAILED, False):
        left = emulator.leftovers()
        if left is not None:
            pytest.fail(f"{MARKER} {CHECK_CLEAN}: the test left work unfinished\n{left}\n"
                        "Confirm what is pulled, let callbacks finish (wait_for_callbacks), "
                        f"or turn the check off: @pytest.mark.{MARKER}({CHECK_CLEAN}=False)",
                        pytrace=False)


def _snapshot_name(given: Any, server: EmulatorThread | RemoteEmulator,
                   request: pytest.FixtureRequest) -> str:
    """The snapshot a test starts from: ``given`` names an exported file (absolute, or
    relative to the test's file), imported into the emulator once per session, or else
    a snapshot the emulator keeps."""
    import hashlib
    from pathlib import Path

    from .core.snapshots import SnapshotInputError, check_name

    said = f"{MARKER} {SNAPSHOT}={given!r}"
    if not isinstance(given, (str, Path)) or not str(given):
        raise pytest.UsageError(f"{said}: give a snapshot's name or an exported file's path")
    path = Path(request.node.path).parent / given  # an absolute ``given`` stays itself
    if not path.is_file():
        try:
            check_name(given)
        except SnapshotInputError as error:
            raise pytest.UsageError(f"{said}: no file {path}, and {error}") from None
        return str(given)
    path = path.resolve()
    imported = request.config.stash[_IMPORTED]
    if str(path) not in imported:
        # The file's stem, made a name, and its path's digest: files of one stem differ.
        stem = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "-"
                       for c in path.stem)[:80].lstrip("._-")
        digest = hashlib.sha256(str(path).encode()).hexdigest()[:8]
        name = f"{stem}-{digest}" if stem else f"file-{digest}"
        try:
            server.import_snapshot(name, path.read_bytes())
        except ValueError as error:  # not an exported snapshot, or damaged
            raise pytest.UsageError(f"{said}: {path}: {error}") from None
        imported[str(path)] = name
    return imported[str(path)]


def _test_options(node: pytest.Item, defaults: Mapping[str, Any]) -> dict[str, Any]:
    """The options fixture's values, then each ``vod_emulator`` marker's, nearest last."""
    options = dict(defaults)
    for mark in reversed(list(node.iter_markers(MARKER))):
        if mark.args:
            raise pytest.UsageError(f"@pytest.mark.{MARKER} takes keyword arguments only "
                                    f"(settings, {CHECK_CLEAN} and {SNAPSHOT}), got "
                                    f"{mark.args!r}")
        options.update(mark.kwargs)
    return options


@pytest.fixture
def vod_callback_receivers() -> Iterator[CallbackReceiverFactory]:
    """Start callback receivers (``vod_callback_receivers(sign_key=None)``), each on its
    own port on 127.0.0.1; every one is stopped after the test."""
    from .clients.receiver import CallbackReceiver

    started: list[CallbackReceiver] = []

    def start(sign_key: str | None = None) -> CallbackReceiver:
        started.append(CallbackReceiver(sign_key=sign_key).start())
        return started[-1]

    yield start
    for receiver in started:
        receiver.stop()


@pytest.fixture
def vod_callback_receiver(vod_callback_receivers: CallbackReceiverFactory) -> CallbackReceiver:
    """A callback receiver for this test (``emulator.receiver.CallbackReceiver``):
    ``vod_emulator.use_callbacks(vod_callback_receiver)`` points an application at it."""
    return vod_callback_receivers()
