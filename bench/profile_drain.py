"""Where the emulator's time goes during a drain: a profile of the server process.

Fills the queue, then profiles the emulator while the raw client drains it (4 pullers,
server and client on one core, as in drain.py). Prints the heaviest functions as
microseconds per pull+confirm cycle (one PullEvents of 16 + one ConfirmEvents).

    .venv/bin/python bench/profile_drain.py [--signed] [--state-file] [--profiler py-spy|cprofile]

py-spy (``pip install py-spy``; not in the bench extra) samples without slowing the
server and only while the drain runs; cProfile needs nothing installed, inflates small
functions and also counts the fill. Not run by run_all.py.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import PYTHON, ServerProcess, emulator_command, pinned, placements
from drain import fill, raw_drain

from emulator.clients.client import AdminClient

EVENTS = 60_000
CYCLE = 16  # events per pull+confirm cycle


def _frame_key(frame: str) -> str:
    """'func (path/to/file.py:12)' -> 'func (file.py)': lines merged, paths shortened."""
    name, _, where = frame.partition(" (")
    path = where.split(":")[0]
    short = path.split("site-packages/")[-1].split("/work/main/")[-1]
    return f"{name} ({short})"


def print_py_spy(raw: Path, cycles: float, top: int) -> None:
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = [_frame_key(f) for f in stack.split(";")]
        for key in set(frames):
            inclusive[key] += int(count)
        own[frames[-1]] += int(count)
    per_cycle = 1e6 / 1000 / cycles  # samples are 1 ms apart: us per cycle per sample
    print("inclusive, emulator and json frames (us per cycle):")
    for key, count in inclusive.most_common():
        if "emulator/" in key or "json/" in key:
            print(f"  {count * per_cycle:7.1f}  {key}")
    print(f"self time, top {top} (us per cycle):")
    for key, count in own.most_common(top):
        print(f"  {count * per_cycle:7.1f}  {key}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signed", action="store_true",
                        help="verify TC3 signatures (the emulator gets a secret)")
    parser.add_argument("--profiler", choices=["py-spy", "cprofile"],
                        default="py-spy" if shutil.which("py-spy", path=Path(PYTHON).parent)
                        else "cprofile")
    parser.add_argument("--state-file", action="store_true",
                        help="serve with --state-file (in a scratch directory)")
    parser.add_argument("--pullers", type=int, default=4)
    parser.add_argument("--events", type=int, default=EVENTS)
    parser.add_argument("--top", type=int, default=20)
    arguments = parser.parse_args()
    events = arguments.events
    cycles = events / CYCLE
    with tempfile.TemporaryDirectory(prefix="vod-bench-profile-") as scratch:
        output = Path(scratch) / "profile"

        def command(port: int) -> list[str]:
            extra = ["--state-file", str(Path(scratch) / "state.db")] \
                if arguments.state_file else []
            argv = emulator_command(port, verify=arguments.signed, extra=extra)
            if arguments.profiler == "cprofile":  # the stats are written when serve() ends
                argv[1:1] = ["-m", "cProfile", "-o", str(output)]
            return argv

        with ServerProcess("emulator", command) as server:
            fill(AdminClient(server.url, timeout=60), events)
            spy = None
            if arguments.profiler == "py-spy":
                assert server.process is not None
                spy = subprocess.Popen(
                    [str(Path(PYTHON).parent / "py-spy"), "record", "--pid",
                     str(server.process.pid), "--rate", "1000", "--format", "raw",
                     "--output", str(output), "--nonblocking"],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                )
                # The sampler gets a core of its own, away from the server and the client.
                spare = sorted(os.sched_getaffinity(0))[-1]
                os.sched_setaffinity(spy.pid, {spare})
                time.sleep(1.0)  # py-spy attaches
            try:
                server_cpu, client_cpu = placements()["one core"]
                with pinned(server, server_cpu, client_cpu):
                    rate = asyncio.run(raw_drain(server.url, events, arguments.pullers,
                                                arguments.signed))
            finally:
                if spy is not None:
                    spy.send_signal(2)  # SIGINT: py-spy writes its output and exits
                    spy.wait(timeout=30)
        # (leaving the with block stopped the emulator: cProfile has written its stats)
        print(f"drained {events:,} events ({arguments.pullers} pullers) at {rate:,.0f} events/s "
              f"({'signed' if arguments.signed else 'unsigned'}, {arguments.profiler}"
              f"{', state file' if arguments.state_file else ''})")
        if arguments.profiler == "py-spy":
            print_py_spy(output, cycles, arguments.top)
        else:
            # cProfile covers the whole process, the (slow) fill included: so only the
            # request path is shown (the queue's lines also hold the fill's enqueues).
            stats = pstats.Stats(str(output), stream=sys.stdout)
            stats.sort_stats("cumulative").print_stats(
                r"emulator/(app|actions|queue|journal|cloudapi)|json/", arguments.top)


if __name__ == "__main__":
    main()
