"""One syntax for a setting wherever it is written: the ``serve`` flag, its variable,
``vod-emulator settings set name=value`` against a running emulator, ``POST
/_emulator/settings`` with a string, and the pytest plugin's options (the backend's
change_settings, with Python values) all take the same text for every setting, and a bad
text gets the same message everywhere, only the name of where it was written differing.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import emulator.server
from emulator import cli
from emulator.clients.client import AdminClient, AdminError
from emulator.core.settings import (
    LIST,
    OPTIONS,
    OPTIONS_BY_NAME,
    RUNTIME_SETTINGS,
    TEXT,
    Settings,
    runtime_view,
)
from emulator.server import EmulatorThread

from .examples.process import clean_environment
from .test_cli import _cli

LIST_SETTINGS = [option.name for option in OPTIONS if option.kind == LIST]

LIST_TEXTS = [  # a list-valued setting's text, and the list it stands for
    ("5,60", [5, 60]),
    (" 5 , 60 ", [5, 60]),
    ("[5, 60]", [5, 60]),
    ("[0.5,1e3]", [0.5, 1000]),
    ("5", [5]),
    ("0.25,1e3,7200", [0.25, 1000, 7200]),
    ("", []),
    ("[]", []),
]
BAD_LIST_TEXTS = ["5;60", "five", "5,,60", "-1", "5,inf", "[5,", "[5, null]", '["5"]', "{}"]

SAMPLES: dict[str, tuple[str, Any]] = {
    # every runtime setting: a text other than its default, and the value it stands for
    "long_poll_seconds": ("0.5", 0.5),
    "confirm_window_seconds": ("1e2", 100),
    "retention_seconds": ("7200", 7200),
    "callback_timeout_seconds": ("0.25", 0.25),
    "callback_retry_seconds": ("5,60", [5, 60]),
    "callback_success": ("2xx", "2xx"),
    "signature_ttl_seconds": ("0", 0),
    "new_app_defaults": ("real", "real"),
    "repeated_session_id": ("first_task", "first_task"),
    "task_seconds": ("Procedure=7,PullUpload=3", {"Procedure": 7, "PullUpload": 3}),
    "callback_policy": ("archived", "archived"),
    "enforce_rate_limits": ("true", True),
    "count_lag_seconds": ("180", 180),
    "probe_signatures": ("true", True),
}
BAD_SAMPLES = {
    "long_poll_seconds": "soon", "confirm_window_seconds": "-1", "retention_seconds": "nan",
    "callback_timeout_seconds": "0", "callback_retry_seconds": "5;60",
    "callback_success": "3xx", "signature_ttl_seconds": "1,2", "new_app_defaults": "PULL",
    "repeated_session_id": "again", "task_seconds": "Procedure:7",
    "callback_policy": "legacy", "enforce_rate_limits": "yes", "count_lag_seconds": "-5",
    "probe_signatures": "1",
}


# ----- each place a value can be written: answer what it became, or the message


def shown(name: str, view: dict[str, Any], expected: Any) -> Any:
    """The setting's value in a settings view, as much of it as ``expected`` names."""
    value = view[name]
    return {kind: value[kind] for kind in expected} if isinstance(expected, dict) else value


@pytest.fixture
def captured_serve(monkeypatch: pytest.MonkeyPatch) -> list[Settings]:
    """``vod-emulator serve`` runs as typed, up to the server, which only records the
    settings it was given; the environment has none of the emulator's variables."""
    for name in set(os.environ) - set(clean_environment()):
        monkeypatch.delenv(name)
    served: list[Settings] = []

    async def record(settings: Settings) -> None:
        served.append(settings)

    monkeypatch.setattr(emulator.server, "serve", record)
    return served


def by_flag(captured: list[Settings], capsys: pytest.CaptureFixture[str], name: str,
            text: str) -> Any:
    """``serve --FLAG TEXT``: the runtime view of the settings it starts with."""
    status = cli.main(["serve", OPTIONS_BY_NAME[name].flag, text])
    assert (status, capsys.readouterr().err) == (0, "")
    return runtime_view(captured.pop())[name]


def flag_refusal(capsys: pytest.CaptureFixture[str], name: str, text: str) -> str:
    """``serve --FLAG TEXT`` refused: the message after the flag's name."""
    with pytest.raises(SystemExit) as refused:
        cli.main(["serve", OPTIONS_BY_NAME[name].flag, text])
    err = capsys.readouterr().err
    assert refused.value.code == 2, err
    prefix = f"vod-emulator: error: {OPTIONS_BY_NAME[name].flag}: "
    assert err.startswith(prefix) and err.endswith("\n"), err
    return err.removeprefix(prefix).removesuffix("\n")


@pytest.fixture(scope="module")
def running() -> Iterator[EmulatorThread]:
    with EmulatorThread(Settings(port=0, seed=5)) as thread:
        yield thread


@pytest.fixture
def admin(running: EmulatorThread) -> AdminClient:
    client = AdminClient(running.url)
    client.reset()  # the settings it started with
    return client


def by_settings_set(running: EmulatorThread, capsys: pytest.CaptureFixture[str],
                    name: str, text: str) -> Any:
    status, out, err = _cli(capsys, "settings", "set", "--url", running.url, "--json",
                            f"{name}={text}")
    assert (status, err) == (0, "")
    return json.loads(out)[name]


def settings_set_refusal(running: EmulatorThread, capsys: pytest.CaptureFixture[str],
                         name: str, text: str) -> str:
    status, out, err = _cli(capsys, "settings", "set", "--url", running.url, f"{name}={text}")
    assert (status, out) == (1, ""), err
    prefix = f"vod-emulator settings set: {name}: "
    assert err.startswith(prefix), err
    return err.removeprefix(prefix).removesuffix("\n")


def by_post(admin: AdminClient, name: str, value: Any) -> Any:
    return admin.request("POST", "/_emulator/settings", {name: value})[name]


def post_refusal(admin: AdminClient, name: str, value: Any) -> str:
    with pytest.raises(AdminError) as refused:
        admin.request("POST", "/_emulator/settings", {name: value})
    assert refused.value.status == 400
    message = refused.value.message
    assert message.startswith(f"{name}: "), message
    return message.removeprefix(f"{name}: ")


def by_plugin_options(running: EmulatorThread, name: str, value: Any) -> Any:
    """As the pytest plugin gives a test's options: the backend's change_settings."""
    changed = running.call(lambda backend: backend.change_settings({name: value}))
    return runtime_view(changed)[name]


def plugin_refusal(running: EmulatorThread, name: str, value: Any) -> str:
    with pytest.raises(ValueError) as refused:
        running.call(lambda backend: backend.change_settings({name: value}))
    message = str(refused.value)
    assert message.startswith(f"{name}: "), message
    return message.removeprefix(f"{name}: ")


# ----- the list-valued settings


def test_there_are_list_valued_runtime_settings() -> None:
    assert LIST_SETTINGS and set(LIST_SETTINGS) <= set(RUNTIME_SETTINGS)


@pytest.mark.parametrize("name", LIST_SETTINGS)
@pytest.mark.parametrize(("text", "expected"), LIST_TEXTS)
def test_a_list_s_text_is_taken_alike_everywhere(
    name: str, text: str, expected: list[float], running: EmulatorThread,
    admin: AdminClient, captured_serve: list[Settings], capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert by_flag(captured_serve, capsys, name, text) == expected
    if text:  # an empty variable counts as unset
        monkeypatch.setenv(OPTIONS_BY_NAME[name].variable, text)
        assert cli.main(["serve"]) == 0
        assert runtime_view(captured_serve.pop())[name] == expected
    writes = writes_everywhere(name, text, running, admin, capsys)
    for write in writes:
        admin.reset()
        assert admin.settings()[name] != expected  # the default is another list
        assert write() == expected
        assert admin.settings()[name] == expected


@pytest.mark.parametrize("name", LIST_SETTINGS)
def test_a_list_as_json_is_what_its_text_says(name: str, admin: AdminClient,
                                              running: EmulatorThread) -> None:
    assert by_post(admin, name, [5, 60]) == [5, 60]
    assert by_post(admin, name, []) == []
    assert by_plugin_options(running, name, (0.5, 7)) == [0.5, 7]  # a tuple, from Python


def writes_everywhere(name: str, text: str, running: EmulatorThread, admin: AdminClient,
                      capsys: pytest.CaptureFixture[str]) -> list[Callable[[], Any]]:
    """Writing ``text`` for ``name`` at each place a running emulator's setting is written:
    ``settings set``, POST /_emulator/settings, the plugin's options."""
    return [lambda: by_settings_set(running, capsys, name, text),
            lambda: by_post(admin, name, text),
            lambda: by_plugin_options(running, name, text)]


def refusals_everywhere(name: str, text: str, running: EmulatorThread, admin: AdminClient,
                        capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    """The refusal of ``text`` for ``name`` by each place a setting is written, checked
    to be one and the same message."""
    said = {
        "serve": flag_refusal(capsys, name, text),
        "settings set": settings_set_refusal(running, capsys, name, text),
        "POST": post_refusal(admin, name, text),
        "plugin": plugin_refusal(running, name, text),
    }
    assert len(set(said.values())) == 1, said
    return said


@pytest.mark.parametrize("name", LIST_SETTINGS)
@pytest.mark.parametrize("text", BAD_LIST_TEXTS)
def test_a_bad_list_text_gets_the_same_message_everywhere(
    name: str, text: str, running: EmulatorThread, admin: AdminClient,
    captured_serve: list[Settings], capsys: pytest.CaptureFixture[str],
) -> None:
    before = admin.settings()
    said = refusals_everywhere(name, text, running, admin, capsys)
    assert repr(text) in said["serve"]  # it quotes what was written
    assert admin.settings() == before and captured_serve == []


def test_a_json_value_of_another_kind_is_refused_saying_what_is_taken(
    admin: AdminClient,
) -> None:
    for value in (5, [1, None], ["5"], {"5": 60}, True):
        message = post_refusal(admin, "callback_retry_seconds", value)
        assert message == ("must be a list of numbers of seconds ([5, 60]), or their text, "
                           f"comma-separated ('5,60'), got {json.dumps(value)}")


# ----- every runtime setting


def test_the_samples_cover_every_runtime_setting() -> None:
    assert set(SAMPLES) == set(BAD_SAMPLES) == set(RUNTIME_SETTINGS)


@pytest.mark.parametrize("name", RUNTIME_SETTINGS)
def test_every_setting_s_text_is_taken_alike_everywhere(
    name: str, running: EmulatorThread, admin: AdminClient,
    captured_serve: list[Settings], capsys: pytest.CaptureFixture[str],
) -> None:
    text, expected = SAMPLES[name]
    default = shown(name, admin.settings(), expected)
    assert default != expected  # else a write that did nothing would pass
    assert shown(name, {name: by_flag(captured_serve, capsys, name, text)},
                 expected) == expected
    writes = writes_everywhere(name, text, running, admin, capsys)
    for write in writes:
        admin.reset()
        assert shown(name, {name: write()}, expected) == expected
        assert shown(name, admin.settings(), expected) == expected
    if OPTIONS_BY_NAME[name].kind != TEXT:  # its JSON value says the same
        admin.reset()
        assert shown(name, {name: by_post(admin, name, expected)}, expected) == expected


@pytest.mark.parametrize("name", RUNTIME_SETTINGS)
def test_every_setting_s_bad_text_gets_the_same_message_everywhere(
    name: str, running: EmulatorThread, admin: AdminClient,
    captured_serve: list[Settings], capsys: pytest.CaptureFixture[str],
) -> None:
    refusals_everywhere(name, BAD_SAMPLES[name], running, admin, capsys)


@pytest.mark.parametrize(("name", "first", "text", "expected"), [
    ("callback_success", "2xx", "200", "200"),  # not the number 200
    ("long_poll_seconds", "1", "NaN", None),  # not JSON's NaN: refused
    ("callback_retry_seconds", "[]", "60", [60]),  # not the number 60
])
def test_settings_set_sends_the_text_as_written(
    name: str, first: str, text: str, expected: Any, running: EmulatorThread,
    admin: AdminClient, capsys: pytest.CaptureFixture[str],
) -> None:
    by_post(admin, name, first)
    if expected is None:
        assert "finite" in settings_set_refusal(running, capsys, name, text)
    else:
        assert by_settings_set(running, capsys, name, text) == expected

