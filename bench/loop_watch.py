"""An emulator whose event loop is watched: run by ``stall.py`` as a child process.

A task on the emulator's own loop sleeps 1 ms again and again and records how late each
wake-up comes: the lateness is how long something held the loop. Nothing else runs in
this process (the clients live in the parent), so no other thread competes for the
interpreter. Garbage collections are timed too. Prints the port, then answers
``window START END`` (``time.monotonic()`` values, the same clock in every process) on
stdin with the lateness and the collector's pauses seen between them.
"""

from __future__ import annotations

import asyncio
import gc
import json
import sys
import time

from emulator.core.settings import Settings
from emulator.server import EmulatorThread

PERIOD = 0.001


async def watch(samples: list[tuple[float, float]]) -> None:
    while True:
        started = time.monotonic()
        await asyncio.sleep(PERIOD)
        woke = time.monotonic()
        samples.append((woke, woke - started - PERIOD))


def watch_collector(pauses: list[tuple[float, float]]) -> None:
    """Record each garbage collection's pause: a stall no code of ours can slice."""
    started = [0.0]

    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.monotonic()
        else:
            pauses.append((time.monotonic(), time.monotonic() - started[0]))

    gc.callbacks.append(callback)


def main() -> None:
    samples: list[tuple[float, float]] = []
    pauses: list[tuple[float, float]] = []
    watch_collector(pauses)
    with EmulatorThread(Settings(port=0, seed=1)) as emulator:
        emulator.call(lambda backend: backend.factory)  # loaded, then frozen, as serve() does
        gc.freeze()
        emulator.call(lambda backend: asyncio.ensure_future(watch(samples)))
        print(emulator.port, flush=True)
        for line in sys.stdin:
            _, start, end = line.split()
            seen = [late for at, late in list(samples) if float(start) <= at <= float(end)]
            collected = [pause for at, pause in list(pauses) if float(start) <= at <= float(end)]
            print(json.dumps({"lateness": sorted(seen), "gc_pauses": sorted(collected)}),
                  flush=True)


if __name__ == "__main__":
    main()
