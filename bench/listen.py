"""How fast ``vod-emulator listen`` brings events to a local handler.

An emulator verifying signatures stands in for the real service (a process of its own);
a ``CallbackReceiver`` in this process is the handler, checking each callback's Sign and
answering 200. ``python -m emulator listen --forward-to … --max-events N`` runs as a user
runs it, timed from its spawn to its ready line, and from there to its exit once the N-th
event is delivered and confirmed. Then every event must have arrived with a valid
signature and the upstream queue must be empty (all confirmed). Not run by run_all.py:
its figures are in docs/performance.md.

    .venv/bin/python bench/listen.py [--events 2000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from typing import Any

from common import PYTHON, SECRET_ID, SECRET_KEY, ServerProcess, emulator_command, median
from drain import check_drained, fill

from emulator.clients.client import AdminClient
from emulator.clients.receiver import CallbackReceiver

SIGN_KEY = "benchListenKey1"


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def once(server: ServerProcess, events: int) -> dict[str, float]:
    admin = AdminClient(server.url, timeout=60)
    fill(admin, events)
    with CallbackReceiver(sign_key=SIGN_KEY) as handler:
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("VOD_EMULATOR_", "TENCENTCLOUD_"))}
        env.update(TENCENTCLOUD_SECRET_ID=SECRET_ID, TENCENTCLOUD_SECRET_KEY=SECRET_KEY)
        cpu_before = _children_cpu()
        spawned = time.perf_counter()
        listen = subprocess.Popen(
            [PYTHON, "-m", "emulator", "listen", "--endpoint", server.url, "--forward-to",
             handler.url, "--sign-key", SIGN_KEY, "--max-events", str(events)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
        assert listen.stderr is not None
        first_line = listen.stderr.readline()  # the ready line
        ready = time.perf_counter()
        if "ready" not in first_line:
            raise AssertionError(f"listen did not start: {first_line}{listen.stderr.read()}")
        rest = listen.stderr.read()
        if listen.wait(timeout=600) != 0:
            raise AssertionError(f"listen failed: {rest}")
        done = time.perf_counter()
        cpu = _children_cpu() - cpu_before
        received = handler.received
    if len(received) != events or handler.refused:
        raise AssertionError(f"{len(received)} callbacks of {events}, "
                             f"{len(handler.refused)} refused")
    check_drained(admin)
    return {"ready_seconds": ready - spawned, "events_per_second": events / (done - ready),
            "listen_cpu_us_per_event": cpu / events * 1e6}


def run(events: int = 2_000, repeats: int = 3) -> dict[str, Any]:
    runs = []
    with ServerProcess("emulator", lambda port: emulator_command(port, verify=True)) as server:
        for _ in range(repeats):
            runs.append(once(server, events))
    return {"events": events, "repeats": repeats,
            **{name: median([one[name] for one in runs]) for name in runs[0]},
            "runs": runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2_000)
    parser.add_argument("--repeats", type=int, default=3)
    arguments = parser.parse_args()
    json.dump(run(arguments.events, arguments.repeats), sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
