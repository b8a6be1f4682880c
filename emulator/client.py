"""Public name kept: everything of ``emulator.clients.client``."""

from .clients.client import *  # noqa: F403
from .clients.client import __all__  # noqa: F401
