"""Public name kept: everything of ``emulator.events.strategies``."""

from .events.strategies import *  # noqa: F403
from .events.strategies import __all__  # noqa: F401
