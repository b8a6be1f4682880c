"""The README's committed-fixture workflow, run as printed in a project folder of its
own: the shell example saves and exports a snapshot from a running `vod-emulator serve`,
then the test file example (saved next to the exported file) runs under pytest, each of
its tests starting from that snapshot."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from emulator.client import AdminClient

from .process import clean_environment, serve

HERE = Path(__file__).parent
BIN = Path(sys.executable).parent  # where the console script vod-emulator is installed


def test_save_export_commit_and_start_tests_from_it(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "tests").mkdir(parents=True)
    with serve("--seed", "3") as (url, _):
        env = clean_environment(VOD_EMULATOR_URL=url)
        env["PATH"] = f"{BIN}:{env.get('PATH', '')}"
        script = (HERE / "snapshot_fixture.sh").read_text(encoding="utf-8")
        shell = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=project,
                               env=env, capture_output=True, text=True, timeout=60)
        assert shell.returncode == 0, shell.stdout + shell.stderr
        (kept,) = AdminClient(url).snapshots()
        assert (kept["name"], kept["events"]) == ("three-uploads", 3)
    exported = project / "tests" / "three-uploads.vodsnap"
    assert exported.read_bytes().startswith(b"vod-emulator snapshot\n")

    text = (HERE / "snapshot_fixture.py").read_text(encoding="utf-8")
    name = re.match(r"# (test_\w+\.py),", text)
    assert name, "snapshot_fixture.py must start with '# test_<name>.py, ...'"
    (project / "tests" / name[1]).write_text(text, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error",
         "-o", "asyncio_default_fixture_loop_scope=function", "--strict-markers", name[1]],
        cwd=project / "tests", env=clean_environment(), capture_output=True, text=True,
        timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout, result.stdout
