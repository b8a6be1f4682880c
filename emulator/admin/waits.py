"""``POST /_emulator/wait`` and the holding of requests: an admin request held open until
what it waits for happens (a count reached, events confirmed or delivered, a task
finished), its timeout, a full reset or shutdown; never by polling."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from typing import Any

from aiohttp import web

from ..base.echo import shown
from ..core.backend import VodBackend
from ..core.conditions import (
    TASKS_RUNNING,
    WAITED_COUNTS,
    ConditionError,
    CountCondition,
    parse_condition,
)
from ..core.event import CONFIRMED, DELIVERED, EmittedEvent
from ..core.ids import ANY_APP, AppFilter, SubAppId, app_text
from ..core.tasks import FINISH, TASKS_KEPT_SECONDS, Task
from .http import (
    HELD_REQUESTS,
    MAX_WAIT_SECONDS,
    PREFIX,
    AdminInputError,
    AdminNotFound,
    body_number,
    read_body,
    read_sub_app_id,
    reject_unknown,
)

EVENTS_REACHING = {"events_confirmed": CONFIRMED, "events_delivered": DELIVERED}
"""The wait's lists of event ids, and the state each list waits for its events to reach."""
MAX_WAITED_EVENTS = 10_000
WAIT_CONDITIONS = (*WAITED_COUNTS, "task_id", *EVENTS_REACHING)
"""Everything ``POST /wait`` can wait for (it needs one at least)."""
_TIMER_SLACK_SECONDS = 0.001
"""Added to a wake-up on a task's end, so that the clock has reached it when it comes."""


async def wait(backend: VodBackend, request: web.Request) -> dict[str, Any]:
    """Answer once every condition holds: each count's (at least a bare number; ``0``
    none; or ``"==N"``, ``"<=N"``, ``">=N"``), ``tasks_running``'s (a bare number: at
    most), the ``task_id`` task FINISH, every event of ``events_confirmed`` confirmed and
    of ``events_delivered`` delivered; at the timeout, or at once on shutdown (``met``
    false then)."""
    body = await read_body(request)
    reject_unknown(body, {"sub_app_id", "timeout_seconds", *WAIT_CONDITIONS})
    if not set(body) & set(WAIT_CONDITIONS):
        raise AdminInputError(f"name at least one of {', '.join(WAIT_CONDITIONS)}")
    sub_app_id = read_sub_app_id(body.get("sub_app_id"))
    counts = _count_conditions(body)
    timeout = body_number(body, "timeout_seconds", 10.0, MAX_WAIT_SECONDS)
    task_id = body.get("task_id")
    if task_id is not None and not (isinstance(task_id, str) and task_id):
        raise AdminInputError(f"task_id must be a task's id, got {shown(task_id)}")
    # The task is looked for in the application named, else in any.
    task_app: AppFilter = sub_app_id if "sub_app_id" in body else ANY_APP
    if task_id is not None:
        known_task(backend, task_app, task_id)
    events = {state: _named_events(backend, body, name)
              for name, state in EVENTS_REACHING.items() if name in body}

    def state() -> dict[str, int]:
        return {**backend.queue_state(sub_app_id).to_json(),
                **backend.callback_counts(sub_app_id),
                TASKS_RUNNING: _running(backend, sub_app_id)}

    def reached() -> bool:
        if task_id is not None and known_task(backend, task_app, task_id).status(
                backend.now()) != FINISH:
            return False
        if any(event.state != wanted for wanted, named in events.items() for event in named):
            return False
        if not counts:
            return True
        now = state()
        return all(condition.holds(now[condition.name]) for condition in counts)

    if task_id is None and TASKS_RUNNING not in body:
        await hold(backend, request, reached, timeout)
    else:  # a task finishes on the clock, with or without an event that says so
        await _hold_for_tasks(backend, request, reached, timeout, task_app)
    answer: dict[str, Any] = {"met": reached(), "state": state()}
    if events:
        answer["events"] = {event.event_id: event.state
                            for named in events.values() for event in named}
    if task_id is not None:
        answer["task"] = known_task(backend, task_app, task_id).to_json(backend.now())
    return answer


def _count_conditions(body: dict[str, Any]) -> list[CountCondition]:
    try:
        return [parse_condition(name, body[name]) for name in WAITED_COUNTS if name in body]
    except ConditionError as error:
        raise AdminInputError(str(error)) from None


def _named_events(backend: VodBackend, body: dict[str, Any], name: str) -> list[EmittedEvent]:
    """The events a list of ids names (404 for one the emulator does not know)."""
    ids = body[name]
    if not (isinstance(ids, list) and 0 < len(ids) <= MAX_WAITED_EVENTS
            and all(isinstance(event_id, str) and event_id for event_id in ids)):
        raise AdminInputError(f"{name} must be a list of 1 to {MAX_WAITED_EVENTS:,} event ids, "
                              f"got {shown(ids)}")
    try:
        return backend.events_by_id(set(ids))
    except LookupError as error:
        raise AdminNotFound(f"{name}: {error}") from None


def known_task(backend: VodBackend, sub_app_id: AppFilter, task_id: str) -> Task:
    """The task ``task_id`` of the application (or of any, with ANY_APP); 404 if none."""
    if sub_app_id != ANY_APP:
        task = backend.task(sub_app_id, task_id)
    else:
        task = next((task for task in backend.task_list() if task.task_id == task_id), None)
    if task is None:
        where = "" if sub_app_id == ANY_APP else f" of application {app_text(sub_app_id)}"
        raise AdminNotFound(f"no task {shown(task_id)}{where} is known (see GET "
                            f"{PREFIX}/tasks; a reset forgets them, and a finished task is "
                            f"forgotten {TASKS_KEPT_SECONDS / 86400:g} days after its request)")
    return task


def _running(backend: VodBackend, sub_app_id: SubAppId) -> int:
    """How many of the application's tasks are unfinished (WAITING or PROCESSING)."""
    now = backend.now()
    return sum(task.status(now) != FINISH for task in backend.task_list(sub_app_id))


async def hold(backend: VodBackend, request: web.Request, until: Callable[[], bool],
               timeout: float) -> None:
    """Hold a request for up to ``timeout`` real seconds until ``until()`` holds, checked
    on every journal entry and clock change; shutdown ends it at once. Counted in
    ``held_waits`` (``/health``)."""
    held = request.app[HELD_REQUESTS]
    held.waits += 1
    try:
        await backend.wait_for(until, timeout)
    finally:
        held.waits -= 1


async def _hold_for_tasks(backend: VodBackend, request: web.Request,
                          until: Callable[[], bool], timeout: float,
                          sub_app_id: AppFilter) -> None:
    """``hold``, woken also when the soonest unfinished task (of ``sub_app_id``) is due to
    finish: a task with ``TasksNotifyMode: None`` sends nothing when it does."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not (until() or backend.stopping):
        left = deadline - loop.time()
        if left <= 0:
            return
        await hold(backend, request, until, min(left, _real_seconds_to_finish(
            backend, sub_app_id)))


def _real_seconds_to_finish(backend: VodBackend, sub_app_id: AppFilter) -> float:
    """Real seconds until the soonest unfinished task finishes (inf: never by itself)."""
    clock = backend.clock_state()
    now: float = clock["now"]
    soonest = min((task.finishes for task in backend.task_list(sub_app_id)
                   if task.status(now) != FINISH), default=math.inf)
    if clock["frozen"] or math.isinf(soonest):
        return math.inf
    scale: float = clock["scale"]
    return max(0.0, soonest - now) / scale + _TIMER_SLACK_SECONDS
