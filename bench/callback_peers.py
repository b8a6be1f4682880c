"""The two plain-aiohttp peers of the callback benchmark (bench/callbacks.py). Not the emulator.

    callback_peers.py receiver --port P
        POST /cb        a callback: counted, its arrival time (time.monotonic()) kept,
                        answered 200 with an empty body
        POST /reset     {"keep_bodies": bool}: count from zero (and keep the bodies)
        GET  /wait      ?count=N&timeout=S: answers once N callbacks have arrived, with
                        {"count", "first", "last"} (arrival times of the first and last)
        GET  /arrivals  every arrival time since the reset, and the bodies if kept

    callback_peers.py sender --port P --target URL --bodies FILE
        POST /send      {"count": N, "concurrency": C}: answers at once, then POSTs the
                        first N bodies of FILE (one JSON document a line) to URL through
                        one pooled ClientSession, C in flight: the limit the emulator's
                        delivery is compared with

Each is a process of its own, started like the emulator (access log off), so that what
differs between the emulator and the sender is only the emulator's own work. Only
aiohttp is imported. ``time.monotonic()`` is CLOCK_MONOTONIC, one clock for every
process on Linux, so arrival times compare with the benchmark's send times.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path

import aiohttp
from aiohttp import web
from baseline_bare import answer_health, serve  # the same HTTP layer as the baselines

JSON = "application/json"


class _Arrivals:
    def __init__(self) -> None:
        self.times: list[float] = []
        self.bodies: list[bytes] | None = None
        self.changed = asyncio.Event()
        self.wanted = 0  # the count a /wait is held for (0: none)


def receiver_app() -> web.Application:
    arrivals = _Arrivals()

    async def callback(request: web.Request) -> web.Response:
        body = await request.read()
        arrivals.times.append(time.monotonic())
        if arrivals.bodies is not None:
            arrivals.bodies.append(body)
        # Wake a held /wait only when its count is reached: no work per callback else.
        if arrivals.wanted and len(arrivals.times) >= arrivals.wanted:
            arrivals.changed.set()
        return web.Response()

    async def reset(request: web.Request) -> web.Response:
        options = json.loads(await request.read() or b"{}")
        arrivals.times = []
        arrivals.bodies = [] if options.get("keep_bodies") else None
        return web.Response(body=b"{}", content_type=JSON)

    async def wait(request: web.Request) -> web.Response:
        count = int(request.query["count"])
        timeout = float(request.query.get("timeout", "60"))
        deadline = time.monotonic() + timeout
        while len(arrivals.times) < count and time.monotonic() < deadline:
            arrivals.wanted, arrivals.changed = count, asyncio.Event()
            try:
                await asyncio.wait_for(arrivals.changed.wait(), deadline - time.monotonic())
            except TimeoutError:
                break
        arrivals.wanted = 0
        times = arrivals.times
        answer = {"count": len(times), "first": times[0] if times else None,
                  "last": times[count - 1] if len(times) >= count else None}
        return web.json_response(answer)

    async def listing(request: web.Request) -> web.Response:
        bodies = arrivals.bodies
        return web.json_response({
            "times": arrivals.times,
            "bodies": None if bodies is None else [body.decode() for body in bodies]})

    app = web.Application()
    app.router.add_post("/cb", callback)
    app.router.add_post("/reset", reset)
    app.router.add_get("/wait", wait)
    app.router.add_get("/arrivals", listing)
    app.router.add_get("/health", answer_health)
    return app


def sender_app(target: str, bodies: list[bytes]) -> web.Application:
    """POSTs as the emulator's sender does (emulator/app.py): one ClientSession, no
    connection limit, Content-Type set, redirects not followed, the answer read."""
    state: dict[str, aiohttp.ClientSession] = {}
    running: set[asyncio.Task[None]] = set()
    headers = {"Content-Type": JSON}
    timeout = aiohttp.ClientTimeout(total=5.0)

    async def post_all(chosen: list[bytes], concurrency: int) -> None:
        session = state["session"]
        remaining = iter(chosen)

        async def worker() -> None:
            for body in remaining:  # one shared iterator: each body is taken once
                async with session.post(target, data=body, headers=headers,
                                        allow_redirects=False, timeout=timeout) as response:
                    await response.read()

        await asyncio.gather(*(worker() for _ in range(concurrency)))

    async def send(request: web.Request) -> web.Response:
        options = json.loads(await request.read())
        count, concurrency = int(options["count"]), int(options["concurrency"])
        if not 1 <= count <= len(bodies):
            return web.json_response({"error": f"count must be 1-{len(bodies)}"}, status=400)
        task = asyncio.create_task(post_all(bodies[:count], concurrency))
        running.add(task)
        task.add_done_callback(running.discard)
        return web.Response(body=b"{}", content_type=JSON)

    async def session_context(app: web.Application):  # type: ignore[no-untyped-def]
        state["session"] = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0), trust_env=False)
        yield
        await state["session"].close()

    app = web.Application()
    app.router.add_post("/send", send)
    app.router.add_get("/health", answer_health)
    app.cleanup_ctx.append(session_context)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["receiver", "sender"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--target", help="sender: the receiver's callback URL")
    parser.add_argument("--bodies", type=Path, help="sender: callback bodies, one a line")
    arguments = parser.parse_args()
    if arguments.mode == "receiver":
        app = receiver_app()
    else:
        if arguments.target is None or arguments.bodies is None:
            parser.error("sender needs --target and --bodies")
        bodies = arguments.bodies.read_bytes().splitlines()
        app = sender_app(arguments.target, bodies)
    asyncio.run(serve(app, arguments.port))


if __name__ == "__main__":
    main()
