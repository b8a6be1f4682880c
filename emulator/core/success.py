"""What counts as a delivered callback, and how long an attempt waits for its answer by
default: the rules the emulator's dispatcher applies (the ``callback_success`` setting)
and ``vod-emulator listen`` applies to a local handler, read from one place.

A leaf of the domain: it imports nothing of the emulator.
"""

from __future__ import annotations

SUCCESS_RULES = ("200", "2xx", "any")
"""What counts as a delivered callback: exactly HTTP 200, any 2xx, or any HTTP answer at
all (its status and body ignored); no answer (a timeout, a refused or reset connection)
never does."""

DEFAULT_TIMEOUT_SECONDS = 5.0
"""How long an attempt waits for the handler's answer when nothing says otherwise (the
3.0 format's timeout is undocumented; the archived older format's was 5 s)."""


def is_delivered(status: int | None, success: str) -> bool:
    """Whether an attempt answered ``status`` (None: no HTTP answer) is delivered under
    the rule ``success`` (SUCCESS_RULES)."""
    if status is None:
        return False
    return (status == 200 or success == "any"
            or (success == "2xx" and 200 <= status < 300))
