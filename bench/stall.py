"""Loop stalls and memory during bulk emits, and how fast the server stops.

1. **Longest stall**: while one client emits N events in one ``POST /_emulator/events``,
   another sends ``GET /_emulator/health`` back to back over a kept-alive connection.
   The longest health round trip during the emit bounds how long the event loop was
   held; the same probe on an idle server gives the floor.
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
import threading
import time
from typing import Any

from common import HOST, ServerProcess, emulator_command, median, ms, percentile


def _connection(server: ServerProcess) -> http.client.HTTPConnection:
    return http.client.HTTPConnection(HOST, server.port, timeout=120)


def _probe(server: ServerProcess, stop: threading.Event, samples: list[float]) -> None:
    connection = _connection(server)
    try:
        while not stop.is_set():
            started = time.perf_counter()
            connection.request("GET", "/_emulator/health")
            connection.getresponse().read()
            samples.append(time.perf_counter() - started)
    finally:
        connection.close()


def _emit(server: ServerProcess, body: dict[str, Any]) -> tuple[float, int]:
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


def _probe_during(server: ServerProcess, work: Any) -> list[float]:
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


def stall(count: int, event_type: str) -> dict[str, Any]:
    with ServerProcess("emulator", emulator_command) as server:
        _emit(server, {"type": "NewFileUpload", "count": 1})  # the factory is loaded
        idle = _probe_during(server, lambda: time.sleep(1.0))
        timing: dict[str, float] = {}

        def emit() -> None:
            timing["seconds"], timing["bytes"] = _emit(
                server, {"type": event_type, "count": count, "with_content": False})

        busy = _probe_during(server, emit)
    return {
        "event_type": event_type, "count": count, "emit_seconds": timing["seconds"],
        "idle_p50": median(idle), "idle_max": max(idle),
        "during_p50": median(busy), "during_p99": percentile(busy, 99),
        "during_max": max(busy), "probes_during": len(busy),
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--memory-count", type=int, default=100_000)
    arguments = parser.parse_args()
    for event_type in ("ProcedureStateChanged", "NewFileUpload"):
        result = stall(arguments.count, event_type)
        print(f"{result['count']} {event_type} in {result['emit_seconds']:.2f} s: health "
              f"p50 {ms(result['during_p50'])}, p99 {ms(result['during_p99'])}, "
              f"max {ms(result['during_max'])} over {result['probes_during']} probes "
              f"(idle p50 {ms(result['idle_p50'])}, max {ms(result['idle_max'])})")
    result = memory(arguments.memory_count)
    print(f"{result['count']} ProcedureStateChanged with payloads: {result['emit_seconds']:.1f} s, "
          f"answer {result['answer_mb']:.0f} MB; resident {result['rss_before_mb']:.0f} MB "
          f"before, peak {result['rss_peak_mb']:.0f} MB, after {result['rss_after_mb']:.0f} MB")
    result = shutdown()
    print(f"SIGTERM to exit with a held PullEvents: median {ms(result['median'])}, "
          f"max {ms(result['max'])}")


if __name__ == "__main__":
    main()
