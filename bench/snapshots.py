"""What a snapshot costs a running emulator: how long a save and a restore hold its event
loop (they run on it: they read and replace the live state), the round trip of
``POST /_emulator/snapshots/{name}/restore``, and how long an export and an import take in
their worker thread with the loop's longest stall meanwhile (a task on the loop sleeps
1 ms again and again; its lateness is how long something held the loop).

The state: ``--events`` NewFileUpload events, ``--leased`` of them leased through the
official SDK's PullEvents (leases and handles are part of what a snapshot keeps).

    .venv/bin/python bench/snapshots.py [--events 1000] [--leased 64] [--repeat 50]

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tencentcloud.common import credential  # noqa: E402
from tencentcloud.common.profile.client_profile import ClientProfile  # noqa: E402
from tencentcloud.common.profile.http_profile import HttpProfile  # noqa: E402
from tencentcloud.vod.v20180717 import models, vod_client  # noqa: E402

from emulator.clients.client import AdminClient  # noqa: E402
from emulator.core.backend import VodBackend  # noqa: E402
from emulator.core.settings import Settings  # noqa: E402
from emulator.server import EmulatorThread  # noqa: E402

PROBE_SECONDS = 0.001
NAME = "bench"


def ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def spread(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"median_ms": ms(statistics.median(ordered)),
            "p90_ms": ms(ordered[int(0.9 * (len(ordered) - 1))]),
            "max_ms": ms(ordered[-1])}


def on_loop(emulator: EmulatorThread,
            work: Callable[[VodBackend], Any]) -> tuple[float, float]:
    """Seconds ``work(backend)`` held the emulator's loop, and the CPU seconds its thread
    spent meanwhile (timed on the loop itself; the CPU time is what a busy machine does
    not inflate)."""
    def timed(backend: VodBackend) -> tuple[float, float]:
        started, cpu = time.perf_counter(), time.thread_time()
        work(backend)
        return time.perf_counter() - started, time.thread_time() - cpu

    return emulator.call(timed)


class LoopProbe:
    """A task on the emulator's loop that notes how late each 1 ms sleep wakes."""

    def __init__(self, emulator: EmulatorThread) -> None:
        self.lateness: list[float] = []
        self.task = emulator.call(lambda backend: asyncio.ensure_future(self._watch()))

    async def _watch(self) -> None:
        while True:
            started = time.perf_counter()
            await asyncio.sleep(PROBE_SECONDS)
            self.lateness.append(time.perf_counter() - started - PROBE_SECONDS)

    def worst_during(self, work: Callable[[], Any]) -> tuple[float, float]:
        """``work()``'s duration (seconds) and the loop's longest stall meanwhile."""
        seen = len(self.lateness)
        started = time.perf_counter()
        work()
        took = time.perf_counter() - started
        return took, max(self.lateness[seen:], default=0.0)


def prepare(emulator: EmulatorThread, admin: AdminClient, events: int, leased: int) -> None:
    emulator.call(lambda backend: backend.factory)  # loaded, then frozen, as serve() does
    gc.freeze()
    admin.emit("NewFileUpload", events, with_content=False)
    http = HttpProfile(protocol="http", endpoint=emulator.endpoint)
    vod = vod_client.VodClient(credential.Credential("AKIDany", "any"), "",
                               ClientProfile(httpProfile=http))
    pulled = 0
    while pulled < leased:
        pulled += len(vod.PullEvents(models.PullEventsRequest()).EventSet)


RESTORE_TARGET = 0.005
"""A restore of 1,000 events holds the loop at most this long (median)."""


def run(events: int = 1000, leased: int = 64, repeat: int = 50) -> dict[str, Any]:
    with EmulatorThread(Settings(port=0, seed=1)) as emulator:
        admin = AdminClient(emulator.url)
        prepare(emulator, admin, events, leased)
        saves = [on_loop(emulator, lambda backend: backend.save_snapshot(NAME))
                 for _ in range(repeat)]
        restores = [on_loop(emulator, lambda backend: backend.restore_snapshot(NAME))
                    for _ in range(repeat)]
        round_trips = []
        for _ in range(repeat):
            started = time.perf_counter()
            admin.restore_snapshot(NAME)
            round_trips.append(time.perf_counter() - started)
        probe = LoopProbe(emulator)
        exports = [probe.worst_during(lambda: admin.export_snapshot(NAME))
                   for _ in range(max(3, repeat // 10))]
        data = admin.export_snapshot(NAME)
        imports = [probe.worst_during(lambda: admin.import_snapshot("imported", data))
                   for _ in range(max(3, repeat // 10))]
        idle = probe.worst_during(lambda: time.sleep(0.5))
        emulator.call(lambda backend: probe.task.cancel())
        summary = admin.snapshots()
    return {
        "events": events, "leased": leased, "repeat": repeat,
        "file_bytes": len(data),
        "kept": summary,
        "save_on_loop": spread([wall for wall, _ in saves]),
        "save_on_loop_cpu": spread([cpu for _, cpu in saves]),
        "restore_on_loop": spread([wall for wall, _ in restores]),
        "restore_on_loop_cpu": spread([cpu for _, cpu in restores]),
        "restore_round_trip": spread(round_trips),
        "export_round_trip": spread([took for took, _ in exports]),
        "export_longest_stall_ms": ms(max(stall for _, stall in exports)),
        "import_round_trip": spread([took for took, _ in imports]),
        "import_longest_stall_ms": ms(max(stall for _, stall in imports)),
        "idle_longest_stall_ms": ms(idle[1]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--leased", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    print(json.dumps(run(args.events, args.leased, args.repeat), indent=2))


if __name__ == "__main__":
    main()
