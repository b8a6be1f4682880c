"""The command line, ``vod-emulator``: ``serve`` and the commands that drive a running
emulator."""

from .commands import main

__all__ = ["main"]
