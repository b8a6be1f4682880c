"""Event generation: events/s for a mix of every type on one core, payload sizes, and the
time to emit 10,000 events through the admin API of a running emulator.

    .venv/bin/python bench/generation.py            # prints a JSON summary

Targets: >= 5,000 mixed events/s; 10,000 events through POST /_emulator/events < 3 s.
"""

from __future__ import annotations

import json
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ServerProcess, emulator_command, percentile  # noqa: E402

from emulator.events import EVENT_TYPES, EventFactory  # noqa: E402

MIXED_EVENTS = 36_000  # 1,000 of each type
ADMIN_EVENTS = 10_000


def generation_rate() -> dict[str, Any]:
    """Generate a round-robin mix of every type in this process (one core)."""
    factory = EventFactory(seed=7, now=time.time)
    for event_type in EVENT_TYPES:  # first use: Faker pools, per-model plans
        factory.make(event_type)
    started = time.perf_counter()
    events = [factory.make(EVENT_TYPES[i % len(EVENT_TYPES)]) for i in range(MIXED_EVENTS)]
    seconds = time.perf_counter() - started
    sizes = sorted(len(json.dumps(e, ensure_ascii=False).encode()) for e in events)
    by_type: dict[str, list[int]] = {}
    for event, size in zip(events, (len(json.dumps(e, ensure_ascii=False).encode())
                                    for e in events), strict=True):
        by_type.setdefault(event["EventType"], []).append(size)
    return {
        "events": MIXED_EVENTS,
        "events_per_second": MIXED_EVENTS / seconds,
        "size_bytes": {
            "min": sizes[0], "p50": percentile(sizes, 50), "p90": percentile(sizes, 90),
            "p99": percentile(sizes, 99), "max": sizes[-1], "mean": sum(sizes) / len(sizes),
        },
        "largest_types": sorted(((t, sum(s) / len(s)) for t, s in by_type.items()),
                                key=lambda item: -item[1])[:5],
    }


def admin_emit(rounds: int = 5) -> dict[str, Any]:
    """POST {"type": ..., "count": 10000} to a running emulator; median of a few rounds."""
    timings: list[float] = []
    with ServerProcess("emulator", emulator_command) as server:
        for round_number in range(rounds):
            body = json.dumps({"type": EVENT_TYPES[round_number % 3], "count": ADMIN_EVENTS,
                               "sub_app_id": round_number + 1}).encode()
            request = urllib.request.Request(server.url + "/_emulator/events", data=body,
                                             method="POST")
            opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
            started = time.perf_counter()
            with opener.open(request, timeout=60) as response:
                answer = response.read()
            timings.append(time.perf_counter() - started)
            assert len(json.loads(answer)["events"]) == ADMIN_EVENTS
    return {"events": ADMIN_EVENTS, "seconds_median": percentile(timings, 50),
            "seconds_max": max(timings), "answer_megabytes": len(answer) / 1e6}


def main() -> dict[str, Any]:
    return {"generation": generation_rate(), "admin_emit": admin_emit()}


if __name__ == "__main__":
    print(json.dumps(main(), indent=2, ensure_ascii=False))
