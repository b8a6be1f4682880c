"""What the consumer report costs the drain: CPU time per drained event spent in
``ConsumerReport.observe`` (one PullEvents of 16 events, then one ConfirmEvents of their
handles), measured in-process, against the drain's own CPU time per event (the raw
drain figure of bench/RESULTS.md, one core). The PUSH path costs nothing per callback:
its findings are read from the attempt records only when the report is asked for, so
this also times one report over the attempts kept.

    .venv/bin/python bench/report_overhead.py [--events 200000] [--drain-rate 9778]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from emulator.core.callbacks import Attempt  # noqa: E402
from emulator.core.event import EmittedEvent  # noqa: E402
from emulator.core.queue import Lease  # noqa: E402
from emulator.core.report import CallSeen, Client, ConsumerReport  # noqa: E402

BATCH = 16  # events per PullEvents, handles per ConfirmEvents


def drain_cost(events: int) -> float:
    """CPU seconds per event that observe() takes for a drain of ``events``."""
    report = ConsumerReport({"PullEvents": 100, "ConfirmEvents": 100})
    client = Client("127.0.0.1", "TencentCloudSDKPython/3.1.194")
    batches = []
    for start in range(0, events, BATCH):
        leases = [Lease(f"h{n:08d}", EmittedEvent(f"evt-{n:08d}", n, None, "NewFileUpload",
                                                   b"{}", 0.0), 30.0)
                  for n in range(start, min(start + BATCH, events))]
        batches.append((leases, [lease.handle for lease in leases]))
    started = time.process_time()
    now = 0.0
    for number, (leases, handles) in enumerate(batches):
        now += 0.001
        report.observe(CallSeen("PullEvents", None, client, f"r{number}p", now,
                                leases=leases))
        report.observe(CallSeen("ConfirmEvents", None, client, f"r{number}c", now,
                                handles=handles))
    return (time.process_time() - started) / events


def report_cost(attempts: int) -> float:
    """CPU seconds to answer one report over ``attempts`` callback records."""
    records = [Attempt(f"evt-{n:08d}", "NewFileUpload", None, 1, float(n),
                       "http://127.0.0.1:8000/hook", None, 200, None, 1.0, "delivered")
               for n in range(attempts)]
    report = ConsumerReport()
    started = time.process_time()
    report.findings(float(attempts), records)
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--drain-rate", type=float, default=9_778.0,
                        help="the raw drain's events/s on one core (bench/RESULTS.md)")
    arguments = parser.parse_args()
    per_event = min(drain_cost(arguments.events) for _ in range(3))
    budget = 1 / arguments.drain_rate
    print(f"observe: {per_event * 1e6:.2f} µs of CPU per drained event; the drain spends "
          f"{budget * 1e6:.1f} µs per event: {per_event / budget:.1%} of it")
    print(f"one report over 100,000 callback attempts: {report_cost(100_000) * 1e3:.0f} ms")


if __name__ == "__main__":
    main()
