"""`vod-emulator serve` as users start it: flags, environment, readiness line, clean stop."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from emulator.client import AdminClient
from emulator.config import parse_serve_settings

_READY = re.compile(r"listening on (http://[\d.]+:(\d+))")


@contextmanager
def _serve(*args: str, env: dict[str, str] | None = None) -> Iterator[tuple[str, subprocess.Popen]]:
    environment = {k: v for k, v in os.environ.items()
                   if not k.startswith(("VOD_EMULATOR_", "TENCENTCLOUD_"))}
    environment.update(env or {})
    process = subprocess.Popen(
        [sys.executable, "-m", "emulator", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # blocks until the server says it is ready
        match = _READY.search(line)
        assert match, f"no readiness line: {line!r}"
        yield match.group(1), process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        for stream in (process.stdout, process.stderr):
            if stream:
                stream.close()


def test_serve_prints_its_address_and_answers_health() -> None:
    with _serve("--seed", "42") as (url, process):
        health = AdminClient(url).health()
        assert health["status"] == "ok"
        assert health["seed"] == 42
        assert health["verifies_signatures"] is False


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signals_stop_it_cleanly(signum: int) -> None:
    with _serve() as (url, process):
        process.send_signal(signum)
        assert process.wait(timeout=10) == 0
        assert process.stderr is not None
        assert "Traceback" not in process.stderr.read()


def test_environment_configures_it() -> None:
    env = {
        "VOD_EMULATOR_LONG_POLL_SECONDS": "1.5",
        "VOD_EMULATOR_CONFIRM_WINDOW_SECONDS": "10",
        "VOD_EMULATOR_RETENTION_SECONDS": "600",
        "VOD_EMULATOR_SEED": "7",
        "TENCENTCLOUD_SECRET_ID": "AKIDfromenv",
        "TENCENTCLOUD_SECRET_KEY": "keyfromenv",
    }
    with _serve(env=env) as (url, _):
        health = AdminClient(url).health()
        assert (health["long_poll_seconds"], health["confirm_window_seconds"],
                health["retention_seconds"], health["seed"]) == (1.5, 10, 600, 7)
        assert health["verifies_signatures"] is True


def test_flags_win_over_environment() -> None:
    settings = parse_serve_settings(["--long-poll-seconds", "2", "--port", "0"],
                                    env={"VOD_EMULATOR_LONG_POLL_SECONDS": "9",
                                         "VOD_EMULATOR_HOST": "127.0.0.2"})
    assert (settings.long_poll_seconds, settings.host, settings.port) == (2.0, "127.0.0.2", 0)


def test_vod_emulator_variables_win_over_sdk_variables() -> None:
    settings = parse_serve_settings([], env={"VOD_EMULATOR_SECRET_ID": "a",
                                             "TENCENTCLOUD_SECRET_ID": "b",
                                             "TENCENTCLOUD_SECRET_KEY": "k"})
    assert (settings.secret_id, settings.secret_key) == ("a", "k")


def test_defaults_are_the_real_services_numbers() -> None:
    settings = parse_serve_settings([], env={})
    assert (settings.host, settings.port, settings.long_poll_seconds,
            settings.confirm_window_seconds, settings.retention_seconds) == (
        "127.0.0.1", 4600, 5.0, 30.0, 4 * 24 * 3600.0)
    assert settings.secret_id is None and not settings.verifies_signatures


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--port", "70000"], {}, "port must be 0-65535"),
        (["--long-poll-seconds", "soon"], {}, "not a number"),
        (["--confirm-window-seconds", "-1"], {}, "must be a finite number >= 0"),
        ([], {"VOD_EMULATOR_SEED": "abc"}, "seed must be an integer"),
        (["--secret-id", "AKID"], {}, "go together"),
    ],
)
def test_bad_configuration_is_a_clear_error(args, env, message) -> None:
    environment = {k: v for k, v in os.environ.items()
                   if not k.startswith(("VOD_EMULATOR_", "TENCENTCLOUD_"))}
    result = subprocess.run([sys.executable, "-m", "emulator", "serve", *args],
                            capture_output=True, text=True, env={**environment, **env},
                            timeout=30)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_console_script_is_installed() -> None:
    script = os.path.join(os.path.dirname(sys.executable), "vod-emulator")
    result = subprocess.run([script, "--help"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0 and "serve" in result.stdout
