"""Every code example in the README and the docs/ pages runs as printed.

Each ```python and ```sh block of README.md and of docs/*.md is, byte for byte, the text of
one file in this folder, and a test here runs that file: the Python ones against an
emulator started with `vod-emulator serve` (or their own EmulatorThread), the shell ones
with `bash -e`. The examples reach the emulator the way the docs say: through
``VOD_EMULATOR_URL``
(default http://127.0.0.1:4600), which the tests point at their emulator; in shell
examples that spell the default address out (curl, tccli) it is replaced by the test's.
"""

from __future__ import annotations

import difflib
import importlib.util
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from emulator.client import AdminClient

from .process import clean_environment, serve

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BIN = Path(sys.executable).parent  # where the console script vod-emulator is installed

# Blocks that are not run, by the page and section they are in, and why.
NOT_RUN = {
    ("README.md", "The two commands"):
        "`make run` serves until stopped and `make test` runs this suite",
}
_DEFAULT_ADDRESS = re.compile(r"\b(?:localhost|127\.0\.0\.1):4600\b")
_FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.S | re.M)
_HEADING = re.compile(r"^#+ (.*)$", re.M)


def doc_blocks() -> list[tuple[tuple[str, str], int, str, str]]:
    """((page, section), line, language, text) of every ```python and ```sh block."""
    blocks = []
    for page in PAGES:
        name = page.relative_to(ROOT).as_posix()
        text = page.read_text(encoding="utf-8")
        for fence in _FENCE.finditer(text):
            language, body = fence.groups()
            if language not in ("python", "sh"):
                continue
            headings = _HEADING.findall(text, 0, fence.start())
            line = text.count("\n", 0, fence.start()) + 1
            blocks.append(((name, headings[-1] if headings else ""), line, language, body))
    return blocks


def example_files() -> dict[Path, str]:
    """The docs' examples kept here (not the test modules, nor this folder's helpers)."""
    return {
        path: path.read_text(encoding="utf-8")
        for path in sorted(HERE.iterdir())
        if path.suffix in (".py", ".sh")
        and not path.name.startswith(("test_", "_")) and path.name != "process.py"
    }


def test_every_doc_example_is_a_file_here_and_back() -> None:
    files = example_files()
    suffix = {"python": ".py", "sh": ".sh"}
    used: set[Path] = set()
    problems = []
    for section, line, language, body in doc_blocks():
        if section in NOT_RUN:
            continue
        same = [p for p, text in files.items() if text == body and p.suffix == suffix[language]]
        if same:
            used.update(same)
            continue
        closest = max(files, key=lambda p: difflib.SequenceMatcher(None, files[p], body).ratio())
        diff = "".join(difflib.unified_diff(files[closest].splitlines(True),
                                            body.splitlines(True), str(closest), section[0]))
        problems.append(f"{section[0]} line {line} ({section[1]}) is no file here; "
                        f"closest:\n{diff}")
    problems += [f"{path.name} is in no block of the docs" for path in files if path not in used]
    assert not problems, "\n\n".join(problems)


def test_the_sections_left_out_exist() -> None:
    assert set(NOT_RUN) <= {section for section, *_ in doc_blocks()}


# ----- running them


def _run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stderr, result.stderr
    return result


def _environment(url: str, **extra: str) -> dict[str, str]:
    env = clean_environment(VOD_EMULATOR_URL=url, **extra)
    env["PATH"] = f"{BIN}:{env.get('PATH', '')}"
    return env


SHELL_CREDENTIALS = {"TENCENTCLOUD_SECRET_ID": "AKIDexportedInTheShell",
                     "TENCENTCLOUD_SECRET_KEY": "keyExportedInTheShell"}


@pytest.mark.parametrize("credentials", [{}, SHELL_CREDENTIALS],
                         ids=["no-credentials", "credentials-exported"])
def test_quick_start(credentials: dict[str, str]) -> None:
    """As printed, whether or not the shell has Tencent Cloud credentials exported (then
    the emulator started in it verifies every signature against them)."""
    with serve("--seed", "3", env=clean_environment(**credentials)) as (url, _):
        admin = AdminClient(url)
        assert admin.health()["verifies_signatures"] is bool(credentials)
        result = _run([sys.executable, str(HERE / "quickstart.py")],
                      _environment(url, **credentials))
        lines = result.stdout.splitlines()
        assert len(lines) == 3 and all(re.fullmatch(r"NewFileUpload \d{19}", x) for x in lines)
        queue = admin.queue()
        assert (queue["pullable"], queue["leased"]) == ([], [])
        assert len(admin.journal("confirmed")) == 3


def test_emulator_thread_example() -> None:
    result = _run([sys.executable, str(HERE / "emulator_thread.py")], clean_environment())
    assert "leased=3" in result.stdout  # two redelivered events and the one that woke the pull


def test_callback_receiver_example() -> None:
    result = _run([sys.executable, str(HERE / "callback_receiver.py")], clean_environment())
    assert result.stdout == "[('NewFileUpload', True), ('NewFileUpload', True)]\n"


def test_overrides_example() -> None:
    with serve("--seed", "3") as (url, _):
        result = _run([sys.executable, str(HERE / "overrides.py")], _environment(url))
        assert result.stdout == "5285890784273533167\n"
        (event,) = AdminClient(url).queue()["pullable"]
        assert event["content"]["FileUploadEvent"]["FileId"] == "5285890784273533167"


def test_hypothesis_example() -> None:
    spec = importlib.util.spec_from_file_location("readme_strategies",
                                                  HERE / "hypothesis_strategies.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    # Deterministic here; as printed it runs with Hypothesis' defaults.
    settings(derandomize=True, database=None, deadline=None, max_examples=50)(
        module.test_handler_survives_nasty_events)()


def _emitted(url: str) -> list[dict[str, Any]]:
    return AdminClient(url).journal("enqueued")


def _check_emit(url: str) -> None:
    queues = {q["sub_app_id"]: q for q in AdminClient(url).request("GET", "/_emulator/queues")
              ["queues"]}
    assert queues[1500000001]["pullable"] == 5
    assert queues[None]["pullable"] == len(_emitted(url)) - 5 > 1  # the scenario, the file


def _check_overrides(url: str) -> None:
    events = AdminClient(url).queue()["pullable"]
    assert len(events) == 3
    assert {e["content"]["FileUploadEvent"]["FileId"] for e in events} == {"5285890784273533167"}
    assert events[0]["content"]["FileUploadEvent"]["MediaBasicInfo"]["Name"] == "launch.mp4"


def _check_tccli(url: str) -> None:
    assert len(AdminClient(url).journal("confirmed")) == 2


def _check_cli_session(url: str) -> None:
    admin = AdminClient(url)
    assert admin.request("GET", "/_emulator/faults")["faults"] == []  # cleared at the end
    clock = admin.request("GET", "/_emulator/clock")
    assert clock["frozen"] and clock["offset_seconds"] == 30
    names = {e["content"]["FileUploadEvent"]["MediaBasicInfo"]["Name"]
             for e in admin.queue()["pullable"]}
    assert names == {"launch.mp4"} and len(admin.queue()["pullable"]) == 2


def _check_record_replay(url: str) -> None:
    queues = {q["sub_app_id"]: q for q in AdminClient(url).request("GET", "/_emulator/queues")
              ["queues"]}
    assert queues[1500000001]["pullable"] == 3 and None not in queues


def _check_ci(url: str) -> None:
    """The recipe starts an emulator of its own; this one was never used."""
    assert AdminClient(url).journal() == []


SHELL_EXAMPLES: dict[str, Callable[[str], None]] = {
    "ci.sh": _check_ci,
    "cli_session.sh": _check_cli_session,
    "record_replay.sh": _check_record_replay,
    "emit.sh": _check_emit,
    "overrides.sh": _check_overrides,
    "tccli.sh": _check_tccli,
}


# Shell examples that write files: run in a project folder of their own by another
# module here (test_snapshot_examples.py), which checks what they wrote.
RUN_ELSEWHERE = {"snapshot_fixture.sh"}


def test_every_shell_example_is_checked() -> None:
    assert {p.name for p in example_files() if p.suffix == ".sh"} == (
        set(SHELL_EXAMPLES) | RUN_ELSEWHERE)


@pytest.mark.parametrize("name", sorted(SHELL_EXAMPLES))
def test_shell_example(name: str, tmp_path: Path) -> None:
    env_extra = {}
    if "tccli" in name:
        if shutil.which("tccli", path=f"{BIN}:{clean_environment().get('PATH', '')}") is None:
            pytest.skip("tccli is not installed (pip install tccli: ~40 s, ~650 MB)")
        # Signed with credentials exported in the shell, verified by the emulator; tccli
        # writes under HOME, so a temporary one keeps the user's configuration untouched.
        env_extra = {**SHELL_CREDENTIALS, "HOME": str(tmp_path)}
    script = (HERE / name).read_text(encoding="utf-8")
    with serve("--seed", "3", env=clean_environment(**env_extra)) as (url, _):
        address = url.removeprefix("http://")
        _run(["bash", "-e", "-o", "pipefail", "-c", _DEFAULT_ADDRESS.sub(address, script)],
             _environment(url, **env_extra))
        SHELL_EXAMPLES[name](url)


# ----- the recipes: test files as a user keeps them, run by pytest as the user's would be

RECIPES = {"recipe_redelivery.py": 1, "recipe_webhook_retries.py": 1,
           "recipe_duplicates.py": 1, "recipe_rate_limit.py": 1}


def test_every_recipe_is_run() -> None:
    assert {p.name for p in example_files() if p.name.startswith("recipe_")} == set(RECIPES)


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_recipe(name: str, tmp_path: Path) -> None:
    """Saved under the name its first line gives, in a folder of its own (no conftest: the
    plugin comes with the package), and run by pytest as strictly as this suite."""
    text = (HERE / name).read_text(encoding="utf-8")
    file_name = re.match(r"# (test_\w+\.py):", text)
    assert file_name, f"{name} must start with '# test_<name>.py: ...'"
    (tmp_path / file_name[1]).write_text(text, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error",
         # (pytest-asyncio, installed here, warns when its loop scope is left unset)
         "-o", "asyncio_default_fixture_loop_scope=function", "--strict-markers",
         file_name[1]],
        cwd=tmp_path, env=clean_environment(), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{RECIPES[name]} passed" in result.stdout, result.stdout


def test_tasks_example() -> None:
    """The procedure example prints its states, the Change-mode events and the transcodes
    it asked for, as docs/tasks.md says."""
    with serve("--seed", "3") as (url, _):
        result = _run([sys.executable, str(HERE / "tasks_process_media.py")], _environment(url))
        assert result.stdout.splitlines() == [
            "WAITING", "FINISH",
            "ProcedureStateChanged PROCESSING order-42",
            "ProcedureStateChanged PROCESSING order-42",
            "ProcedureStateChanged FINISH order-42",
            "[100030, 100040]",
        ]
