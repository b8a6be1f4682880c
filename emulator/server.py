"""Running the emulator: in the foreground (``vod-emulator serve``) or in a background thread."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal
import sys
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from aiohttp import web

from .app import BACKEND, create_app
from .base.background import BackgroundServer, listen
from .core.backend import VodBackend
from .core.limits import IDLE_CONNECTION_SECONDS, SHUTDOWN_GRACE_SECONDS
from .core.settings import Settings

T = TypeVar("T")

_HANDLER_ARGS = {
    # Room for a 32 KB GET query: its refusal is ours to answer (RequestSizeLimitExceeded).
    "max_line_size": 256 * 1024,
    "max_field_size": 64 * 1024,
    # Also closes connections that never finish a request (aiohttp arms it at connect).
    "keepalive_timeout": IDLE_CONNECTION_SECONDS,
    # Bodies arrive as sent: neither API takes a Content-Encoding, and decoding one inside
    # aiohttp could fail outside our handlers (a 500, or its own text/plain 400).
    "auto_decompress": False,
}


async def start(settings: Settings,
                app: web.Application | None = None) -> tuple[web.AppRunner, int]:
    """Start listening (``app``, else a new application); answer the runner (for cleanup)
    and the port actually bound."""
    runner = web.AppRunner(
        app or create_app(settings),
        # A puller that hangs up must not take a lease it will never confirm.
        handler_cancellation=True,
        access_log=None,
        shutdown_timeout=SHUTDOWN_GRACE_SECONDS,
        **_HANDLER_ARGS,  # type: ignore[arg-type]  # forwarded to the request handler
    )
    # On failure what the setup started (the callbacks' HTTP client) ends too.
    return runner, await listen(runner, settings.host, settings.port)


async def serve(settings: Settings) -> None:
    """Serve until Ctrl-C or SIGTERM, then shut down cleanly."""
    app = create_app(settings)
    answered = _first_answer(app)
    runner, port = await start(settings, app)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    print(ready_line(settings, port), flush=True)
    settle = asyncio.create_task(_settle(app[BACKEND], answered), name="vod-emulator settle")
    try:
        await stop.wait()
    finally:
        settle.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await settle
        await runner.cleanup()
    print("vod-emulator stopped", file=sys.stderr, flush=True)


def _first_answer(app: web.Application) -> asyncio.Event:
    """Set once the application has answered its first request (its headers are written
    in the same step of the loop, before anything waiting on this runs)."""
    answered = asyncio.Event()

    async def note(request: web.Request, response: web.StreamResponse) -> None:
        answered.set()

    app.on_response_prepare.append(note)
    return answered


async def _settle(backend: VodBackend, answered: asyncio.Event) -> None:
    """A process of its own: once the first request is answered (loading earlier would
    take the core from it), load what emitting needs, off the loop, so the first emit
    does not wait for it; then move everything alive out of the collector's way, so its
    full passes during a bulk emit scan only what the emit made; and keep the C heap
    from growing holes over a long run (base/allocator.py)."""
    await answered.wait()
    await backend.load_factory()
    gc.freeze()
    from .base.allocator import give_large_blocks_back

    give_large_blocks_back()


def ready_line(settings: Settings, port: int) -> str:
    """What ``serve`` prints once it listens: where, which seed, and whether signatures
    are checked (and for which SecretId: users often have one exported without noticing)."""
    checks = (
        f"verifying signatures for SecretId {settings.secret_id}"
        if settings.verifies_signatures
        else "not verifying signatures: any credentials work"
    )
    return (f"vod-emulator listening on http://{settings.host}:{port} "
            f"(seed {settings.seed}; {checks})")


class EmulatorThread(BackgroundServer):
    """An emulator on its own event loop in a background thread, for synchronous code.

    >>> with EmulatorThread(Settings(port=0)) as emulator:
    ...     emulator.url  # 'http://127.0.0.1:<port>'
    """

    def __init__(self, settings: Settings) -> None:
        super().__init__("the emulator", "vod-emulator")
        self.settings = settings

    @property
    def url(self) -> str:
        return f"http://{self.settings.host}:{self.port}"

    @property
    def endpoint(self) -> str:
        """What the SDKs take as HttpProfile.endpoint: host and port, no scheme."""
        return f"{self.settings.host}:{self.port}"

    @property
    def secret_id(self) -> str | None:
        """The SecretId whose signatures are verified (None: none are)."""
        return self.settings.secret_id

    @property
    def secret_key(self) -> str | None:
        return self.settings.secret_key

    def call(self, function: Callable[[VodBackend], T], timeout: float = 30.0) -> T:
        """Run ``function(backend)`` on the server's own loop and answer its result: the
        live state belongs to that loop, so other threads reach it only this way.

        >>> emulator.call(lambda backend: backend.queue_state(None).pullable)
        """
        runner = self._runner
        assert runner is not None, "the emulator is not running"

        async def on_loop() -> T:
            return function(runner.app[BACKEND])

        return self._run_on_loop(on_loop(), timeout)

    def fresh_start(self, settings: Mapping[str, Any], snapshot: str | None = None) -> None:
        """What a test starts from: a full reset (everything forgotten, the start-up
        settings restored, faults cleared), the clock running at real speed; or, given a
        ``snapshot``, that snapshot restored (its clock as it kept it); then ``settings``.
        Run on the server's loop, with no HTTP. ValueError (naming it) for a setting
        refused, LookupError if no snapshot of that name is kept."""

        def start(backend: VodBackend) -> None:
            if snapshot is not None:
                backend.restore_snapshot(snapshot)
            else:
                backend.reset()
                clock = backend.clock_state()
                if clock["frozen"] or clock["scale"] != 1:
                    backend.change_clock(freeze=False, scale=1)
            if settings:
                backend.change_settings(dict(settings))

        self.call(start)

    def import_snapshot(self, name: str, data: bytes) -> None:
        """Keep an exported snapshot's file under ``name`` (on the server's loop);
        ValueError if it is not an exported snapshot, is damaged or comes from an
        emulator of another state format."""
        self.call(lambda backend: backend.snapshots.imported(name, data, backend.now()))

    def now(self) -> float:
        """The emulator clock."""
        return self.call(lambda backend: backend.now())

    def stats(self) -> dict[str, Any]:
        """Counts per application and in total, as ``GET /_emulator/stats`` answers."""
        return self.call(lambda backend: backend.stats())

    def report(self) -> list[dict[str, Any]]:
        """The consumer report's findings, as ``GET /_emulator/report`` answers them."""
        return self.call(lambda backend: [one.to_json() for one in backend.consumer_report()])

    async def _open(self) -> tuple[web.AppRunner, int]:
        return await start(self.settings)
