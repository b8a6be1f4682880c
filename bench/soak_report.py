"""The soak's verdict: every event reconciled, each invariant judged, the figures written
into bench/RESULTS.md (its Soak section, outside the markers run_all.py rewrites) and
bench/results/soak.json.

Reconciliation never lists every event from the emulator (it keeps a bounded journal
and record): each event's own number ``n`` says which outcome the soak's consumers and
receivers saw (confirmed, delivered), the journal followed during the run names each
dropped and undelivered event, and the queues listed at the end name what is still
queued. Every event must have exactly one of these; the emulator's counters must agree
with the soak's, application by application.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from common import BENCH, emulator_version, machine_facts, markdown_table, percentile
from soak_actors import CONFIRMED, DELIVERED, ISSUED, TASK, Consumer, Receiver
from soak_load import (
    ATTEMPTS_PER_SERIES,
    CONFIRM_WINDOW_SECONDS,
    RETENTION_SECONDS,
    RETRY_SPAN_SECONDS,
    Run,
)

RESULTS = BENCH / "RESULTS.md"
RAW = BENCH / "results" / "soak.json"
BEGIN, END = "<!-- soak:begin -->", "<!-- soak:end -->"
WHOLE_HISTORIES_SHARE = 0.25
"""Of the sampled undelivered events, the share whose every attempt must still be in the
record (bounded: a series spread over a long day can lose its first ones), and one at
least, so that the check of their order says something. Runs on the project's host kept
124 to 200 of the 200 sampled."""
RSS_GROWTH_LIMIT = 0.05  # "flat": at most this much growth over the steady part
SPOILING = ("fail", "timeout", "reset")  # callback faults that send nothing

# Outcome bits beyond the ledger's flags, one byte per event.
DROPPED_BIT, UNDELIVERED_BIT, QUEUED_BIT = 1, 2, 4


def spoiled_by_app(run: Run) -> Counter[int]:
    """Callback attempts a fault rule failed without sending anything, by SubAppId (read
    from the journal's fault entries; each rule's own count noted as ``journaled``)."""
    spoiled = Counter[int]()
    for fault in run.faults_applied.values():
        fault["journaled"] = 0
    for (rule_id, sub_app_id), count in run.follower["faults_by_rule"].items():
        fault = run.faults_applied[rule_id]
        fault["journaled"] += count
        if fault["rule"]["action"] == "callback" and fault["rule"]["effect"] in SPOILING:
            spoiled[sub_app_id] += count
    return spoiled


def unaccounted_attempts(run: Run, final: dict[str, Any],
                         receivers: dict[int, Receiver]) -> list[int]:
    """The SubAppIds whose callback attempts are not all a receiver's arrival or a
    fault's doing."""
    rows = {row["sub_app_id"]: row for row in final["applications"]}
    spoiled = spoiled_by_app(run)
    return [app.sub_app_id for app in run.apps
            if rows.get(app.sub_app_id, {}).get("callback_attempts", 0)
            != (receivers[app.index].log.arrivals if app.index in receivers else 0)
            + spoiled[app.sub_app_id]]


def judge(run: Run, final: dict[str, Any], consumers: list[Consumer],
          receivers: dict[int, Receiver], leftovers: dict[int, list[int]],
          rss_start: int) -> dict[str, Any]:
    ledger, histories = run.ledger, run.histories
    outcome = bytearray(run.next_n)
    unresolved = Counter[str]()
    attempts_seen = Counter[int]()
    for kind, bit in (("dropped", DROPPED_BIT), ("undelivered", UNDELIVERED_BIT)):
        # (the follower's "released" entries are only counted, below)
        for _seq, n, detail in run.follower["entries"][kind]:
            if n < 0:
                unresolved[kind] += 1
                continue
            outcome[n] |= bit
            if kind == "undelivered":
                attempts_seen[int(detail.split(":", 1)[0].removeprefix("attempt "))] += 1
    for numbers in leftovers.values():
        for n in numbers:
            if n < 0:
                unresolved["queued"] += 1
            else:
                outcome[n] |= QUEUED_BIT
    per_app = {app.index: Counter[str]() for app in run.apps}
    lost_examples: list[str] = []
    doubled_examples: list[str] = []
    for n in range(run.next_n):
        flags = ledger.flags[n]
        if not flags & ISSUED:
            continue
        counts = per_app[ledger.app[n]]
        counts["issued"] += 1
        counts["task events"] += bool(flags & TASK)
        ends = [name for name, seen in (
            ("confirmed", flags & CONFIRMED), ("delivered", flags & DELIVERED),
            ("dropped", outcome[n] & DROPPED_BIT), ("undelivered", outcome[n] & UNDELIVERED_BIT),
            ("queued", outcome[n] & QUEUED_BIT)) if seen]
        for name in ends:
            counts[name] += 1
        if not ends:
            counts["lost"] += 1
            if len(lost_examples) < 10:
                lost_examples.append(f"n={n} seq={ledger.seq[n]} app={ledger.app[n]} "
                                     f"flags={flags}")
        elif len(ends) > 1:
            counts["two outcomes"] += 1
            if len(doubled_examples) < 10:
                doubled_examples.append(f"n={n} seq={ledger.seq[n]}: {', '.join(ends)}")
    rows = {row["sub_app_id"]: row for row in final["applications"]}
    arrivals = {app.index: receivers[app.index].log.arrivals if app.index in receivers else 0
                for app in run.apps}
    spoiled = spoiled_by_app(run)
    mismatches: list[str] = []
    app_table = []
    for app in run.apps:
        row, mine = rows.get(app.sub_app_id, {}), per_app[app.index]
        ours = {"emitted": mine["issued"], "confirmed": mine["confirmed"],
                "dropped": mine["dropped"], "callbacks_delivered": mine["delivered"],
                "callbacks_undelivered": mine["undelivered"],
                "queued": mine["queued"]}
        theirs = {"emitted": row.get("emitted", 0), "confirmed": row.get("confirmed", 0),
                  "dropped": row.get("dropped", 0),
                  "callbacks_delivered": row.get("callbacks_delivered", 0),
                  "callbacks_undelivered": row.get("callbacks_undelivered", 0),
                  "queued": row.get("pullable", 0) + row.get("leased", 0)}
        for name in ours:
            if ours[name] != theirs[name]:
                mismatches.append(f"app {app.index} {name}: soak {ours[name]:,}, "
                                  f"emulator {theirs[name]:,}")
        outcomes = sum(theirs[name] for name in theirs if name != "emitted") \
            + row.get("callbacks_pending", 0) + row.get("suppressed", 0)
        if outcomes != theirs["emitted"]:
            mismatches.append(f"app {app.index}: the emulator's outcomes add up to "
                              f"{outcomes:,}, not its {theirs['emitted']:,} emitted")
        expected_attempts = arrivals[app.index] + spoiled[app.sub_app_id]
        if row.get("callback_attempts", 0) != expected_attempts:
            mismatches.append(f"app {app.index} callback attempts: emulator "
                              f"{row.get('callback_attempts', 0):,}, receiver arrivals "
                              f"{arrivals[app.index]:,} + fault-spoiled "
                              f"{spoiled[app.sub_app_id]:,}")
        app_table.append({"app": app.index, "sub_app_id": app.sub_app_id, "role": app.role,
                          "soak": dict(mine), "emulator": row})
    breaches = ledger.breaches.counts
    server = run.server_leases
    logs = total_logs(consumers)
    receiver_logs = {name: sum(getattr(r.log, name) for r in receivers.values())
                     for name in ("arrivals", "answered_200", "answered_500",
                                  "bad_signatures", "unmarked")}
    complete = [h for h in histories
                if h["numbers"] == list(range(1, ATTEMPTS_PER_SERIES + 1))]
    well_formed = [h for h in complete if h["outcomes"] == ["pending_retry"] * (
        ATTEMPTS_PER_SERIES - 1) + ["undelivered"]]
    totals = final["totals"]
    lost = sum(c["lost"] for c in per_app.values())
    doubled = sum(c["two outcomes"] for c in per_app.values())
    rss = rss_summary(run.samples, rss_start, run.phases.get("emission ended", 0.0), run.kept,
                      run.phases.get("outage to"))
    checks = {
        "no event lost": {
            "passed": lost == 0 and doubled == 0 and not mismatches and not unresolved
            and run.follower["gaps"] == 0 and logs["unmarked"] == 0
            and receiver_logs["unmarked"] == 0,
            "lost": lost, "two_outcomes": doubled, "lost_examples": lost_examples,
            "two_outcome_examples": doubled_examples, "count_mismatches": mismatches,
            "unresolved_ids": dict(unresolved), "journal_gaps": run.follower["gaps"],
            "confirms_with_lost_answer": sum(v for k, v in logs["errors"].items()
                                             if k.startswith("confirm lost")),
        },
        "no confirmed event delivered again": {
            "passed": not any(breaches.get(k) for k in (
                "leased_after_confirm", "confirmed_twice", "confirmed_stale_handle"))
            and server.get("confirmed_then_leased", 0) == 0,
            "leased_after_confirm": breaches.get("leased_after_confirm", 0),
            "confirmed_twice": breaches.get("confirmed_twice", 0),
            "confirmed_stale_handle": breaches.get("confirmed_stale_handle", 0),
            "server_view_confirmed_then_leased": server.get("confirmed_then_leased", 0),
            "late_pulls_ambiguous": ledger.ambiguous_late_pulls,
        },
        "at most one live lease per event": {
            "passed": not breaches.get("two_live_leases")
            and server.get("duplicate_leases", 0) == 0,
            "two_live_leases": breaches.get("two_live_leases", 0),
            "judged_once_a_clock_change_was_known": ledger.deferred_judgements,
            "server_view_duplicate_leases": server.get("duplicate_leases", 0),
            "server_view_looks": server.get("looks", 0),
            "server_view_leases_seen": server.get("leases_seen", 0),
            "released_by_the_emulator": len(run.follower["entries"]["released"]),
        },
        "every callback delivered or undelivered, attempts recorded": {
            "passed": totals["callbacks_pending"] == 0
            and set(attempts_seen) <= {ATTEMPTS_PER_SERIES}
            and len(well_formed) == len(complete)
            >= max(1, WHOLE_HISTORIES_SHARE * len(histories))
            and not breaches.get("callback_after_200")
            and receiver_logs["bad_signatures"] == 0
            and not [m for m in mismatches if "callback" in m],
            "pending_at_end": totals["callbacks_pending"],
            "delivered": totals["callbacks_delivered"],
            "undelivered": totals["callbacks_undelivered"],
            "undelivered_by_attempts": dict(attempts_seen),
            "histories_checked": len(histories), "histories_complete": len(complete),
            "histories_well_formed": len(well_formed),
            "sent_again_after_200": breaches.get("callback_after_200", 0),
            "failures_without_answer_or_fault": run.unexplained,
            "bad_signatures": receiver_logs["bad_signatures"],
        },
        "resident memory flat once retention drops events": rss,
    }
    passed = all(check["passed"] is not False for check in checks.values())
    emission = run.phases.get("emission ended", 0.0)
    plan = run.clock_plan
    figures = {
        "events emitted (bulk + task events)": totals["emitted"],
        "bulk events": run.emitted, "task events": run.task_events,
        "task rounds": run.task_rounds, "task errors": run.task_errors,
        "emission seconds": round(emission, 1),
        "events/s (emitted over the emission)": round(totals["emitted"] / max(emission, 1e-9)),
        "confirmed": totals["confirmed"], "delivered": totals["callbacks_delivered"],
        "expired leases (came back)": totals["expired"], "dropped by retention": totals["dropped"],
        "undelivered": totals["callbacks_undelivered"],
        "callback attempts": totals["callback_attempts"],
        "run seconds": round(run.phases.get("callbacks ended", 0.0), 1),
        "clock scale: day / night / average": f"{plan.day:,.0f} / {plan.night:,.0f} / "
                                               f"{plan.average:,.0f}",
        "confirm window by day, real ms": round(CONFIRM_WINDOW_SECONDS * 1000 / plan.day, 1),
        "retry schedule at the average scale, real s": round(RETRY_SPAN_SECONDS / plan.average,
                                                             1),
        "4-day retention at the average scale, real s": round(RETENTION_SECONDS / plan.average,
                                                              1),
    }
    figures.update(cpu_figures(run.samples, emission))
    return {
        "passed": passed, "checks": checks, "figures": figures, "consumers": logs,
        "receivers": receiver_logs, "breach_examples": ledger.breaches.examples,
        "faults": list(run.faults_applied.values()), "phases": run.phases,
        "applications": app_table, "emit_refused": run.emit_refused,
        "rss_series": downsample(run.samples, 120),
        "config": {"clock": plan.to_json(), "applications": len(run.apps),
                   "consumers": len(consumers), "receivers": len(receivers)},
        "machine": {**machine_facts(), "emulator measured": emulator_version()},
    }


def judge_log(results: dict[str, Any], log: str) -> None:
    """A crash is a failure too: an InternalError answered (the consumers saw it) or a
    traceback in the emulator's log."""
    internal = sum(count for code, count in results["consumers"]["errors"].items()
                   if "InternalError" in code)
    tracebacks = log.count("Traceback (most recent call last)")
    first = log.find("Traceback (most recent call last)")
    results["checks"]["no crash (InternalError, traceback)"] = {
        "passed": internal == 0 and tracebacks == 0,
        "internal_errors_answered": internal, "tracebacks_logged": tracebacks,
        "first_traceback": log[first:first + 3000] if first >= 0 else ""}
    results["passed"] = results["passed"] and internal == 0 and tracebacks == 0
    results["emulator_log_tail"] = log[-1500:]


def cpu_figures(samples: list[dict[str, Any]], emission_end: float) -> dict[str, Any]:
    """CPU per event emitted, the emulator's and the soak's (its consumers, receivers and
    checks), and what other processes took meanwhile, over the emission."""
    during = [s for s in samples if s["t"] <= emission_end]
    if len(during) < 2:
        return {}
    first, last = during[0], during[-1]
    events = max(last["emitted"] - first["emitted"], 1)
    seconds = max(last["t"] - first["t"], 1e-9)
    emulator = last["cpu_emulator"] - first["cpu_emulator"]
    soak = last["cpu_soak"] - first["cpu_soak"]
    others = last["cpu_machine"] - first["cpu_machine"] - emulator - soak
    return {"emulator CPU per event, µs": round(emulator / events * 1e6),
            "emulator CPU, share of a core": f"{emulator / seconds:.0%}",
            "soak process CPU per event, µs": round(soak / events * 1e6),
            "other processes' load during the emission, share of a core":
                f"{max(others, 0) / seconds:.0%}"}


def total_logs(consumers: list[Consumer]) -> dict[str, Any]:
    totals: dict[str, Any] = {"errors": Counter[str]()}
    latencies: list[float] = []
    for consumer in consumers:
        for name, value in vars(consumer.log).items():
            if name == "errors":
                totals["errors"].update(value)
            elif name == "latencies_ms":
                latencies += value
            else:
                totals[name] = totals.get(name, 0) + value
    totals["errors"] = dict(totals["errors"])
    totals["pull_to_confirmed_ms"] = {
        f"p{q}": round(percentile(latencies, q), 2) for q in (50, 90, 99, 99.9)}
    return totals


def rss_summary(samples: list[dict[str, Any]], rss_start: int, emission_end: float,
                kept: dict[str, int], outage_end: float | None = None) -> dict[str, Any]:
    """VmRSS over the run; "flat" is judged from the first retention drop (the unpulled
    queues stop growing) once the bounded records are full (as many emitted events as
    journal entries; as many callback attempts, and as many finished deliveries, each
    holding its event, as the callbacks' record keeps) and the outage is over (while it
    lasts, its application's deliveries pile up pending retries, as they should) to the
    end of the emission."""
    mib = [s["rss_kib"] / 1024 for s in samples]
    summary: dict[str, Any] = {
        "start_mib": round(rss_start / 1024, 1), "peak_mib": round(max(mib, default=0), 1),
        "end_mib": round(mib[-1], 1) if mib else None,
    }
    onset = next((s["t"] for s in samples if s["dropped"] > 0), None)
    full = next((s["t"] for s in samples if s["emitted"] >= kept["journal"]
                 and s["callback_attempts"] >= kept["callback_attempts"]
                 and s["callbacks_delivered"] + s["callbacks_undelivered"]
                 >= kept["callback_attempts"]), None)
    start = None if onset is None or full is None else max(onset, full, outage_end or 0.0)
    steady = [s for s in samples if start is not None and start <= s["t"] <= emission_end]
    if start is None or len(steady) < 20:
        summary.update(passed=None, retention_onset_s=onset, records_full_s=full,
                       outage_end_s=outage_end,
                       why="not judged: the emission ended before retention dropped events "
                       f"(at {onset} s) with the bounded records full (at {full} s) and "
                       f"the outage over (at {outage_end} s)")
        return summary
    values = [s["rss_kib"] / 1024 for s in steady]
    tenth = max(3, len(values) // 10)
    first, last = statistics.median(values[:tenth]), statistics.median(values[-tenth:])
    times = [s["t"] for s in steady]
    slope = statistics.linear_regression(times, values).slope * 60
    growth = (last - first) / first
    summary.update(
        passed=growth <= RSS_GROWTH_LIMIT, retention_onset_s=onset, records_full_s=full,
        outage_end_s=None if outage_end is None else round(outage_end, 1),
        steady_seconds=round(times[-1] - times[0], 1), steady_first_mib=round(first, 1),
        steady_last_mib=round(last, 1), steady_min_mib=round(min(values), 1),
        steady_max_mib=round(max(values), 1), growth=round(growth, 4),
        slope_mib_per_min=round(slope, 2), limit=RSS_GROWTH_LIMIT)
    return summary


def downsample(samples: list[dict[str, Any]], wanted: int) -> list[dict[str, Any]]:
    step = max(1, len(samples) // wanted)
    return samples[::step] + ([samples[-1]] if samples and (len(samples) - 1) % step else [])


# ----- writing


def summary(results: dict[str, Any]) -> str:
    lines = [f"soak {'PASSED' if results['passed'] else 'FAILED'}"]
    for name, value in results["figures"].items():
        lines.append(f"  {name}: {value:,}" if isinstance(value, int | float)
                     else f"  {name}: {value}")
    consumers = results["consumers"]
    lines.append(f"  consumers: {consumers['pulls']:,} pulls, {consumers['confirmed']:,} "
                 f"confirmed, {consumers['handles_refused']:,} refused, pull to confirmed "
                 f"{consumers['pull_to_confirmed_ms']}, errors {consumers['errors']}")
    lines.append(f"  receivers: {results['receivers']}")
    for name, check in results["checks"].items():
        verdict = {True: "ok", False: "FAILED", None: "not judged"}[check["passed"]]
        details = {k: v for k, v in check.items() if k != "passed" and v not in ([], {}, 0)}
        lines.append(f"  [{verdict}] {name}: {json.dumps(details, default=str)[:600]}")
    for kind, examples in results["breach_examples"].items():
        lines.append(f"  {kind}: " + "; ".join(examples[:5]))
    return "\n".join(lines)


def section(results: dict[str, Any]) -> str:
    f, checks = results["figures"], results["checks"]
    lost, again = checks["no event lost"], checks["no confirmed event delivered again"]
    lease, calls = checks["at most one live lease per event"], checks[
        "every callback delivered or undelivered, attempts recorded"]
    rss = checks["resident memory flat once retention drops events"]
    crash = checks["no crash (InternalError, traceback)"]
    verdict = {True: "**yes**", False: "**NO**", None: "not judged"}
    rows = [
        ["no event lost", verdict[lost["passed"]],
         f"{lost['lost']:,} lost, {lost['two_outcomes']:,} with two outcomes, "
         f"{len(lost['count_mismatches'])} count mismatches, "
         f"{lost['journal_gaps']} journal gaps"],
        ["no confirmed event delivered again", verdict[again["passed"]],
         f"{again['leased_after_confirm']:,} leased after their confirm, "
         f"{again['confirmed_twice']:,} confirmed twice, {again['confirmed_stale_handle']:,} "
         f"stale handles confirmed, {again['server_view_confirmed_then_leased']:,} in the "
         "server's leases"],
        ["at most one live lease per event", verdict[lease["passed"]],
         f"{lease['two_live_leases']:,} seen by the consumers, "
         f"{lease['server_view_duplicate_leases']:,} in {lease['server_view_looks']:,} looks "
         f"at the server's leases ({lease['server_view_leases_seen']:,} leases); "
         f"{lease['judged_once_a_clock_change_was_known']:,} second leases read while a "
         "clock change was in flight, judged once it was known"],
        ["every callback delivered or undelivered, attempts recorded",
         verdict[calls["passed"]],
         f"{calls['delivered']:,} delivered, {calls['undelivered']:,} undelivered "
         f"(by attempts made: {calls['undelivered_by_attempts']}), "
         f"{calls['pending_at_end']} pending; "
         f"{calls['histories_well_formed']}/{calls['histories_complete']} sampled histories "
         f"whole; {calls['sent_again_after_200']} sent again after a 200"],
        ["resident memory flat once retention drops events", verdict[rss["passed"]],
         rss.get("why") or f"{rss['steady_first_mib']:,} → {rss['steady_last_mib']:,} MiB "
         f"over {rss['steady_seconds']:,} s ({rss['growth']:+.1%}, "
         f"{rss['slope_mib_per_min']:+.1f} MiB/min; limit {rss['limit']:.0%}), judged from "
         f"the first retention drop ({rss['retention_onset_s']} s), the records full "
         f"({rss['records_full_s']} s) and the outage over ({rss.get('outage_end_s')} s), "
         "whichever is last"],
        ["no crash", verdict[crash["passed"]],
         f"{crash['internal_errors_answered']} InternalError answered, "
         f"{crash['tracebacks_logged']} tracebacks in the emulator's log"],
    ]
    figure_rows = [[name, f"{value:,}" if isinstance(value, int | float) else str(value)]
                   for name, value in f.items()]
    consumers, receivers = results["consumers"], results["receivers"]
    latency = ", ".join(f"{q} {ms} ms" for q, ms in consumers["pull_to_confirmed_ms"].items())
    behaviour = (
        f"Consumers: {consumers['pulls']:,} pulls ({consumers['empty_pulls']:,} empty), "
        f"{consumers['events']:,} events received, {consumers['confirmed']:,} handles "
        f"confirmed in {consumers['confirms']:,} confirms; {consumers['skipped']:,} batches "
        f"left unconfirmed, {consumers['partial']:,} confirmed in part, "
        f"{consumers['abandoned']:,} abandoned, {consumers['hung_up']:,} pulls hung up on; "
        f"{consumers['confirms_refused']:,} confirms refused ({consumers['handles_refused']:,} "
        f"handles: late, or a fault expired the lease); errors {consumers['errors']}; "
        f"from a pull's answer to its confirm's, {latency}. "
        f"Receivers: {receivers['arrivals']:,} callbacks, {receivers['answered_200']:,} "
        f"answered 200, {receivers['answered_500']:,} answered 500. Fault rules: "
        + "; ".join(f"{x['name']}: {x['journaled']:,}" for x in results["faults"]) + ".")
    rss_rows = [[f"{s['t']:.0f}", f"{s['rss_kib'] / 1024:,.0f}", f"{s['emitted']:,}",
                 f"{s['orphaned']:,}", f"{s['dropped']:,}"]
                for s in results["rss_series"][:: max(1, len(results["rss_series"]) // 12)]]
    date = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    plan = results["config"]["clock"]
    clock = (f"the emulator clock at scale {plan['day_scale']:,.0f}" if not plan["cycle_seconds"]
             else f"the emulator clock at scale {plan['day_scale']:,.0f} (the "
             f"{CONFIRM_WINDOW_SECONDS:g} s confirm window lasts "
             f"{CONFIRM_WINDOW_SECONDS * 1000 / plan['day_scale']:,.0f} ms) but for a night of "
             f"{plan['night_seconds']:g} s every {plan['cycle_seconds']:g} s at "
             f"{plan['night_scale']:,.0f} (the average, {plan['average_scale']:,.0f}, passes "
             "the ~27 h callback retry schedule and the 4-day retention during the run)")
    return f"""{BEGIN}
## Soak (`bench/soak.py`, {date}; written by it, `make bench` runs it)

One emulator process, {results['config']['applications']} applications (6 PULL drained by 8
consumers that skip confirms, confirm in part, abandon batches and hang up mid-pull; one
switched PULL → PUSH → PULL; 2 PULL nobody pulls; 4 PUSH whose receivers flap under
callback fault rules, one through an outage longer than the retry schedule), media
tasks through the Cloud API; {clock}. Every event
carries its own number, so each is reconciled by what the consumers and receivers saw,
the journal followed during the run (dropped, undelivered) and the queues at the end;
the emulator's counters must agree application by application. Verdict:
{'**all invariants hold**' if results['passed'] else '**an invariant failed**'}.

{markdown_table(['invariant', 'holds?', 'counts'], rows)}

{markdown_table(['figure', 'value'], figure_rows)}

{behaviour}

Emulator VmRSS over the run (start {rss['start_mib']:,} MiB, peak {rss['peak_mib']:,} MiB,
end {rss['end_mib']:,} MiB):

{markdown_table(['t (s)', 'VmRSS (MiB)', 'emitted', 'queued, unpulled apps', 'dropped'],
                rss_rows)}

Machine: {results['machine']['CPU']}, {results['machine']['cores']} cores,
{results['machine']['Python']}; emulator measured: {results['machine']['emulator measured']}.
Raw figures: `bench/results/soak.json`.
{END}"""


def write(results: dict[str, Any]) -> None:
    RAW.parent.mkdir(exist_ok=True)
    RAW.write_text(json.dumps(results, indent=1, default=str) + "\n")
    block = section(results)
    text = RESULTS.read_text()
    if BEGIN in text and END in text:
        before, rest = text.split(BEGIN, 1)
        text = before + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    RESULTS.write_text(text)
