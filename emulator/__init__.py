"""vod-emulator: a local, offline emulator of Tencent Cloud VOD event notifications."""

__version__ = "0.1.0"

from .backend import VodBackend  # noqa: E402
from .clock import Clock  # noqa: E402
from .config import Settings  # noqa: E402
from .queue import EVENTS_PER_PULL, QueueTimings  # noqa: E402

__all__ = ["EVENTS_PER_PULL", "Clock", "QueueTimings", "Settings", "VodBackend", "__version__"]
