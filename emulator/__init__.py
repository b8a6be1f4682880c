"""vod-emulator: a local, offline emulator of Tencent Cloud VOD event notifications.

The Python API: run an emulator in a thread (``EmulatorThread``), drive it over HTTP
(``AdminClient``), or use its parts directly (``VodBackend``, ``EventFactory``).
Hypothesis strategies live in ``emulator.strategies`` (optional dependency).
"""

__version__ = "0.1.0"

from .backend import QueueState, VodBackend  # noqa: E402
from .client import AdminClient, AdminError  # noqa: E402
from .clock import Clock  # noqa: E402
from .config import Settings  # noqa: E402
from .events import EVENT_TYPES, EventFactory, EventInputError  # noqa: E402
from .events.scenarios import SCENARIOS  # noqa: E402
from .queue import EVENTS_PER_PULL, QueueTimings  # noqa: E402
from .server import EmulatorThread  # noqa: E402

__all__ = [
    "EVENTS_PER_PULL",
    "EVENT_TYPES",
    "SCENARIOS",
    "AdminClient",
    "AdminError",
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
