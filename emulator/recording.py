"""``emulator.recording``, a public name: everything of ``emulator.clients.recording``."""

from .clients.recording import *  # noqa: F403  (the public name re-exports the module whole)
from .clients.recording import __all__ as __all__
