"""Public name kept: everything of ``emulator.clients.recording``."""

from .clients.recording import *  # noqa: F403
from .clients.recording import __all__  # noqa: F401
