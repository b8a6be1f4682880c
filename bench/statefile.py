"""What a state file costs: the raw drain with ``--state-file`` against the same drain in
memory, and the restart of an emulator holding many events.

Interleaved runs (in memory, state file, in memory, ...), each against a fresh emulator
process: fill with NewFileUpload, drain through bench/drain.py's raw client (1 and 4
pullers, unsigned). The ratio is of the medians. The emulator's CPU time per drained
event is measured too: on a host whose other work makes the rates swing from run to run,
it is the steadier figure of what the state file costs. Then a restart: an emulator with
``--restart-events`` queued is stopped and started again on its file, timed from spawn to
the first answer.

    .venv/bin/python bench/statefile.py [--events 20000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from common import ServerProcess, emulator_command, median, process_cpu_seconds
from drain import check_drained, fill, raw_drain

from emulator.clients.client import AdminClient

DRAIN_SHARE_TARGET = 0.8
"""The drain with a state file keeps at least this share of the in-memory drain's rate."""


def _drain(state_file: Path | None, events: int, pullers: int) -> tuple[float, float]:
    """(events drained a second, the emulator's CPU microseconds per event drained)."""
    extra = [] if state_file is None else ["--state-file", str(state_file)]
    with ServerProcess("emulator", lambda port: emulator_command(port, extra=extra)) as server:
        admin = AdminClient(server.url)
        fill(admin, events)
        assert server.process is not None
        cpu_before = process_cpu_seconds(server.process.pid)
        rate = asyncio.run(raw_drain(server.url, events, pullers, sign=False))
        cpu = process_cpu_seconds(server.process.pid) - cpu_before
        check_drained(admin)
    return rate, cpu / events * 1e6


def _restart_seconds(state_file: Path, events: int) -> tuple[float, float]:
    """(seconds to start on an empty file, seconds to start again on the file holding
    ``events`` queued events)."""
    def command(port: int) -> list[str]:
        return emulator_command(port, extra=["--state-file", str(state_file)])

    with ServerProcess("emulator", command) as server:
        fresh = server.startup_seconds
        admin = AdminClient(server.url)
        fill(admin, events)
    with ServerProcess("emulator", command, ready_timeout=120) as server:
        again = server.startup_seconds
        pullable = AdminClient(server.url).stats()["totals"]["pullable"]
        if pullable != events:
            raise AssertionError(f"{pullable} pullable after the restart, not {events}")
    return fresh, again


def run(events: int = 20_000, repeats: int = 3, restart_events: int = 100_000) -> dict[str, Any]:
    rates: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-state-") as directory:
        for repeat in range(repeats):
            for pullers in (1, 4):
                for kept in ("memory", "state file"):
                    path = None if kept == "memory" else Path(directory) / f"{repeat}-{pullers}"
                    rate, cpu_per_event = _drain(path, events, pullers)
                    rates.setdefault(f"{kept} x{pullers}", []).append(rate)
                    cpu.setdefault(f"{kept} x{pullers}", []).append(cpu_per_event)
        started = time.perf_counter()
        fresh, again = _restart_seconds(Path(directory) / "restart", restart_events)
        restart_run = time.perf_counter() - started
    result: dict[str, Any] = {"events": events, "repeats": repeats,
                              "rates": {name: median(values) for name, values in rates.items()},
                              "all_rates": rates,
                              "cpu_us_per_event": {name: median(values)
                                                   for name, values in cpu.items()},
                              "all_cpu_us_per_event": cpu}
    for pullers in (1, 4):
        result[f"share x{pullers}"] = (result["rates"][f"state file x{pullers}"]
                                       / result["rates"][f"memory x{pullers}"])
        # The rate a server bound by its CPU would keep.
        result[f"cpu share x{pullers}"] = (result["cpu_us_per_event"][f"memory x{pullers}"]
                                           / result["cpu_us_per_event"][f"state file x{pullers}"])
    result.update(restart_events=restart_events, start_fresh_seconds=fresh,
                  restart_seconds=again, restart_run_seconds=restart_run)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--restart-events", type=int, default=100_000)
    args = parser.parse_args()
    print(json.dumps(run(args.events, args.repeats, args.restart_events), indent=2))


if __name__ == "__main__":
    main()
