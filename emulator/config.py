"""``emulator.config``, a public name: the settings of ``emulator.core.settings``."""

from .core.settings import *  # noqa: F403  (the public name re-exports the module whole)
