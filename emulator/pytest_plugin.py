"""The ``vod_emulator`` pytest fixture, registered through the ``pytest11`` entry point.

One emulator serves the whole session (``vod_emulator_server``); each test that asks for
``vod_emulator`` gets it reset first. Nothing here runs unless a test asks for it, and
importing this module loads neither aiohttp nor the SDK: they are imported in fixtures.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Literal

import pytest

from .client import AdminClient

if TYPE_CHECKING:
    from .config import Settings
    from .server import EmulatorThread

__all__ = ["SECRET_ID", "SECRET_KEY", "VodEmulator"]

# The default credentials: signatures are verified, so a client that signs wrongly fails.
SECRET_ID = "AKIDvodEmulatorPytestPlugin000000000"
SECRET_KEY = "vodEmulatorPytestPluginSecretKey0000"
_DEFAULT_SEED = 1
_SDK_PACKAGE = "tencentcloud-sdk-python-vod"
_WAIT_MARGIN_SECONDS = 30.0  # the HTTP timeout of a wait: its own timeout plus this
CallbackState = Literal["pending", "delivered", "undelivered"]


class VodEmulator:
    """One test's view of the session's emulator: its address, clients and controls."""

    def __init__(self, server: EmulatorThread) -> None:
        self.server = server
        self.settings = server.settings
        self.admin = AdminClient(server.url)

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
        return self.settings.secret_id or "AKIDanyIsAccepted"

    @property
    def secret_key(self) -> str:
        return self.settings.secret_key or "anyIsAccepted"

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
                f"vod_emulator.sdk_client() needs the official SDK: pip install {_SDK_PACKAGE}"
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
        queue = self.admin.queue(sub_app_id)
        return ([{**event, "state": "pullable"} for event in queue["pullable"]]
                + [{**lease, "state": "leased"} for lease in queue["leased"]])

    def history(self, event_id: str) -> list[dict[str, Any]]:
        """The journal entries of one event, oldest first."""
        return self.admin.journal(event_id=event_id)

    def callbacks(
        self,
        event_id: str | None = None,
        sub_app_id: int | None | Literal["any"] = "any",
        outcome: str | None = None,
    ) -> list[dict[str, Any]]:
        """Callback attempt records, oldest first; ``sub_app_id=None`` is the default
        application, ``"any"`` every one."""
        query = {"event_id": event_id, "outcome": outcome,
                 "sub_app_id": None if sub_app_id == "any" else (sub_app_id or "default")}
        text = "&".join(f"{name}={value}" for name, value in query.items() if value is not None)
        attempts: list[dict[str, Any]] = self.admin.request(
            "GET", "/_emulator/callbacks" + (f"?{text}" if text else ""))["attempts"]
        return attempts

    def reset(self) -> None:
        """Forget every event, configuration, journal entry and callback."""
        self.admin.reset()

    def wait_for_confirmed(self, event_ids: Iterable[str], timeout: float = 10.0) -> None:
        """Return once every event is confirmed; raise TimeoutError if one is not within
        ``timeout`` seconds. Waits on the server's confirmed counts, never sleeps."""
        deadline = time.monotonic() + timeout
        wanted = set(event_ids)
        apps: dict[str, int | None] = {}  # each event's application, from its history

        def app_of(event_id: str) -> int | None:
            if event_id not in apps:
                seen = self.history(event_id)
                if not seen:
                    raise LookupError(f"event {event_id} was not emitted since the last reset")
                apps[event_id] = seen[0]["sub_app_id"]
            return apps[event_id]

        while missing := self._unconfirmed(wanted):
            sub_app_id = app_of(min(missing))
            # The count first: each confirmation still missing after it comes later.
            already = self._wait({"confirmed": 0}, sub_app_id, 0.0)["confirmed"]
            in_app = [e for e in self._unconfirmed(wanted) if app_of(e) == sub_app_id]
            left = deadline - time.monotonic()
            if in_app and (left <= 0 or self._wait(
                    {"confirmed": already + len(in_app)}, sub_app_id, left, need=False) is None):
                missing = self._unconfirmed(wanted)
                if missing:
                    raise TimeoutError(f"not confirmed within {timeout}s: {sorted(missing)}")

    def _unconfirmed(self, event_ids: set[str]) -> set[str]:
        return event_ids - {entry["event_id"] for entry in self.admin.journal("confirmed")}

    def wait_for_callbacks(
        self,
        n: int,
        timeout: float = 10.0,
        sub_app_id: int | None = None,
        state: CallbackState = "delivered",
    ) -> list[dict[str, Any]]:
        """Wait until at least ``n`` of the application's callbacks are ``state``
        (delivered by default); answer its attempt records. Raise TimeoutError if not."""
        self._wait({f"callbacks_{state}": n}, sub_app_id, timeout)
        return self.callbacks(sub_app_id=sub_app_id)

    def _wait(self, at_least: Mapping[str, int], sub_app_id: int | None, timeout: float,
              need: bool = True) -> Any:
        """The server's wait: its ``state`` when met; when not, TimeoutError, or
        ``None`` with ``need=False``."""
        client = AdminClient(self.url, timeout=timeout + _WAIT_MARGIN_SECONDS)
        body = {"sub_app_id": sub_app_id, "timeout_seconds": timeout, **at_least}
        result = client.request("POST", "/_emulator/wait", body)
        if result["met"]:
            return result["state"]
        if need:
            raise TimeoutError(f"not reached within {timeout}s: {dict(at_least)}; "
                               f"now {result['state']}")
        return None


@pytest.fixture(scope="session")
def vod_emulator_settings() -> Settings:
    """How the session's emulator is configured: override (session-scoped) to change it."""
    from .config import Settings

    return Settings(port=0, seed=_DEFAULT_SEED, secret_id=SECRET_ID, secret_key=SECRET_KEY)


@pytest.fixture(scope="session")
def vod_emulator_server(vod_emulator_settings: Settings) -> Iterator[EmulatorThread]:
    """The session's emulator, in a background thread."""
    from .server import EmulatorThread

    with EmulatorThread(vod_emulator_settings) as server:
        yield server


@pytest.fixture
def vod_emulator(vod_emulator_server: EmulatorThread) -> VodEmulator:
    """The session's emulator, reset for this test, its clock running at real speed."""
    emulator = VodEmulator(vod_emulator_server)
    emulator.reset()
    emulator.admin.request("POST", "/_emulator/clock", {"freeze": False, "scale": 1})
    return emulator
