"""ProcessMedia accepted per second, the drain of the events its tasks end in, and the
server's resident memory per task.

    .venv/bin/python bench/tasks.py [--quick]       # prints a JSON summary
    .venv/bin/python bench/tasks.py --profile       # where the server's time goes (cProfile)

Target (issue 14): 1,000 ProcessMedia requests/s accepted on one core, with the drain
figures unchanged.

The emulator runs as ``python -m emulator serve`` (no secret: requests are unsigned Cloud
API 3.0 POSTs, as bench/media.py sends), pinned as bench/drain.py pins it: "one core" puts
the server and this client on the same core, "two cores" gives the server a core of its
own. Files are seeded with ``POST /_emulator/media`` (no event), the clock is frozen, and
every ProcessMedia names one of them with a ``MediaProcessTask.TranscodeTaskSet`` of 1 or
2 preset Definitions and ``TasksNotifyMode: Finish``.

1. **Accepted per second**: back to back on 1 and 8 keep-alive connections (closed loop),
   and paced at 1,000 a second (open loop: each request's latency counts from the moment
   it was due, so a server that falls behind shows it). The limit, in the same
   placement: the same client against a bare aiohttp app answering a captured
   ProcessMedia answer (``baseline_bare.py replay``).
2. **Drain**: ``TASKS`` tasks accepted, then ``POST /_emulator/tasks/finish`` advances the
   clock until every one has finished (one ProcedureStateChanged each; the loop is probed
   with ``GET /_emulator/health`` meanwhile), then PullEvents (16) + ConfirmEvents drain
   them with drain.py's raw client, half with 1 puller and half with 4. Compared, in the
   same run and placement: drain.py's own figure (NewFileUpload emitted by the admin API
   into a fresh emulator), NewFileUpload drained with the finished tasks still held, and
   ProcedureStateChanged emitted by the admin API (the same type, generated).
3. **Memory**: a fresh emulator's resident size before, after ``TASKS`` accepted (held,
   waiting), after they finished (their events queued) and after the drain.

Beside each rate: the server's and this client's CPU time per request (or per event
drained), from /proc. On one core a rate is bounded by their sum, and CPU time moves far
less than a rate when other processes share the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import http.client
import itertools
import json
import math
import pstats
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent))

import aiohttp  # noqa: E402
from common import (  # noqa: E402
    HOST,
    REPO,
    Interference,
    ServerProcess,
    bare_command,
    emulator_command,
    median,
    percentile,
    pinned,
    placements,
    process_cpu_seconds,
    undisturbed,
)
from drain import raw_drain, tc3_headers  # noqa: E402
from memory import resident_bytes  # noqa: E402

T = TypeVar("T")

TARGET_RATE = 1_000  # ProcessMedia accepted per second, on one core
FILES = 1_000  # seeded files the requests name
DEFINITIONS = (100010, 100020, 100030, 100040)  # the preset MP4 transcoding templates
RATE_REQUESTS = 5_000  # per accepted-per-second measurement
PACED_REQUESTS = 5_000  # paced at TARGET_RATE: 5 s
PACED_MAX_IN_FLIGHT = 64
TASKS = 20_000  # accepted, then finished and drained (drain.py drains 20,000 events)
WINDOW = 2_000  # the long acceptance run's rate, per this many requests
PSC_EVENTS = 10_000  # ProcedureStateChanged emitted by the admin API (slow to generate)
EMIT_CHUNK = 5_000
REPEATS = 3
WARMUP_TASKS = 2_000
REQUEST_TIMEOUT = 60.0
TRIES = 3  # a measurement disturbed by other processes is taken again, up to this often


def measured(measure: Callable[[], T], pids: list[int]) -> T:
    """``measure``, retaken (up to TRIES) while other processes disturb it."""
    return undisturbed(measure, pids, tries=TRIES)


# ----- a keep-alive connection for the admin API


class Admin:
    def __init__(self, server: ServerProcess) -> None:
        self.connection = http.client.HTTPConnection(HOST, server.port, timeout=300)

    def __call__(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        try:
            self.connection.request(method, path, data, headers)
            response = self.connection.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # The server closed the connection while it sat idle (its keep-alive
            # timeout, during a long measurement): nothing was done; again on a new one.
            self.connection.close()
            self.connection.request(method, path, data, headers)
            response = self.connection.getresponse()
        answer = response.read()
        if response.status != 200:
            raise RuntimeError(f"{path}: HTTP {response.status}: {answer[:300]!r}")
        return json.loads(answer)

    def close(self) -> None:
        self.connection.close()


def prepare(admin: Admin, files: int = FILES) -> list[str]:
    """A fresh emulator state: reset, ``files`` seeded (no event), the clock frozen (no
    task ends until the clock is advanced). The FileIds."""
    admin("POST", "/_emulator/reset", {})
    file_ids = [admin("POST", "/_emulator/media", {})["media_info"]["FileId"]
                for _ in range(files)]
    admin("POST", "/_emulator/clock", {"freeze": True})
    return file_ids


def emit(admin: Admin, event_type: str, count: int) -> None:
    left = count
    while left:
        chunk = min(left, EMIT_CHUNK)
        admin("POST", "/_emulator/events",
              {"type": event_type, "count": chunk, "with_content": False})
        left -= chunk


def queue_counts(admin: Admin) -> dict[str, int]:
    (queue,) = admin("GET", "/_emulator/queues")["queues"]
    return queue  # type: ignore[no-any-return]


def check_drained(admin: Admin) -> None:
    queue = queue_counts(admin)
    if queue["pullable"] or queue["leased"]:
        raise AssertionError(f"queue not drained: {queue}")


def mean_event_bytes(admin: Admin, after: int, count: int = 50) -> float:
    """The mean size of an emitted event's EventContent (compact JSON), from the record."""
    events = admin("GET", f"/_emulator/events?after={after}&limit={count}")["events"]
    sizes = [len(json.dumps(e["content"], ensure_ascii=False, separators=(",", ":")).encode())
             for e in events]
    return sum(sizes) / len(sizes)


def last_seq(admin: Admin) -> int:
    return int(admin("GET", "/_emulator/events?limit=1")["last_seq"])


# ----- the requests


def process_media_bodies(file_ids: list[str], count: int, start: int = 0) -> list[bytes]:
    """ProcessMedia bodies: the files in turn, 1 or 2 Definitions in turn, Finish."""
    bodies = []
    for index in range(start, start + count):
        wanted = 1 + index % 2
        definitions = [DEFINITIONS[(index + k) % len(DEFINITIONS)] for k in range(wanted)]
        bodies.append(json.dumps({
            "FileId": file_ids[index % len(file_ids)],
            "MediaProcessTask": {"TranscodeTaskSet": [{"Definition": d} for d in definitions]},
            "TasksNotifyMode": "Finish",
        }).encode())
    return bodies


class CpuMeter:
    """CPU seconds used by the server (``pid``) and by this client since it was made."""

    def __init__(self, pid: int | None) -> None:
        self.pid = pid
        self.server = process_cpu_seconds(pid) if pid is not None else math.nan
        self.client = time.process_time()

    def per_request(self, requests: int) -> dict[str, float]:
        server = (process_cpu_seconds(self.pid) - self.server if self.pid is not None
                  else math.nan)
        return {"server_cpu_us": server / requests * 1e6,
                "client_cpu_us": (time.process_time() - self.client) / requests * 1e6}


def latency_stats(seconds: list[float]) -> dict[str, float]:
    return {"p50_ms": percentile(seconds, 50) * 1000, "p90_ms": percentile(seconds, 90) * 1000,
            "p99_ms": percentile(seconds, 99) * 1000, "max_ms": max(seconds) * 1000}


async def _post(session: aiohttp.ClientSession, url: str, host: str, body: bytes) -> None:
    headers = tc3_headers("ProcessMedia", body, host, sign=False)
    async with session.post(url, data=body, headers=headers) as response:
        raw = await response.read()
    if b'"TaskId"' not in raw or b'"Error"' in raw:
        raise RuntimeError(f"ProcessMedia: {raw[:300]!r}")


async def closed_loop(url: str, bodies: list[bytes], in_flight: int, window: int = 0,
                      pid: int | None = None) -> dict[str, Any]:
    """Every body sent, ``in_flight`` connections back to back: the rate and latency (and,
    with ``window``, the rate of each ``window`` requests in the order they completed;
    with the server's ``pid``, its CPU time and ours per request)."""
    host = url.removeprefix("http://")
    next_body = iter(bodies)
    seconds: list[float] = []
    done_at: list[float] = []
    connector = aiohttp.TCPConnector(limit=in_flight)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        async with session.get(url + "/_emulator/health") as response:
            await response.read()  # a connection open before the timing

        async def worker() -> None:
            for body in next_body:
                sent = time.perf_counter()
                await _post(session, url, host, body)
                finished = time.perf_counter()
                seconds.append(finished - sent)
                done_at.append(finished)

        cpu = CpuMeter(pid)
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(in_flight)))
        elapsed = time.perf_counter() - started
    result: dict[str, Any] = {"requests": len(bodies), "in_flight": in_flight,
                              "seconds": elapsed, "rate": len(bodies) / elapsed,
                              **latency_stats(seconds), **cpu.per_request(len(bodies))}
    if window:
        edges = [started, *done_at[window - 1::window]]
        result["window_rates"] = [window / (b - a) for a, b in itertools.pairwise(edges)]
    return result


async def open_loop(url: str, bodies: list[bytes], rate: float,
                    pid: int | None = None) -> dict[str, Any]:
    """Request i sent at start + i / rate (at most PACED_MAX_IN_FLIGHT outstanding); its
    latency counts from when it was due, so falling behind shows."""
    host = url.removeprefix("http://")
    seconds: list[float] = []
    slots = asyncio.Semaphore(PACED_MAX_IN_FLIGHT)
    connector = aiohttp.TCPConnector(limit=PACED_MAX_IN_FLIGHT)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        async with session.get(url + "/_emulator/health") as response:
            await response.read()

        async def one(body: bytes, due: float) -> None:
            try:
                await _post(session, url, host, body)
                seconds.append(time.perf_counter() - due)
            finally:
                slots.release()

        pending = []
        cpu = CpuMeter(pid)
        started = time.perf_counter()
        for index, body in enumerate(bodies):
            due = started + index / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            await slots.acquire()
            pending.append(asyncio.create_task(one(body, due)))
        await asyncio.gather(*pending)
        elapsed = time.perf_counter() - started
    return {"requests": len(bodies), "offered_rate": rate, "seconds": elapsed,
            "rate": len(bodies) / elapsed, **latency_stats(seconds),
            **cpu.per_request(len(bodies))}


async def finish_probed(server: ServerProcess) -> dict[str, float]:
    """``POST /_emulator/tasks/finish`` while a second connection sends
    ``GET /_emulator/health`` back to back: how long the finish took, and the slowest
    health round trip meanwhile (what any other request waited)."""
    async with aiohttp.ClientSession() as session:
        async with session.get(server.url + "/_emulator/health") as response:
            await response.read()  # the probe's connection, open before the finish
        probes: list[float] = []
        stop = asyncio.Event()

        async def probe() -> None:
            while not stop.is_set():
                sent = time.perf_counter()
                async with session.get(server.url + "/_emulator/health") as answer:
                    await answer.read()
                probes.append(time.perf_counter() - sent)

        async def finish() -> tuple[float, dict[str, Any]]:
            await asyncio.sleep(0.01)  # the probe is under way
            async with aiohttp.ClientSession() as own:
                sent = time.perf_counter()
                async with own.post(server.url + "/_emulator/tasks/finish", json={}) as r:
                    answer = await r.json()
                took = time.perf_counter() - sent
            stop.set()
            return took, answer

        assert server.process is not None
        cpu = process_cpu_seconds(server.process.pid)
        prober = asyncio.create_task(probe())
        took, answer = await finish()
        await prober
        cpu = process_cpu_seconds(server.process.pid) - cpu
    return {"seconds": took, "advanced_seconds": answer["advanced_seconds"],
            "server_cpu_seconds": cpu,
            "health_max_ms": max(probes) * 1000, "health_p50_ms": percentile(probes, 50) * 1000,
            "health_probes": len(probes)}


def drain_halves(server: ServerProcess, admin: Admin, events: int) -> dict[str, float]:
    """Drain ``events`` queued events: about half with 1 puller (a whole number of
    16-event pulls, so that it takes exactly that many), the rest with 4. The rates, and
    the CPU time per event of the server and of this client."""
    assert server.process is not None
    first = events // 2 // 16 * 16
    figures: dict[str, float] = {}
    for pullers, count in ((1, first), (4, events - first)):
        cpu = CpuMeter(server.process.pid)
        figures[f"x{pullers}"] = asyncio.run(raw_drain(server.url, count, pullers, sign=False))
        used = cpu.per_request(count)
        figures[f"x{pullers}_server_cpu_us"] = used["server_cpu_us"]
        figures[f"x{pullers}_client_cpu_us"] = used["client_cpu_us"]
    check_drained(admin)
    return figures


# ----- the parts


def replay_limits(where: dict[str, tuple[set[int], set[int]]], answer: bytes,
                  requests: int) -> dict[str, dict[str, Any]]:
    """The same client against bare aiohttp replaying a ProcessMedia answer."""
    results: dict[str, dict[str, Any]] = {}
    bodies = process_media_bodies(["replayed"], requests)
    with tempfile.TemporaryDirectory(prefix="vod-bench-tasks-") as scratch:
        answer_file = Path(scratch) / "process_media.json"
        answer_file.write_bytes(answer)
        argv = lambda port: bare_command(port, "replay", "--body", str(answer_file))  # noqa: E731
        with ServerProcess("replay", argv) as replay:
            assert replay.process is not None
            pid = replay.process.pid
            for placement, cpus in where.items():
                with pinned(replay, *cpus):
                    asyncio.run(closed_loop(replay.url, bodies[:500], 8))  # warm-up
                    results[placement] = {
                        f"c{c}": measured(lambda c=c: asyncio.run(  # type: ignore[misc]
                            closed_loop(replay.url, bodies, c, pid=pid)), [pid])
                        for c in (1, 8)}
    return results


def acceptance(server: ServerProcess, admin: Admin, where: dict[str, tuple[set[int], set[int]]],
               requests: int, paced: int) -> dict[str, Any]:
    """Accepted per second (1 and 8 in flight), and paced at TARGET_RATE, per placement;
    each on a fresh state."""
    assert server.process is not None
    pid = server.process.pid
    results: dict[str, Any] = {}
    for placement, cpus in where.items():
        with pinned(server, *cpus):
            rows: dict[str, Any] = {}

            def measure(run: Callable[[list[bytes]], Any], count: int) -> Any:
                def once() -> Any:
                    file_ids = prepare(admin)
                    return asyncio.run(run(process_media_bodies(file_ids, count)))
                return measured(once, [pid])

            file_ids = prepare(admin)  # warm-up after the pinning
            asyncio.run(closed_loop(server.url, process_media_bodies(file_ids, 1_000), 8))
            for in_flight in (1, 8):
                rows[f"c{in_flight}"] = measure(
                    lambda bodies, n=in_flight: closed_loop(  # type: ignore[misc]
                        server.url, bodies, n, pid=pid), requests)
            rows[f"paced {TARGET_RATE}/s"] = measure(
                lambda bodies: open_loop(server.url, bodies, TARGET_RATE, pid), paced)
            results[placement] = rows
    return results


class DrainRuns:
    """The drain comparisons, each a measurement of its own (retaken if disturbed)."""

    def __init__(self, server: ServerProcess, admin: Admin) -> None:
        assert server.process is not None
        self.server, self.admin, self.pid = server, admin, server.process.pid
        self.event_bytes: dict[str, float] = {}

    def fresh_new_file_upload(self, count: int) -> dict[str, float]:
        """drain.py's figure: NewFileUpload emitted into a fresh emulator."""
        self.admin("POST", "/_emulator/reset", {})
        seq = last_seq(self.admin)
        emit(self.admin, "NewFileUpload", count)
        self.event_bytes["NewFileUpload"] = mean_event_bytes(self.admin, seq)
        return drain_halves(self.server, self.admin, count)

    def task_events(self, count: int) -> dict[str, Any]:
        """``count`` ProcessMedia accepted, finished, their events drained."""
        file_ids = prepare(self.admin)
        bodies = process_media_bodies(file_ids, count)
        accepted = asyncio.run(closed_loop(self.server.url, bodies, 8, WINDOW, self.pid))
        seq = last_seq(self.admin)
        finished = asyncio.run(finish_probed(self.server))
        queued = queue_counts(self.admin)["pullable"]
        if queued != count:
            raise AssertionError(f"{queued} events queued for {count} tasks")
        self.event_bytes["ProcedureStateChanged (tasks)"] = mean_event_bytes(self.admin, seq)
        return {"accepted": accepted, "finish": finished,
                "drain": drain_halves(self.server, self.admin, count)}

    def with_tasks_held(self, count: int) -> dict[str, float]:
        """NewFileUpload drained while the finished tasks are still held (no reset)."""
        emit(self.admin, "NewFileUpload", count)
        return drain_halves(self.server, self.admin, count)

    def generated_psc(self, count: int) -> dict[str, float]:
        """ProcedureStateChanged generated by the admin API (the same type as the tasks')."""
        self.admin("POST", "/_emulator/reset", {})
        seq = last_seq(self.admin)
        emit(self.admin, "ProcedureStateChanged", count)
        self.event_bytes["ProcedureStateChanged (generated)"] = mean_event_bytes(
            self.admin, seq)
        return drain_halves(self.server, self.admin, count)


ACCEPTED = "tasks accepted (8 in flight)"
FINISHED = "tasks finished"


def drains(server: ServerProcess, admin: Admin, where: dict[str, tuple[set[int], set[int]]],
           tasks: int, psc_events: int, repeats: int) -> dict[str, Any]:
    """Per placement, a warm-up round then ``repeats``: NewFileUpload on a fresh emulator
    (drain.py's figure); ``tasks`` accepted, finished and their events drained;
    NewFileUpload with those tasks still held; ProcedureStateChanged emitted by the admin
    API."""
    runs = DrainRuns(server, admin)
    samples: dict[str, dict[str, list[Any]]] = {}
    for placement, cpus in where.items():
        rows = samples.setdefault(placement, {})
        with pinned(server, *cpus):
            for repeat in range(repeats + 1):
                count = tasks if repeat else WARMUP_TASKS
                figures: dict[str, Any] = {
                    "NewFileUpload, fresh": measured(
                        functools.partial(runs.fresh_new_file_upload, count), [runs.pid])}
                result = measured(functools.partial(runs.task_events, count), [runs.pid])
                figures[ACCEPTED] = result["accepted"]
                figures[FINISHED] = result["finish"]
                figures["ProcedureStateChanged from tasks"] = result["drain"]
                figures["NewFileUpload, the finished tasks held"] = measured(
                    functools.partial(runs.with_tasks_held, count), [runs.pid])
                if repeat:  # the generated events are slow to make: not in the warm-up
                    figures["ProcedureStateChanged, generated"] = measured(
                        functools.partial(runs.generated_psc, psc_events), [runs.pid])
                    for name, value in figures.items():
                        rows.setdefault(name, []).append(value)
    return {"samples": samples, "medians": _drain_medians(samples),
            "event_bytes": runs.event_bytes}


def _drain_medians(samples: dict[str, dict[str, list[Any]]]) -> dict[str, Any]:
    """The median of each figure over the repeats (window rates: window by window)."""
    medians: dict[str, Any] = {}
    for placement, rows in samples.items():
        out: dict[str, Any] = {}
        for name, values in rows.items():
            figures: dict[str, Any] = {
                key: median([v[key] for v in values]) for key, first in values[0].items()
                if isinstance(first, (int, float))}
            if name == ACCEPTED:
                figures["window_rates"] = [median(list(w)) for w in zip(
                    *(v["window_rates"] for v in values), strict=False)]
            out[name] = figures
        medians[placement] = out
    return medians


def memory(tasks: int) -> dict[str, Any]:
    """A fresh emulator's resident bytes per task: held (waiting), finished (its event
    queued), and after the drain."""
    with ServerProcess("emulator", emulator_command) as server:
        assert server.process is not None
        pid = server.process.pid
        admin = Admin(server)
        file_ids = prepare(admin)
        # Everything loaded once (factory, schema, request models, the drain path).
        warm = process_media_bodies(file_ids, 200)
        asyncio.run(closed_loop(server.url, warm, 8))
        asyncio.run(finish_probed(server))
        drain_halves(server, admin, 200)
        before = resident_bytes(pid)
        asyncio.run(closed_loop(server.url, process_media_bodies(file_ids, tasks, 200), 8))
        held = resident_bytes(pid)
        asyncio.run(finish_probed(server))
        finished = resident_bytes(pid)
        drain_halves(server, admin, tasks)
        drained = resident_bytes(pid)
        stats = admin("GET", "/_emulator/stats")
        admin.close()
    return {
        "tasks": tasks, "files_seeded": len(file_ids),
        "rss_mb": {"before": before / 1e6, "held": held / 1e6, "finished": finished / 1e6,
                   "drained": drained / 1e6},
        "bytes_per_task_held": (held - before) / tasks,
        "bytes_per_task_finished": (finished - before) / tasks,
        "bytes_per_task_drained": (drained - before) / tasks,
        "totals": stats.get("totals"),
    }


def capture_answer(server: ServerProcess, admin: Admin) -> bytes:
    """One real ProcessMedia answer, for the replay baseline."""
    file_ids = prepare(admin, 1)
    body = process_media_bodies(file_ids, 1)[0]
    connection = http.client.HTTPConnection(HOST, server.port, timeout=30)
    connection.request("POST", "/", body, tc3_headers("ProcessMedia", body, server.endpoint,
                                                      sign=False))
    answer = connection.getresponse().read()
    connection.close()
    assert b'"TaskId"' in answer, answer
    return answer


def emulator_revision() -> str:
    """The commit measured, and whether emulator/ had changes not committed yet."""
    def git(*argv: str) -> str:
        return subprocess.run(["git", *argv], cwd=REPO, capture_output=True, text=True,
                              check=False).stdout.strip()

    dirty = git("status", "--porcelain", "--", "emulator")
    return git("rev-parse", "--short", "HEAD") + (" + changes in emulator/" if dirty else "")


def run(quick: bool = False) -> dict[str, Any]:
    global TRIES
    if quick:
        TRIES = 1
    where = placements()
    requests = 1_000 if quick else RATE_REQUESTS
    paced = 1_000 if quick else PACED_REQUESTS
    tasks = 2_000 if quick else TASKS
    psc = 1_000 if quick else PSC_EVENTS
    repeats = 1 if quick else REPEATS
    results: dict[str, Any] = {"files": FILES, "definitions": list(DEFINITIONS),
                               "tasks": tasks, "repeats": repeats,
                               "placements": {name: {"server_cpus": sorted(s),
                                                     "client_cpus": sorted(c)}
                                              for name, (s, c) in where.items()}}
    results["emulator_measured"] = emulator_revision()
    meter = Interference([])
    with ServerProcess("emulator", emulator_command) as server:
        admin = Admin(server)
        answer = capture_answer(server, admin)
        results["answer_bytes"] = len(answer)
        print("accepted per second ...", file=sys.stderr, flush=True)
        results["accepted"] = acceptance(server, admin, where, requests, paced)
        print("drains ...", file=sys.stderr, flush=True)
        results["drain"] = drains(server, admin, where, tasks, psc, repeats)
        admin.close()
    print("replay limit ...", file=sys.stderr, flush=True)
    results["replay"] = replay_limits(where, answer, requests)
    print("memory ...", file=sys.stderr, flush=True)
    results["memory"] = memory(tasks)
    results["others_share_of_a_core"] = meter.share()
    results["retaken"] = Interference.retaken
    results["kept_disturbed"] = Interference.kept_disturbed
    return results


# ----- where the time goes


def profile(requests: int, top: int) -> None:
    """The server under cProfile (CPU time) while a one-core client sends ``requests``
    ProcessMedia (8 in flight); the heaviest functions as CPU microseconds per request.
    cProfile covers the whole process (the seeding too) and inflates small functions."""
    with tempfile.TemporaryDirectory(prefix="vod-bench-tasks-profile-") as scratch:
        output = Path(scratch) / "profile"

        def command(port: int) -> list[str]:
            # CPU time, not wall time: other processes on the core do not count.
            argv = emulator_command(port)
            wrapper = (
                "import cProfile, runpy, sys, time\n"
                "profile = cProfile.Profile(time.process_time)\n"
                f"sys.argv = ['emulator', *{argv[3:]!r}]\n"
                "profile.enable()\n"
                "try:\n"
                "    runpy.run_module('emulator', run_name='__main__', alter_sys=True)\n"
                "finally:\n"
                "    profile.disable()\n"
                f"    profile.dump_stats({str(output)!r})\n")
            return [argv[0], "-c", wrapper]

        with ServerProcess("emulator", command) as server:
            admin = Admin(server)
            file_ids = prepare(admin, 100)  # few: the profile covers the seeding too
            server_cpus, client_cpus = placements()["one core"]
            with pinned(server, server_cpus, client_cpus):
                result = asyncio.run(closed_loop(
                    server.url, process_media_bodies(file_ids, requests), 8))
            admin.close()
        print(f"{requests:,} ProcessMedia at {result['rate']:,.0f}/s under cProfile")
        stats = pstats.Stats(str(output))
        per_request = 1e6 / requests
        rows = []
        for (path, line, name), (_, calls, own, cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
            rows.append((cumulative, own, calls, f"{name} ({Path(path).name}:{line})"))
        print("cumulative us/request, own us/request, calls/request, function:")
        for cumulative, own, calls, where in sorted(rows, reverse=True)[:top]:
            print(f"  {cumulative * per_request:8.1f} {own * per_request:8.1f} "
                  f"{calls / requests:8.1f}  {where}")
        print("by own time:")
        for cumulative, own, calls, where in sorted(rows, key=lambda r: -r[1])[:top]:
            print(f"  {cumulative * per_request:8.1f} {own * per_request:8.1f} "
                  f"{calls / requests:8.1f}  {where}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer requests: a smoke test")
    parser.add_argument("--profile", action="store_true",
                        help="profile the server while it accepts ProcessMedia (cProfile)")
    parser.add_argument("--requests", type=int, default=RATE_REQUESTS)
    parser.add_argument("--top", type=int, default=40)
    arguments = parser.parse_args()
    if arguments.profile:
        profile(arguments.requests, arguments.top)
        return
    results = run(arguments.quick)
    print(json.dumps(results, indent=2, default=lambda x: None if math.isnan(x) else x))


if __name__ == "__main__":
    main()
