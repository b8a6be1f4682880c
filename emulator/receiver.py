"""``emulator.receiver``, a public name: everything of ``emulator.clients.receiver``."""

from .clients.receiver import *  # noqa: F403  (the public name re-exports the module whole)
from .clients.receiver import __all__ as __all__
