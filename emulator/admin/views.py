"""How the domain's objects look as admin JSON (the OpenAPI document's components)."""

from __future__ import annotations

from typing import Any

from .._version import __version__
from ..base.jsontext import RawJson, compact
from ..core.backend import VodBackend
from ..core.event import EmittedEvent
from ..core.queue import Lease
from ..core.settings import runtime_view
from .http import HeldRequests


def event_view(event: EmittedEvent, with_content: bool) -> RawJson:
    """The event as the admin API shows it, as JSON: its payload's bytes spliced in."""
    head = compact(event.summary())
    if not with_content:
        return RawJson(head)
    return RawJson(head[:-1] + b',"content":' + event.payload + b"}")


def lease_view(lease: Lease, with_content: bool) -> RawJson:
    view = event_view(lease.event, with_content)
    return RawJson(compact({"handle": lease.handle, "expires_at": lease.expires_at})[:-1]
                   + b"," + view[1:])


def feed_view(event: EmittedEvent, with_content: bool) -> RawJson:
    """The event in the events feed: with its ``seq`` first."""
    view = event_view(event, with_content)
    return RawJson(b'{"seq":%d,' % event.seq + view[1:])


def health_view(backend: VodBackend, held: HeldRequests) -> dict[str, Any]:
    settings = backend.settings
    return {
        "status": "ok",
        "version": __version__,
        "now": backend.now(),
        "seed": settings.seed,
        "verifies_signatures": settings.verifies_signatures,
        "secret_id": settings.secret_id if settings.verifies_signatures else None,
        **runtime_view(settings),  # those in force now: a test may have changed them
        "journal_max_entries": settings.journal_max_entries,
        "callback_url": settings.callback_url,
        "callback_concurrency": settings.callback_concurrency,
        "callback_max_records": settings.callback_max_records,
        "held_pulls": sum(state.held_pulls for state in backend.queue_states()),
        "held_waits": held.waits,
        "streams": held.streams,
    }


def media_summary_view(info: dict[str, Any]) -> dict[str, Any]:
    """A file in the media library's list: its FileId and what names it."""
    basic = info.get("BasicInfo") or {}
    return {"file_id": info["FileId"], "name": basic.get("Name"), "type": basic.get("Type"),
            "create_time": basic.get("CreateTime")}
