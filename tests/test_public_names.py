"""The names users import keep working whatever the package's layout: each public module
name re-exports the module that now holds it, whole, and the entry points resolve."""

from __future__ import annotations

import importlib
import subprocess
import sys
from importlib.metadata import entry_points

import pytest

PUBLIC_MODULES = {
    "emulator.client": "emulator.clients.client",
    "emulator.config": "emulator.core.settings",
    "emulator.receiver": "emulator.clients.receiver",
    "emulator.recording": "emulator.clients.recording",
    "emulator.strategies": "emulator.events.strategies",
}


@pytest.mark.parametrize(("public", "home"), sorted(PUBLIC_MODULES.items()))
def test_a_public_module_name_gives_its_module_s_names(public: str, home: str) -> None:
    shown, held = importlib.import_module(public), importlib.import_module(home)
    names = getattr(held, "__all__", None) or [n for n in vars(held) if not n.startswith("_")]
    assert names, f"{home} exports nothing"
    for name in names:
        assert getattr(shown, name) is getattr(held, name), f"{public}.{name}"


def test_the_names_the_docs_import_are_there() -> None:
    from emulator.client import AdminClient, AdminError  # noqa: F401
    from emulator.config import Settings
    from emulator.receiver import CallbackReceiver, refused_url  # noqa: F401
    from emulator.server import EmulatorThread
    from emulator.strategies import any_event, event_content  # noqa: F401

    assert Settings(port=0).port == 0
    assert EmulatorThread.__module__ == "emulator.server"


def test_the_entry_points_resolve() -> None:
    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "vod-emulator"]
    assert script.value == "emulator.cli:main" and callable(script.load())
    (plugin,) = [e for e in entry_points(group="pytest11") if e.name == "vod_emulator"]
    assert plugin.load().__name__ == "emulator.pytest_plugin"
    answer = subprocess.run([sys.executable, "-m", "emulator", "--version"],
                            capture_output=True, text=True, check=True)
    assert answer.stdout.startswith("vod-emulator ")
