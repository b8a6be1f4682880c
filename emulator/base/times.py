"""The time format of VOD payloads and of the emulator's messages."""

from __future__ import annotations

from datetime import UTC, datetime


def iso8601(unix_seconds: float) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ``, the time format of VOD payloads."""
    return datetime.fromtimestamp(int(unix_seconds), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
