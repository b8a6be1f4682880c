"""The soak's plan and load: its applications, the emulator clock's days and nights,
the events it emits (real payloads with its own numbers in them), the media tasks it
asks for, the mode switches, the outage and the fault rules (see bench/soak.py)."""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from array import array
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from soak_actors import (
    ISSUED,
    MARK,
    MARKER_PATHS,
    PULL,
    PUSH,
    TASK,
    UPLOADED_FILES,
    CloudApi,
    EmulatorTime,
    Flapping,
    Ledger,
    Receiver,
    pool_file_id,
    task_file_id,
)

from emulator.core.callbacks import DEFAULT_RETRY_SECONDS
from emulator.core.queue import QueueTimings

# The emulator's defaults, the soak runs with (the real service's numbers).
RETENTION_SECONDS = QueueTimings().retention_seconds  # 4 days
CONFIRM_WINDOW_SECONDS = QueueTimings().confirm_window_seconds  # 30 s
RETRY_SPAN_SECONDS = sum(DEFAULT_RETRY_SECONDS)  # ~27.6 h from a first attempt to its last
ATTEMPTS_PER_SERIES = 1 + len(DEFAULT_RETRY_SECONDS)
RETENTION_AT = 0.4  # the retention first drops events this far into the emission
DAY_SCALE = 100.0  # most of the time: the 30 s confirm window is 300 ms real
EMIT_HEADROOM = 0.95
"""The share of the emission time the bulk events are paced to fill."""
CYCLE_SECONDS = 10.0  # real seconds: a day, then a night
NIGHT_SECONDS = 0.3  # of each cycle, at the scale that makes the average wanted (leases
# out at night expire before their confirm: the shorter the nights, the less is redone)
CHUNK = 1000  # events per admin emit (~1 MB: a request's cost is spread over more events)
POOL_FILES = 200  # pool FileIds per application
TASK_SHARE = 0.0015  # media task rounds (4 events each) per bulk event
SIGN_KEY = "soakSignKey2026"
FIRST_SUB_APP_ID = 1500001001
SCRATCH_SUB_APP_ID = 1500009999  # where the templates are generated, then forgotten
BULK_TYPES = {"NewFileUpload": 0.2, "FileDeleted": 0.3, "TranscodeComplete": 0.25,
              "EditMediaComplete": 0.1, "PullComplete": 0.1, "ProcedureStateChanged": 0.05}
"""The types the soak emits itself, by share: each carries its number (a marker in
MARKER_PATHS; a FileDeleted, in the FileId it names)."""


@dataclass(frozen=True)
class ClockPlan:
    """How fast the emulator clock runs: days at DAY_SCALE, where a consumer has 300 ms
    to confirm, and short nights fast enough that the average passes the retention at
    RETENTION_AT of the emission (a confirm window, the ~27 h retry schedule and the 4
    days all pass during the run). A single scale instead when one is given."""

    day: float
    night: float  # == day: one scale throughout

    @classmethod
    def for_emission(cls, emit_seconds: float, scale: float | None) -> ClockPlan:
        if scale is not None:
            return cls(scale, scale)
        average = RETENTION_SECONDS / (RETENTION_AT * emit_seconds)
        night = (average * CYCLE_SECONDS - DAY_SCALE * (CYCLE_SECONDS - NIGHT_SECONDS)) \
            / NIGHT_SECONDS
        return cls(DAY_SCALE, min(max(night, DAY_SCALE), 100_000.0))

    @property
    def average(self) -> float:
        if self.night == self.day:
            return self.day
        day_seconds = CYCLE_SECONDS - NIGHT_SECONDS
        return (self.day * day_seconds + self.night * NIGHT_SECONDS) / CYCLE_SECONDS

    def to_json(self) -> dict[str, float]:
        return {"day_scale": self.day, "night_scale": round(self.night, 1),
                "average_scale": round(self.average, 1),
                "cycle_seconds": CYCLE_SECONDS if self.night != self.day else 0.0,
                "night_seconds": NIGHT_SECONDS if self.night != self.day else 0.0}


@dataclass
class App:
    index: int
    role: str  # pull, switch, orphan, push
    weight: float  # share of the bulk events
    flapping: Flapping | None = None  # PUSH and switch: the receiver's moods
    callback_fault: dict[str, Any] | None = None  # a rule on its callbacks, all run long
    outage: bool = False  # every callback fails for a spell longer than the retries
    tasks: bool = True  # media tasks run on it

    @property
    def sub_app_id(self) -> int:
        return FIRST_SUB_APP_ID + self.index


@dataclass
class Run:
    """The soak's state while it runs."""

    url: str
    pid: int
    apps: list[App]
    ledger: Ledger
    admin: aiohttp.ClientSession
    api: CloudApi
    clock: EmulatorTime
    events_wanted: int
    emit_seconds: float
    clock_plan: ClockPlan
    next_n: int = 0
    emitted: int = 0  # bulk events the emulator answered for
    emit_refused: int = 0
    task_rounds: int = 0
    task_events: int = 0  # events the task requests that were accepted will cause
    task_errors: dict[str, int] = field(default_factory=dict)
    n_of_seq: array[int] = field(default_factory=lambda: array("q"))  # seq -> n (-1: none)
    backlog: int = 0  # pullable + leased in the consumed applications (last sample)
    samples: list[dict[str, Any]] = field(default_factory=list)
    follower: dict[str, Any] = field(default_factory=dict)
    server_leases: dict[str, int] = field(default_factory=dict)
    faults_applied: dict[str, dict[str, Any]] = field(default_factory=dict)
    histories: list[dict[str, Any]] = field(default_factory=list)  # undelivered events'
    unexplained: dict[str, int] = field(default_factory=dict)  # failed callbacks, why

    phases: dict[str, float] = field(default_factory=dict)
    stopping: bool = False
    emission_done: bool = False  # the emission ended (its count, or its time)
    kept: dict[str, int] = field(default_factory=dict)  # the emulator's record bounds

    def alloc(self, count: int) -> int:
        first = self.next_n
        self.next_n += count
        if self.next_n > self.ledger.size:
            self.ledger.grow(max(self.next_n, self.ledger.size * 5 // 4))
        return first

    async def admin_call(self, method: str, path: str, body: Any = None,
                         **query: Any) -> Any:
        data = None if body is None else body if isinstance(body, bytes) else \
            json.dumps(body).encode()
        async with self.admin.request(method, self.url + path, data=data,
                                      params={k: str(v) for k, v in query.items()},
                                      headers={"Content-Type": "application/json"}) as answer:
            document = json.loads(await answer.read())
            if answer.status >= 400:
                raise RuntimeError(f"{method} {path}: {answer.status} {document}")
            return document


def plan() -> list[App]:
    apps = [App(i, "pull", 0.12) for i in range(6)]
    apps.append(App(6, "switch", 0.05, Flapping(0.02), tasks=False))
    apps += [App(7, "orphan", 0.025, tasks=False), App(8, "orphan", 0.025, tasks=False)]
    apps += [
        App(9, "push", 0.045, Flapping(0.02),
            {"effect": "fail", "status": 503, "probability": 0.05}),
        App(10, "push", 0.045, Flapping(0.02, period_seconds=20.0, down_seconds=3.0),
            {"effect": "timeout", "probability": 0.03}),
        App(11, "push", 0.045, Flapping(0.05), {"effect": "reset", "probability": 0.05}),
        App(12, "push", 0.045, Flapping(0.02), outage=True),
    ]
    return apps


CONSUMED_BY = [0, 1, 2, 3, 4, 5, 1, 6]
"""The application each of the 8 consumers pulls (two compete on application 1)."""
CLOUD_FAULTS = [
    {"action": "PullEvents", "effect": "error", "code": "RequestLimitExceeded",
     "probability": 0.005},
    {"action": "ConfirmEvents", "effect": "expire_lease", "probability": 0.003},
]
"""Not used: ``drop_confirm`` (answers success and leaves the lease: a consumer cannot
tell, so its confirmed event comes back by design) and ``duplicate`` (delivers an event
again by design); both would make the invariants false on purpose, which is what
``--breach`` does to show the checks catch it."""
BREACHES = {
    "drop_confirm": {"action": "ConfirmEvents", "effect": "drop_confirm", "probability": 0.01},
    "duplicate": {"action": "PullEvents", "effect": "duplicate", "probability": 0.01},
    "callback_duplicate": {"action": "callback", "effect": "duplicate", "probability": 0.01},
}
"""Fault rules that break a promise on purpose (``--breach``): the soak must fail."""


# ----- setting up


async def templates(run: Run) -> dict[str, list[str]]:
    """Real payloads of each bulk type made by the emulator, as text with holes: the
    marker (@@N@@), the FileIds (@@F@@, from the pool) and a FileDeleted's FileId
    (@@D@@, its number), filled for each event the soak sends."""
    made: dict[str, list[str]] = {}
    for event_type in BULK_TYPES:
        answer = await run.admin_call("POST", "/_emulator/events", {
            "type": event_type, "count": 8, "sub_app_id": SCRATCH_SUB_APP_ID})
        made[event_type] = [_with_holes(event["content"]) for event in answer["events"]]
    return made


def _with_holes(content: dict[str, Any]) -> str:
    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: ("@@F@@" if key in ("FileId", "Vid") and isinstance(item, str)
                          else walk(item)) for key, item in value.items()}
        if isinstance(value, list):
            return [walk(item) for item in value]
        return value

    holed = walk(content)
    if content["EventType"] == "FileDeleted":  # its number is the FileId it names
        holed["FileDeleteEvent"] = {"FileIdSet": ["@@D@@"], "FileDeleteResultInfo": [
            {"FileId": "@@D@@", "DeleteParts": []}]}
        return json.dumps(holed, ensure_ascii=False, separators=(",", ":"))
    place = holed
    *outer, last = MARKER_PATHS[content["EventType"]]
    for key in outer:
        if not isinstance(place.get(key), dict):  # an optional part generation left out
            place[key] = {}
        place = place[key]
    place[last] = MARK + "@@N@@"
    return json.dumps(holed, ensure_ascii=False, separators=(",", ":"))


async def configure(run: Run, receivers: dict[int, Receiver], breach: str | None) -> None:
    for app in run.apps:
        if app.role == "push":
            await run.api.call("ModifyEventConfig", {
                "SubAppId": app.sub_app_id, "Mode": "PUSH",
                "NotificationUrl": receivers[app.index].url, "SignKey": SIGN_KEY})
        else:
            await run.api.call("ModifyEventConfig", {"SubAppId": app.sub_app_id,
                                                     "Mode": "PULL"})
        if app.callback_fault is not None:
            await add_fault(run, {"action": "callback", "sub_app_id": app.sub_app_id,
                                  **app.callback_fault},
                            f"{app.callback_fault['effect']} on app {app.index}'s callbacks")
    for rule in CLOUD_FAULTS + ([BREACHES[breach]] if breach else []):
        await add_fault(run, rule, f"{rule['action']} {rule['effect']}")


async def add_fault(run: Run, rule: dict[str, Any], name: str) -> str:
    fault_id: str = (await run.admin_call("POST", "/_emulator/faults", rule))["fault"]["id"]
    run.faults_applied[fault_id] = {"name": name, "rule": rule, "applied": 0}
    return fault_id


async def note_faults(run: Run) -> None:
    """Read how often each rule acted (before any is removed: a removed rule is gone)."""
    for rule in (await run.admin_call("GET", "/_emulator/faults"))["faults"]:
        if rule["id"] in run.faults_applied:
            run.faults_applied[rule["id"]]["applied"] = rule["applied"]


# ----- the load


async def emit(run: Run, chosen: dict[str, list[str]], started: float) -> None:
    """Bulk events at a steady rate, each chunk to one application chosen by weight."""
    rng = random.Random(2)
    apps = [app for app in run.apps]
    weights = [app.weight for app in apps]
    types = list(BULK_TYPES)
    type_weights = list(BULK_TYPES.values())
    # Paced to be done a little early: a busy spell of the emulator's leaves the count
    # short otherwise (992,499 of a million in one run).
    rate = run.events_wanted / (EMIT_HEADROOM * run.emit_seconds)
    deadline = started + run.emit_seconds
    try:
        await emit_until(run, chosen, started, deadline, rate, rng, apps, weights, types,
                         type_weights)
    finally:
        run.emission_done = True


async def emit_until(run: Run, chosen: dict[str, list[str]], started: float, deadline: float,
                     rate: float, rng: random.Random, apps: list[App], weights: list[float],
                     types: list[str], type_weights: list[float]) -> None:
    while run.emitted < run.events_wanted and not run.stopping:
        now = time.monotonic()
        if now >= deadline:
            break
        ahead = run.emitted - rate * (now - started)
        if ahead > 0 or run.backlog > 100_000:
            await asyncio.sleep(min(0.05, max(ahead / rate, 0.005)))  # pacing
            continue
        app = rng.choices(apps, weights)[0]
        count = min(CHUNK, run.events_wanted - run.emitted)
        first = run.alloc(count)
        parts = []
        for n in range(first, first + count):
            event_type = rng.choices(types, type_weights)[0]
            template = rng.choice(chosen[event_type])
            file_id = pool_file_id(app.index, rng.randrange(POOL_FILES))
            parts.append(template.replace("@@N@@", str(n)).replace("@@F@@", file_id)
                         .replace("@@D@@", task_file_id(n)))
            run.ledger.flags[n] = ISSUED
            run.ledger.app[n] = app.index
        body = (b'{"sub_app_id":%d,"with_content":false,"events":[' % app.sub_app_id
                + ",".join(parts).encode() + b"]}")
        try:
            answer = await run.admin_call("POST", "/_emulator/events", body)
        except (RuntimeError, aiohttp.ClientError) as error:
            run.emit_refused += count
            print(f"emit refused: {error}", file=sys.stderr, flush=True)
            for n in range(first, first + count):
                run.ledger.flags[n] = 0
            continue
        for n, event in zip(range(first, first + count), answer["events"], strict=True):
            note_seq(run, int(event["event_id"][4:]), n)
            route = event["route"]
            run.ledger.flags[n] |= PULL if route == "queued" else PUSH if route == "pushed" else 0
        run.emitted += count


def note_seq(run: Run, seq: int, n: int) -> None:
    table = run.n_of_seq
    if seq >= len(table):
        table.extend(array("q", [-1]) * (seq + 1 - len(table) + 100_000))
    table[seq] = n
    run.ledger.seq[n] = seq


async def media_tasks(run: Run, started: float) -> None:
    """Rounds of a seeded file, ProcessMedia on it and a PullUpload (four events a round,
    each marked); two rounds later, DeleteMedia of that seeded file and of the file the
    PullUpload made."""
    rng = random.Random(3)
    apps = [app for app in run.apps if app.tasks]
    rounds_wanted = max(4, int(run.events_wanted * TASK_SHARE))
    interval = run.emit_seconds / rounds_wanted
    to_delete: list[tuple[App, int, str | None]] = []
    while run.task_rounds < rounds_wanted and not run.stopping:
        due = started + run.task_rounds * interval
        if time.monotonic() < due:
            await asyncio.sleep(min(0.05, due - time.monotonic()))  # pacing
            continue
        if run.emission_done:
            break
        app = rng.choice(apps)
        file_n, procedure_n, pull_n, upload_n = range(run.alloc(4), run.next_n)
        await task_step(run, app, [], "seed", run.admin_call(
            "POST", "/_emulator/media",
            {"sub_app_id": app.sub_app_id, "file_id": task_file_id(file_n)}))
        await task_step(run, app, [procedure_n], "ProcessMedia", run.api.call("ProcessMedia", {
            "SubAppId": app.sub_app_id, "FileId": task_file_id(file_n),
            "SessionContext": f"{MARK}{procedure_n}",
            "MediaProcessTask": {"TranscodeTaskSet": [{"Definition": 100030}]}}))
        pulled = await task_step(run, app, [pull_n, upload_n], "PullUpload", run.api.call(
            "PullUpload", {"SubAppId": app.sub_app_id,
                           "MediaUrl": f"https://example.com/soak/{upload_n}.mp4",
                           "SessionContext": f"{MARK}{pull_n}",
                           "SourceContext": f"{MARK}{upload_n}"}))
        to_delete.append((app, file_n, pulled["TaskId"] if pulled else None))
        if len(to_delete) > 2:
            await delete_files(run, *to_delete.pop(0))
        run.task_rounds += 1
    for app, file_n, pull_task in to_delete:
        await delete_files(run, app, file_n, pull_task)


async def delete_files(run: Run, app: App, file_n: int, pull_task: str | None) -> None:
    """DeleteMedia of a seeded file, and of the file its round's PullUpload made (if that
    task has finished: its FileId is known then; a task failed by a fault made none)."""
    await task_step(run, app, [file_n], "DeleteMedia", run.api.call(
        "DeleteMedia", {"SubAppId": app.sub_app_id, "FileId": task_file_id(file_n)}))
    if pull_task is None:
        return
    detail = await task_step(run, app, [], "DescribeTaskDetail", run.api.call(
        "DescribeTaskDetail", {"SubAppId": app.sub_app_id, "TaskId": pull_task}))
    made = ((detail or {}).get("PullUploadTask") or {}).get("FileId")
    if not made or (detail or {}).get("Status") != "FINISH":
        return
    deleted_n = run.alloc(1)
    UPLOADED_FILES[made] = deleted_n
    await task_step(run, app, [deleted_n], "DeleteMedia", run.api.call(
        "DeleteMedia", {"SubAppId": app.sub_app_id, "FileId": made}))


async def task_step(run: Run, app: App, numbers: list[int], what: str,
                    request: Awaitable[dict[str, Any]]) -> dict[str, Any] | None:
    """One request; the events it will cause are marked issued first (they may arrive
    before its answer is read), and unmarked if it is refused. Answers its answer (None
    if it was refused)."""
    route = PUSH if app.role == "push" else PULL
    for n in numbers:
        run.ledger.flags[n] = ISSUED | TASK | route
        run.ledger.app[n] = app.index
    try:
        answer = await request
    except Exception as error:  # noqa: BLE001 (counted and shown in the results)
        code = getattr(error, "code", type(error).__name__)
        run.task_errors[f"{what}: {code}"] = run.task_errors.get(f"{what}: {code}", 0) + 1
        for n in numbers:
            run.ledger.flags[n] = 0
        return None
    run.task_events += len(numbers)
    return answer


async def switch_modes(run: Run, receiver: Receiver, started: float) -> None:
    """The switching application goes PUSH at a third of the emission, PULL at two."""
    app = next(app for app in run.apps if app.role == "switch")
    for share, change in ((1 / 3, {"Mode": "PUSH", "NotificationUrl": receiver.url,
                                   "SignKey": SIGN_KEY}), (2 / 3, {"Mode": "PULL"})):
        if not await until(run, started + share * run.emit_seconds):
            return
        await run.api.call("ModifyEventConfig", {"SubAppId": app.sub_app_id, **change})
        run.phases[f"switch to {change['Mode']}"] = time.monotonic() - started


async def outage(run: Run, started: float) -> None:
    """Every callback of the outage application fails for longer than the whole retry
    schedule lasts: the events it starts with end undelivered."""
    app = next(app for app in run.apps if app.outage)
    spell = 1.3 * RETRY_SPAN_SECONDS / run.clock_plan.average + 2.0
    if not await until(run, started + 0.45 * run.emit_seconds - spell / 2):
        return
    fault_id = await add_fault(run, {"action": "callback", "effect": "fail",
                                     "sub_app_id": app.sub_app_id},
                             f"outage of app {app.index}'s callbacks")
    run.phases["outage from"] = time.monotonic() - started
    await until(run, time.monotonic() + spell)
    await run.admin_call("DELETE", f"/_emulator/faults/{fault_id}")
    run.phases["outage to"] = time.monotonic() - started


async def until(run: Run, moment: float) -> bool:
    """Pace a plan step: wait for its moment (monotonic); False if the emission ended
    first."""
    while time.monotonic() < moment:
        if run.emission_done or run.stopping:
            return False
        await asyncio.sleep(min(0.1, moment - time.monotonic()))  # pacing
    return True


async def set_scale(run: Run, scale: float) -> None:
    sent = time.monotonic()
    run.clock.changing(sent)
    state = await run.admin_call("POST", "/_emulator/clock", {"scale": scale})
    run.clock.changed(sent, time.monotonic(), state["now"], scale)


async def days_and_nights(run: Run) -> None:
    """The clock plan, until the emission ends; then a day's scale for the drain."""
    plan = run.clock_plan
    if plan.night == plan.day:
        return
    day = CYCLE_SECONDS - NIGHT_SECONDS
    while await until(run, time.monotonic() + day):
        await set_scale(run, plan.night)
        await until(run, time.monotonic() + NIGHT_SECONDS)
        await set_scale(run, plan.day)
