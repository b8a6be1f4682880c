"""Baseline servers: plain aiohttp doing the least the emulator could do. Not the emulator.

    baseline_bare.py hello  --port P                 one route, GET /_emulator/health
    baseline_bare.py replay --port P --body FILE     every POST answered with FILE's bytes
    baseline_bare.py wake   --port P                 POST /hold waits until POST /wake

Each is started like the emulator (a process of its own, access log off, handler
cancellation on), so that what differs from the emulator is only the emulator's own work.
Only aiohttp is imported: the start-up baseline must not pay for anything else.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import uuid
from pathlib import Path

from aiohttp import web

JSON = "application/json"


def hello_app() -> web.Application:
    """The smallest app: one route, a constant JSON answer (the start-up baseline)."""

    async def health(request: web.Request) -> web.Response:
        return web.Response(body=b'{"status":"ok"}', content_type=JSON)

    app = web.Application()
    app.router.add_get("/_emulator/health", health)
    return app


def replay_app(pull_body: bytes) -> web.Application:
    """What aiohttp can do at best: a captured 16-event PullEvents answer, replayed.

    The request body is still read (as the emulator must), but nothing is parsed,
    checked, leased or serialised. ConfirmEvents gets the tiny answer it gets for real.
    """
    confirm_body = f'{{"Response":{{"RequestId":"{uuid.uuid4()}"}}}}'.encode()
    headers = {"Content-Type": JSON}

    async def answer(request: web.Request) -> web.Response:
        await request.read()
        if request.headers.get("X-TC-Action") == "ConfirmEvents":
            return web.Response(body=confirm_body, headers=headers)
        return web.Response(body=pull_body, headers=headers)

    app = web.Application()
    app.router.add_post("/", answer)
    app.router.add_get("/_emulator/health", answer_health)
    return app


class _Holds:
    """The wake app's state: the Event current holders wait on, and how many there are."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.held = 0
        self.held_changed = asyncio.Event()


def wake_app() -> web.Application:
    """The wake-up floor: a held request released by a second request through an Event.

    POST /hold waits on the current Event; POST /wake sets it (and arms a fresh one);
    POST /wait-held answers once a request is held, like the emulator's /_emulator/wait.
    """
    holds = _Holds()

    async def hold(request: web.Request) -> web.Response:
        release = holds.release
        holds.held += 1
        holds.held_changed.set()
        try:
            await asyncio.wait_for(release.wait(), timeout=5.0)  # the emulator's long poll
        except TimeoutError:
            pass
        finally:
            holds.held -= 1
        return web.Response(body=b'{"Response":{"EventSet":[{}]}}', content_type=JSON)

    async def wake(request: web.Request) -> web.Response:
        await request.read()
        release, holds.release = holds.release, asyncio.Event()
        release.set()
        return web.Response(body=b'{"woken":true}', content_type=JSON)

    async def wait_held(request: web.Request) -> web.Response:
        while not holds.held:
            holds.held_changed = asyncio.Event()
            await asyncio.wait_for(holds.held_changed.wait(), timeout=10.0)
        return web.Response(body=b'{"met":true}', content_type=JSON)

    app = web.Application()
    app.router.add_post("/hold", hold)
    app.router.add_post("/wake", wake)
    app.router.add_post("/wait-held", wait_held)
    app.router.add_get("/_emulator/health", answer_health)
    return app


async def answer_health(request: web.Request) -> web.Response:
    return web.Response(body=b'{"status":"ok"}', content_type=JSON)


async def serve(app: web.Application, port: int) -> None:
    # The same runner options as emulator/server.py, so the HTTP layer is identical.
    runner = web.AppRunner(app, handler_cancellation=True, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["hello", "replay", "wake"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--body", type=Path, help="replay: the PullEvents answer to send")
    arguments = parser.parse_args()
    if arguments.mode == "hello":
        app = hello_app()
    elif arguments.mode == "replay":
        if arguments.body is None:
            parser.error("replay needs --body")
        app = replay_app(arguments.body.read_bytes())
    else:
        app = wake_app()
    asyncio.run(serve(app, arguments.port))


if __name__ == "__main__":
    main()
