"""Long-poll wake latency: a PullEvents held on an empty queue, then one event emitted.

Each round: start a PullEvents (it is held: the queue is empty), wait until the emulator
reports it held (/_emulator/wait, untimed), then time from sending the admin emit to the
held pull's answer being read. The event is confirmed so that the queue is empty again.

Baseline: the same pattern against baseline_bare.py wake, where a held POST /hold is
released by POST /wake through an asyncio.Event: the floor for two HTTP requests on
aiohttp, one waking the other.

    .venv/bin/python bench/wake.py [--rounds 300]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from common import (
    ServerProcess,
    bare_command,
    emulator_command,
    ms,
    percentile,
    pinned,
    placements,
    undisturbed,
)

PULL_HEADERS = {"Content-Type": "application/json", "X-TC-Action": "PullEvents",
                "X-TC-Version": "2018-07-17"}
CONFIRM_HEADERS = {**PULL_HEADERS, "X-TC-Action": "ConfirmEvents"}
WARMUP_ROUNDS = 20
ROUND_TIMEOUT = 10.0  # seconds: a round that takes longer has failed (the hold is 5 s)


async def _post(session: aiohttp.ClientSession, url: str, body: bytes,
                headers: dict[str, str] | None = None) -> tuple[float, bytes]:
    """POST; answer (when the answer was fully read, its body)."""
    async with session.post(url, data=body, headers=headers) as response:
        data = await response.read()
        if response.status != 200:
            raise RuntimeError(f"{url}: HTTP {response.status}: {data[:200]!r}")
        return time.perf_counter(), data


# A round: (session) -> seconds from sending the wake-up to the held request answered.
Round = Callable[[aiohttp.ClientSession], Awaitable[float]]


def emulator_round(base: str) -> Round:
    async def one(session: aiohttp.ClientSession) -> float:
        pull = asyncio.create_task(_post(session, base + "/", b"{}", PULL_HEADERS))
        _, waited = await _post(session, base + "/_emulator/wait",
                                b'{"held_pulls": 1, "timeout_seconds": 5}')
        if not json.loads(waited)["met"]:
            raise RuntimeError("the PullEvents was never held")
        sent = time.perf_counter()
        emit = asyncio.create_task(_post(session, base + "/_emulator/events",
                                         b'{"type": "NewFileUpload", "count": 1}'))
        answered, body = await pull
        await emit
        events = json.loads(body)["Response"]["EventSet"]
        if len(events) != 1:
            raise RuntimeError(f"the held pull answered {len(events)} events, not 1")
        # Confirm, so the next round starts on an empty queue (no lease left to expire).
        confirm = json.dumps({"EventHandles": [events[0]["EventHandle"]]}).encode()
        await _post(session, base + "/", confirm, CONFIRM_HEADERS)
        return answered - sent

    return one


def bare_round(base: str) -> Round:
    async def one(session: aiohttp.ClientSession) -> float:
        hold = asyncio.create_task(_post(session, base + "/hold", b"{}"))
        await _post(session, base + "/wait-held", b"{}")
        sent = time.perf_counter()
        wake = asyncio.create_task(_post(session, base + "/wake", b"{}"))
        answered, _ = await hold
        await wake
        return answered - sent

    return one


async def measure(one: Round, rounds: int) -> list[float]:
    latencies = []
    # Keep-alive connections, as a real puller has: a held pull on one, admin calls on another.
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=4)) as session:
        for index in range(WARMUP_ROUNDS + rounds):
            latency = await asyncio.wait_for(one(session), ROUND_TIMEOUT)
            if index >= WARMUP_ROUNDS:
                latencies.append(latency)
    return latencies


def summary(latencies: list[float]) -> dict[str, float]:
    return {"p50": percentile(latencies, 50), "p90": percentile(latencies, 90),
            "p99": percentile(latencies, 99), "max": max(latencies),
            "rounds": len(latencies)}


def run(rounds: int = 300) -> dict[str, Any]:
    results: dict[str, dict[str, Any]] = {}
    servers: list[tuple[str, Any, Callable[[str], Round]]] = [
        ("emulator", emulator_command, emulator_round),
        ("bare aiohttp", lambda port: bare_command(port, "wake"), bare_round),
    ]
    for name, command, make_round in servers:
        with ServerProcess(name, command) as server:
            for placement, cpus in placements(unpinned=True).items():
                assert server.process is not None
                with pinned(server, *cpus):
                    latencies = undisturbed(
                        lambda: asyncio.run(measure(make_round(server.url), rounds)),  # noqa: B023
                        [server.process.pid])
                results.setdefault(placement, {})[name] = summary(latencies)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--json", action="store_true", help="print the raw results as JSON")
    arguments = parser.parse_args()
    results = run(arguments.rounds)
    if arguments.json:
        print(json.dumps(results, indent=2))
        return
    for placement, rows in results.items():
        for name, stats in rows.items():
            print(f"{placement:10} {name:14} p50 {ms(stats['p50']):>9}  p90 {ms(stats['p90']):>9}"
                  f"  p99 {ms(stats['p99']):>9}  max {ms(stats['max']):>9}")


if __name__ == "__main__":
    main()
