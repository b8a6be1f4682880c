"""vod-emulator: a local, offline emulator of Tencent Cloud VOD event notifications.

The Python API: run an emulator in a thread (``EmulatorThread``), drive it over HTTP
(``AdminClient``), or use its parts directly (``VodBackend``, ``EventFactory``).
Hypothesis strategies live in ``emulator.strategies`` (optional dependency).

Names are imported when first used, so ``import emulator`` (and the command line's
``emit``) does not pay for aiohttp or the event machinery it does not need.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from .clients.client import AdminClient, AdminError
    from .clients.receiver import CallbackReceiver
    from .core.backend import VodBackend
    from .core.clock import Clock
    from .core.queue import EVENTS_PER_PULL, QueueTimings
    from .core.records import QueueState
    from .core.settings import Settings
    from .events import EVENT_TYPES, EventFactory, EventInputError
    from .events.scenarios import SCENARIOS
    from .server import EmulatorThread

_HOME = {
    "EVENTS_PER_PULL": ".core.queue",
    "EVENT_TYPES": ".events",
    "SCENARIOS": ".events.scenarios",
    "AdminClient": ".clients.client",
    "AdminError": ".clients.client",
    "CallbackReceiver": ".clients.receiver",
    "Clock": ".core.clock",
    "EmulatorThread": ".server",
    "EventFactory": ".events",
    "EventInputError": ".events",
    "QueueState": ".core.records",
    "QueueTimings": ".core.queue",
    "Settings": ".core.settings",
    "VodBackend": ".core.backend",
}

__all__ = [
    "EVENTS_PER_PULL",
    "EVENT_TYPES",
    "SCENARIOS",
    "AdminClient",
    "AdminError",
    "CallbackReceiver",
    "Clock",
    "EmulatorThread",
    "EventFactory",
    "EventInputError",
    "QueueState",
    "QueueTimings",
    "Settings",
    "VodBackend",
    "__version__",
]


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'emulator' has no attribute {name!r}")
    value = getattr(importlib.import_module(home, __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
