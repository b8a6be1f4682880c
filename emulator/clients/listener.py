"""``vod-emulator listen``: a real account's events brought to a local handler.

A normal callback needs a public URL; the reliable callback does not. The listener drains
an application with ``PullEvents`` (long polls) and POSTs each event to a local URL as
the real service would POST it: the EventContent without EventHandle and null fields,
signed with a SignKey (``T`` and ``Sign``). An event is confirmed upstream
(``ConfirmEvents``, one call per batch) only once the handler answered as the success
rule says; one not delivered stays leased, comes back after the confirm window and is
forwarded again, so nothing is lost. Without a URL each event is handed over as it is
(printing it is then its handling) and confirmed.

A good consumer, as the emulator's consumer report judges one: it long-polls (never two
empty answers within a second), spaces its calls (``vodapi``), confirms each batch once
and within the window, and backs off on errors. ``stop()`` ends it promptly: forwards in
flight are abandoned (those events come back), what was delivered is confirmed first.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import string
import time
from collections.abc import Awaitable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import aiohttp

from .._version import __version__
from ..base.jsontext import plain
from ..core import signature
from ..core.success import DEFAULT_TIMEOUT_SECONDS, SUCCESS_RULES, is_delivered
from .recording import RecordedEvent
from .redact import Redactor
from .vodapi import REAL_ENDPOINT, CloudApiError, Credentials, VodApi

__all__ = ["DELIVERED", "FAILED", "SKIPPED", "Counts", "Handled", "ListenError",
           "ListenOptions", "Listener", "Observer", "generate_sign_key", "recorded_line",
           "summary"]

CONFIRM_WINDOW_SECONDS = 30.0
"""How long a pulled event's handle can be confirmed (the real service's window): a
batch is confirmed within it, or its events come back."""
MAX_TIMEOUT_SECONDS = 20.0
"""The longest a handler may take to answer: a batch, forwarded at once, is then
answered well within the confirm window."""
BACKOFF_SECONDS = (1.0, 30.0)
"""After a failed call: wait the first, doubling each time up to the second."""
QUICK_EMPTY_SECONDS = 1.0
"""An empty answer sooner than this after the pull means the service did not hold it:
the next pull waits until this long after that answer (no busy loop)."""
STOP_CONFIRM_SECONDS = 5.0
"""On a stop, how long confirming what was already delivered may take."""
CONFIRM_TRIES = 3
"""Tries of a batch's ConfirmEvents that failed for a passing reason (within the window)."""
ANSWER_SHOWN = 120
"""Bytes of a refusing handler's answer kept to say why."""
SIGN_KEY_LENGTH = 32
"""A generated SignKey's length: the longest the real ModifyEventConfig takes."""

DELIVERED = "delivered"  # the handler answered as the success rule says (or it was printed)
FAILED = "failed"  # not delivered: left unconfirmed, it comes back after the window
SKIPPED = "skipped"  # a type not listened to: confirmed without being forwarded
T = TypeVar("T")


class ListenError(Exception):
    """What stops the listener for good: refused credentials, an endpoint that cannot be
    reached at the start, parameters the service refuses."""


@dataclass(frozen=True)
class ListenOptions:
    credentials: Credentials
    endpoint: str = REAL_ENDPOINT
    sub_app_id: int | None = None  # None: the account's default application
    forward_to: str | None = None  # None: hand each event over as it is (printing)
    sign_key: str = ""  # "": callbacks unsigned, as for an application without SignKey
    types: frozenset[str] | None = None  # None: every type
    success: str = "200"  # one of SUCCESS_RULES
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    confirm: bool = True  # False: never confirm (events come back after the window)
    max_events: int | None = None  # stop after the batch that brought the N-th delivery
    backoff_seconds: tuple[float, float] = BACKOFF_SECONDS

    def __post_init__(self) -> None:
        if self.success not in SUCCESS_RULES:
            raise ValueError(f"success must be {', '.join(SUCCESS_RULES)}, not "
                             f"{self.success!r}")
        if not 0 < self.timeout_seconds <= MAX_TIMEOUT_SECONDS:
            raise ValueError(f"the timeout must be more than 0 and at most "
                             f"{MAX_TIMEOUT_SECONDS:g} seconds (a batch is confirmed within "
                             f"the {CONFIRM_WINDOW_SECONDS:g} s window)")
        if self.max_events is not None and self.max_events < 1:
            raise ValueError("max_events must be at least 1")


@dataclass(frozen=True)
class Handled:
    """One pulled event and what became of it."""

    at: float  # Unix time (real) it was pulled
    event_type: str
    content: dict[str, Any]  # the EventContent without EventHandle
    outcome: str  # DELIVERED, FAILED or SKIPPED
    status: int | None = None  # the handler's HTTP status; None: none (or printing)
    error: str | None = None  # why it was not delivered
    confirmed: bool = False
    confirm_error: str | None = None  # why a confirm was refused or failed

    def to_json(self) -> dict[str, Any]:
        return {"at": self.at, "event_type": self.event_type, "outcome": self.outcome,
                "status": self.status, "error": self.error, "confirmed": self.confirmed,
                "confirm_error": self.confirm_error, "content": self.content}


@dataclass
class Counts:
    """What the listener did so far."""

    pulls: int = 0
    delivered: int = 0
    failed: int = 0
    skipped: int = 0
    confirmed: int = 0
    errors: int = 0


class Observer:
    """What a listener tells as it goes (each method does nothing here): each pull's
    answer, every event as it is pulled, each handler's answer as it comes, each batch
    once its ConfirmEvents is answered (or was not sent), and what a person should know."""

    def pulled(self, count: int) -> None:
        """A PullEvents answered, with ``count`` events (0: a long poll that ended empty)."""

    def received(self, content: dict[str, Any], skipped: bool) -> None:
        """An event pulled (its EventContent without EventHandle); ``skipped``: of a type
        not listened to."""

    def answered(self, handled: Handled) -> None:
        """The handler answered one event (or gave no answer): its outcome, not yet
        confirmed."""

    def confirmed(self, batch: list[Handled], error: str | None) -> None:
        """A batch's final outcomes, in pull order; ``error``: why its ConfirmEvents
        failed (then nothing of it is confirmed)."""

    def note(self, text: str) -> None:
        """A PUSH mode upstream, a switch OFF, an error and the wait before trying again."""


class Listener:
    """``await Listener(options, observer).run()`` drains until ``stop()`` (safe from
    any thread, or a signal handler), ``max_events``, or a ListenError."""

    def __init__(self, options: ListenOptions, observer: Observer | None = None) -> None:
        self.options = options
        self.observer = observer or Observer()
        self.counts = Counts()
        self._stopping = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    def stop(self) -> None:
        """End soon: a held pull is dropped, forwards in flight abandoned (their events
        come back), and what was delivered is confirmed before ``run`` returns."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._stopping.set)
        else:
            self._stopping.set()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    async def run(self) -> None:
        self._loop = asyncio.get_running_loop()
        options = self.options
        # Upstream goes through a proxy when the environment says so, as the SDK's does;
        # the local handler never does.
        async with aiohttp.ClientSession(trust_env=True) as upstream, \
                aiohttp.ClientSession(trust_env=False) as local:
            api = VodApi(upstream, options.endpoint, options.credentials, options.sub_app_id)
            await self._unless_stopped(self._check_configuration(api))
            backoff = _Backoff(*options.backoff_seconds)
            while not self.stopping:
                asked = time.monotonic()
                try:
                    events = await self._unless_stopped(api.pull_events())
                except CloudApiError as error:
                    if error.is_fatal:
                        raise ListenError(_refused(options.endpoint, error)) from None
                    await self._back_off(backoff, f"PullEvents failed: {error.code}: "
                                                  f"{error.message}")
                    continue
                except _UNREACHED as error:
                    await self._back_off(backoff, f"cannot reach {options.endpoint}: "
                                                  f"{_said(error)}")
                    continue
                if events is None:
                    return
                backoff.reset()
                self.counts.pulls += 1
                self.observer.pulled(len(events))
                if not events:
                    answered = time.monotonic()
                    if answered - asked < QUICK_EMPTY_SECONDS:  # not held: pace the next
                        await self._wait(QUICK_EMPTY_SECONDS)
                    continue
                await self._batch(api, local, events)
                if options.max_events is not None and (
                        self.counts.delivered >= options.max_events):
                    return

    # ----- one batch

    async def _batch(self, api: VodApi, local: aiohttp.ClientSession,
                     events: list[dict[str, Any]]) -> None:
        pulled_at, pulled_monotonic = time.time(), time.monotonic()
        contents = [{name: value for name, value in event.items() if name != "EventHandle"}
                    for event in events]
        wanted = self.options.types
        forwards: dict[int, asyncio.Task[Handled]] = {}
        for index, content in enumerate(contents):
            skipped = wanted is not None and content.get("EventType") not in wanted
            self.observer.received(content, skipped)
            if not skipped:
                forwards[index] = asyncio.create_task(self._forward(local, content, pulled_at))
        if forwards:
            await self._unless_stopped(asyncio.wait(forwards.values()))
        outcomes: list[Handled] = []
        for index, content in enumerate(contents):
            task = forwards.get(index)
            if task is None:
                outcomes.append(_handled(pulled_at, content, SKIPPED))
            elif task.done():
                outcomes.append(task.result())
            else:  # abandoned: left leased, it comes back
                task.cancel()
                outcomes.append(_handled(pulled_at, content, FAILED,
                                         error="interrupted by the stop"))
        await asyncio.gather(*forwards.values(), return_exceptions=True)
        handles = [str(event.get("EventHandle") or "") for event in events]
        to_confirm = [handle for handle, one in zip(handles, outcomes, strict=True)
                      if one.outcome != FAILED and handle]
        error = None
        if self.options.confirm and to_confirm:
            error = await self._confirm(api, to_confirm, pulled_monotonic)
        final = [replace(one, confirmed=self.options.confirm and error is None,
                         confirm_error=error) if one.outcome != FAILED else one
                 for one in outcomes]
        counts = self.counts
        for one in final:
            counts.delivered += one.outcome == DELIVERED
            counts.failed += one.outcome == FAILED
            counts.skipped += one.outcome == SKIPPED
            counts.confirmed += one.confirmed
        self.observer.confirmed(final, error)

    async def _forward(self, local: aiohttp.ClientSession, content: dict[str, Any],
                       pulled_at: float) -> Handled:
        status, error = await self._deliver(local, content)
        delivered = error is None and (self.options.forward_to is None or
                                       is_delivered(status, self.options.success))
        handled = _handled(pulled_at, content, DELIVERED if delivered else FAILED, status,
                           error or (None if delivered else f"HTTP {status}"))
        if self.options.forward_to is not None:
            self.observer.answered(handled)
        return handled

    async def _deliver(self, local: aiohttp.ClientSession,
                       content: dict[str, Any]) -> tuple[int | None, str | None]:
        """POST one event to the handler: its status, and an error when there was no
        answer or it was refused (the start of its answer). Printing: (None, None)."""
        url = self.options.forward_to
        if url is None:
            return None, None
        now = time.time()
        expiry = signature.expiry(now, now, signature.SIGNATURE_TTL_SECONDS)
        body = signature.callback_body(plain(content), self.options.sign_key, expiry)
        timeout = self.options.timeout_seconds
        try:
            async with local.post(url, data=body, allow_redirects=False,
                                  headers={"Content-Type": "application/json",
                                           "User-Agent": f"vod-emulator/{__version__}"},
                                  timeout=aiohttp.ClientTimeout(total=timeout)) as response:
                status = response.status
                if is_delivered(status, self.options.success):
                    return status, None
                start = await response.content.read(ANSWER_SHOWN)
        except TimeoutError:
            return None, f"no answer within {timeout:g} s"
        except (aiohttp.ClientError, OSError, ValueError) as error:
            return None, _said(error)
        answered = " ".join(start.decode("utf-8", "replace").split())
        return status, f"HTTP {status}" + (f": {answered}" if answered else "")

    async def _confirm(self, api: VodApi, handles: list[str],
                       pulled_monotonic: float) -> str | None:
        """Confirm the batch's handles in one call (tried again, within the window, when
        it fails for a passing reason); answer why it was not, or None."""
        backoff = _Backoff(0.5, 2.0)
        problem = None
        for _ in range(CONFIRM_TRIES):
            left = pulled_monotonic + CONFIRM_WINDOW_SECONDS - time.monotonic()
            if self.stopping:
                left = min(left, STOP_CONFIRM_SECONDS)
            if left <= 0:
                return problem or "the confirm window passed before the handler answered"
            try:
                await asyncio.wait_for(api.confirm_events(handles), left)
                return None
            except CloudApiError as error:
                problem = f"ConfirmEvents refused: {error.code}: {error.message}"
                if error.is_fatal:  # an expired handle, a wrong SubAppId: trying cannot help
                    return problem
            except _UNREACHED as error:
                problem = f"ConfirmEvents failed: {_said(error)}"
            self.counts.errors += 1
            if self.stopping:
                return problem
            await self._wait(backoff.next())
        return problem

    # ----- waiting

    async def _check_configuration(self, api: VodApi) -> None:
        """Say what would keep PullEvents from seeing events: the application in PUSH
        mode, a switch that turns a type's events off. Never changes anything."""
        try:
            config = await api.describe_event_config()
        except CloudApiError as error:
            if error.code.startswith("AuthFailure"):
                raise ListenError(_refused(api.endpoint, error)) from None
            self._note(f"could not read the event configuration ({error.code}: "
                       f"{error.message}); listening anyway")
            return
        except _UNREACHED as error:
            raise ListenError(f"cannot reach {api.endpoint}: {_said(error)}") from None
        for line in configuration_warnings(config, self.options.sub_app_id):
            self._note(line)

    async def _unless_stopped(self, work: Awaitable[T]) -> T | None:
        """``work``'s result, or None once ``stop()`` came first (``work`` is cancelled)."""
        task = asyncio.ensure_future(work)
        stopped = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait((task, stopped), return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopped.cancel()
        if task.done():
            return task.result()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        return None

    async def _wait(self, seconds: float) -> None:
        """Wait ``seconds``, or less once stopped."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    async def _back_off(self, backoff: _Backoff, problem: str) -> None:
        self.counts.errors += 1
        delay = backoff.next()
        self._note(f"{problem}; trying again in {delay:g} s")
        await self._wait(delay)

    def _note(self, text: str) -> None:
        self.observer.note(text)


def _handled(at: float, content: dict[str, Any], outcome: str, status: int | None = None,
             error: str | None = None) -> Handled:
    return Handled(at, str(content.get("EventType", "")), content, outcome, status, error)


class _Backoff:
    def __init__(self, first: float, most: float) -> None:
        self.first, self.most = first, most
        self._next = first

    def next(self) -> float:
        delay = self._next
        self._next = min(self._next * 2, self.most)
        return delay

    def reset(self) -> None:
        self._next = self.first


def configuration_warnings(config: dict[str, Any], sub_app_id: int | None) -> list[str]:
    """What in a DescribeEventConfig answer keeps events from PullEvents, and how to
    change it (by hand: listen changes nothing)."""
    app = "the default application" if sub_app_id is None else f"application {sub_app_id}"
    where = "" if sub_app_id is None else f" --SubAppId {sub_app_id}"
    lines = []
    if config.get("Mode") == "PUSH":
        lines.append(
            f"{app} is in PUSH mode: its events are POSTed to its NotificationUrl and "
            "PullEvents sees none of them. listen does not change it: switch it to PULL "
            f"with ModifyEventConfig Mode=PULL (e.g. 'tccli vod ModifyEventConfig --Mode "
            f"PULL{where}', or the SDK's ModifyEventConfig), and back when done")
    for switch, event_type in (("UploadMediaCompleteEventSwitch", "NewFileUpload"),
                               ("DeleteMediaCompleteEventSwitch", "FileDeleted"),
                               ("PersistenceCompleteEventSwitch", "PersistenceComplete")):
        if config.get(switch) == "OFF":
            lines.append(f"{switch} is OFF: {app} gets no {event_type} events "
                         f"(ModifyEventConfig {switch}=ON turns them on)")
    return lines


def generate_sign_key() -> str:
    """A SignKey as the real ModifyEventConfig takes one: letters and digits, 32 of them."""
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(SIGN_KEY_LENGTH))


def summary(content: dict[str, Any], short: bool = False) -> str:
    """One line about an event: its member's ids (``FileId=…``, ``TaskId=…``), state and
    file name;
    ``short``: its first id and its Status."""
    member = next((value for name, value in content.items()
                   if name != "EventType" and isinstance(value, dict)), {})
    parts = [f"{name}={value}" for name, value in member.items()
             if isinstance(value, str) and value and name.endswith("Id")
             and name != "SessionId"]  # a request's de-duplication key, not the flow's
    file_ids = member.get("FileIdSet")
    if isinstance(file_ids, list) and file_ids:
        parts.append("FileIdSet=" + ",".join(str(one) for one in file_ids[:3])
                     + ("…" if len(file_ids) > 3 else ""))
    status = member.get("Status")
    if short:
        return " ".join(parts[:1] + ([str(status)] if status else []))
    for name in ("Status", "ErrCode", "Message"):
        value = member.get(name)
        if value not in (None, "", 0):
            parts.append(f"{name}={value}")
    basic = member.get("MediaBasicInfo")
    name_of_file = member.get("FileName") or (
        basic.get("Name") if isinstance(basic, dict) else None)
    if name_of_file:
        parts.append(repr(str(name_of_file)))
    return " ".join(parts)


def recorded_line(handled: Handled, sub_app_id: int | None,
                  redactor: Redactor | None = None) -> RecordedEvent:
    """The recording's line of a delivered event: its content (masked by ``redactor``,
    which also leaves the SubAppId out), at the time it was pulled."""
    if redactor is None:
        return RecordedEvent(content=handled.content, at=handled.at, sub_app_id=sub_app_id,
                             event_type=handled.event_type)
    return RecordedEvent(content=redactor.redact(handled.content), at=handled.at,
                         event_type=handled.event_type)


_UNREACHED = (OSError, TimeoutError, aiohttp.ClientError)
"""What a call that got no Cloud API answer raises."""


def _said(error: BaseException) -> str:
    text = str(error)
    return (f"{type(error).__name__}: {text}" if text else type(error).__name__)[:300]


def _refused(endpoint: str, error: CloudApiError) -> str:
    hint = (" (check the SecretId/SecretKey: --secret-id/--secret-key or "
            "TENCENTCLOUD_SECRET_ID/KEY)" if error.code.startswith("AuthFailure") else "")
    return f"{endpoint} refused {error.action}: {error.code}: {error.message}{hint}"
