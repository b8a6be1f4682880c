"""Settings: one frozen dataclass, from flags, then ``VOD_EMULATOR_*``, then defaults."""

from __future__ import annotations

import argparse
import os
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .queue import QueueTimings

DEFAULT_PORT = 4600
ENV_PREFIX = "VOD_EMULATOR_"


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    secret_id: str | None = None
    secret_key: str | None = None
    long_poll_seconds: float = 5.0
    confirm_window_seconds: float = 30.0
    retention_seconds: float = 4 * 24 * 3600.0
    seed: int = field(default_factory=lambda: secrets.randbelow(2**32))

    @property
    def verifies_signatures(self) -> bool:
        return bool(self.secret_id and self.secret_key)

    @property
    def timings(self) -> QueueTimings:
        return QueueTimings(
            long_poll_seconds=self.long_poll_seconds,
            confirm_window_seconds=self.confirm_window_seconds,
            retention_seconds=self.retention_seconds,
        )


def _non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0: {text!r}")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port must be 0-65535: {text!r}")
    return value


def _seed(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"seed must be an integer: {text!r}") from None


def add_serve_arguments(parser: argparse.ArgumentParser, env: Mapping[str, str]) -> None:
    """The ``serve`` flags; each defaults to its VOD_EMULATOR_<NAME> variable when set."""
    defaults = Settings(seed=0)

    def env_default(name: str, fallback: object, *also: str) -> object:
        for variable in (ENV_PREFIX + name, *also):
            if variable in env:
                return env[variable]
        return fallback

    parser.add_argument("--host", default=env_default("HOST", defaults.host),
                        help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=_port, default=env_default("PORT", defaults.port),
                        help="port to listen on; 0 picks a free one (default 4600)")
    parser.add_argument("--secret-id",
                        default=env_default("SECRET_ID", None, "TENCENTCLOUD_SECRET_ID"),
                        help="SecretId whose signatures are verified (unset: no verification)")
    parser.add_argument("--secret-key",
                        default=env_default("SECRET_KEY", None, "TENCENTCLOUD_SECRET_KEY"),
                        help="SecretKey matching --secret-id")
    parser.add_argument("--long-poll-seconds", type=_non_negative_float,
                        default=env_default("LONG_POLL_SECONDS", defaults.long_poll_seconds),
                        help="how long an empty PullEvents is held (default 5)")
    parser.add_argument("--confirm-window-seconds", type=_non_negative_float,
                        default=env_default("CONFIRM_WINDOW_SECONDS",
                                            defaults.confirm_window_seconds),
                        help="how long a pulled event waits for ConfirmEvents (default 30)")
    parser.add_argument("--retention-seconds", type=_non_negative_float,
                        default=env_default("RETENTION_SECONDS", defaults.retention_seconds),
                        help="how long an unconfirmed event is kept (default 345600, 4 days)")
    parser.add_argument("--seed", type=_seed, default=env_default("SEED", None),
                        help="seed for events and handles (default: random, shown at start)")


def settings_from_arguments(arguments: argparse.Namespace) -> Settings:
    secret_id, secret_key = arguments.secret_id or None, arguments.secret_key or None
    if (secret_id is None) != (secret_key is None):
        raise ValueError("--secret-id and --secret-key go together: set both or neither")
    seed = arguments.seed
    return Settings(
        host=arguments.host,
        port=arguments.port,
        secret_id=secret_id,
        secret_key=secret_key,
        long_poll_seconds=arguments.long_poll_seconds,
        confirm_window_seconds=arguments.confirm_window_seconds,
        retention_seconds=arguments.retention_seconds,
        **({} if seed is None else {"seed": seed}),
    )


def parse_serve_settings(argv: Sequence[str], env: Mapping[str, str] | None = None) -> Settings:
    parser = argparse.ArgumentParser(prog="vod-emulator serve")
    add_serve_arguments(parser, os.environ if env is None else env)
    arguments = parser.parse_args(argv)
    try:
        return settings_from_arguments(arguments)
    except ValueError as error:
        parser.error(str(error))
        raise  # unreachable: parser.error exits
