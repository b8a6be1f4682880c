"""``emulator.client``, a public name: everything of ``emulator.clients.client``."""

from .clients.client import *  # noqa: F403  (the public name re-exports the module whole)
from .clients.client import __all__ as __all__
