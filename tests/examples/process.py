"""`vod-emulator serve` in a subprocess, started as a user starts it, for tests that need
the real command line (its environment, its ready line) rather than an EmulatorThread."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

_READY = re.compile(r"listening on (http://[\d.]+:\d+)")
_OURS = ("VOD_EMULATOR_", "TENCENTCLOUD_")


def clean_environment(**extra: str) -> dict[str, str]:
    """This process's environment without the emulator's and the SDKs' variables, and
    without proxies (nothing may leave 127.0.0.1), plus ``extra``."""
    environment = {
        name: value for name, value in os.environ.items()
        if not name.startswith(_OURS) and not name.lower().endswith("_proxy")
    }
    environment.update(extra)
    return environment


@contextmanager
def serve(
    *args: str, env: dict[str, str] | None = None
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """Run ``python -m emulator serve --port 0 ARGS``; yield its URL (from the ready line)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "emulator", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=clean_environment() if env is None else env,
    )
    try:
        assert process.stdout is not None and process.stderr is not None
        line = process.stdout.readline()  # blocks until the server says it is ready
        match = _READY.search(line)
        if match is None:
            process.kill()
            raise AssertionError(f"no ready line: {line!r}; stderr: {process.stderr.read()!r}")
        yield match.group(1), process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        for stream in (process.stdout, process.stderr):
            if stream:
                stream.close()
