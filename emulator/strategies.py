"""``emulator.strategies``, a public name: everything of ``emulator.events.strategies``."""

from .events.strategies import *  # noqa: F403  (the public name re-exports the module whole)
from .events.strategies import __all__ as __all__
