"""Run every benchmark and write the tables into bench/RESULTS.md (``make bench``).

Only the part of RESULTS.md between the bench:begin and bench:end markers is rewritten:
notes written by people around it (analysis, profiles) are kept. The soak
(bench/soak.py, ~15 minutes more) runs last and writes its own section.

    .venv/bin/python bench/run_all.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from types import FrameType
from typing import Any

import callbacks
import dashboard
import drain
import generation
import memory
import plugin_overhead
import snapshots
import soak
import soak_report
import stall
import startup
import statefile
import wake
from common import (
    BENCH,
    Interference,
    cpu_busy_seconds,
    emulator_version,
    machine_facts,
    markdown_table,
    ms,
    own_cpu_seconds,
    wait_until_quiet,
)

RESULTS = BENCH / "RESULTS.md"
RAW = BENCH / "results" / "latest.json"  # the raw numbers behind the tables
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
HARD_LIMIT_SECONDS = 2400  # the run takes 25-30 minutes with retakes; past this, give up
SOAK_MINUTES = soak.DEFAULT_MINUTES  # the soak after them, in its own time limit
SOAK_LIMIT_SECONDS = SOAK_MINUTES * 60 + 180

# The targets, as numbers.
STARTUP_VS_BARE = 1.15  # emulator start-up median <= 1.15x the bare aiohttp app's
RAW_VS_LIMIT = 0.50  # raw drain >= 50% of the replay (bare aiohttp) limit
SDK_VS_MOTO = 10.0  # SDK drain >= 10x moto+boto3
WAKE_P99 = 0.005  # seconds
GENERATION_RATE = 5_000  # mixed events/s on one core
ADMIN_EMIT_SECONDS = 3.0  # 10,000 events through POST /_emulator/events
STALL_MAX = 0.010  # seconds: the longest the loop is held during a 10,000-event emit
SHUTDOWN_SECONDS = 0.5  # SIGTERM to exit, with a PullEvents held
CALLBACKS_VS_LIMIT = 0.50  # PUSH callbacks/s >= 50% of a bare aiohttp sender's
CALLBACK_RATE = 2_000  # callbacks/s, emit to the receiver's last arrival
CALLBACK_P99 = 0.010  # seconds, emit sent to the callback's arrival


def _give_up(signum: int, frame: FrameType | None) -> None:
    # Raised inside whatever is running, so every `with ServerProcess` stops its child.
    raise TimeoutError("benchmarks still running past their time limit "
                       f"({HARD_LIMIT_SECONDS}s, then {SOAK_LIMIT_SECONDS:g}s for the soak): "
                       "stopped")


def yes(met: bool) -> str:
    return "**yes**" if met else "**NO**"


def rate(value: float) -> str:
    return f"{value:,.0f} ev/s"


def startup_section(results: dict[str, Any]) -> tuple[list[list[str]], str]:
    emulator, bare, moto = (results[n] for n in ("emulator", "bare aiohttp", "moto"))
    ratio = emulator["median"] / bare["median"]
    met = ratio <= STARTUP_VS_BARE and emulator["median"] < moto["median"]
    summary = [[
        "start-up to first answer, median (p90)",
        f"{ms(emulator['median'])} ({ms(emulator['p90'])})",
        f"bare aiohttp {ms(bare['median'])} ({ms(bare['p90'])}); "
        f"moto {ms(moto['median'])} ({ms(moto['p90'])})",
        f"<= {STARTUP_VS_BARE}x bare, < moto",
        f"{yes(met)} ({ratio:.2f}x bare, {emulator['median'] / moto['median']:.2f}x moto)",
    ]]
    rows = [[name, ms(s["median"]), ms(s["p90"]), ms(s["min"]), str(s["runs"])]
            for name, s in results.items()]
    detail = markdown_table(["server", "median", "p90", "min", "runs"], rows)
    return summary, detail


def drain_section(results: dict[str, Any]) -> tuple[list[list[str]], str]:
    summary: list[list[str]] = []
    details = []
    for placement, rates in results["rates"].items():
        rows = []
        for mode in ("unsigned", "signed"):
            for pullers in (1, 4):
                emulator = rates[f"raw {mode} x{pullers} emulator"]
                limit = rates[f"raw {mode} x{pullers} replay"]
                share = emulator / limit
                rows.append([f"raw client, {mode}, x{pullers} pullers", rate(emulator),
                             rate(limit), f"{share:.0%}"])
                summary.append([
                    f"raw drain, {mode}, x{pullers} ({placement})", rate(emulator),
                    f"bare-aiohttp limit {rate(limit)}", f">= {RAW_VS_LIMIT:.0%} of limit",
                    f"{yes(share >= RAW_VS_LIMIT)} ({share:.0%})",
                ])
        sdk, moto = rates["sdk emulator"], rates["moto+boto3"]
        rows.append(["official SDK, signed, 1 thread", rate(sdk), rate(rates["sdk replay"]),
                     f"{sdk / rates['sdk replay']:.0%}"])
        rows.append(["moto SQS + boto3 (10 a receive)", "", rate(moto), ""])
        summary.append([
            f"SDK drain, 1 thread ({placement})", rate(sdk), f"moto+boto3 {rate(moto)}",
            f">= {SDK_VS_MOTO:g}x moto", f"{yes(sdk >= SDK_VS_MOTO * moto)} ({sdk / moto:.0f}x)",
        ])
        server, client = (results["placements"][placement][k]
                          for k in ("server_cpus", "client_cpus"))
        details.append(
            f"**{placement}** (server on CPU {server}, client on CPU {client})\n\n"
            + markdown_table(["client", "emulator", "bare-aiohttp replay", "share"], rows)
        )
    return summary, "\n\n".join(details)


def wake_section(results: dict[str, Any]) -> tuple[list[list[str]], str]:
    summary = []
    rows = []
    for placement, servers in results.items():
        emulator, bare = servers["emulator"], servers["bare aiohttp"]
        summary.append([
            f"long-poll wake latency p50 / p99 ({placement})",
            f"{ms(emulator['p50'])} / {ms(emulator['p99'])}",
            f"bare aiohttp {ms(bare['p50'])} / {ms(bare['p99'])}",
            f"p99 <= {ms(WAKE_P99)}", yes(emulator["p99"] <= WAKE_P99),
        ])
        for name, s in servers.items():
            rows.append([placement, name, ms(s["p50"]), ms(s["p90"]), ms(s["p99"]),
                         ms(s["max"]), str(s["rounds"])])
    detail = markdown_table(["placement", "server", "p50", "p90", "p99", "max", "rounds"], rows)
    return summary, detail


def generation_section(results: dict[str, Any]) -> tuple[list[list[str]], str]:
    generated, emitted = results["generation"], results["admin_emit"]
    per_second = generated["events_per_second"]
    slowest = max(t["received_median"] for t in emitted["by_type"].values())
    summary = [
        ["event generation, mix of every type (one core)", rate(per_second), "",
         f">= {GENERATION_RATE:,} ev/s", yes(per_second >= GENERATION_RATE)],
        [f"{emitted['events']:,} events through POST /_emulator/events, slowest type, "
         "answer received", f"{slowest:.2f} s", "", f"< {ADMIN_EMIT_SECONDS:g} s",
         yes(slowest < ADMIN_EMIT_SECONDS)],
    ]
    sizes = generated["size_bytes"]
    size_table = markdown_table(
        ["min", "p50", "p90", "p99", "max", "mean"],
        [[f"{sizes[k]:,.0f} B" for k in ("min", "p50", "p90", "p99", "max", "mean")]])
    largest = markdown_table(["type", "mean size"],
                             [[t, f"{size:,.0f} B"] for t, size in generated["largest_types"]])
    emit_rows = [[t, f"{v['received_median']:.2f} s", f"{v['parsed_median']:.2f} s",
                  f"{v['answer_megabytes']:.1f} MB"] for t, v in emitted["by_type"].items()]
    emit_table = markdown_table(["type", "answer received", "answer parsed by the client",
                                 "answer size"], emit_rows)
    detail = (f"Payload sizes (compact JSON of the EventContent) over {generated['events']:,} "
              f"generated events:\n\n{size_table}\n\nLargest types:\n\n{largest}\n\n"
              f"{emitted['events']:,} events in one `POST /_emulator/events` (generation, "
              f"enqueue, and the answer listing every event; median of rounds):"
              f"\n\n{emit_table}")
    return summary, detail


def stall_section(results: dict[str, Any]) -> tuple[list[list[str]], str]:
    summary = []
    rows = []
    for result in results["stall"]:
        summary.append([
            f"longest loop stall during a {result['count']:,}-event emit ({result['event_type']})",
            ms(result["stall_max"]), f"idle {ms(result['idle_max'])}",
            f"<= {ms(STALL_MAX)}", yes(result["stall_max"] <= STALL_MAX),
        ])
        rows.append([result["event_type"], f"{result['emit_seconds']:.2f} s",
                     ms(result["stall_p99"]), ms(result["stall_max"]),
                     f"{ms(result['gc_pause_max'])} ({result['gc_collections']})",
                     ms(result["health_p50"]), ms(result["health_p99"]),
                     ms(result["health_max"])])
    shutdown = results["shutdown"]
    summary.append(["SIGTERM to exit with a PullEvents held (60 s long poll), median",
                    ms(shutdown["median"]), f"max {ms(shutdown['max'])}",
                    f"<= {ms(SHUTDOWN_SECONDS)}", yes(shutdown["max"] <= SHUTDOWN_SECONDS)])
    memory = results["memory"]
    detail = (
        markdown_table(["type", "emit", "loop held p99", "max", "longest collector pause "
                        "(collections)", "health p50", "p99", "max"], rows)
        + f"\n\n{memory['count']:,} `ProcedureStateChanged` with their payloads in the answer: "
        f"{memory['emit_seconds']:.1f} s, a {memory['answer_mb']:.0f} MB answer streamed; "
        f"server resident {memory['rss_before_mb']:.0f} MB before, peak "
        f"{memory['rss_peak_mb']:.0f} MB, {memory['rss_after_mb']:.0f} MB after (the "
        "queued events themselves)."
    )
    return summary, detail


def callbacks_section(results: dict[str, Any]) -> tuple[list[list[str]], str]:
    summary = []
    rate_rows = []
    latency_rows = []
    concurrencies = sorted({int(name.rsplit("c", 1)[1])
                            for rates in results["rates"].values() for name in rates})
    for placement, rates in results["rates"].items():
        for concurrency in concurrencies:
            emulator = rates[f"emulator c{concurrency}"]
            bare = rates[f"bare aiohttp c{concurrency}"]
            share = emulator["rate"] / bare["rate"]
            met = share >= CALLBACKS_VS_LIMIT and emulator["rate"] >= CALLBACK_RATE
            summary.append([
                f"PUSH callbacks, emit to received, {concurrency} in flight ({placement})",
                f"{emulator['rate']:,.0f} cb/s",
                f"bare aiohttp sender {bare['rate']:,.0f} cb/s",
                f">= {CALLBACKS_VS_LIMIT:.0%} of bare, >= {CALLBACK_RATE:,} cb/s",
                f"{yes(met)} ({share:.0%})",
            ])
            rate_rows.append([placement, str(concurrency), f"{emulator['rate']:,.0f} cb/s",
                              f"{emulator['emit_answer']:.2f} s",
                              f"{bare['rate']:,.0f} cb/s", f"{share:.0%}"])
        for name, s in results["latency"][placement].items():
            latency_rows.append([placement, name, ms(s["p50"]), ms(s["p90"]), ms(s["p99"]),
                                 ms(s["max"]), str(s["rounds"])])
        emulator = results["latency"][placement][f"emulator c{concurrencies[0]}"]
        bare = results["latency"][placement][f"bare aiohttp c{concurrencies[0]}"]
        summary.append([
            f"PUSH callback latency, emit sent to received, p50 / p99 ({placement})",
            f"{ms(emulator['p50'])} / {ms(emulator['p99'])}",
            f"bare aiohttp sender {ms(bare['p50'])} / {ms(bare['p99'])}",
            f"p99 <= {ms(CALLBACK_P99)}", yes(emulator["p99"] <= CALLBACK_P99),
        ])
    detail = (
        markdown_table(["placement", "in flight", "emulator", "emit answered after",
                        "bare aiohttp sender", "share"], rate_rows)
        + f"\n\nLatency, one event emitted at a time, {results['latency_rate']:g} a second "
        "(the bare sender: one body sent for each `POST /send`):\n\n"
        + markdown_table(["placement", "sender", "p50", "p90", "p99", "max", "rounds"],
                         latency_rows))
    return summary, detail


def plugin_section(results: dict[str, Any]) -> tuple[list[list[str]], str]:
    checked = results["variants"]["vod_emulator, check_clean"]
    target = plugin_overhead.OVERHEAD_TARGET
    summary = [[
        "pytest plugin: overhead per test (`vod_emulator`, teardown check on)",
        ms(checked["per_test"]), f"session start {ms(checked['session_start'])}",
        f"<= {ms(target)}", yes(checked["per_test"] <= target),
    ]]
    return summary, plugin_overhead.table(results)


def dashboard_section(results: dict[str, Any]) -> tuple[list[list[str]], str]:
    small, large = results["sizes"]
    loads = [results["load"][size]["seconds"] for size in (small, large)]
    search = results["filters"][large]
    held = max(figures["held_max"] for figures in results["loop"]["by_request"].values())
    summary = [
        [f"dashboard: page load to the newest page shown, {small:,} / {large:,} events, "
         "median", f"{ms(loads[0]['median'])} / {ms(loads[1]['median'])}", "",
         f"<= {ms(dashboard.LOAD_TARGET)} ({small:,})",
         yes(loads[0]["median"] <= dashboard.LOAD_TARGET)],
        [f"dashboard: type filter / id search over {large:,} events, action to list updated",
         f"{ms(search['type filter']['median'])} / {ms(search['id search']['median'])}",
         "", "—", ""],
        [f"dashboard's list request over {large:,} events: longest loop stall (probe)",
         ms(held), f"idle {ms(results['loop']['idle_max'])}", f"<= {ms(STALL_MAX)}",
         yes(held <= STALL_MAX)],
    ]
    return summary, dashboard.tables(results)


def durability_section(results: dict[str, Any]) -> tuple[list[list[str]], str]:
    summary = []
    for measured in results["memory"]:
        kind, target = measured["event_type"], memory.TARGET_BYTES[measured["event_type"]]
        summary.append([
            f"resident memory per queued `{kind}` ({measured['events']:,} queued)",
            f"{measured['bytes_per_event']:,.0f} B", "", f"<= {target:,} B",
            yes(measured["bytes_per_event"] <= target)])
    restore = results["snapshots"]["restore_on_loop"]
    summary.append([
        f"snapshot restore, {results['snapshots']['events']:,} events, holding the loop: "
        "median (p90)", f"{restore['median_ms']} ms ({restore['p90_ms']} ms)",
        f"round trip {results['snapshots']['restore_round_trip']['median_ms']} ms",
        f"<= {ms(snapshots.RESTORE_TARGET)}",
        yes(restore["median_ms"] <= snapshots.RESTORE_TARGET * 1000)])
    kept = results["statefile"]
    for pullers in (1, 4):
        share = kept[f"share x{pullers}"]
        summary.append([
            f"raw drain with `--state-file`, x{pullers} pullers",
            rate(kept["rates"][f"state file x{pullers}"]),
            f"in memory {rate(kept['rates'][f'memory x{pullers}'])}",
            f">= {statefile.DRAIN_SHARE_TARGET:.0%} of in memory",
            f"{yes(share >= statefile.DRAIN_SHARE_TARGET)} ({share:.0%}; emulator CPU per "
            f"event {kept['cpu_us_per_event'][f'memory x{pullers}']:.0f} µs in memory, "
            f"{kept['cpu_us_per_event'][f'state file x{pullers}']:.0f} µs with the file: "
            f"{kept[f'cpu share x{pullers}']:.0%})"])
    summary.append([
        f"restart on a state file of {kept['restart_events']:,} queued events, to the "
        "first answer", f"{kept['restart_seconds']:.1f} s",
        f"empty file {kept['start_fresh_seconds']:.2f} s", "—", ""])
    rows = [[name, rate(value), ", ".join(rate(one) for one in kept["all_rates"][name])]
            for name, value in kept["rates"].items()]
    detail = markdown_table(["drain", "median", "runs"], rows)
    return summary, detail


def render(results: dict[str, Any], facts: dict[str, str], elapsed: float) -> str:
    startup_rows, startup_detail = startup_section(results["startup"])
    drain_rows, drain_detail = drain_section(results["drain"])
    wake_rows, wake_detail = wake_section(results["wake"])
    generation_rows, generation_detail = generation_section(results["generation"])
    stall_rows, stall_detail = stall_section(results["stall"])
    callback_rows, callback_detail = callbacks_section(results["callbacks"])
    plugin_rows, plugin_detail = plugin_section(results["plugin"])
    dashboard_rows, dashboard_detail = dashboard_section(results["dashboard"])
    durability_rows, durability_detail = durability_section(results)
    d, c = results["drain"], results["callbacks"]
    summary = markdown_table(["metric", "emulator", "baseline(s)", "target", "met?"],
                             startup_rows + drain_rows + wake_rows + generation_rows
                             + stall_rows + callback_rows + plugin_rows + dashboard_rows
                             + durability_rows)
    machine = markdown_table(["fact", "value"], [[k, v] for k, v in facts.items()])
    return f"""{BEGIN}
<!-- Written by bench/run_all.py (`make bench`); edit outside the markers only. -->
## Results ({facts['date']}, run took {elapsed:.0f} s)

{summary}

Machine:

{machine}

### Start-up: spawn to first answered request

`python -m emulator serve` polled on `GET /_emulator/health`; the bare app
(`baseline_bare.py hello`) on the same path; `python -m moto.server` on `GET /`. The
three are interleaved, after one unrecorded start each (bytecode caches warm, in a
scratch `PYTHONPYCACHEPREFIX`).

{startup_detail}

### Drain: PullEvents (16) + ConfirmEvents, events/s

Median of {d['repeats']} drains after a warm-up drain: {d['events']:,} events for the raw
client, {d['sdk_events']:,} for the SDK (the emulator's rate does not depend on the count),
{d['moto_messages']:,} messages for moto (its rate falls as its queue grows, so a small queue
flatters it). "unsigned": the emulator runs with no secret and
checks no signature; "signed": it runs with `--secret-id/--secret-key` and the client
sends a real TC3-HMAC-SHA256 signature (made as the SDK's `_get_tc3_signature` does)
that the emulator verifies on every request. The replay baseline answers every
PullEvents with the {d['pull_answer_bytes']:,} bytes of one real 16-event answer; the
moto messages are one event's payload ({d['event_body_bytes']} bytes).

{drain_detail}

### Long-poll wake latency

From sending the admin emit (`POST /_emulator/events`, 1 event) to the held PullEvents'
answer read by the client; baseline: from sending `POST /wake` to the held `POST /hold`
answered (an `asyncio.Event`).

{wake_detail}

### Event generation

{generation_detail}

### Stalls, bulk-emit memory, shutdown

`bench/stall.py`: a probe task on the emulator's own event loop (in a process of its
own, `bench/loop_watch.py`) sleeps 1 ms again and again; how late each wake-up comes is
how long something held the loop. Measured during one `POST /_emulator/events` of
10,000 events (`"with_content": false`) while a second client sends
`GET /_emulator/health` back to back (its round trips are what other requests see).

{stall_detail}

### PUSH callbacks

`bench/callbacks.py`: the emulator started with `--callback-url` pointing at a receiver
(`bench/callback_peers.py receiver`: plain aiohttp answering 200 with an empty body and
noting each arrival's `time.monotonic()`, one clock for every process). Rate: from
sending one `POST /_emulator/events` of {c['events']:,} `{c['event_type']}`
(`"with_content": false`: generated, routed and delivered by the emulator) to the
receiver's last arrival, median of {c['repeats']} after a warm-up, the emulator reset
before each. The limit, in the same run and interleaved: a bare aiohttp sender
(`callback_peers.py sender`, one pooled `ClientSession` as the emulator's) posting the
same {c['events']:,} bodies, recorded from the emulator (median {c['body_bytes_median']:,.0f}
bytes), to the same receiver with as many in flight, timed from its `POST /send` to the
last arrival. The emulator and the sender run on the "server" CPU, the receiver on the
"client" one.

{callback_detail}

### The pytest plugin

`bench/plugin_overhead.py`: {results['plugin']['tests']} trivial tests run by pytest in a
subprocess, with and without the `vod_emulator` fixture, at {results['plugin']['tests']}
tests and at 1, interleaved, median of {results['plugin']['repeats']}; overhead per test
is the wall time's growth beyond the fixture-free suite's.

{plugin_detail}

### The dashboard

`bench/dashboard.py`: the page in headless Chromium (Playwright), a fresh browser context
for each load; times taken on the page's own clock when the events list shows what is
awaited, laid out (a `MutationObserver`); events emitted in rounds of 900
`NewFileUpload` and 100 `FileDeleted`. Then the list's request on the server alone, and
the longest the server's loop is held during it (`loop_watch.py`'s probe).

{dashboard_detail}

### Memory, snapshots and the state file

`bench/memory.py`: a running emulator's resident growth (VmRSS) per event queued
through the admin API, after one first event of the type (which loads the generator
and the type's payload dictionary, once a process). `bench/snapshots.py`: a save and a
restore on the loop of an emulator in this process, holding 1,000 `NewFileUpload`
events, 64 of them leased through the official SDK. `bench/statefile.py`: the raw
client's drain (unsigned) against an emulator in memory and one with `--state-file`,
interleaved, each run on a fresh process; then an emulator holding many queued events
stopped and started again on its file.

{durability_detail}
{END}"""


def write_results(block: str) -> None:
    """Replace the marked block of RESULTS.md, keeping whatever surrounds it."""
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n\n" + BEGIN + END
    if BEGIN in text and END in text:
        before, rest = text.split(BEGIN, 1)
        after = rest.split(END, 1)[1]
        text = before + block + after
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    RESULTS.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="fewer runs and events: a smoke test, not for RESULTS.md")
    arguments = parser.parse_args()
    signal.signal(signal.SIGALRM, _give_up)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))  # still stop children
    signal.alarm(HARD_LIMIT_SECONDS)
    quiet = wait_until_quiet(patience=30.0)
    started = time.perf_counter()
    busy_before, own_before = cpu_busy_seconds(), own_cpu_seconds()
    facts = machine_facts()
    facts["emulator measured"] = emulator_version()
    results: dict[str, Any] = {}
    print("start-up ...", flush=True)
    results["startup"] = startup.run(runs=3 if arguments.quick else 15)
    print("drain ...", flush=True)
    results["drain"] = (drain.run(events=2_000, repeats=1, sdk_events=1_000, moto_messages=50)
                        if arguments.quick else drain.run())
    print("wake ...", flush=True)
    results["wake"] = wake.run(rounds=30 if arguments.quick else 300)
    print("generation ...", flush=True)
    results["generation"] = generation.run(quick=arguments.quick)
    print("stalls, memory, shutdown ...", flush=True)
    results["stall"] = (stall.run(count=2_000, memory_count=5_000) if arguments.quick
                        else stall.run())
    print("callbacks ...", flush=True)
    results["callbacks"] = (callbacks.run(events=2_000, repeats=1, rounds=30)
                            if arguments.quick else callbacks.run())
    print("pytest plugin ...", flush=True)
    results["plugin"] = plugin_overhead.run(repeats=1 if arguments.quick else 5)
    print("dashboard ...", flush=True)
    results["dashboard"] = dashboard.run(**dashboard.QUICK) if arguments.quick else dashboard.run()
    print("memory, snapshots, state file ...", flush=True)
    results["memory"] = [memory.run(kind, 5_000 if arguments.quick else count)
                         for kind, count in memory.TYPES.items()]
    results["snapshots"] = snapshots.run(repeat=5 if arguments.quick else 50)
    results["statefile"] = (statefile.run(events=2_000, repeats=1, restart_events=5_000)
                            if arguments.quick else statefile.run())
    elapsed = time.perf_counter() - started
    signal.alarm(0)
    # What other processes took meanwhile: any sizeable share skews every figure above.
    others = (cpu_busy_seconds() - busy_before) - (own_cpu_seconds() - own_before)
    facts["other load"] = (
        f"{quiet:.0%} of a core before the run; {max(others, 0):.0f} CPU-s "
        f"({max(others, 0) / elapsed:.0%} of a core) during it; measurements retaken for "
        f"it: {Interference.retaken}, kept although disturbed: {Interference.kept_disturbed}")
    block = render(results, facts, elapsed)
    if arguments.quick:
        print(block)
    else:
        RAW.parent.mkdir(exist_ok=True)
        RAW.write_text(json.dumps({"machine": facts, **results}, indent=2) + "\n")
        write_results(block)
        print(f"wrote {RESULTS.relative_to(BENCH.parent)} in {elapsed:.0f} s")
    # The soak last, in a time limit of its own: it writes its own section of RESULTS.md
    # (outside the markers) and bench/results/soak.json, and fails the run if an
    # invariant does not hold.
    print("soak ...", flush=True)
    signal.alarm(int(SOAK_LIMIT_SECONDS))
    soaked = (soak.run(events=20_000, minutes=1.5, write=False) if arguments.quick
              else soak.run(minutes=SOAK_MINUTES))
    signal.alarm(0)
    print(soak_report.summary(soaked))
    if not soaked["passed"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
