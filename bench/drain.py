"""Drain rate: events/s taken out of the queue by PullEvents (16 a call) + ConfirmEvents.

Clients (each against the emulator in its own process, started like users start it):
  * raw:  an asyncio aiohttp client, keep-alive, TC3 POST JSON, 1 and 4 concurrent
          pullers; unsigned against an emulator with no secret, and TC3-signed
          against one that verifies signatures.
  * sdk:  the official Python SDK (sync VodClient, TC3 POST, keepAlive=True), one thread,
          against the verifying emulator.
Baselines:
  * bare-aiohttp limit: the same raw client against baseline_bare.py replay, which answers
    every PullEvents with the bytes of one real 16-event answer captured from the emulator.
  * moto SQS + boto3: receive_message(MaxNumberOfMessages=10) + delete_message_batch.

    .venv/bin/python bench/drain.py [--events 20000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from common import (
    SECRET_ID,
    SECRET_KEY,
    ServerProcess,
    bare_command,
    emulator_command,
    median,
    moto_command,
    pinned,
    placements,
    undisturbed,
)

from emulator.clients.client import AdminClient

VERSION = "2018-07-17"
EMIT_CHUNK = 5_000  # events per admin emit: keeps each admin answer a few MB
DRAIN_TIMEOUT = 120.0  # seconds: no single drain may run longer than this


# ----- the raw client: what a hand-written asyncio puller would send


def tc3_headers(action: str, body: bytes, host: str, sign: bool) -> dict[str, str]:
    """Cloud API 3.0 headers; with ``sign``, a TC3-HMAC-SHA256 Authorization computed the
    way the SDK's ``_get_tc3_signature`` does (signing key derived anew every request)."""
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "X-TC-Action": action,
        "X-TC-Version": VERSION,
        "X-TC-Timestamp": str(timestamp),
    }
    if not sign:
        return headers
    date = datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%d")
    canonical_request = (
        f"POST\n/\n\ncontent-type:application/json\nhost:{host}\n\ncontent-type;host\n"
        + hashlib.sha256(body).hexdigest()
    )
    scope = f"{date}/vod/tc3_request"
    string_to_sign = (
        f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n"
        + hashlib.sha256(canonical_request.encode()).hexdigest()
    )
    key = ("TC3" + SECRET_KEY).encode()
    for part in (date, "vod", "tc3_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    headers["Authorization"] = (
        f"TC3-HMAC-SHA256 Credential={SECRET_ID}/{scope}, "
        f"SignedHeaders=content-type;host, Signature={signature}"
    )
    return headers


async def call(
    session: aiohttp.ClientSession, url: str, host: str, action: str, params: dict[str, Any],
    sign: bool,
) -> dict[str, Any]:
    body = json.dumps(params).encode()
    async with session.post(url, data=body, headers=tc3_headers(action, body, host, sign)) as r:
        document: dict[str, Any] = json.loads(await r.read())
    response: dict[str, Any] = document["Response"]
    if "Error" in response:
        raise RuntimeError(f"{action}: {response['Error']}")
    return response


@dataclass
class DrainState:
    target: int
    drained: int = 0
    done: asyncio.Event = field(default_factory=asyncio.Event)


async def puller(session: aiohttp.ClientSession, url: str, host: str, sign: bool,
                 state: DrainState) -> None:
    while state.drained < state.target:
        events = (await call(session, url, host, "PullEvents", {}, sign))["EventSet"]
        if not events:
            continue
        handles = [event["EventHandle"] for event in events]
        await call(session, url, host, "ConfirmEvents", {"EventHandles": handles}, sign)
        state.drained += len(handles)
        if state.drained >= state.target:
            state.done.set()


async def raw_drain(url: str, events: int, pullers: int, sign: bool) -> float:
    """Drain ``events`` with ``pullers`` concurrent loops; answer events/s."""
    host = url.removeprefix("http://")
    state = DrainState(events)
    connector = aiohttp.TCPConnector(limit=pullers)  # one keep-alive connection a puller
    async with aiohttp.ClientSession(connector=connector) as session:
        # One call first, outside the timing: it opens a connection and warms both sides.
        await call(session, url, host, "DescribeEventsState", {}, sign)
        started = time.perf_counter()
        tasks = [asyncio.create_task(puller(session, url, host, sign, state))
                 for _ in range(pullers)]
        done = asyncio.create_task(state.done.wait())
        try:
            await asyncio.wait([done, *tasks], timeout=DRAIN_TIMEOUT,
                               return_when=asyncio.FIRST_COMPLETED)
            elapsed = time.perf_counter() - started
            for task in tasks:
                if task.done():
                    task.result()  # a puller that failed: raise its error here
            if not state.done.is_set():
                raise TimeoutError(f"drained {state.drained}/{events} in {DRAIN_TIMEOUT}s")
        finally:
            # Pullers left waiting on an empty queue (a held long poll) are cut off: the
            # emulator cancels a held pull whose client hangs up.
            for task in [done, *tasks]:
                task.cancel()
            await asyncio.gather(done, *tasks, return_exceptions=True)
    return state.drained / elapsed


# ----- the emulator's queue, filled through the admin API


def fill(admin: AdminClient, events: int) -> None:
    admin.reset()
    left = events
    while left:
        chunk = min(left, EMIT_CHUNK)
        admin.emit("NewFileUpload", chunk)
        left -= chunk


def check_drained(admin: AdminClient) -> None:
    """Every event confirmed: nothing pullable, nothing leased (so none was lost)."""
    (queue,) = admin.request("GET", "/_emulator/queues")["queues"]
    if queue["pullable"] or queue["leased"]:
        raise AssertionError(f"queue not drained: {queue}")


def capture_pull_answer(emulator: ServerProcess) -> bytes:
    """The exact bytes of one real 16-event PullEvents answer, for the replay baseline."""
    admin = AdminClient(emulator.url)
    fill(admin, 16)

    async def pull() -> bytes:
        async with aiohttp.ClientSession() as session:
            body = b"{}"
            headers = tc3_headers("PullEvents", body, emulator.endpoint, sign=False)
            async with session.post(emulator.url, data=body, headers=headers) as response:
                return await response.read()

    answer = asyncio.run(pull())
    if len(json.loads(answer)["Response"]["EventSet"]) != 16:
        raise AssertionError("the captured PullEvents answer does not hold 16 events")
    admin.reset()
    return answer


# ----- the official SDK


def sdk_client(endpoint: str) -> Any:
    from tencentcloud.common import credential
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile
    from tencentcloud.vod.v20180717 import vod_client

    http = HttpProfile(protocol="http", endpoint=endpoint, reqMethod="POST", reqTimeout=30,
                       keepAlive=True)
    profile = ClientProfile(signMethod="TC3-HMAC-SHA256", httpProfile=http)
    return vod_client.VodClient(credential.Credential(SECRET_ID, SECRET_KEY), "", profile)


def sdk_drain(endpoint: str, events: int) -> float:
    """One thread, one keep-alive connection: pull 16, confirm them, until all are gone."""
    from tencentcloud.vod.v20180717 import models

    client = sdk_client(endpoint)
    client.DescribeEventsState(models.DescribeEventsStateRequest())  # connect, outside timing
    drained = 0
    started = time.perf_counter()
    while drained < events:
        if time.perf_counter() - started > DRAIN_TIMEOUT:
            raise TimeoutError(f"SDK drained {drained}/{events} in {DRAIN_TIMEOUT}s")
        pulled = client.PullEvents(models.PullEventsRequest()).EventSet or []
        if not pulled:
            continue
        confirm = models.ConfirmEventsRequest()
        confirm.EventHandles = [event.EventHandle for event in pulled]
        client.ConfirmEvents(confirm)
        drained += len(pulled)
    return drained / (time.perf_counter() - started)


# ----- moto SQS + boto3


def moto_drain(server: ServerProcess, messages: int, body: str) -> float:
    """Fill an SQS queue (untimed), then receive 10 + delete_message_batch until empty."""
    import boto3

    sqs = boto3.client(
        "sqs", endpoint_url=server.url, region_name="us-east-1",
        aws_access_key_id="testing", aws_secret_access_key="testing",
    )
    queue_url = sqs.create_queue(QueueName=f"bench-{time.monotonic_ns()}")["QueueUrl"]
    for first in range(0, messages, 10):
        entries = [{"Id": str(i), "MessageBody": body}
                   for i in range(first, min(first + 10, messages))]
        sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
    drained = 0
    started = time.perf_counter()
    while drained < messages:
        if time.perf_counter() - started > DRAIN_TIMEOUT:
            raise TimeoutError(f"moto drained {drained}/{messages} in {DRAIN_TIMEOUT}s")
        received = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10,
                                       WaitTimeSeconds=0, VisibilityTimeout=60)
        batch = received.get("Messages", [])
        if not batch:
            continue
        sqs.delete_message_batch(QueueUrl=queue_url, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)
        ])
        drained += len(batch)
    return drained / (time.perf_counter() - started)


# ----- the whole benchmark


class Rates:
    """events/s samples by (placement, row name); the median is what is reported."""

    def __init__(self) -> None:
        self.samples: dict[str, dict[str, list[float]]] = {}

    def add(self, placement: str, name: str, rate: float) -> None:
        self.samples.setdefault(placement, {}).setdefault(name, []).append(rate)

    def medians(self) -> dict[str, dict[str, float]]:
        return {placement: {name: median(values) for name, values in rows.items()}
                for placement, rows in self.samples.items()}


def run(events: int = 20_000, repeats: int = 3, sdk_events: int = 10_000,
        moto_messages: int = 200) -> dict[str, Any]:
    rates = Rates()
    where = placements()
    warmup = 2_000  # an unrecorded drain after each pinning: caches, connections, branch history

    def one_drain(server: ServerProcess, admin: AdminClient | None, count: int,
                  drain_once: Callable[[], float]) -> float:
        """Fill (emulator only), drain, check: retaken if another process interfered."""
        assert server.process is not None

        def measure() -> float:
            if admin is not None:
                fill(admin, count)
            rate = drain_once()
            if admin is not None:
                check_drained(admin)
            return rate

        return undisturbed(measure, [server.process.pid])

    def raw_rows(server: ServerProcess, placement: str, sign: bool,
                 admin: AdminClient | None) -> None:
        """x1 and x4 pullers, ``repeats`` times; ``admin`` None means nothing to fill."""
        mode = "signed" if sign else "unsigned"
        label = "emulator" if admin is not None else "replay"
        for run_index, count in enumerate([warmup] + [events] * repeats):
            for pullers in (1, 4):
                rate = one_drain(server, admin, count, lambda: asyncio.run(
                    raw_drain(server.url, count, pullers, sign)))  # noqa: B023 (called at once)
                if run_index:  # run 0 is the warm-up
                    rates.add(placement, f"raw {mode} x{pullers} {label}", rate)

    def sdk_rows(server: ServerProcess, placement: str, admin: AdminClient | None) -> None:
        label = "emulator" if admin is not None else "replay"
        for run_index, count in enumerate([warmup] + [sdk_events] * repeats):
            rate = one_drain(server, admin, count,
                             lambda: sdk_drain(server.endpoint, count))  # noqa: B023
            if run_index:  # run 0 is the warm-up
                rates.add(placement, f"sdk {label}", rate)

    with tempfile.TemporaryDirectory(prefix="vod-bench-") as scratch:
        answer_file = Path(scratch) / "pull16.json"
        with ServerProcess("emulator", emulator_command) as plain:
            answer = capture_pull_answer(plain)
            answer_file.write_bytes(answer)
            admin = AdminClient(plain.url, timeout=60)
            for placement, cpus in where.items():
                with pinned(plain, *cpus):
                    raw_rows(plain, placement, sign=False, admin=admin)
        with ServerProcess("emulator-verify",
                           lambda port: emulator_command(port, verify=True)) as verifying:
            admin = AdminClient(verifying.url, timeout=60)
            for placement, cpus in where.items():
                with pinned(verifying, *cpus):
                    raw_rows(verifying, placement, sign=True, admin=admin)
                    sdk_rows(verifying, placement, admin)
        replay_argv = lambda port: bare_command(port, "replay", "--body", str(answer_file))  # noqa: E731
        with ServerProcess("replay", replay_argv) as replay:
            for placement, cpus in where.items():
                with pinned(replay, *cpus):
                    raw_rows(replay, placement, sign=False, admin=None)
                    raw_rows(replay, placement, sign=True, admin=None)
                    sdk_rows(replay, placement, admin=None)
    # One event's payload, as an SQS message body of the same size.
    event_body = json.dumps(json.loads(answer)["Response"]["EventSet"][0], ensure_ascii=False)
    with ServerProcess("moto", moto_command, ready_path="/") as moto:
        for placement, cpus in where.items():
            with pinned(moto, *cpus):
                moto_drain(moto, 50, event_body)  # warm-up: moto loads its SQS backend lazily
                assert moto.process is not None
                for _ in range(repeats):
                    rate = undisturbed(lambda: moto_drain(moto, moto_messages, event_body),
                                       [moto.process.pid])
                    rates.add(placement, "moto+boto3", rate)
    return {
        "events": events, "sdk_events": sdk_events, "moto_messages": moto_messages,
        "repeats": repeats, "pull_answer_bytes": len(answer),
        "event_body_bytes": len(event_body.encode()),
        "placements": {name: {"server_cpus": sorted(s), "client_cpus": sorted(c)}
                       for name, (s, c) in where.items()},
        "rates": rates.medians(),
        "samples": rates.samples,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--sdk-events", type=int, default=10_000)
    parser.add_argument("--moto-messages", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print the raw results as JSON")
    arguments = parser.parse_args()
    results = run(arguments.events, arguments.repeats, arguments.sdk_events,
                  arguments.moto_messages)
    if arguments.json:
        print(json.dumps(results, indent=2))
        return
    for placement, rows in results["rates"].items():
        for name, rate in rows.items():
            print(f"{placement:10} {name:30} {rate:10,.0f} events/s")


if __name__ == "__main__":
    main()
