"""Start-up time: from spawning the server process to its first answered request.

Measured for the emulator (``python -m emulator serve``), a one-route aiohttp app (the
floor: interpreter + aiohttp import + bind) and moto's server (the tool people compare
with). Runs are interleaved so that a noisy moment hits all three alike.

    .venv/bin/python bench/startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from typing import Any

from common import (
    ServerProcess,
    bare_command,
    emulator_command,
    median,
    moto_command,
    ms,
    percentile,
    undisturbed,
)

# name -> (argv for a port, the path polled until it answers)
SERVERS: dict[str, tuple[Any, str]] = {
    "emulator": (emulator_command, "/_emulator/health"),
    "bare aiohttp": (lambda port: bare_command(port, "hello"), "/_emulator/health"),
    "moto": (moto_command, "/"),
}


def time_one(name: str, env: dict[str, str]) -> float:
    """One start; retaken if another process took CPU meanwhile (the child is reaped
    inside the measurement, so its own CPU counts as ours)."""
    command, path = SERVERS[name]

    def measure() -> float:
        with ServerProcess(name, command, ready_path=path, env=env) as server:
            return server.startup_seconds

    return undisturbed(measure)


def run(runs: int = 15) -> dict[str, Any]:
    samples: dict[str, list[float]] = {name: [] for name in SERVERS}
    # One core for the poller and (inherited at spawn) every server: the same for all
    # three, and out of the way of whatever else runs on the other core.
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(before)})
    try:
        _run(runs, samples)
    finally:
        os.sched_setaffinity(0, before)
    return {
        name: {"median": median(values), "p90": percentile(values, 90),
               "min": min(values), "runs": len(values), "samples": values}
        for name, values in samples.items()
    }


def _run(runs: int, samples: dict[str, list[float]]) -> None:
    with tempfile.TemporaryDirectory(prefix="vod-bench-pycache-") as pycache:
        # Users' installs have .pyc files. This machine sets PYTHONDONTWRITEBYTECODE, and
        # an editable install has none for emulator/ anyway: so every child compiles into
        # a scratch cache (never into the source tree), warmed by one unrecorded start each.
        env = {"PYTHONPYCACHEPREFIX": pycache, "PYTHONDONTWRITEBYTECODE": ""}
        for name in SERVERS:
            time_one(name, env)
        for _ in range(runs):
            for name in SERVERS:
                samples[name].append(time_one(name, env))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--json", action="store_true", help="print the raw results as JSON")
    arguments = parser.parse_args()
    results = run(arguments.runs)
    if arguments.json:
        print(json.dumps(results, indent=2))
        return
    for name, stats in results.items():
        print(f"{name:14} median {ms(stats['median']):>10}  p90 {ms(stats['p90']):>10}  "
              f"min {ms(stats['min']):>10}  ({stats['runs']} runs)")


if __name__ == "__main__":
    main()
