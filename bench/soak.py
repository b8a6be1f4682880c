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
  * the emulator clock scaled: days at 100x (a consumer has 300 ms to confirm) and short
    nights much faster, so that confirm windows, the callback retry schedule (~27 h)
    and the 4-day retention all pass during the run.
At the end it reconciles every event (see bench/soak_report.py), samples the emulator's
VmRSS throughout, writes the Soak section of bench/RESULTS.md and bench/results/soak.json,
and exits 1 if an invariant failed (or the emulator answered InternalError or logged a
traceback).

    .venv/bin/python bench/soak.py [--events 1000000] [--minutes 15] [--scale X]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Sequence
from typing import Any

import aiohttp
import soak_report
from common import ServerProcess, cpu_busy_seconds, emulator_command, process_cpu_seconds
from soak_actors import (
    CONFIRMED,
    CloudApi,
    Consumer,
    ConsumerHabits,
    EmulatorTime,
    Ledger,
    Receiver,
    identity,
)
from soak_load import (
    BREACHES,
    CONFIRM_WINDOW_SECONDS,
    CONSUMED_BY,
    DAY_SCALE,
    RETENTION_AT,
    RETRY_SPAN_SECONDS,
    SIGN_KEY,
    TASK_SHARE,
    ClockPlan,
    Run,
    configure,
    days_and_nights,
    emit,
    media_tasks,
    note_faults,
    note_seq,
    outage,
    plan,
    set_scale,
    switch_modes,
    templates,
)

DEFAULT_MINUTES = 15.0
"""The whole run's budget: room for a million events where the emulator, one core busy,
takes ~1,400 a second alongside everything else the soak asks of it (the slower host)."""
SETUP_SECONDS = 10.0
END_SECONDS = 60.0  # kept for draining, the last retries and the reconciliation
HISTORIES = 200  # undelivered events whose every attempt record is checked
RECORD_BOUNDS = ("--journal-max-entries", "50000", "--callback-max-records", "50000")
"""The emulator's records (journal and emitted events, callback attempts and finished
deliveries) bounded at half their default, so that they are full by mid-run on a slow
host too, leaving a steady part in which to judge whether memory stays flat."""


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


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
        await asyncio.sleep(1.0)  # the polling period (the journal keeps several seconds)


async def watch_leases(run: Run) -> None:
    """The server's own view of one consumed application every 3 s, in turn: no event in
    two leases, no confirmed event leased."""
    counts = run.server_leases = {"looks": 0, "leases_seen": 0, "duplicate_leases": 0,
                                  "confirmed_then_leased": 0}
    consumed = [app for app in run.apps if app.role in ("pull", "switch")]
    while not run.stopping:
        for app in consumed:
            if run.stopping:
                return
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
            await asyncio.sleep(3.0)  # the sampling period (a look lists a whole queue)


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
        run.unexplained = await unexplained_failures(
            run, soak_report.unaccounted_attempts(run, final, receivers))
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
    # Finishing the tasks advances the clock while the consumers still drain: a jump
    # their leases' judgement must know of.
    sent = time.monotonic()
    run.clock.changing(sent)
    await run.admin_call("POST", "/_emulator/tasks/finish", {})
    now = (await run.admin_call("GET", "/_emulator/clock"))["now"]
    run.clock.changed(sent, time.monotonic(), now, run.clock.scale, jumped=True)
    consumed = {app.sub_app_id for app in run.apps if app.role in ("pull", "switch")}
    # Past these moments what is left stays as it is: judged queued, or pending.
    give_up = time.monotonic() + END_SECONDS - 15
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


async def unexplained_failures(run: Run, sub_app_ids: list[int]) -> dict[str, int]:
    """Failed callback attempts (of those the record still keeps) of these applications
    that no fault rule made and the receiver did not answer: by application and error."""
    found: dict[str, int] = {}
    for app in run.apps:
        if app.sub_app_id not in sub_app_ids:
            continue
        attempts = (await run.admin_call("GET", "/_emulator/callbacks",
                                         sub_app_id=app.sub_app_id, outcome="failed"))
        for attempt in attempts["attempts"]:
            error = attempt["error"] or ""
            if attempt["status"] is None and "(fault " not in error:
                key = f"app {app.index}: {error[:80]}"
                found[key] = found.get(key, 0) + 1
    return found


def run(events: int = 1_000_000, minutes: float = DEFAULT_MINUTES, scale: float | None = None,
        seed: int = 1, write: bool = True, breach: str | None = None,
        serve_flags: Sequence[str] = ()) -> dict[str, Any]:
    """The whole soak; answers the results (also written unless ``write`` is false)."""
    emit_seconds = max(10.0, minutes * 60 - SETUP_SECONDS - END_SECONDS)
    clock_plan = ClockPlan.for_emission(emit_seconds, scale)

    def command(port: int) -> list[str]:
        return emulator_command(port, verify=True, extra=[*RECORD_BOUNDS, *serve_flags])

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
    parser.add_argument("--minutes", type=float, default=DEFAULT_MINUTES,
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
