"""Loop stalls and memory during bulk emits, and how fast the server stops.

1. **Longest stall**: an emulator runs in a child process (``loop_watch.py``) with a
   probe task on its event loop that sleeps 1 ms again and again and records how late
   each wake-up comes: the lateness is how long something held the loop. Measured
   while one client emits N events in one ``POST /_emulator/events``, and on an idle
   server for the floor. A second client meanwhile sends ``GET /_emulator/health``
   back to back: its round trips are what other requests see during the emit.
2. **Bulk emit memory**: the server's peak and final resident size (``VmHWM``/``VmRSS``)
   around one 100,000-event ``ProcedureStateChanged`` emit with payloads in the answer,
   the answer read and thrown away by the client as it streams in.
3. **Shutdown**: seconds from SIGTERM to exit with one PullEvents held (long poll 60 s).

    .venv/bin/python bench/stall.py [--count 10000] [--memory-count 100000]
"""

from __future__ import annotations

import argparse
import http.client
import json
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from common import HOST, ServerProcess, emulator_command, median, ms, percentile


def _connection(server: Any) -> http.client.HTTPConnection:
    return http.client.HTTPConnection(HOST, server.port, timeout=120)


def _probe(server: Any, stop: threading.Event, samples: list[float]) -> None:
    connection = _connection(server)
    try:
        while not stop.is_set():
            started = time.perf_counter()
            connection.request("GET", "/_emulator/health")
            connection.getresponse().read()
            samples.append(time.perf_counter() - started)
    finally:
        connection.close()


def _emit(server: Any, body: dict[str, Any]) -> tuple[float, int]:
    """Emit; read the answer in chunks and drop them. Answers (seconds, answer bytes)."""
    connection = _connection(server)
    try:
        started = time.perf_counter()
        connection.request("POST", "/_emulator/events", json.dumps(body),
                           {"Content-Type": "application/json"})
        response = connection.getresponse()
        size = 0
        while chunk := response.read(1 << 20):
            size += len(chunk)
        assert response.status == 200, response.status
        return time.perf_counter() - started, size
    finally:
        connection.close()


def _probe_during(server: Any, work: Any) -> list[float]:
    samples: list[float] = []
    stop = threading.Event()
    prober = threading.Thread(target=_probe, args=(server, stop, samples))
    prober.start()
    try:
        work()
    finally:
        stop.set()
        prober.join()
    return samples


class WatchedEmulator:
    """``loop_watch.py`` in a child process: an emulator whose loop stalls are recorded."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("loop_watch.py"))],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        self.port = int(self.process.stdout.readline())

    def window(self, start: float, end: float) -> dict[str, list[float]]:
        """The loop's lateness and the collector's pauses between two monotonic times."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(f"window {start} {end}\n")
        self.process.stdin.flush()
        seen: dict[str, list[float]] = json.loads(self.process.stdout.readline())
        return seen

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=30)


def stall(count: int, event_type: str) -> dict[str, Any]:
    emulator = WatchedEmulator()
    try:
        _emit(emulator, {"type": "NewFileUpload", "count": 1})  # the factory is loaded
        started = time.monotonic()
        time.sleep(1.0)
        idle = emulator.window(started, time.monotonic())["lateness"]
        timing: dict[str, float] = {}

        def emit() -> None:
            timing["start"] = time.monotonic()
            timing["seconds"], _ = _emit(
                emulator, {"type": event_type, "count": count, "with_content": False})
            timing["end"] = time.monotonic()

        health = _probe_during(emulator, emit)
        seen = emulator.window(timing["start"], timing["end"])
        lateness, pauses = seen["lateness"], seen["gc_pauses"]
    finally:
        emulator.close()
    return {
        "event_type": event_type, "count": count, "emit_seconds": timing["seconds"],
        "idle_max": max(idle), "stall_p99": percentile(lateness, 99),
        "stall_max": max(lateness), "gc_pause_max": max(pauses, default=0.0),
        "gc_collections": len(pauses), "health_p50": median(health),
        "health_p99": percentile(health, 99), "health_max": max(health),
    }


def _status_kb(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def memory(count: int) -> dict[str, Any]:
    with ServerProcess("emulator", emulator_command) as server:
        assert server.process is not None
        pid = server.process.pid
        _emit(server, {"type": "NewFileUpload", "count": 1})
        before = _status_kb(pid, "VmRSS")
        seconds, size = _emit(server, {"type": "ProcedureStateChanged", "count": count})
        return {
            "count": count, "emit_seconds": seconds, "answer_mb": size / 1e6,
            "rss_before_mb": before / 1024, "rss_peak_mb": _status_kb(pid, "VmHWM") / 1024,
            "rss_after_mb": _status_kb(pid, "VmRSS") / 1024,
        }


def shutdown() -> dict[str, Any]:
    samples = []
    for _ in range(5):
        server = ServerProcess(
            "emulator", lambda port: emulator_command(port, extra=["--long-poll-seconds", "60"]))
        server.start()
        assert server.process is not None
        held = socket.create_connection((HOST, server.port))
        held.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"X-TC-Action: PullEvents\r\nX-TC-Version: 2018-07-17\r\n"
                     b"Content-Length: 2\r\n\r\n{}")
        connection = _connection(server)
        connection.request("POST", "/_emulator/wait", json.dumps({"held_pulls": 1}))
        connection.getresponse().read()
        started = time.perf_counter()
        server.process.send_signal(signal.SIGTERM)
        server.process.wait(timeout=30)
        samples.append(time.perf_counter() - started)
        answered = held.recv(4096).startswith(b"HTTP/1.1 200")
        held.close()
        connection.close()
        server.stop()
        assert answered, "the held pull got no answer"
    return {"median": median(samples), "max": max(samples)}


STALL_TYPES = ("ProcedureStateChanged", "NewFileUpload")  # the largest type, the commonest


def run(count: int = 10_000, memory_count: int = 100_000) -> dict[str, Any]:
    return {
        "stall": [stall(count, event_type) for event_type in STALL_TYPES],
        "memory": memory(memory_count),
        "shutdown": shutdown(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--memory-count", type=int, default=100_000)
    arguments = parser.parse_args()
    results = run(arguments.count, arguments.memory_count)
    for result in results["stall"]:
        print(f"{result['count']} {result['event_type']} in {result['emit_seconds']:.2f} s: "
              f"loop held p99 {ms(result['stall_p99'])}, max {ms(result['stall_max'])} (idle "
              f"max {ms(result['idle_max'])}; longest of {result['gc_collections']} collector "
              f"pauses {ms(result['gc_pause_max'])}); health answered p50 "
              f"{ms(result['health_p50'])}, "
              f"p99 {ms(result['health_p99'])}, max {ms(result['health_max'])}")
    result = results["memory"]
    print(f"{result['count']} ProcedureStateChanged with payloads: {result['emit_seconds']:.1f} s, "
          f"answer {result['answer_mb']:.0f} MB; resident {result['rss_before_mb']:.0f} MB "
          f"before, peak {result['rss_peak_mb']:.0f} MB, after {result['rss_after_mb']:.0f} MB")
    result = results["shutdown"]
    print(f"SIGTERM to exit with a held PullEvents: median {ms(result['median'])}, "
          f"max {ms(result['max'])}")


if __name__ == "__main__":
    main()
