"""AdminClient: a small synchronous client of the ``/_emulator`` API (standard library only)."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any


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
        # The emulator is local: an http_proxy in the environment must not be used to reach it.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def request(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.base_url + path, data=data, method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
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

    def health(self) -> dict[str, Any]:
        result: dict[str, Any] = self.request("GET", "/_emulator/health")
        return result

    def emit(
        self,
        event_type: str,
        count: int = 1,
        sub_app_id: int | None = None,
        overrides: dict[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        """Enqueue ``count`` generated events of ``event_type``, each deep-merged with
        ``overrides`` (e.g. ``{"FileUploadEvent": {"FileId": "..."}}``)."""
        body: dict[str, Any] = {"type": event_type, "count": count, "sub_app_id": sub_app_id}
        if overrides is not None:
            body["overrides"] = overrides
        events: list[dict[str, Any]] = self.request("POST", "/_emulator/events", body)["events"]
        return events

    def emit_scenario(self, name: str, sub_app_id: int | None = None) -> list[dict[str, Any]]:
        """Enqueue one run of a scenario (a flow of events sharing ids)."""
        body = {"scenario": name, "sub_app_id": sub_app_id}
        events: list[dict[str, Any]] = self.request("POST", "/_emulator/events", body)["events"]
        return events

    def emit_events(
        self, events: list[dict[str, Any]], sub_app_id: int | None = None
    ) -> list[dict[str, Any]]:
        """Enqueue the given EventContent payloads (without EventHandle) as they are."""
        body = {"events": events, "sub_app_id": sub_app_id}
        queued: list[dict[str, Any]] = self.request("POST", "/_emulator/events", body)["events"]
        return queued

    def advance_clock(self, seconds: float) -> float:
        now: float = self.request("POST", "/_emulator/clock", {"advance_seconds": seconds})["now"]
        return now

    def queue(self, sub_app_id: int | None = None) -> dict[str, Any]:
        """Everything in one application's queue: pullable and leased events, held pulls."""
        name = "default" if sub_app_id is None else str(sub_app_id)
        snapshot: dict[str, Any] = self.request("GET", f"/_emulator/queues/{name}")
        return snapshot

    def wait(
        self, sub_app_id: int | None = None, timeout: float = 10.0, **at_least: int
    ) -> dict[str, Any]:
        """Block until the queue has at least the given ``pullable``, ``leased`` or
        ``held_pulls``; raise TimeoutError if it does not within ``timeout`` seconds."""
        body: dict[str, Any] = {"sub_app_id": sub_app_id, "timeout_seconds": timeout, **at_least}
        result: dict[str, Any] = self.request("POST", "/_emulator/wait", body)
        if not result["met"]:
            raise TimeoutError(f"queue did not reach {at_least} in {timeout}s: {result['state']}")
        return result

    def journal(self, kind: str | None = None, event_id: str | None = None) -> list[dict[str, Any]]:
        """The journal's entries (those kept: see ``evicted`` in the raw answer), oldest
        first, optionally of one kind or one event."""
        query = urllib.parse.urlencode(
            {name: value for name, value in (("kind", kind), ("event_id", event_id)) if value}
        )
        entries: list[dict[str, Any]] = self.request(
            "GET", "/_emulator/journal" + (f"?{query}" if query else ""))["entries"]
        return entries

    def reset(self) -> None:
        self.request("POST", "/_emulator/reset", {})
