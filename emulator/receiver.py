"""Public name kept: everything of ``emulator.clients.receiver``."""

from .clients.receiver import *  # noqa: F403
from .clients.receiver import __all__  # noqa: F401
