"""PUSH callbacks: how fast emitted events reach a local receiver, and how late.

Three processes besides this one: a receiver (``callback_peers.py receiver``, plain
aiohttp answering 200 and noting each arrival's ``time.monotonic()``), the emulator
(``python -m emulator serve --callback-url <receiver>``, one per ``--callback-concurrency``
measured) and the limit, a bare aiohttp sender (``callback_peers.py sender``) that POSTs
the same callback bodies, recorded from the emulator, to the same receiver with the same
number in flight. The emulator and the sender run on the "server" CPUs, the receiver
(and this process) on the "client" ones, in the placements of ``common.placements``.

1. **Rate**: from sending one ``POST /_emulator/events`` of N ``NewFileUpload``
   (``"with_content": false``; generated, routed and delivered) to the receiver's N-th
   arrival; for the sender, from sending its ``POST /send`` to the same. Interleaved,
   median of repeats; the emulator is reset before each.
2. **Latency**: one event emitted at a time at a moderate rate; from sending the emit to
   the callback's arrival at the receiver (the same clock in every process on Linux).

    .venv/bin/python bench/callbacks.py [--events 20000] [--repeats 3] [--rounds 300]
"""

from __future__ import annotations

import argparse
import http.client
import json
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from common import (
    BENCH,
    HOST,
    PYTHON,
    ServerProcess,
    emulator_command,
    median,
    ms,
    percentile,
    pinned,
    placements,
    undisturbed,
)

CONCURRENCIES = (10, 50)  # --callback-concurrency values; 10 is the default
LATENCY_RATE = 200.0  # emits per second in the latency rounds
WARMUP_ROUNDS = 20
EVENT_TYPE = "NewFileUpload"


class Peer:
    """A keep-alive HTTP/1.1 connection to one of the processes (blocking, cheap)."""

    def __init__(self, server: ServerProcess) -> None:
        self.server = server
        self.connection = http.client.HTTPConnection(HOST, server.port, timeout=180)

    def call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        try:
            self.connection.request(method, path, data, {"Content-Type": "application/json"})
        except (BrokenPipeError, ConnectionResetError):
            # The server closed the connection while it sat idle (waiting for a quiet
            # machine can outlast its keep-alive): sent again on a new one.
            self.connection.close()
            self.connection.request(method, path, data, {"Content-Type": "application/json"})
        response = self.connection.getresponse()
        answer = response.read()
        if response.status != 200:
            raise RuntimeError(f"{self.server.name} {path}: HTTP {response.status}: "
                               f"{answer[:300]!r}")
        return json.loads(answer)

    def close(self) -> None:
        self.connection.close()


def peer_command(mode: str, *extra: str) -> Callable[[int], list[str]]:
    return lambda port: [PYTHON, str(BENCH / "callback_peers.py"), mode, "--port", str(port),
                         *extra]


class Emitter:
    """What makes callbacks: an emulator or the bare sender; ``emit(n)`` starts n."""

    def __init__(self, name: str, server: ServerProcess, concurrency: int,
                 bare: bool) -> None:
        self.name, self.server, self.concurrency, self.bare = name, server, concurrency, bare
        self.peer = Peer(server)

    def reset(self) -> None:
        if not self.bare:
            self.peer.call("POST", "/_emulator/reset", {})

    def emit(self, count: int) -> None:
        if self.bare:
            self.peer.call("POST", "/send", {"count": count, "concurrency": self.concurrency})
        else:
            self.peer.call("POST", "/_emulator/events",
                           {"type": EVENT_TYPE, "count": count, "with_content": False})

    def check_delivered(self, count: int) -> None:
        """Every callback answered 200 and was recorded delivered (none retried)."""
        if self.bare:
            return
        waited = self.peer.call("POST", "/_emulator/wait",
                                {"callbacks_delivered": count, "timeout_seconds": 30})
        state = waited["state"]
        if not waited["met"] or state["callbacks_undelivered"] or state["callbacks_pending"]:
            raise RuntimeError(f"{self.name}: not every callback was delivered: {state}")


def throughput(emitter: Emitter, receiver: Peer, count: int) -> dict[str, float]:
    """Callbacks per second from the emit sent to the count-th arrival."""
    emitter.reset()
    receiver.call("POST", "/reset", {})
    sent = time.monotonic()
    emitter.emit(count)
    answered = time.monotonic()
    waited = receiver.call("GET", f"/wait?count={count}&timeout=120")
    if waited["last"] is None:
        raise RuntimeError(f"{emitter.name}: only {waited['count']} of {count} callbacks "
                           "arrived in 120 s")
    emitter.check_delivered(count)
    seconds = waited["last"] - sent
    return {"rate": count / seconds, "seconds": seconds, "emit_answer": answered - sent,
            "first": waited["first"] - sent}


def latencies(emitter: Emitter, receiver: Peer, rounds: int,
              rate: float = LATENCY_RATE) -> list[float]:
    """Emits of one event on a fixed schedule (open loop); each arrival matched to its
    emit by order (at this rate a callback has long arrived before the next emit)."""
    emitter.reset()
    receiver.call("POST", "/reset", {})
    total = WARMUP_ROUNDS + rounds
    sent: list[float] = []
    start = time.monotonic()
    for index in range(total):
        due = start + index / rate
        while (now := time.monotonic()) < due:
            time.sleep(min(due - now, 0.002))
        sent.append(time.monotonic())
        emitter.emit(1)
    receiver.call("GET", f"/wait?count={total}&timeout=30")
    arrived = receiver.call("GET", "/arrivals")["times"]
    if len(arrived) != total:
        raise RuntimeError(f"{emitter.name}: {len(arrived)} callbacks for {total} emits")
    emitter.check_delivered(total)
    return [a - s for a, s in zip(arrived[WARMUP_ROUNDS:], sent[WARMUP_ROUNDS:], strict=True)]


def record_bodies(emitter: Emitter, receiver: Peer, count: int, path: Path) -> None:
    """The bodies of ``count`` real callbacks, one a line, as the receiver got them."""
    emitter.reset()
    receiver.call("POST", "/reset", {"keep_bodies": True})
    emitter.emit(count)
    receiver.call("GET", f"/wait?count={count}&timeout=120")
    bodies = receiver.call("GET", "/arrivals")["bodies"]
    if len(bodies) != count or any("\n" in body for body in bodies):
        raise RuntimeError("could not record the callback bodies")
    path.write_text("\n".join(bodies) + "\n")
    receiver.call("POST", "/reset", {})


@contextmanager
def placed(emitters: Sequence[Emitter], receiver: ServerProcess, server_cpus: set[int],
           client_cpus: set[int]) -> Iterator[None]:
    """Every emitter on the server CPUs; the receiver and this process on the client's."""
    with ExitStack() as stack:
        for emitter in emitters:
            stack.enter_context(pinned(emitter.server, server_cpus, client_cpus))
        stack.enter_context(pinned(receiver, client_cpus, client_cpus))
        yield


def summary(values: list[float]) -> dict[str, float]:
    return {"p50": percentile(values, 50), "p90": percentile(values, 90),
            "p99": percentile(values, 99), "max": max(values), "rounds": len(values)}


def run(events: int = 20_000, repeats: int = 3, rounds: int = 300,
        concurrencies: Sequence[int] = CONCURRENCIES) -> dict[str, Any]:
    results: dict[str, Any] = {"events": events, "repeats": repeats, "event_type": EVENT_TYPE,
                               "latency_rate": LATENCY_RATE, "placements": {},
                               "rates": {}, "latency": {}}
    with ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-cb-")))
        receiver = stack.enter_context(
            ServerProcess("receiver", peer_command("receiver"), ready_path="/health"))
        receiver_peer = Peer(receiver)
        stack.callback(receiver_peer.close)
        callback_url = f"{receiver.url}/cb"
        emitters: list[Emitter] = []
        for concurrency in concurrencies:
            server = stack.enter_context(ServerProcess(
                f"emulator c{concurrency}",
                lambda port, c=concurrency: emulator_command(port, extra=[
                    "--callback-url", callback_url, "--callback-concurrency", str(c)])))
            emitters.append(Emitter(f"emulator c{concurrency}", server, concurrency, False))
        bodies = scratch / "bodies.jsonl"
        record_bodies(emitters[0], receiver_peer, events, bodies)
        results["body_bytes_median"] = median(
            [len(line) for line in bodies.read_bytes().splitlines()])
        sender = stack.enter_context(ServerProcess(
            "bare sender", peer_command("sender", "--target", callback_url,
                                        "--bodies", str(bodies)), ready_path="/health"))
        for concurrency in concurrencies:
            emitters.append(Emitter(f"bare aiohttp c{concurrency}", sender, concurrency, True))
        for emitter in emitters:
            stack.callback(emitter.peer.close)
        pids = [e.server.process.pid for e in emitters if e.server.process is not None]
        pids.append(receiver.process.pid if receiver.process is not None else 0)
        # Interleave the emulator with its limit: emulator c10, bare c10, emulator c50, ...
        order = [emitter for concurrency in concurrencies for emitter in emitters
                 if emitter.concurrency == concurrency]
        for placement, cpus in placements().items():
            results["placements"][placement] = {"server_cpus": sorted(cpus[0]),
                                                "client_cpus": sorted(cpus[1])}
            with placed(emitters, receiver, *cpus):
                for emitter in order:  # warm-up: connections open, code paths hot
                    throughput(emitter, receiver_peer, min(events, 2_000))
                samples: dict[str, list[dict[str, float]]] = {e.name: [] for e in order}
                for _ in range(repeats):
                    for emitter in order:
                        samples[emitter.name].append(undisturbed(
                            lambda e=emitter: throughput(e, receiver_peer, events), pids))
                results["rates"][placement] = {
                    name: {"rate": median([s["rate"] for s in runs]),
                           "emit_answer": median([s["emit_answer"] for s in runs]),
                           "runs": [round(s["rate"]) for s in runs]}
                    for name, runs in samples.items()}
                # One event at a time: how many may be in flight does not matter.
                results["latency"][placement] = {
                    emitter.name: summary(undisturbed(
                        lambda e=emitter: latencies(e, receiver_peer, rounds), pids))
                    for emitter in order if emitter.concurrency == concurrencies[0]}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--json", action="store_true", help="print the raw results as JSON")
    arguments = parser.parse_args()
    results = run(arguments.events, arguments.repeats, arguments.rounds)
    if arguments.json:
        print(json.dumps(results, indent=2))
        return
    for placement, rates in results["rates"].items():
        for name, stats in rates.items():
            print(f"{placement:10} {name:16} {stats['rate']:8,.0f} cb/s {stats['runs']}"
                  f"  emit answered {stats['emit_answer']:.2f} s")
        for name, lat in results["latency"][placement].items():
            print(f"{placement:10} {name:16} latency p50 {ms(lat['p50']):>9}"
                  f"  p99 {ms(lat['p99']):>9}  max {ms(lat['max']):>9}")


if __name__ == "__main__":
    main()
