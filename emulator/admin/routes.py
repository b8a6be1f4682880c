"""The admin API's routes: each handler reads its request, calls the backend and answers
a view; ``ROUTES`` (at the end) lists them once, for the registration and the OpenAPI
document alike."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from aiohttp import web

from ..base.echo import shown
from ..base.jsontext import RawJson, compact
from ..base.numeric import is_integer
from ..core import callbacks
from ..core import journal as j
from ..core.backend import VodBackend
from ..core.clock import ADVANCE_RANGE, MAX_ADVANCE_SECONDS, MAX_SCALE
from ..core.errors import NotFound
from ..core.event import EVENT_STATES, OUTCOMES
from ..core.eventconfig import PARAMETERS
from ..core.ids import ANY_APP, AppFilter, SubAppId
from ..core.records import EventFilter
from ..core.settings import runtime_view
from ..core.tasks import TASK_STATES, Task
from . import dashboard, snapshots, waits
from .http import (
    HELD_REQUESTS,
    MAX_FOLLOW_LIMIT,
    PREFIX,
    AdminHandler,
    AdminInputError,
    AdminNotFound,
    Route,
    Streamed,
    add_route,
    body_number,
    json_route,
    query_flag,
    query_integer,
    query_wait_seconds,
    read_body,
    read_sub_app_id,
    reject_unknown,
)
from .views import event_view, feed_view, health_view, lease_view, media_summary_view
from .waits import hold, known_task


def add_admin_routes(app: web.Application, backend_key: web.AppKey[VodBackend]) -> None:
    for route in ROUTES:
        add_route(app, route, json_route(route.handler, frozenset(route.query), backend_key))
    snapshots.add_snapshot_routes(app, backend_key)


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document of every admin route: these, the snapshots' and the dashboard's."""
    from .openapi import document  # built on first use: only readers of the API need it

    described: dict[str, Any] = document((*ROUTES, *snapshots.ROUTES, *dashboard.ROUTES))
    return described


# ----- handlers


async def _health(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    return health_view(backend, request.app[HELD_REQUESTS])


async def _clock(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    return backend.clock_state()


async def _change_clock(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    """Set the scale, freeze or resume, advance: any of them, in that order."""
    body = await read_body(request)
    reject_unknown(body, {"advance_seconds", "freeze", "scale"})
    if not body:
        raise AdminInputError("give advance_seconds, freeze (true or false) or scale")
    advance = (body_number(body, "advance_seconds", 0.0, MAX_ADVANCE_SECONDS, ADVANCE_RANGE)
               if "advance_seconds" in body else None)
    freeze = body.get("freeze")
    if freeze is not None and not isinstance(freeze, bool):
        raise AdminInputError(f"freeze must be true or false, got {shown(freeze)}")
    scale = body_number(body, "scale", 1.0, MAX_SCALE) if "scale" in body else None
    await backend.change_clock_in_slices(advance, freeze, scale)
    return backend.clock_state()


_EMIT_SOURCES = ("type", "scenario", "events")


async def _emit(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    """Emit generated events (``type``), a scenario run, or given payloads (``events``)."""
    body = await read_body(request)
    # "description" is documentation: fixture files carry one and are posted as they are.
    reject_unknown(body, {*_EMIT_SOURCES, "count", "overrides", "sub_app_id", "description",
                           "with_content"})
    with_content = body.get("with_content", True)
    if not isinstance(with_content, bool):
        raise AdminInputError('"with_content" must be true or false')
    sub_app_id = read_sub_app_id(body.get("sub_app_id"))
    sources = [name for name in _EMIT_SOURCES if name in body]
    if len(sources) != 1:
        raise AdminInputError('give exactly one of "type" (with optional "count" and '
                              '"overrides"), "scenario" or "events"')
    if sources != ["type"] and ("count" in body or "overrides" in body):
        raise AdminInputError('"count" and "overrides" go with "type"')
    await backend.load_factory()
    if "events" in body:
        if not isinstance(body["events"], list):
            raise AdminInputError('"events" must be a list of EventContent objects')
        checked = await backend.check_in_slices(body["events"])
        queued = await backend.emit_in_slices(sub_app_id, checked)
    elif "scenario" in body:
        if not isinstance(body["scenario"], str):
            raise AdminInputError('"scenario" must be a scenario name')
        queued = backend.emit(sub_app_id, backend.scenario(body["scenario"]))
    else:
        if not isinstance(body["type"], str):
            raise AdminInputError('"type" must be an EventType string')
        overrides = body.get("overrides")
        if overrides is not None and not isinstance(overrides, dict):
            raise AdminInputError('"overrides" must be an object, e.g. {"FileUploadEvent": {...}}')
        count = body.get("count", 1)
        if not is_integer(count):
            raise AdminInputError(f"count must be an integer, got {shown(count)}")
        queued = await backend.emit_in_slices(
            sub_app_id, backend.generate(body["type"], count, overrides))
    return {"sub_app_id": sub_app_id, "count": len(queued),
            "events": Streamed(queued, lambda event: event_view(event, with_content))}


async def _queues(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    return {"queues": [state.to_json() for state in backend.queue_states()]}


async def _queue(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    sub_app_id = read_sub_app_id(request.match_info["sub_app_id"])
    with_content = query_flag(request.query.get("content"), "content", True)
    contents = backend.queue_contents(sub_app_id)
    return {
        "sub_app_id": sub_app_id,
        "pullable": Streamed(contents.pullable, lambda event: event_view(event, with_content)),
        "leased": Streamed(contents.leases, lambda lease: lease_view(lease, with_content)),
        "held_pulls": contents.state.held_pulls,
        "confirmed": contents.state.confirmed,
    }


async def _journal(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    """The journal's entries; with ``after``, those recorded after that seq, held for up
    to ``wait_seconds`` until there is one (a follower's long poll)."""
    kind = request.query.get("kind")
    if kind is not None and kind not in j.KINDS:
        raise AdminInputError(f"kind must be one of {', '.join(j.KINDS)}, got {shown(kind)}")
    after, limit = _follow_query(request)
    event_id = request.query.get("event_id")
    # Held until an entry the query selects arrives; not at all when ``after`` is past
    # the newest (a follower of an epoch before a full reset: it must start again).
    await _hold_until(backend, request, lambda: after > backend.journal_last_seq
                      or bool(backend.journal_entries(kind, event_id, after, limit=1)))
    entries = backend.journal_entries(kind, event_id, after, limit)
    return {
        "evicted": backend.journal_evicted,
        "max_entries": backend.journal_max_entries,
        "last_seq": backend.journal_last_seq,
        "epoch": backend.journal_epoch,
        "entries": Streamed(entries, lambda entry: compact(entry.to_json())),
    }


_SEARCH_QUERY = ("before", "type", "sub_app_id", "state", "q")
"""With any of these, GET /events searches (newest first) instead of following."""


async def _emitted(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    """Every emitted event (queued, pushed or suppressed) kept, oldest first; followed as
    the journal is (``after``, ``wait_seconds``, ``limit``). With a filter or ``before``,
    a search instead: the matching events newest first, and how many match."""
    with_content = query_flag(request.query.get("content"), "content", True)
    if any(name in request.query for name in _SEARCH_QUERY):
        return await _search(backend, request, with_content)
    after, limit = _follow_query(request)
    # Not held when ``after`` is past the newest: a follower from before a full reset.
    await _hold_until(backend, request, lambda: backend.last_emitted_seq != after)
    events = backend.emitted_events(after, limit)
    return {
        "evicted": backend.emitted_evicted,
        "last_seq": backend.last_emitted_seq,
        "epoch": backend.journal_epoch,
        "events": Streamed(events, lambda event: feed_view(event, with_content)),
    }


async def _search(backend: VodBackend, request: web.Request,
                  with_content: bool) -> dict[str, Any]:
    query = request.query
    for name in ("after", "wait_seconds"):
        if name in query:
            raise AdminInputError(f"{name} follows the feed; it does not go with "
                                  f"{', '.join(n for n in _SEARCH_QUERY if n in query)}")
    text = query.get("q")
    _check_choice(query.get("type"), "type", _event_types())
    _check_choice(query.get("state"), "state", EVENT_STATES)
    wanted = EventFilter(
        event_type=query.get("type") or None,
        sub_app_id=read_sub_app_id(query["sub_app_id"]) if "sub_app_id" in query else ANY_APP,
        state=query.get("state") or None,
        text=text.encode("utf-8", "surrogatepass") if text else None)
    before = query_integer(query.get("before"), "before", 1, 2**63)
    limit = query_integer(query.get("limit"), "limit", 1, MAX_FOLLOW_LIMIT)
    found = await backend.search_events(wanted, before, limit)
    return {
        "matched": found.matched,
        "last_seq": backend.last_emitted_seq,
        "epoch": backend.journal_epoch,
        "events": Streamed(found.events, lambda event: feed_view(event, with_content)),
    }


def _check_choice(value: str | None, name: str, choices: Sequence[str]) -> None:
    if value and value not in choices:
        raise AdminInputError(f"{name} must be one of {', '.join(choices)}, got {shown(value)}")


def _event_types() -> tuple[str, ...]:
    from ..events import EVENT_TYPES  # the catalog is small; the machinery is not loaded

    return tuple(EVENT_TYPES)


async def _event(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    """One emitted event: its payload, its history, its callback attempts, its leases."""
    event_id = request.match_info["event_id"]
    event = backend.emitted_event(event_id)
    if event is None:
        raise AdminNotFound(f"no emitted event {shown(event_id)} is kept (see GET "
                            f"{PREFIX}/events)")
    return {
        "event": feed_view(event, True),
        "history": [entry.to_json() for entry in backend.journal_entries(event_id=event_id)],
        "callbacks": [attempt.to_json() for attempt in backend.callback_attempts(event_id)],
        "leases": [{"handle": lease.handle, "expires_at": lease.expires_at}
                   for lease in backend.leases_of(event)],
    }


async def _catalog(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    """What can be emitted (every EventType, the scenarios), and the states and journal
    kinds a client can filter by."""
    from ..events import MEMBER_OF_EVENT_TYPE
    from ..events.scenarios import SCENARIOS

    return {
        "event_types": [{"event_type": name, "member": member}
                        for name, member in MEMBER_OF_EVENT_TYPE.items()],
        "scenarios": [{"name": s.name, "description": s.description}
                      for s in SCENARIOS.values()],
        # The value lists a client filters by, so that it need not keep copies.
        "event_states": list(EVENT_STATES),
        "journal_kinds": list(j.KINDS),
    }


async def _event_config(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    """An application's event configuration, as DescribeEventConfig answers it."""
    sub_app_id = read_sub_app_id(request.match_info["sub_app_id"])
    return {"sub_app_id": sub_app_id, **backend.describe_event_config(sub_app_id).describe()}


async def _change_event_config(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    """Change it as ModifyEventConfig does (the same parameter names and checks)."""
    sub_app_id = read_sub_app_id(request.match_info["sub_app_id"])
    body = await read_body(request)
    reject_unknown(body, set(PARAMETERS))
    if not body:
        raise AdminInputError(f"name at least one of {', '.join(PARAMETERS)}")
    for name, value in body.items():
        if not isinstance(value, str):
            raise AdminInputError(f"{name} must be a string, got {shown(value)}")
    config = backend.modify_event_config(sub_app_id, body)
    return {"sub_app_id": sub_app_id, **config.describe()}


def _follow_query(request: web.Request) -> tuple[int, int | None]:
    query = request.query
    after = query_integer(query.get("after"), "after", 0, 2**63)
    limit = query_integer(query.get("limit"), "limit", 1, MAX_FOLLOW_LIMIT)
    return after or 0, limit


async def _hold_until(backend: VodBackend, request: web.Request,
                      arrived: Callable[[], bool]) -> None:
    """Hold for up to ``wait_seconds`` until ``arrived()``, a full reset or shutdown."""
    wait = query_wait_seconds(request)
    if wait is None:
        return
    epoch = backend.journal_epoch
    await hold(backend, request, lambda: arrived() or backend.journal_epoch != epoch, wait)


async def _callbacks(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    """Callback attempts, oldest first, filtered by event, application and outcome."""
    query = request.query
    outcome = query.get("outcome")
    if outcome is not None and outcome not in (*OUTCOMES, callbacks.FAILED):
        raise AdminInputError(f"outcome must be one of "
                              f"{', '.join((*OUTCOMES, callbacks.FAILED))}, "
                              f"got {shown(outcome)}")
    sub_app_id: AppFilter = ANY_APP
    if "sub_app_id" in query:
        sub_app_id = read_sub_app_id(query["sub_app_id"])
    attempts = backend.callback_attempts(query.get("event_id"), sub_app_id, outcome)
    return {
        "evicted": backend.callbacks_evicted,
        "max_records": backend.settings.callback_max_records,
        "attempts": Streamed(attempts, lambda attempt: compact(attempt.to_json())),
    }


async def _redeliver(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    """Send one event's callback again (``{"event_id": ...}``), or every undelivered one
    (``{}``)."""
    body = await read_body(request)
    reject_unknown(body, {"event_id"})
    event_id = body.get("event_id")
    if event_id is not None and not isinstance(event_id, str):
        raise AdminInputError(f"event_id must be a string, got {shown(event_id)}")
    return {"redelivering": backend.redeliver(event_id)}


async def _reset(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    """Everything (``{}``), or one application (``{"sub_app_id": ...}``)."""
    body = await read_body(request)
    reject_unknown(body, {"sub_app_id"})
    if "sub_app_id" not in body:
        backend.reset()
        return {"reset": True}
    sub_app_id = read_sub_app_id(body["sub_app_id"])
    backend.reset_app(sub_app_id)
    return {"reset": True, "sub_app_id": sub_app_id}


async def _settings(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    return runtime_view(backend.settings)


async def _change_settings(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    body = await read_body(request)
    if not body:
        raise AdminInputError("name at least one setting to change; see GET "
                              f"{PREFIX}/settings for them")
    return runtime_view(backend.change_settings(body))


async def _faults(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    return {"faults": [rule.to_json() for rule in backend.fault_rules()]}


async def _add_fault(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    return {"fault": backend.add_fault(await read_body(request)).to_json()}


async def _remove_faults(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    """One rule (``DELETE /faults/{id}``) or all of them (``DELETE /faults``)."""
    fault_id = request.match_info.get("fault_id")
    try:
        return {"removed": backend.remove_faults(fault_id)}
    except NotFound as error:
        raise AdminNotFound(f"{error}: GET {PREFIX}/faults lists those in force") from None


async def _report(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    """The consumer report: what the clients and callback handlers did since the last full
    reset that the real service would punish; only one application's with ``sub_app_id``."""
    findings = backend.consumer_report()
    if "sub_app_id" in request.query:
        sub_app_id = read_sub_app_id(request.query["sub_app_id"])
        findings = [one for one in findings if one.sub_app_id == sub_app_id]
    return {"clean": not findings, "findings": [one.to_json() for one in findings]}


async def _stats(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    return backend.stats()


async def _media(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    """One application's files, newest known first."""
    sub_app_id = _query_sub_app_id(request)
    limit = query_integer(request.query.get("limit"), "limit", 1, MAX_FOLLOW_LIMIT)
    await backend.load_factory()  # a file not looked at yet is made from it
    files, total = backend.media_files(sub_app_id, limit)
    return {"sub_app_id": sub_app_id, "total": total,
            "files": [media_summary_view(info) for info in files]}


async def _media_file(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    """One file's whole MediaInfo, as DescribeMediaInfos answers it."""
    sub_app_id = _query_sub_app_id(request)
    file_id = request.match_info["file_id"]
    await backend.load_factory()
    info = backend.media_file(sub_app_id, file_id)
    if info is None:
        raise AdminNotFound(f"the media library of application {shown(sub_app_id)} holds no "
                            f"file {shown(file_id)} (see GET {PREFIX}/media)")
    return {"sub_app_id": sub_app_id, "media_info": info}


async def _seed_media(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    """Add a file to the media library without an event."""
    body = await read_body(request)
    reject_unknown(body, {"sub_app_id", "file_id", "basic_info", "meta_data"})
    sub_app_id = read_sub_app_id(body.get("sub_app_id"))
    file_id = body.get("file_id")
    if file_id is not None and not (isinstance(file_id, str) and file_id):
        raise AdminInputError(f"file_id must be a non-empty string, got {shown(file_id)}")
    for name in ("basic_info", "meta_data"):
        if body.get(name) is not None and not isinstance(body[name], dict):
            raise AdminInputError(f"{name} must be an object, got {shown(body[name])}")
    await backend.load_factory()
    info = backend.seed_media(sub_app_id, file_id, body.get("basic_info"),
                              body.get("meta_data"))
    return {"sub_app_id": sub_app_id, "media_info": info}


async def _tasks(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    """The tasks the asynchronous actions started, newest first, of every application or
    one, optionally in one state or on one file."""
    query = request.query
    status = query.get("status")
    if status is not None and status not in TASK_STATES:
        raise AdminInputError(f"status must be one of {', '.join(TASK_STATES)}, "
                              f"got {shown(status)}")
    sub_app_id: AppFilter = ANY_APP
    if "sub_app_id" in query:
        sub_app_id = read_sub_app_id(query["sub_app_id"])
    limit = query_integer(query.get("limit"), "limit", 1, MAX_FOLLOW_LIMIT)
    file_id = query.get("file_id")
    tasks = _newest_first(backend.task_list(sub_app_id, status))
    if file_id is not None:
        tasks = [task for task in tasks if task.file_id == file_id]
    now = backend.now()
    # A running task's detail is copied to show it in progress (~0.3 ms each): the page
    # is encoded in slices that hand the loop back, then written as it is.
    encoded = await backend.in_slices((RawJson(compact(task.to_json(now)))
                                       for task in tasks[:limit]), "task list")
    return {"tasks": Streamed(encoded, _as_it_is), "count": len(tasks)}


def _as_it_is(encoded: RawJson) -> RawJson:
    return encoded


def _newest_first(tasks: list[Task]) -> list[Task]:
    """By creation time, the newest first; of tasks created at the same moment, the one
    started last first."""
    return sorted(tasks, key=lambda task: task.created)[::-1]


async def _task(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    """One task: its facts, its state and its detail as they stand now."""
    query = request.query
    sub_app_id: AppFilter = ANY_APP
    if "sub_app_id" in query:
        sub_app_id = read_sub_app_id(query["sub_app_id"])
    task = known_task(backend, sub_app_id, request.match_info["task_id"])
    return task.to_json(backend.now())


async def _finish_tasks(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    """Advance the clock until no task is running, their events sent."""
    body = await read_body(request)
    if body:
        raise AdminInputError(f"this route takes no fields (send {{}} or nothing), got "
                              f"{', '.join(shown(name) for name in sorted(body)[:5])}")
    seconds = await backend.finish_tasks()
    return {"advanced_seconds": seconds, "now": backend.now()}


def _query_sub_app_id(request: web.Request) -> SubAppId:
    text = request.query.get("sub_app_id")
    return None if text is None else read_sub_app_id(text)


async def _openapi(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    return openapi_document()


_FOLLOW_QUERY = ("after", "wait_seconds", "limit")

ROUTES: tuple[Route[AdminHandler], ...] = (
    Route("GET", "/health", "getHealth", _health),
    Route("GET", "/clock", "getClock", _clock),
    Route("POST", "/clock", "changeClock", _change_clock),
    Route("POST", "/events", "emitEvents", _emit),
    Route("GET", "/queues", "listQueues", _queues),
    Route("GET", "/queues/{sub_app_id}", "getQueue", _queue, ("content",)),
    Route("POST", "/wait", "wait", waits.wait),
    Route("GET", "/journal", "getJournal", _journal, ("kind", "event_id", *_FOLLOW_QUERY)),
    Route("GET", "/events", "getEventFeed", _emitted,
          (*_FOLLOW_QUERY, "content", *_SEARCH_QUERY)),
    Route("GET", "/events/{event_id}", "getEvent", _event),
    Route("GET", "/catalog", "getCatalog", _catalog),
    Route("GET", "/event-config/{sub_app_id}", "getEventConfig", _event_config),
    Route("POST", "/event-config/{sub_app_id}", "changeEventConfig", _change_event_config),
    Route("POST", "/reset", "reset", _reset),
    Route("GET", "/settings", "getSettings", _settings),
    Route("POST", "/settings", "changeSettings", _change_settings),
    Route("GET", "/faults", "listFaults", _faults),
    Route("POST", "/faults", "addFault", _add_fault),
    Route("DELETE", "/faults", "removeFaults", _remove_faults),
    Route("DELETE", "/faults/{fault_id}", "removeFault", _remove_faults),
    Route("GET", "/stats", "getStats", _stats),
    Route("GET", "/report", "getReport", _report, ("sub_app_id",)),
    Route("GET", "/openapi.json", "getOpenApi", _openapi),
    Route("GET", "/callbacks", "getCallbacks", _callbacks, ("event_id", "sub_app_id", "outcome")),
    Route("POST", "/callbacks/redeliver", "redeliverCallbacks", _redeliver),
    Route("GET", "/media", "listMedia", _media, ("sub_app_id", "limit")),
    Route("POST", "/media", "seedMedia", _seed_media),
    Route("GET", "/media/{file_id}", "getMediaFile", _media_file, ("sub_app_id",)),
    Route("GET", "/tasks", "listTasks", _tasks, ("sub_app_id", "status", "file_id", "limit")),
    Route("POST", "/tasks/finish", "finishTasks", _finish_tasks),
    # Not "finish": GET /tasks/finish is the wrong method on POST /tasks/finish (405).
    Route("GET", "/tasks/{task_id:(?!finish$)[^/]+}", "getTask", _task, ("sub_app_id",)),
)
"""Every admin route, in the order they are registered."""
