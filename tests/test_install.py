"""A fresh project that installs only ``vod-emulator[pytest]`` runs the README's plugin
example as printed: the extra carries everything the plugin needs at run time (pytest,
the official SDK, aiohttp) and none of the project's own tools, and the wheel carries the
package's data.

The package is not on PyPI yet, so the project installs it as a team does today: a wheel
built from this tree, ``pip install "<wheel>[pytest]"``, its dependencies from the package
index. That makes the test slow (a wheel built, a virtual environment filled: ~15 s with
pip's cache warm, more on its first download), hence the ``installs_from_index`` marker
(``-m "not installs_from_index"`` leaves it out). It is skipped, saying why, only when the
index cannot be reached; any other failure fails it.
"""

from __future__ import annotations

import os
import re
import shutil
import ssl
import subprocess
import sys
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from .examples.process import clean_environment

ROOT = Path(__file__).parent.parent
EXAMPLES = ROOT / "tests" / "examples"
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
NAME = canonicalize_name(PROJECT["name"])
USER_EXTRA = "pytest"
OWN_TOOLS = ("test", "dev")  # the extras of the project's own suite and tools
DEFAULT_INDEX = "https://pypi.org/simple"  # pip's, when none is configured
PIP_SECONDS = 600  # a slow index or a cold cache, not a hang: pip has its own timeouts


def requirements(extra: str) -> list[Requirement]:
    """An extra's requirements, the project's own extras it names expanded."""
    found = []
    for text in PROJECT["optional-dependencies"][extra]:
        requirement = Requirement(text)
        if canonicalize_name(requirement.name) == NAME:
            for named in sorted(requirement.extras):
                found += requirements(named)
        else:
            found.append(requirement)
    return found


def names(extra: str) -> set[str]:
    return {canonicalize_name(requirement.name) for requirement in requirements(extra)}


def readme_plugin_example() -> tuple[str, Path]:
    """The README's pytest example, as kept in tests/examples/ (byte for byte), and the
    file name its first line gives it."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Testing with pytest\n", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"^```python\n(.*?)^```$", section, re.S | re.M)
    (kept,) = [path for path in sorted(EXAMPLES.glob("*.py"))
               if path.read_text(encoding="utf-8") == block]
    file_name = re.match(r"# (test_\w+\.py):", block)
    assert file_name, "the README's pytest example must start with '# test_<name>.py: ...'"
    return file_name[1], kept


def test_the_project_s_pins_lie_in_the_ranges_users_get() -> None:
    """The suite runs the pinned SDK and pytest: they must be versions a user may get."""
    ranges = {canonicalize_name(r.name): r.specifier for r in requirements(USER_EXTRA)}
    assert {"pytest", "tencentcloud-sdk-python-vod", "tencentcloud-sdk-python-common"} <= set(
        ranges)
    checked = 0
    for pin in requirements("test"):
        name = canonicalize_name(pin.name)
        if name in ranges:
            (exact,) = pin.specifier
            assert exact.operator == "==", f"{pin} is not a pin"
            assert ranges[name].contains(exact.version), f"{pin} is outside {ranges[name]}"
            checked += 1
    assert checked == 3


def _pip_environment() -> dict[str, str]:
    return {name: value for name, value in os.environ.items()
            if not name.startswith("VOD_EMULATOR")}


def _index_unreachable() -> str | None:
    """Why pip's package index (as configured here) cannot be reached, or None if it
    answers: a page of it is fetched, through the proxies and certificates pip would use."""
    environment = _pip_environment()
    index = environment.get("PIP_INDEX_URL") or subprocess.run(
        [sys.executable, "-m", "pip", "config", "get", "global.index-url"],
        env=environment, capture_output=True, text=True).stdout.strip() or DEFAULT_INDEX
    context = ssl.create_default_context(cafile=environment.get("PIP_CERT"))
    try:
        urllib.request.urlopen(f"{index.rstrip('/')}/pip/", timeout=15, context=context).close()
    except urllib.error.HTTPError:
        return None  # it answered
    except OSError as error:  # URLError, a refused connection, a timeout...
        return f"{index}: {getattr(error, 'reason', error)}"
    return None


def _pip(*args: str, cwd: Path) -> None:
    """Run this environment's pip; skip the test if it failed because the package index
    cannot be reached, fail it on any other failure."""
    result = subprocess.run([sys.executable, "-m", "pip", *args], cwd=cwd,
                            env=_pip_environment(), capture_output=True, text=True,
                            timeout=PIP_SECONDS)
    if result.returncode != 0 and (unreachable := _index_unreachable()) is not None:
        pytest.skip(f"the package index cannot be reached: {unreachable}")
    assert result.returncode == 0, f"pip {' '.join(args)}:\n{result.stdout}\n{result.stderr}"


@pytest.mark.installs_from_index
@pytest.mark.timeout(3 * PIP_SECONDS)
def test_a_fresh_project_with_only_the_pytest_extra_runs_the_readme_example(
    tmp_path: Path,
) -> None:
    file_name, example = readme_plugin_example()
    if (unreachable := _index_unreachable()) is not None:  # at once, not after pip's retries
        pytest.skip(f"the package index cannot be reached: {unreachable}")

    # The wheel, built from a copy of this tree (the build writes beside its sources).
    source = tmp_path / "source"
    shutil.copytree(ROOT / "emulator", source / "emulator",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    _pip("wheel", "--no-deps", "--quiet", "--wheel-dir", str(tmp_path / "dist"), str(source),
         cwd=tmp_path)
    (wheel,) = (tmp_path / "dist").glob("vod_emulator-*.whl")

    # A new virtual environment (no system site packages), given only the wheel and its
    # pytest extra; this pip installs into it, so it needs no pip of its own.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    _pip("--python", str(python), "install", "--quiet", "--prefer-binary", "--no-compile",
         f"{wheel}[{USER_EXTRA}]", cwd=tmp_path)

    environment = clean_environment()
    environment.pop("PYTHONPATH", None)  # nothing of this tree may be importable there
    installed = subprocess.run(
        [str(python), "-c", "import emulator, importlib.metadata as m; print(emulator.__file__);"
         " print(*(d.metadata['Name'] for d in m.distributions()))"],
        cwd=tmp_path, env=environment, capture_output=True, text=True, check=True,
    ).stdout.splitlines()
    assert Path(installed[0]).is_relative_to(venv), installed[0]
    distributions = {canonicalize_name(name) for name in installed[1].split()}
    assert names(USER_EXTRA) | {NAME, "aiohttp"} <= distributions
    own_tools = set().union(*(names(extra) for extra in OWN_TOOLS)) - names(USER_EXTRA)
    assert not own_tools & distributions, "the pytest extra installs the project's own tools"

    # A project of one file, the README's example, run as its owner would (strictly).
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(example, project / file_name)
    result = subprocess.run(
        [str(python), "-m", "pytest", "-W", "error", "--strict-markers", "-p",
         "no:cacheprovider"],
        cwd=project, env=environment, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout, result.stdout
