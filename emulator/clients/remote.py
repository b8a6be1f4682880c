"""An emulator already running elsewhere (a CI service, a container, another terminal),
reached only over HTTP: what the pytest plugin drives when ``VOD_EMULATOR_URL`` (or
``--vod-emulator-url``) names one, in place of the emulator it would start itself."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from .client import AdminClient, AdminError

URL_VARIABLE = "VOD_EMULATOR_URL"
"""Where a running emulator listens, for the command line and the pytest plugin."""
READY_SECONDS = 10.0
"""How long a remote emulator may take to answer its first health check."""


class RemoteEmulatorError(RuntimeError):
    """The emulator named cannot be used: it does not answer, or the credentials that
    its signature checks need are not given."""


class CredentialsNeeded(RemoteEmulatorError):
    """The emulator verifies signatures and the SecretId and SecretKey it needs are not
    those given."""


class RemoteEmulator:
    """A running emulator at ``url``, driven through its admin API; ``secret_id`` and
    ``secret_key`` are what the SDK clients aimed at it sign with."""

    def __init__(self, url: str, secret_id: str | None = None,
                 secret_key: str | None = None) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise RemoteEmulatorError(f"{url!r} is not an emulator's URL "
                                      "(http://HOST:PORT, e.g. http://127.0.0.1:4600)")
        self.url = f"{parts.scheme}://{parts.netloc}"
        self.endpoint = parts.netloc
        self.admin = AdminClient(self.url)
        self.secret_id, self.secret_key = secret_id, secret_key

    def connect(self, timeout: float = READY_SECONDS) -> dict[str, Any]:
        """Check the emulator answers and that its signature checks can be met; answer
        its health. RemoteEmulatorError if not."""
        try:
            health = self.admin.wait_ready(timeout)
        except (TimeoutError, AdminError, OSError) as error:
            raise RemoteEmulatorError(f"no emulator answers at {self.url}: {error}") from None
        verified = health.get("secret_id") if health.get("verifies_signatures") else None
        if verified is not None and (self.secret_id != verified or not self.secret_key):
            raise CredentialsNeeded(
                f"the emulator at {self.url} verifies signatures for SecretId {verified}: "
                "give its SecretId and SecretKey")
        return health

    def fresh_start(self, settings: Mapping[str, Any], snapshot: str | None = None) -> None:
        """What a test starts from: everything forgotten and the start-up settings
        restored (a full reset), the clock running at real speed; or, given a
        ``snapshot``, that snapshot restored (its clock as it kept it); then
        ``settings``. ValueError naming a setting the emulator refuses, LookupError if
        no snapshot of that name is kept."""
        if snapshot is not None:
            try:
                self.admin.restore_snapshot(snapshot)
            except AdminError as error:
                raise (LookupError if error.status == 404 else ValueError)(
                    error.message) from None
        else:
            self.admin.reset()
            clock = self.admin.clock()
            if clock["frozen"] or clock["scale"] != 1:
                self.admin.set_clock(freeze=False, scale=1)
        if settings:
            try:
                self.admin.update_settings(**settings)
            except AdminError as error:
                raise ValueError(error.message) from None

    def import_snapshot(self, name: str, data: bytes) -> None:
        """Keep an exported snapshot's file under ``name``; ValueError if the emulator
        refuses it (not an exported snapshot, damaged, of another state format)."""
        try:
            self.admin.import_snapshot(name, data)
        except AdminError as error:
            raise ValueError(error.message) from None

    def now(self) -> float:
        """The emulator clock."""
        now: float = self.admin.clock()["now"]
        return now

    def stats(self) -> dict[str, Any]:
        return self.admin.stats()

    def report(self) -> list[dict[str, Any]]:
        """The consumer report's findings."""
        findings: list[dict[str, Any]] = self.admin.report()["findings"]
        return findings

    def __repr__(self) -> str:
        return f"<RemoteEmulator {self.url}>"

