"""Memory per queued event, where it goes, and what holding it small costs the drain.

    .venv/bin/python bench/memory.py                  # resident growth per queued event (JSON)
    .venv/bin/python bench/memory.py --events 1000000 --types NewFileUpload
    .venv/bin/python bench/memory.py --where          # in-process: bytes per event, by place
    .venv/bin/python bench/memory.py --drain          # in-process: one pull+confirm cycle's CPU

The resident figure is a running emulator's (``serve``, as users start it): its VmRSS after
one event of the type was emitted (the event factory and the type's payload dictionary are
loaded then, once per process) and again after queueing the rest through the admin API, in
batches of 10,000 (``"with_content": false``). ``--where`` emits through a VodBackend in this
process under tracemalloc and groups what is still allocated afterwards by the line that
allocated it. ``--drain`` times the request path of PullEvents (16) + ConfirmEvents without
HTTP: lease, the answer's bytes (each payload unpacked), confirm; CPU time, best of rounds.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
import tracemalloc
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import REPO, ServerProcess, emulator_command  # noqa: E402

BATCH = 10_000
TYPES = {"NewFileUpload": 100_000, "ProcedureStateChanged": 50_000}
"""The types measured, with the events queued of each by default."""
TARGET_BYTES = {"NewFileUpload": 1_000, "ProcedureStateChanged": 2_500}
"""Resident growth per queued event, at most."""


def resident_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def run(event_type: str = "NewFileUpload", events: int = 100_000) -> dict[str, Any]:
    """A running emulator's resident growth per event queued."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with ServerProcess("emulator", emulator_command) as server:
        assert server.process is not None

        def emit(count: int) -> None:
            body = json.dumps({"type": event_type, "count": count,
                               "with_content": False}).encode()
            request = urllib.request.Request(server.url + "/_emulator/events", data=body,
                                             method="POST")
            with opener.open(request, timeout=300) as response:
                response.read()

        started = resident_bytes(server.process.pid)
        emit(1)  # loads the factory and the type's dictionary: once per process, not per event
        before = resident_bytes(server.process.pid)
        left = events - 1
        while left:
            emit(min(left, BATCH))
            left -= min(left, BATCH)
        after = resident_bytes(server.process.pid)
    return {"event_type": event_type, "events": events, "rss_started_mb": started / 1e6,
            "rss_before_mb": before / 1e6, "rss_after_mb": after / 1e6,
            "bytes_per_event": (after - before) / (events - 1),
            "bytes_per_event_from_start": (after - started) / events}


# ----- in this process


def _backend() -> Any:
    sys.path.insert(0, str(REPO))
    from emulator.core.backend import VodBackend
    from emulator.core.settings import Settings

    return VodBackend(Settings(seed=1))


def where(event_type: str, events: int, top: int = 20) -> dict[str, Any]:
    """What an emit of ``events`` leaves allocated, per event, by the line that allocated it."""
    backend = _backend()
    backend.emit_generated(event_type, 1_000, None)  # factory, dictionary, first containers
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    backend.emit_generated(event_type, events, None)
    gc.collect()
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    stats = after.compare_to(before, "lineno")
    places = [{"bytes_per_event": round(stat.size_diff / events, 1),
               "blocks_per_event": round(stat.count_diff / events, 2),
               "where": f"{Path(stat.traceback[0].filename).name}:{stat.traceback[0].lineno}"}
              for stat in stats[:top] if abs(stat.size_diff) >= events]
    return {"event_type": event_type, "events": events,
            "bytes_per_event": round(sum(stat.size_diff for stat in stats) / events, 1),
            "places": places}


def drain_cycle(event_type: str, events: int = 16_000, rounds: int = 7) -> dict[str, Any]:
    """CPU microseconds of one PullEvents (16) + ConfirmEvents on the backend, no HTTP."""
    from emulator.base.jsontext import compact

    best = float("inf")
    for _ in range(rounds):
        backend = _backend()
        backend.emit_generated(event_type, events, None)
        queue = backend.queues.queue(None)
        gc.collect()
        cycles = 0
        started = time.process_time()
        while leases := queue.lease(16):
            compact({"Response": {"EventSet": [lease.event_content_json() for lease in leases],
                                  "RequestId": "r"}})
            backend.confirm_events(None, [lease.handle for lease in leases])
            cycles += 1
        best = min(best, (time.process_time() - started) / cycles * 1e6)
    return {"event_type": event_type, "us_per_cycle": round(best, 1),
            "us_per_event": round(best / 16, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--types", nargs="*", default=list(TYPES), choices=list(TYPES))
    parser.add_argument("--events", type=int, help="events of each type (default: per type)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--where", action="store_true", help="bytes per event by place")
    mode.add_argument("--drain", action="store_true", help="CPU of a pull+confirm cycle")
    arguments = parser.parse_args()
    measure: Callable[[str, int], dict[str, Any]] = (
        where if arguments.where else
        (lambda event_type, _: drain_cycle(event_type)) if arguments.drain else run)
    print(json.dumps([measure(event_type, arguments.events or TYPES[event_type])
                      for event_type in arguments.types], indent=2))


if __name__ == "__main__":
    main()
