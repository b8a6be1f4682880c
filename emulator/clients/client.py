"""AdminClient: a small synchronous client of the ``/_emulator`` API (standard library only,
and ``core.ids``, itself standard library only)."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
from collections.abc import Iterable
from typing import Any

from ..core.ids import ANY_APP, AppFilter, app_text

__all__ = ["AdminClient", "AdminError"]

class AdminError(RuntimeError):
    """The admin API refused a request (a 4xx or 5xx status), with its code and message.

    An answer that is not the admin API's JSON (something else listens on the port, or
    a proxy answered) raises this too: ``code`` is then empty and ``message`` holds the
    start of the answer's text."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


class AdminClient:
    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        # Imported by the first client, not with this module: the pytest plugin imports
        # it in every session of its users, and this is most of its cost (~15 ms).
        import urllib.request

        # The emulator is local: an http_proxy in the environment must not be used to reach it.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def request(
        self, method: str, path: str, body: dict[str, Any] | None = None,
        *, timeout: float | None = None,
    ) -> Any:
        """One call of the admin API; ``timeout`` (seconds) replaces the client's own,
        e.g. for a request the server holds."""
        data = None if body is None else json.dumps(body).encode()
        return _document(*self._exchange(method, path, data, "application/json", timeout))

    def _exchange(self, method: str, path: str, data: bytes | None, content_type: str,
                  timeout: float | None = None) -> tuple[int, bytes]:
        """One HTTP request: its answer's status and body, whatever the status."""
        import urllib.request  # loaded by __init__ already

        request = urllib.request.Request(
            self.base_url + path, data=data, method=method,
            headers={"Content-Type": content_type},
        )
        try:
            with self._opener.open(request, timeout=timeout or self.timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def health(self) -> dict[str, Any]:
        result: dict[str, Any] = self.request("GET", "/_emulator/health")
        return result

    def wait_ready(self, timeout: float = 30.0, interval: float = 0.1) -> dict[str, Any]:
        """Poll ``health`` until the emulator answers ok; answer its health. Raise
        TimeoutError (naming the last failure) if it does not within ``timeout`` seconds.
        For a process being started: a test with an EmulatorThread never needs it."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            try:
                health = self.request("GET", "/_emulator/health", timeout=max(left, interval))
                if health.get("status") == "ok":
                    answer: dict[str, Any] = health
                    return answer
                problem = f"health answered status {health.get('status')!r}"
            except AdminError as error:
                problem = str(error)
            except urllib.error.URLError as error:
                problem = str(error.reason)
            except OSError as error:  # a reset connection, a read that timed out...
                problem = str(error) or type(error).__name__
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(problem)
            time.sleep(min(interval, left))

    def emit(
        self,
        event_type: str,
        count: int = 1,
        sub_app_id: int | None = None,
        overrides: dict[str, Any] | None = None,
        *,
        with_content: bool = True,
    ) -> list[dict[str, Any]]:
        """Enqueue ``count`` generated events of ``event_type``, each deep-merged with
        ``overrides`` (e.g. ``{"FileUploadEvent": {"FileId": "..."}}``). Without content,
        the answer leaves the payloads out (much shorter for thousands of events)."""
        body: dict[str, Any] = {"type": event_type, "count": count, "sub_app_id": sub_app_id}
        if overrides is not None:
            body["overrides"] = overrides
        if not with_content:
            body["with_content"] = False
        events: list[dict[str, Any]] = self.request("POST", "/_emulator/events", body)["events"]
        return events

    def emit_scenario(self, name: str, sub_app_id: int | None = None) -> list[dict[str, Any]]:
        """Enqueue one run of a scenario (a flow of events sharing ids)."""
        body = {"scenario": name, "sub_app_id": sub_app_id}
        events: list[dict[str, Any]] = self.request("POST", "/_emulator/events", body)["events"]
        return events

    def emit_events(
        self, events: list[dict[str, Any]], sub_app_id: int | None = None,
        *, with_content: bool = True,
    ) -> list[dict[str, Any]]:
        """Enqueue the given EventContent payloads (without EventHandle) as they are."""
        body: dict[str, Any] = {"events": events, "sub_app_id": sub_app_id}
        if not with_content:
            body["with_content"] = False
        queued: list[dict[str, Any]] = self.request("POST", "/_emulator/events", body)["events"]
        return queued

    def events(
        self, after: int = 0, wait_seconds: float = 0.0, limit: int | None = None
    ) -> dict[str, Any]:
        """The emitted events with ``seq`` past ``after``, oldest first (every route);
        if there are none yet, the server holds up to ``wait_seconds`` for one. The whole
        answer: ``events``, ``last_seq``, ``epoch`` (counts full resets) and ``evicted``."""
        answer: dict[str, Any] = self._follow("/_emulator/events", after, wait_seconds,
                                              limit=limit)
        return answer

    def clock(self) -> dict[str, Any]:
        """``{"now", "offset_seconds", "scale", "frozen"}``."""
        result: dict[str, Any] = self.request("GET", "/_emulator/clock")
        return result

    def set_clock(
        self, *, freeze: bool | None = None, scale: float | None = None,
        advance_seconds: float | None = None,
    ) -> dict[str, Any]:
        """Freeze or resume, set the scale and advance, in one change; answer the clock."""
        body = {name: value for name, value in (
            ("freeze", freeze), ("scale", scale), ("advance_seconds", advance_seconds))
            if value is not None}
        result: dict[str, Any] = self.request("POST", "/_emulator/clock", body)
        return result

    def advance_clock(self, seconds: float) -> float:
        now: float = self.request("POST", "/_emulator/clock", {"advance_seconds": seconds})["now"]
        return now

    def queue(self, sub_app_id: int | None = None, content: bool = True) -> dict[str, Any]:
        """Everything in one application's queue: pullable and leased events, held pulls."""
        path = f"/_emulator/queues/{app_text(sub_app_id)}"
        snapshot: dict[str, Any] = self.request("GET", path if content else path + "?content=false")
        return snapshot

    def wait(
        self, sub_app_id: int | None = None, timeout: float = 10.0,
        **conditions: int | str | list[str],
    ) -> dict[str, Any]:
        """Block until every condition holds in the application: a count (``pullable``,
        ``leased``, ``held_pulls``, ``confirmed``, ``callbacks_pending``,
        ``callbacks_delivered``, ``callbacks_undelivered``) given a number is at least
        that many (0: none), or as a comparison says (``"==2"``, ``"<=1"``, ``">=5"``);
        ``tasks_running=N``: at most N unfinished tasks; ``task_id``: that task FINISH;
        ``events_confirmed``/``events_delivered``: every listed event so. Answer the
        server's ``{"met", "state", ...}``; TimeoutError if not within ``timeout``
        seconds (held by the server, never polled)."""
        body: dict[str, Any] = {"sub_app_id": sub_app_id, "timeout_seconds": timeout,
                                **conditions}
        # Held by the server up to ``timeout``: the HTTP wait is that plus the client's own.
        result: dict[str, Any] = self.request("POST", "/_emulator/wait", body,
                                              timeout=self.timeout + timeout)
        if not result["met"]:
            wanted = ", ".join(f"{name}={value!r}" for name, value in conditions.items())
            raise TimeoutError(f"not reached within {timeout:g}s: {wanted:.500}; "
                               f"now {result['state']}"
                               + (f", events {result['events']}" if "events" in result else ""))
        return result

    def wait_for_confirmed(self, event_ids: Iterable[str], timeout: float = 10.0) -> None:
        """Block until every event is confirmed (read from each event's own state, not the
        journal); TimeoutError naming those that are not within ``timeout`` seconds,
        LookupError for an event the emulator does not know."""
        self._wait_for_events("events_confirmed", "confirmed", event_ids, timeout)

    def wait_for_delivered(self, event_ids: Iterable[str], timeout: float = 10.0) -> None:
        """Block until every event's callback is delivered (its handler answered 200);
        TimeoutError naming those that are not within ``timeout`` seconds (with their
        state: pending, pending_retry, undelivered...), LookupError for an unknown event."""
        self._wait_for_events("events_delivered", "delivered", event_ids, timeout)

    def _wait_for_events(self, condition: str, state: str, event_ids: Iterable[str],
                         timeout: float) -> None:
        body = {condition: list(event_ids), "timeout_seconds": timeout}
        try:
            result = self.request("POST", "/_emulator/wait", body,
                                  timeout=self.timeout + timeout)
        except AdminError as error:
            if error.status == 404:
                raise LookupError(error.message) from None
            raise
        if not result["met"]:
            behind = {event_id: now for event_id, now in result["events"].items()
                      if now != state}
            raise TimeoutError(f"not {state} within {timeout:g}s: "
                               + ", ".join(f"{event_id} ({now})"
                                           for event_id, now in sorted(behind.items())))

    def journal(self, kind: str | None = None, event_id: str | None = None) -> list[dict[str, Any]]:
        """The journal's entries (those kept: see ``evicted`` in the raw answer), oldest
        first, optionally of one kind or one event."""
        entries: list[dict[str, Any]] = self.request(
            "GET", "/_emulator/journal" + _query(kind=kind, event_id=event_id))["entries"]
        return entries

    def follow_journal(
        self, after: int = 0, wait_seconds: float = 0.0, kind: str | None = None,
        event_id: str | None = None, limit: int | None = None,
    ) -> dict[str, Any]:
        """The journal entries with ``seq`` past ``after``; if there are none yet, the
        server holds up to ``wait_seconds`` for one. The whole answer: ``entries``,
        ``last_seq``, ``epoch`` (counts full resets: seq restarts after one), ``evicted``."""
        answer: dict[str, Any] = self._follow("/_emulator/journal", after, wait_seconds,
                                              kind=kind, event_id=event_id, limit=limit)
        return answer

    def _follow(self, path: str, after: int, wait_seconds: float, **filters: Any) -> Any:
        query = _query(after=after, wait_seconds=f"{wait_seconds:g}" if wait_seconds else None,
                       **filters)
        # The server holds the request up to wait_seconds: the client waits longer.
        return self.request("GET", path + query, timeout=self.timeout + wait_seconds)

    def callbacks(
        self, event_id: str | None = None, sub_app_id: AppFilter = ANY_APP,
        outcome: str | None = None,
    ) -> list[dict[str, Any]]:
        """Callback attempt records, oldest first; ``sub_app_id=None`` is the default
        application, ``"any"`` every one."""
        query = _query(event_id=event_id, outcome=outcome,
                       sub_app_id=None if sub_app_id == ANY_APP else app_text(sub_app_id))
        attempts: list[dict[str, Any]] = self.request(
            "GET", "/_emulator/callbacks" + query)["attempts"]
        return attempts

    def redeliver(self, event_id: str | None = None) -> list[str]:
        """Send an event's callback again, a fresh series of attempts, delivered or not
        (AdminError 404 if no callback of it is kept); without an id, every undelivered
        one. The ids of the events being sent again."""
        body = {} if event_id is None else {"event_id": event_id}
        redelivering: list[str] = self.request(
            "POST", "/_emulator/callbacks/redeliver", body)["redelivering"]
        return redelivering

    def reset(self) -> None:
        """Forget everything: events, configuration, journal, callbacks, faults; restore
        the settings the server started with."""
        self.request("POST", "/_emulator/reset", {})

    def reset_application(self, sub_app_id: int | None) -> None:
        """Forget one application's queue, callbacks, event configuration and journal
        entries (``None``: the default application); the others keep theirs."""
        self.request("POST", "/_emulator/reset", {"sub_app_id": sub_app_id})

    def media(self, sub_app_id: int | None = None,
              limit: int | None = None) -> dict[str, Any]:
        """One application's media library: ``{"sub_app_id", "total", "files"}``, each
        file's ``file_id``, ``name``, ``type`` and ``create_time``, newest known first."""
        query = _query(sub_app_id=None if sub_app_id is None else app_text(sub_app_id),
                       limit=limit)
        result: dict[str, Any] = self.request("GET", "/_emulator/media" + query)
        return result

    def media_file(self, file_id: str, sub_app_id: int | None = None) -> dict[str, Any]:
        """One file's whole MediaInfo, as DescribeMediaInfos answers it; AdminError
        (404 ``NotFound``) if the application's library does not know it."""
        query = _query(sub_app_id=None if sub_app_id is None else app_text(sub_app_id))
        path = "/_emulator/media/" + urllib.parse.quote(file_id, safe="") + query
        info: dict[str, Any] = self.request("GET", path)["media_info"]
        return info

    def seed_media(self, file_id: str | None = None, sub_app_id: int | None = None,
                   basic_info: dict[str, Any] | None = None,
                   meta_data: dict[str, Any] | None = None) -> dict[str, Any]:
        """Add a file to the media library without an event (a new FileId if none is
        given; a file of the same FileId is replaced): the given fields of the SDK's
        MediaBasicInfo and MediaMetaData replace those made for it. Its MediaInfo."""
        body = {"sub_app_id": sub_app_id, "file_id": file_id, "basic_info": basic_info,
                "meta_data": meta_data}
        info: dict[str, Any] = self.request(
            "POST", "/_emulator/media",
            {name: value for name, value in body.items() if value is not None})["media_info"]
        return info

    # ----- tasks

    def tasks(self, sub_app_id: AppFilter = ANY_APP, status: str | None = None,
              limit: int | None = None, file_id: str | None = None) -> dict[str, Any]:
        """The tasks the asynchronous actions started (ProcessMedia, PullUpload...),
        newest first: ``{"tasks": [...], "count": N}`` (``count``: how many match, the
        list holding at most ``limit``). ``sub_app_id=None`` is the default application,
        ``"any"`` (the default) every one; ``status`` WAITING, PROCESSING or FINISH;
        ``file_id``: only the tasks on that file (or making it)."""
        query = _query(sub_app_id=None if sub_app_id == ANY_APP else app_text(sub_app_id),
                       status=status, file_id=file_id, limit=limit)
        result: dict[str, Any] = self.request("GET", "/_emulator/tasks" + query)
        return result

    def task(self, task_id: str, sub_app_id: AppFilter = ANY_APP) -> dict[str, Any]:
        """One task as it stands now (its ``status``, ``progress``, ``events``,
        ``detail``...); AdminError (404 ``NotFound``) if no task of that id is known, in
        the application named (``"any"``, the default: in every one)."""
        query = _query(sub_app_id=None if sub_app_id == ANY_APP else app_text(sub_app_id))
        task: dict[str, Any] = self.request(
            "GET", "/_emulator/tasks/" + urllib.parse.quote(task_id, safe="") + query)
        return task

    def finish_tasks(self) -> dict[str, float]:
        """Advance the emulator clock until no task (of any application) is running, so
        every task is FINISH and its events are sent; ``{"advanced_seconds", "now"}``.
        This moves the clock for everything else too (leases, retention, retries)."""
        result: dict[str, float] = self.request("POST", "/_emulator/tasks/finish", {})
        return result

    def wait_for_task(self, task_id: str, sub_app_id: AppFilter = ANY_APP,
                      timeout: float = 10.0) -> dict[str, Any]:
        """Block until the task is FINISH (failed or not: see its ``failed``); answer it
        as it stands then. Held by the server, never polled, and never moving the clock:
        the task finishes as emulator time passes (at its scale, or ``advance_clock``;
        ``finish_tasks`` gets there at once). TimeoutError if it is not FINISH within
        ``timeout`` real seconds; AdminError (404) if no such task is known."""
        body: dict[str, Any] = {"task_id": task_id, "timeout_seconds": timeout}
        if sub_app_id != ANY_APP:
            body["sub_app_id"] = sub_app_id
        result: dict[str, Any] = self.request("POST", "/_emulator/wait", body,
                                              timeout=self.timeout + timeout)
        task: dict[str, Any] = result["task"]
        if not result["met"]:
            raise TimeoutError(f"task {task_id} is not finished after {timeout:g}s: it is "
                               f"{task['status']} ({task['progress']}%, finishing at "
                               f"emulator time {task['finishes_at']:.3f})")
        return task

    def settings(self) -> dict[str, Any]:
        """The runtime settings (long poll, confirm window, retention, callbacks...)."""
        result: dict[str, Any] = self.request("GET", "/_emulator/settings")
        return result

    def update_settings(self, **values: Any) -> dict[str, Any]:
        """Change some runtime settings (all or none: one bad value changes nothing);
        answer them all. A full ``reset()`` restores the values the server started with."""
        result: dict[str, Any] = self.request("POST", "/_emulator/settings", values)
        return result

    def add_fault(self, action: str, effect: str, **fields: Any) -> dict[str, Any]:
        """Add a fault rule (``code``, ``seconds``, ``sub_app_id``, ``times``... as the
        admin API takes them); answer it as stored, with its ``id``."""
        rule = {"action": action, "effect": effect, **fields}
        fault: dict[str, Any] = self.request("POST", "/_emulator/faults", rule)["fault"]
        return fault

    def faults(self) -> list[dict[str, Any]]:
        """The fault rules in force, oldest first."""
        rules: list[dict[str, Any]] = self.request("GET", "/_emulator/faults")["faults"]
        return rules

    def remove_fault(self, fault_id: str) -> list[str]:
        removed: list[str] = self.request(
            "DELETE", f"/_emulator/faults/{urllib.parse.quote(fault_id, safe='')}")["removed"]
        return removed

    def clear_faults(self) -> list[str]:
        removed: list[str] = self.request("DELETE", "/_emulator/faults")["removed"]
        return removed

    def report(self, sub_app_id: AppFilter = ANY_APP) -> dict[str, Any]:
        """The consumer report since the last full reset: ``{"clean", "findings"}``, each
        finding with its ``kind``, ``sub_app_id``, ``client``, ``count``, ``ids``,
        ``explanation`` and ``fix``; only one application's, given a ``sub_app_id``."""
        query = "" if sub_app_id == ANY_APP else "?sub_app_id=" + app_text(sub_app_id)
        answer: dict[str, Any] = self.request("GET", "/_emulator/report" + query)
        return answer

    def stats(self) -> dict[str, Any]:
        """Counts per application and in total, faults in force and applied, journal size."""
        result: dict[str, Any] = self.request("GET", "/_emulator/stats")
        return result

    # ----- snapshots

    def save_snapshot(self, name: str) -> dict[str, Any]:
        """Keep the emulator's whole state under ``name`` (one of that name is replaced):
        events and queues with their leases, configurations, media library, tasks,
        callbacks, fault rules, journal, settings and clock. Answer its summary,
        ``{"name", "taken_at", "events"}``; AdminError (400) for a name that is not 1 to
        100 letters, digits, '.', '_' or '-'."""
        snapshot: dict[str, Any] = self.request("POST", "/_emulator/snapshots", {"name": name})
        return snapshot

    def snapshots(self) -> list[dict[str, Any]]:
        """The snapshots kept, by name, each ``{"name", "taken_at", "events"}``. A reset
        keeps them."""
        kept: list[dict[str, Any]] = self.request("GET", "/_emulator/snapshots")["snapshots"]
        return kept

    def restore_snapshot(self, name: str) -> dict[str, Any]:
        """Make the emulator stand as the snapshot does: a full reset (held pulls answer
        empty), then its state, its clock reading what it read at the save (handles leased
        before the save confirm again). Answer its summary; AdminError (404) if none of
        that name is kept."""
        snapshot: dict[str, Any] = self.request(
            "POST", f"{_snapshot_path(name)}/restore", {})
        return snapshot

    def delete_snapshot(self, name: str) -> None:
        """Forget a snapshot; AdminError (404) if none of that name is kept."""
        self.request("DELETE", _snapshot_path(name))

    def export_snapshot(self, name: str) -> bytes:
        """A snapshot as one file's bytes, for ``import_snapshot`` here or in another
        emulator of the same version (a fixture to commit); AdminError (404) if none of
        that name is kept."""
        status, raw = self._exchange("GET", f"{_snapshot_path(name)}/export", None,
                                     "application/json")
        if status == 200:
            return raw
        _document(status, raw)  # raises the refusal it holds
        raise AdminError(status, "", f"not an admin API answer (HTTP {status})")

    def import_snapshot(self, name: str, data: bytes) -> dict[str, Any]:
        """Keep an exported snapshot's bytes under ``name`` (one of that name is
        replaced); answer its summary. AdminError (400) if they are not an exported
        snapshot, are damaged or come from an emulator of another state format."""
        snapshot: dict[str, Any] = _document(*self._exchange(
            "PUT", _snapshot_path(name), data, "application/octet-stream"))
        return snapshot


def _document(status: int, raw: bytes) -> Any:
    """An admin API answer's JSON document; AdminError for a refusal, or for an answer
    that is not the admin API's."""
    try:
        document = json.loads(raw)
    except ValueError:
        text = raw[:500].decode("utf-8", "replace")
        raise AdminError(status, "", f"not an admin API answer: {text!r}") from None
    if status >= 400 or not isinstance(document, dict):
        detail = document.get("error") if isinstance(document, dict) else None
        if not isinstance(detail, dict):
            detail = {"message": f"not an admin API answer: {str(document)[:500]!r}"}
        raise AdminError(status, str(detail.get("code", "")), str(detail.get("message", "")))
    return document


def _snapshot_path(name: str) -> str:
    return "/_emulator/snapshots/" + urllib.parse.quote(name, safe="")


def _query(**params: Any) -> str:
    """``?a=1&b=x`` of the parameters that are not None ("" when none are)."""
    given = {name: value for name, value in params.items() if value is not None}
    return "?" + urllib.parse.urlencode(given) if given else ""
