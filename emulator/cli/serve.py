"""``vod-emulator serve``: the settings from the flags, then the environment, then the
defaults (all read through core.settings' OPTIONS table), and the server run until Ctrl-C
or SIGTERM. aiohttp is imported only here, and only once the settings are good: no other
command pays for it."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping

from ..core.settings import OPTIONS, SettingsError, resolve_settings
from .output import EXIT_DONE, EXIT_REFUSED, EXIT_USAGE, PROG


def run(parsed: argparse.Namespace, parser: argparse.ArgumentParser,
        env: Mapping[str, str]) -> int:
    try:
        settings = resolve_settings({o.name: getattr(parsed, o.name) for o in OPTIONS}, env)
    except SettingsError as error:
        parser.error(str(error))
    import asyncio

    from ..server import serve  # aiohttp is imported only when it is needed

    try:
        asyncio.run(serve(settings))
    except RuntimeError as error:  # a state file refused, before anything listens?
        from ..core.statefile import StateFileError  # not loaded by a server without one

        if not isinstance(error, StateFileError):
            raise
        print(f"{PROG}: error: --state-file: {error}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as error:  # the port is taken, the address is not ours...
        print(f"{PROG}: cannot listen on {settings.host}:{settings.port}: {error}",
              file=sys.stderr)
        return EXIT_REFUSED
    except KeyboardInterrupt:  # Ctrl-C before the server took over the signal
        pass
    return EXIT_DONE
