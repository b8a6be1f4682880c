"""Start-up time: from spawning the server process to its first answered request.

Measured for the emulator (``python -m emulator serve``), a one-route aiohttp app (the
floor: interpreter + aiohttp import + bind) and moto's server (the tool people compare
with). Runs are interleaved so that a noisy moment hits all three alike.

    .venv/bin/python bench/startup.py [--runs 15] [--without-moto]
    .venv/bin/python bench/startup.py --importtime [--runs 15]
    .venv/bin/python bench/startup.py --instructions [--runs 3]

``--importtime`` runs the emulator and the bare app under ``python -X importtime``
instead, interleaved, and compares what each imports before its first answer: the sum of
the top-level imports' cumulative times (the emulator's, up to its "listening" line: what
it loads once it has answered is not counted) and the modules loaded.

``--instructions`` counts the instructions each executes from its start to its first
answer (valgrind's cachegrind; the process ends the moment it has answered). Unlike a
time, the count does not depend on what else the machine runs: on a shared machine it
is the figure to compare (a run takes about 30 s under valgrind).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from common import (
    BENCH,
    PYTHON,
    REPO,
    ServerProcess,
    _child_env,
    bare_command,
    emulator_command,
    free_port,
    median,
    moto_command,
    ms,
    percentile,
    undisturbed,
)

# name -> (argv for a port, the path polled until it answers)
SERVERS: dict[str, tuple[Callable[[int], list[str]], str]] = {
    "emulator": (emulator_command, "/_emulator/health"),
    "bare aiohttp": (lambda port: bare_command(port, "hello"), "/_emulator/health"),
    "moto": (moto_command, "/"),
}
IMPORTED = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( +)(\S+)$", re.MULTILINE)
LISTENING = "vod-emulator listening on"
"""The emulator's line once it listens: the imports logged after it are not start-up's."""


def time_one(name: str, env: dict[str, str]) -> float:
    """One start; retaken if another process took CPU meanwhile (the child is reaped
    inside the measurement, so its own CPU counts as ours)."""
    command, path = SERVERS[name]

    def measure() -> float:
        with ServerProcess(name, command, ready_path=path, env=env) as server:
            return server.startup_seconds

    return undisturbed(measure)


def run(runs: int = 15, names: tuple[str, ...] = tuple(SERVERS)) -> dict[str, Any]:
    samples: dict[str, list[float]] = {name: [] for name in names}
    with _one_core(), tempfile.TemporaryDirectory(prefix="vod-bench-pycache-") as pycache:
        env = _bytecode_env(pycache)
        for name in names:  # warm-up, unrecorded
            time_one(name, env)
        for _ in range(runs):
            for name in names:
                samples[name].append(time_one(name, env))
    return {name: _stats(values) for name, values in samples.items()}


def import_times(runs: int = 15) -> dict[str, Any]:
    """The emulator and the bare app under ``-X importtime``, interleaved: per server,
    the stats of the summed cumulative import time (seconds) and the modules imported."""
    names = ("emulator", "bare aiohttp")
    samples: dict[str, list[float]] = {name: [] for name in names}
    modules: dict[str, list[str]] = {}
    with _one_core(), tempfile.TemporaryDirectory(prefix="vod-bench-pycache-") as pycache:
        env = _bytecode_env(pycache)
        for round_ in range(runs + 1):  # the first round warms the bytecode cache
            for name in names:
                total, modules[name] = _imports_before_answering(name, env)
                if round_:
                    samples[name].append(total)
    return {name: {**_stats(samples[name]), "modules": modules[name]} for name in names}


def _imports_before_answering(name: str, env: dict[str, str]) -> tuple[float, list[str]]:
    command, path = SERVERS[name]

    def with_importtime(port: int) -> list[str]:
        argv = command(port)
        return [PYTHON, "-X", "importtime", *argv[1:]]

    with ServerProcess(name, with_importtime, ready_path=path, env=env) as server:
        # It has answered: every import that needed is logged (stderr is unbuffered).
        log = server.log_tail(size=10**8).split(LISTENING)[0]
    found = IMPORTED.findall(log)
    top_level = sum(int(cumulative) for _, cumulative, indent, _ in found if len(indent) == 1)
    return top_level / 1e6, [module for *_, module in found]


# Run in the measured process itself (python -c): the server's own command line, and a
# thread that polls it and ends the process at its first answer, so that neither the
# rest of its life nor its shutdown is counted. The same for both servers.
_UNTIL_ANSWERED = """
import os, runpy, socket, sys, threading, time
port, kind = int(sys.argv[1]), sys.argv[2]
def poll():
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=60) as connection:
                connection.sendall(b"GET /_emulator/health HTTP/1.1\\r\\nHost: x\\r\\n"
                                   b"Connection: close\\r\\n\\r\\n")
                if connection.recv(64).startswith(b"HTTP/1.1 200"):
                    os._exit(0)
        except OSError:
            pass
        time.sleep(0.02)
threading.Thread(target=poll, daemon=True).start()
if kind == "emulator":
    sys.argv = ["emulator", "serve", "--port", str(port), "--seed", "1"]
    runpy.run_module("emulator", run_name="__main__", alter_sys=True)
else:
    sys.argv = [sys.argv[3], "hello", "--port", str(port)]
    runpy.run_path(sys.argv[0], run_name="__main__")
"""
INSTRUCTIONS = re.compile(r"I\s+refs:\s+([\d,]+)")


def instructions(runs: int = 3) -> dict[str, Any]:
    """Instructions from start to first answer (cachegrind), per server: the stats of
    ``runs`` counts (in millions), after one unrecorded run each."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise SystemExit("--instructions needs valgrind (apt-get install valgrind)")
    names = ("emulator", "bare aiohttp")
    samples: dict[str, list[float]] = {name: [] for name in names}
    with tempfile.TemporaryDirectory(prefix="vod-bench-pycache-") as pycache:
        env = _child_env(_bytecode_env(pycache))
        for round_ in range(runs + 1):
            for name in names:
                kind = "emulator" if name == "emulator" else "bare"
                argv = [valgrind, "--tool=cachegrind", "--cache-sim=no",
                        "--cachegrind-out-file=/dev/null", PYTHON, "-c", _UNTIL_ANSWERED,
                        str(free_port()), kind, str(BENCH / "baseline_bare.py")]
                done = subprocess.run(argv, cwd=REPO, env=env, capture_output=True,
                                      text=True, timeout=600)
                found = INSTRUCTIONS.search(done.stderr)
                if found is None:
                    raise RuntimeError(f"{name}: no count from valgrind:\n{done.stderr[-2000:]}")
                if round_:
                    samples[name].append(int(found.group(1).replace(",", "")) / 1e6)
    return {name: _stats(values) for name, values in samples.items()}


def _stats(values: list[float]) -> dict[str, Any]:
    return {"median": median(values), "p90": percentile(values, 90), "min": min(values),
            "runs": len(values), "samples": values}


@contextmanager
def _one_core() -> Iterator[None]:
    """One core for the poller and (inherited at spawn) every server: the same for all,
    and out of the way of whatever else runs on the other core."""
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(before)})
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


def _bytecode_env(pycache: str) -> dict[str, str]:
    # Users' installs have .pyc files. This machine sets PYTHONDONTWRITEBYTECODE, and an
    # editable install has none for emulator/ anyway: so every child compiles into a
    # scratch cache (never into the source tree), warmed by one unrecorded start each.
    return {"PYTHONPYCACHEPREFIX": pycache, "PYTHONDONTWRITEBYTECODE": ""}


def _print(results: dict[str, Any], what: str,
           unit: Callable[[float], str] = ms) -> None:
    bare = results["bare aiohttp"]
    for name, stats in results.items():
        ratio = (f"  x bare: min {stats['min'] / bare['min']:.3f}, "
                 f"median {stats['median'] / bare['median']:.3f}")
        count = f", {len(stats['modules'])} modules" if "modules" in stats else ""
        print(f"{name:14} {what} median {unit(stats['median']):>10}  "
              f"p90 {unit(stats['p90']):>10}  min {unit(stats['min']):>10}  "
              f"({stats['runs']} runs{count}){ratio}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--without-moto", action="store_true",
                        help="only the emulator and the bare app (moto is the slow one)")
    parser.add_argument("--importtime", action="store_true",
                        help="compare what the emulator and the bare app import before "
                             "their first answer (python -X importtime)")
    parser.add_argument("--instructions", action="store_true",
                        help="count the instructions to the first answer (valgrind)")
    parser.add_argument("--json", action="store_true", help="print the raw results as JSON")
    arguments = parser.parse_args()
    if arguments.instructions:
        results = instructions(arguments.runs)
    elif arguments.importtime:
        results = import_times(arguments.runs)
    else:
        names = tuple(n for n in SERVERS if not (arguments.without_moto and n == "moto"))
        results = run(arguments.runs, names)
    if arguments.json:
        print(json.dumps(results, indent=2))
        return
    if arguments.instructions:
        _print(results, "instructions", lambda millions: f"{millions:,.0f} M")
    else:
        _print(results, "imports" if arguments.importtime else "first answer")


if __name__ == "__main__":
    main()
