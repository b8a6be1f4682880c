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
    for event_type in EVENT_TYPES:  # first use: per-model plans
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


ADMIN_TYPES = ("NewFileUpload", "ProcedureStateChanged", "FileDeleted")  # common, largest, smallest


def admin_emit(rounds: int = 3) -> dict[str, Any]:
    """POST {"type": T, "count": 10000} to a running emulator, for a common, the largest
    and the smallest type, and the largest without contents in the answer. Timed to the
    whole answer received, and separately to it parsed by the client (json.loads of tens
    of MB is the client's cost, not the emulator's). Median of a few rounds each."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    cases = [(t, True) for t in ADMIN_TYPES] + [("ProcedureStateChanged", False)]
    by_case: dict[str, Any] = {}
    with ServerProcess("emulator", emulator_command) as server:
        for event_type, with_content in cases:
            received: list[float] = []
            parsed: list[float] = []
            for round_number in range(rounds):
                body = json.dumps({"type": event_type, "count": ADMIN_EVENTS,
                                   "sub_app_id": round_number + 1,
                                   "with_content": with_content}).encode()
                request = urllib.request.Request(server.url + "/_emulator/events", data=body,
                                                 method="POST")
                started = time.perf_counter()
                with opener.open(request, timeout=60) as response:
                    raw = response.read()
                received.append(time.perf_counter() - started)
                answer = json.loads(raw)
                parsed.append(time.perf_counter() - started)
                assert len(answer["events"]) == ADMIN_EVENTS
            name = event_type + ("" if with_content else " (with_content: false)")
            by_case[name] = {"received_median": percentile(received, 50),
                             "parsed_median": percentile(parsed, 50),
                             "answer_megabytes": len(raw) / 1e6}
            server_reset(opener, server.url)
    return {"events": ADMIN_EVENTS, "by_type": by_case}


def server_reset(opener: urllib.request.OpenerDirector, url: str) -> None:
    """Empty the queues between types, so memory does not grow across the measurement."""
    request = urllib.request.Request(url + "/_emulator/reset", data=b"{}", method="POST")
    with opener.open(request, timeout=60):
        pass


def run(quick: bool = False) -> dict[str, Any]:
    return {"generation": generation_rate(), "admin_emit": admin_emit(rounds=1 if quick else 3)}


def main() -> dict[str, Any]:
    return run()


if __name__ == "__main__":
    print(json.dumps(main(), indent=2, ensure_ascii=False))
