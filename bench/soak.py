"""Soak: a million events through one emulator process, with misbehaving consumers and
flapping receivers, then a check that nothing was lost or delivered twice.

One `python -m emulator serve` (signatures verified), 13 applications:
  * 6 PULL applications drained by 8 consumers (two share one application), which skip
    confirms, confirm part of a batch, abandon batches and hang up mid-pull;
  * 1 application switched PULL -> PUSH -> PULL by ModifyEventConfig during the run;
  * 2 PULL applications nobody pulls: their events wait out the 4-day retention;
  * 4 PUSH applications whose receivers flap (500s, down spells) under callback fault
    rules (failures, timeouts, resets, and an outage longer than the retry schedule);
  * media tasks through the Cloud API (ProcessMedia, PullUpload, DeleteMedia) whose
    events arrive later; Cloud API faults on PullEvents and ConfirmEvents;
  * the emulator clock scaled so that confirm windows, the callback retry schedule
    (~27 h) and the 4-day retention all pass during the run.
At the end it reconciles every event (see bench/soak_report.py), samples the emulator's
VmRSS throughout, writes the Soak section of bench/RESULTS.md and bench/results/soak.json,
and exits 1 if an invariant failed.

    .venv/bin/python bench/soak.py [--events 1000000] [--minutes 9.5] [--scale X]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import soak_report
from common import ServerProcess, cpu_busy_seconds, emulator_command, process_cpu_seconds
from soak_actors import (
    CONFIRMED,
    ISSUED,
    MARK,
    MARKER_PATHS,
    PULL,
    PUSH,
    TASK,
    CloudApi,
    Consumer,
    ConsumerHabits,
    EmulatorTime,
    Flapping,
    Ledger,
    Receiver,
    identity,
    pool_file_id,
    task_file_id,
)

RETENTION_SECONDS = 4 * 24 * 3600.0  # the emulator's default, the real service's
CONFIRM_WINDOW_SECONDS = 30.0
RETRY_SPAN_SECONDS = 5 + 300 + 1800 + 7200 + 18000 + 36000 + 36000  # the default schedule
RETENTION_AT = 0.4  # the retention first drops events this far into the emission
DAY_SCALE = 100.0  # most of the time: the 30 s confirm window is 300 ms real
CYCLE_SECONDS = 5.0  # real seconds: a day, then a night
NIGHT_SECONDS = 0.5  # of each cycle, at the scale that makes the average wanted
SETUP_SECONDS = 10.0
END_SECONDS = 75.0  # kept for draining, the last retries and the reconciliation
CHUNK = 250  # events per admin emit
POOL_FILES = 200  # pool FileIds per application
TASK_SHARE = 0.0015  # media task rounds (4 events each) per bulk event
HISTORIES = 200  # undelivered events whose every attempt record is checked
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


def plan() -> list[App]:
    apps = [App(i, "pull", 0.105) for i in range(6)]
    apps.append(App(6, "switch", 0.06, Flapping(0.02), tasks=False))
    apps += [App(7, "orphan", 0.025, tasks=False), App(8, "orphan", 0.025, tasks=False)]
    apps += [
        App(9, "push", 0.065, Flapping(0.02),
            {"effect": "fail", "status": 503, "probability": 0.05}),
        App(10, "push", 0.065, Flapping(0.02, period_seconds=20.0, down_seconds=3.0),
            {"effect": "timeout", "probability": 0.03}),
        App(11, "push", 0.065, Flapping(0.05), {"effect": "reset", "probability": 0.05}),
        App(12, "push", 0.065, Flapping(0.02), outage=True),
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


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


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
                                  **app.callback_fault}, f"app {app.index}")
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
    rate = run.events_wanted / run.emit_seconds
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
    """Rounds of a seeded file, ProcessMedia on it, a PullUpload, and a DeleteMedia of the
    file seeded two rounds before: four events a round, each marked."""
    rng = random.Random(3)
    apps = [app for app in run.apps if app.tasks]
    rounds_wanted = max(4, int(run.events_wanted * TASK_SHARE))
    interval = run.emit_seconds / rounds_wanted
    to_delete: list[tuple[App, int]] = []
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
        await task_step(run, app, [pull_n, upload_n], "PullUpload", run.api.call("PullUpload", {
            "SubAppId": app.sub_app_id, "MediaUrl": f"https://example.com/soak/{upload_n}.mp4",
            "SessionContext": f"{MARK}{pull_n}", "SourceContext": f"{MARK}{upload_n}"}))
        to_delete.append((app, file_n))
        if len(to_delete) > 2:
            await delete_file(run, *to_delete.pop(0))
        run.task_rounds += 1
    for app, file_n in to_delete:
        await delete_file(run, app, file_n)


async def delete_file(run: Run, app: App, file_n: int) -> None:
    await task_step(run, app, [file_n], "DeleteMedia", run.api.call(
        "DeleteMedia", {"SubAppId": app.sub_app_id, "FileId": task_file_id(file_n)}))


async def task_step(run: Run, app: App, numbers: list[int], what: str, request: Any) -> None:
    """One request; the events it will cause are marked issued first (they may arrive
    before its answer is read), and unmarked if it is refused."""
    route = PUSH if app.role == "push" else PULL
    for n in numbers:
        run.ledger.flags[n] = ISSUED | TASK | route
        run.ledger.app[n] = app.index
    try:
        await request
    except Exception as error:  # noqa: BLE001 (counted and shown in the results)
        code = getattr(error, "code", type(error).__name__)
        run.task_errors[f"{what}: {code}"] = run.task_errors.get(f"{what}: {code}", 0) + 1
        for n in numbers:
            run.ledger.flags[n] = 0
        return
    run.task_events += len(numbers)


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
                                     "sub_app_id": app.sub_app_id}, "outage")
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


# ----- watching


async def sample(run: Run, started: float) -> None:
    """Every second: the emulator's VmRSS and its counts."""
    consumed = {app.sub_app_id for app in run.apps if app.role in ("pull", "switch")}
    while not run.stopping:
        stats = await run.admin_call("GET", "/_emulator/stats")
        rows = stats["applications"]
        run.backlog = sum(row["pullable"] + row["leased"] for row in rows
                          if row["sub_app_id"] in consumed)
        run.samples.append({
            "t": round(time.monotonic() - started, 2), "rss_kib": rss_kib(run.pid),
            "emitted": stats["totals"]["emitted"], "backlog": run.backlog,
            "orphaned": sum(row["pullable"] for row in rows if row["sub_app_id"]
                            in {a.sub_app_id for a in run.apps if a.role == "orphan"}),
            **{name: stats["totals"][name] for name in (
                "confirmed", "dropped", "expired", "callbacks_delivered",
                "callbacks_undelivered", "callbacks_pending", "callback_attempts")},
            "journal": stats["journal"]["entries"],
            # CPU seconds so far: the emulator's, this process's, the whole machine's.
            "cpu_emulator": process_cpu_seconds(run.pid), "cpu_soak": time.process_time(),
            "cpu_machine": cpu_busy_seconds()})
        await asyncio.sleep(1.0)  # the sampling period


async def follow_journal(run: Run,
                         kinds: tuple[str, ...] = ("dropped", "undelivered", "released")) -> None:
    """Every dropped and undelivered entry, and every fault a rule made (counted by rule:
    a rule's own count cannot be read at the instant it is removed), polled often enough
    that the bounded journal never evicts one unread (a gap would be noted)."""
    cursors = dict.fromkeys((*kinds, "fault"), 0)
    found: dict[str, list[tuple[int, int, str]]] = {kind: [] for kind in kinds}
    by_rule: dict[tuple[str, int | None], int] = {}  # (rule id, sub_app_id): entries
    run.follower = {"entries": found, "gaps": 0, "faults_by_rule": by_rule}
    while True:
        last_round = run.stopping  # one whole round after the stop: nothing left unread
        for kind in cursors:
            answer = await run.admin_call("GET", "/_emulator/journal", kind=kind,
                                          after=cursors[kind])
            if answer["evicted"] > cursors[kind]:
                run.follower["gaps"] += 1  # entries past the cursor were evicted unread
            for entry in answer["entries"]:
                if kind == "fault":
                    key = (entry["detail"].split(":", 1)[0], entry["sub_app_id"])
                    by_rule[key] = by_rule.get(key, 0) + 1
                    continue
                seq = int(entry["event_id"][4:])
                if kind == "released":  # counted only: the event is pullable again
                    found[kind].append((seq, -1, ""))
                    continue
                # Resolved now, while the emulator still keeps the event's record.
                found[kind].append((seq, await n_of(run, seq), entry["detail"] or ""))
                if kind == "undelivered":
                    await note_history(run, seq)
            cursors[kind] = answer["last_seq"]
        if last_round:
            return
        await asyncio.sleep(0.5)  # the polling period


async def watch_leases(run: Run) -> None:
    """The server's own view, every 3 s: no event in two leases, no confirmed event leased."""
    counts = run.server_leases = {"looks": 0, "leases_seen": 0, "duplicate_leases": 0,
                                  "confirmed_then_leased": 0}
    consumed = [app for app in run.apps if app.role in ("pull", "switch")]
    while not run.stopping:
        for app in consumed:
            asked = time.monotonic()
            queue = await run.admin_call("GET", f"/_emulator/queues/{app.sub_app_id}",
                                         content="false")
            ids = [lease["event_id"] for lease in queue["leased"]]
            counts["looks"] += 1
            counts["leases_seen"] += len(ids)
            counts["duplicate_leases"] += len(ids) - len(set(ids))
            for event_id in ids:
                seq = int(event_id[4:])
                n = run.n_of_seq[seq] if seq < len(run.n_of_seq) else -1
                if n >= 0 and run.ledger.flags[n] & CONFIRMED \
                        and run.ledger.confirmed_at[n] < asked:
                    counts["confirmed_then_leased"] += 1
        await asyncio.sleep(3.0)  # the sampling period


# ----- the whole run


async def soak(server: ServerProcess, events: int, emit_seconds: float, clock_plan: ClockPlan,
               seed: int, breach: str | None) -> dict[str, Any]:
    assert server.process is not None
    clock = EmulatorTime()
    ledger = Ledger(events + 8 * int(events * TASK_SHARE) + 1000, CONFIRM_WINDOW_SECONDS,
                    clock)
    connector = aiohttp.TCPConnector(limit=16)
    async with aiohttp.ClientSession(connector=connector) as admin, \
            aiohttp.ClientSession() as api_session:
        run = Run(server.url, server.process.pid, plan(), ledger, admin,
                  CloudApi(server.url, api_session), clock, events, emit_seconds, clock_plan)
        chosen = await templates(run)
        await run.admin_call("POST", "/_emulator/reset", {})  # the templates' events gone
        receivers = {app.index: Receiver(f"receiver {app.index}", SIGN_KEY, ledger,
                                         app.flapping, seed + app.index)
                     for app in run.apps if app.flapping is not None}
        for receiver in receivers.values():
            await receiver.start()
        await configure(run, receivers, breach)
        await set_scale(run, clock_plan.day)
        run.kept = {  # the bounded records: "flat" is judged once they are full
            "journal": (await run.admin_call("GET", "/_emulator/health"))["journal_max_entries"],
            "callback_attempts": (await run.admin_call(
                "GET", "/_emulator/callbacks", event_id="none"))["max_records"]}
        consumers = [Consumer(f"consumer {i}", server.url, run.apps[index].sub_app_id, ledger,
                              ConsumerHabits(), seed * 100 + i)
                     for i, index in enumerate(CONSUMED_BY)]
        started = time.monotonic()
        rss_start = rss_kib(run.pid)
        consumer_tasks = [asyncio.ensure_future(consumer.run()) for consumer in consumers]
        watchers = [asyncio.ensure_future(work) for work in (
            sample(run, started), follow_journal(run), watch_leases(run))]
        background = [*watchers, *consumer_tasks]
        load = [asyncio.ensure_future(work) for work in (
            emit(run, chosen, started), media_tasks(run, started),
            switch_modes(run, receivers[6], started), outage(run, started),
            days_and_nights(run))]
        try:
            await gather_or_fail(load, background)
            run.phases["emission ended"] = time.monotonic() - started
            await finish(run, consumers, consumer_tasks, watchers, started)
        finally:
            run.stopping = True
            for consumer in consumers:
                consumer.stopping = True
            for task in [*load, *background]:
                task.cancel()
            await asyncio.gather(*load, *background, return_exceptions=True)
            for receiver in receivers.values():
                await receiver.stop()
        final = await run.admin_call("GET", "/_emulator/stats")
        leftovers = await queued_at_end(run)
        run.unexplained = await unexplained_failures(run)
        return soak_report.judge(run, final, consumers, receivers, leftovers, rss_start)


async def gather_or_fail(load: Sequence[asyncio.Future[Any]],
                         background: Sequence[asyncio.Future[Any]]) -> None:
    """Wait for the load to end; a failing background task (a consumer's bug, the
    emulator gone) stops the soak at once with its error."""
    pending = set(load)
    while pending:
        done, _ = await asyncio.wait([*pending, *background],
                                     return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            if task in background:
                task.result()  # raises what ended it
                raise RuntimeError("a background task of the soak ended early")
            task.result()
            pending.discard(task)


async def finish(run: Run, consumers: list[Consumer], consumer_tasks: Sequence[asyncio.Future[Any]],
                 background: Sequence[asyncio.Future[Any]], started: float) -> None:
    """No more load: the fault rules go, tasks end, the consumers drain what is left,
    then the clock jumps past the retry schedule so every callback ends."""
    await note_faults(run)
    await run.admin_call("DELETE", "/_emulator/faults")
    await run.admin_call("POST", "/_emulator/tasks/finish", {})
    consumed = {app.sub_app_id for app in run.apps if app.role in ("pull", "switch")}
    # Past these moments what is left stays as it is: judged queued, or pending.
    give_up = time.monotonic() + END_SECONDS - 20
    while time.monotonic() < give_up - 20:
        rows = (await run.admin_call("GET", "/_emulator/stats"))["applications"]
        if all(row["pullable"] + row["leased"] == 0 for row in rows
               if row["sub_app_id"] in consumed):
            break
        await asyncio.sleep(0.2)  # polling the drain's progress
    run.phases["drained"] = time.monotonic() - started
    for consumer in consumers:
        consumer.stopping = True
    await asyncio.gather(*consumer_tasks)
    run.ledger.checking_time = False  # the clock is advanced from here on
    await run.admin_call("POST", "/_emulator/clock", {"advance_seconds": 2 * RETRY_SPAN_SECONDS})
    while time.monotonic() < give_up:
        totals = (await run.admin_call("GET", "/_emulator/stats"))["totals"]
        if totals["callbacks_pending"] == 0:
            break
        await asyncio.sleep(0.2)  # polling the last retries' progress
    run.phases["callbacks ended"] = time.monotonic() - started
    run.stopping = True
    await asyncio.gather(*background, return_exceptions=True)


async def queued_at_end(run: Run) -> dict[int, list[int]]:
    """The events still queued (pullable or leased) at the end, by application: soak n."""
    left: dict[int, list[int]] = {}
    for app in run.apps:
        queue = await run.admin_call("GET", f"/_emulator/queues/{app.sub_app_id}",
                                     content="false")
        seqs = [int(e["event_id"][4:]) for e in [*queue["pullable"], *queue["leased"]]]
        left[app.index] = [await n_of(run, seq) for seq in seqs]
    return left


async def n_of(run: Run, seq: int) -> int:
    """The soak's number of the event ``seq``: from the emits' answers, else (a task's
    event) read from its payload, as kept with the event or its last callback; -1 if
    the emulator keeps neither any more."""
    if seq < len(run.n_of_seq) and run.n_of_seq[seq] >= 0:
        return run.n_of_seq[seq]
    event_id = f"evt-{seq:08d}"
    content = None
    try:
        content = (await run.admin_call("GET", f"/_emulator/events/{event_id}"))["event"][
            "content"]
    except RuntimeError:  # no longer kept: its callback record may be
        attempts = (await run.admin_call("GET", "/_emulator/callbacks",
                                         event_id=event_id))["attempts"]
        if attempts and attempts[-1]["body"]:
            content = json.loads(attempts[-1]["body"])
    n = None if content is None else identity(content)
    if n is None:
        return -1
    note_seq(run, seq, n)
    return n


async def note_history(run: Run, seq: int) -> None:
    """The attempt records of an undelivered event, read as soon as the journal says so
    (the record keeps the newest attempts only): the first HISTORIES, then one in 25."""
    undelivered = len(run.follower["entries"]["undelivered"])
    if len(run.histories) >= HISTORIES or (undelivered > HISTORIES // 4 and undelivered % 25):
        return
    attempts = (await run.admin_call("GET", "/_emulator/callbacks",
                                     event_id=f"evt-{seq:08d}"))["attempts"]
    run.histories.append({"seq": seq, "outcomes": [a["outcome"] for a in attempts],
                          "numbers": [a["attempt"] for a in attempts]})


async def unexplained_failures(run: Run) -> dict[str, int]:
    """Failed callback attempts (of those the record still keeps) that no fault rule
    made and the receiver did not answer: by application and error."""
    found: dict[str, int] = {}
    for app in run.apps:
        attempts = (await run.admin_call("GET", "/_emulator/callbacks",
                                         sub_app_id=app.sub_app_id, outcome="failed"))
        for attempt in attempts["attempts"]:
            error = attempt["error"] or ""
            if attempt["status"] is None and "(fault " not in error:
                key = f"app {app.index}: {error[:80]}"
                found[key] = found.get(key, 0) + 1
    return found


def run(events: int = 1_000_000, minutes: float = 9.5, scale: float | None = None,
        seed: int = 1, write: bool = True, breach: str | None = None,
        serve_flags: Sequence[str] = ()) -> dict[str, Any]:
    """The whole soak; answers the results (also written unless ``write`` is false)."""
    emit_seconds = max(10.0, minutes * 60 - SETUP_SECONDS - END_SECONDS)
    clock_plan = ClockPlan.for_emission(emit_seconds, scale)
    def command(port: int) -> list[str]:
        return emulator_command(port, verify=True, extra=serve_flags)

    with ServerProcess("emulator", command) as server:
        try:
            results = asyncio.run(soak(server, events, emit_seconds, clock_plan, seed,
                                       breach))
        except BaseException:
            print(server.log_tail(), file=sys.stderr)
            raise
        soak_report.judge_log(results, server.log_tail(size=1 << 40))
    results["config"].update({"minutes": minutes, "events_wanted": events, "breach": breach,
                              "serve_flags": list(serve_flags)})
    if write and breach is None:
        soak_report.write(results)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000,
                        help="bulk events to emit (the media tasks add ~0.6%%)")
    parser.add_argument("--minutes", type=float, default=9.5,
                        help="the whole run's budget; the emission stops in time for it")
    parser.add_argument("--scale", type=float, default=None,
                        help="run the emulator clock at this one scale throughout (default: "
                             f"days at {DAY_SCALE:g}, and nights fast enough that the 4-day "
                             f"retention passes {RETENTION_AT:.0%} into the emission)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--breach", choices=sorted(BREACHES),
                        help="add a fault rule that breaks a promise on purpose: the soak "
                             "must then fail (nothing is written)")
    parser.add_argument("--serve-flag", action="append", default=[], metavar="FLAG",
                        help="pass this to `serve` (repeatable), e.g. "
                             "--serve-flag=--journal-max-entries=20000")
    parser.add_argument("--no-write", action="store_true",
                        help="print the results; leave RESULTS.md and bench/results alone")
    arguments = parser.parse_args()
    results = run(arguments.events, arguments.minutes, arguments.scale, arguments.seed,
                  write=not arguments.no_write, breach=arguments.breach,
                  serve_flags=arguments.serve_flag)
    print(soak_report.summary(results))
    sys.exit(0 if results["passed"] else 1)


if __name__ == "__main__":
    main()
