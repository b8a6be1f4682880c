"""What the pytest plugin costs: per-test overhead of the ``vod_emulator`` fixture, and the
session's one-off start-up.

A generated suite of 500 trivial tests is run by pytest in a subprocess, in variants:
without the fixture (the baseline), with it and its teardown check on (the target's
case), and with the check and a per-test setting from the marker. Each variant runs at
500 tests and at 1 test, interleaved, several times; per-test overhead is the growth of
the wall time from 1 to 500 tests beyond the baseline's. pytest's own durations of every
test's setup, call and teardown show where a test's time goes, and the first setup and
the last teardown beyond a typical one what starting and stopping the session's
emulator costs.

    .venv/bin/python bench/plugin_overhead.py [--repeats 5] [--json]

Target: <= 5 ms per test.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import PYTHON, markdown_table, median, ms, undisturbed  # noqa: E402

TESTS = 500
OVERHEAD_TARGET = 0.005  # seconds per test

VARIANTS = {
    # name -> (the test's parameters, its marks)
    "without the fixture": ("n", ""),
    "vod_emulator, check_clean": ("vod_emulator, n", "check_clean=True"),
    "vod_emulator, check_clean, one setting": (
        "vod_emulator, n", "check_clean=True, confirm_window_seconds=5"),
}

_INI = """\
[pytest]
asyncio_default_fixture_loop_scope = function
"""

# Records pytest's own duration of each phase of each test (setup, call, teardown).
_CONFTEST = """\
import json
import os

_durations = {"setup": [], "call": [], "teardown": []}


def pytest_runtest_logreport(report):
    _durations[report.when].append(report.duration)


def pytest_sessionfinish(session):
    with open(os.environ["PLUGIN_BENCH_DURATIONS"], "w") as out:
        json.dump(_durations, out)
"""


def _suite(arguments: str, marks: str, count: int) -> str:
    mark = f"@pytest.mark.vod_emulator({marks})\n" if marks else ""
    return (f"import pytest\n\n\n{mark}@pytest.mark.parametrize(\"n\", range({count}))\n"
            f"def test_trivial({arguments}):\n    assert n >= 0\n")


def run_once(folder: Path, variant: str, count: int) -> dict[str, Any]:
    """One pytest run of ``count`` tests of ``variant``: its wall time and phases."""
    arguments, marks = VARIANTS[variant]
    test_file = folder / "test_suite.py"
    test_file.write_text(_suite(arguments, marks, count))
    durations_file = folder / "durations.json"
    env = {**os.environ, "PLUGIN_BENCH_DURATIONS": str(durations_file)}
    env.pop("PYTEST_ADDOPTS", None)

    def measure() -> float:
        started = time.perf_counter()
        done = subprocess.run(
            [PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(folder),
             "-c", str(folder / "pytest.ini"), str(test_file)],
            cwd=folder, env=env, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            raise RuntimeError(f"{variant} ({count} tests) failed:\n{done.stdout}{done.stderr}")
        return seconds

    seconds = undisturbed(measure)
    phases = json.loads(durations_file.read_text())
    typical = {name: median(values) for name, values in phases.items()}
    return {"seconds": seconds, "phases": typical,
            # The session's fixtures start in the first test's setup, stop in the last's
            # teardown: what those take beyond a typical one is the one-off cost.
            "start": phases["setup"][0] - typical["setup"],
            "stop": phases["teardown"][-1] - typical["teardown"]}


def run(repeats: int = 5, tests: int = TESTS) -> dict[str, Any]:
    samples: dict[str, dict[int, list[dict[str, Any]]]] = {
        variant: {1: [], tests: []} for variant in VARIANTS}
    with tempfile.TemporaryDirectory(prefix="plugin-bench-") as scratch:
        folder = Path(scratch)
        (folder / "pytest.ini").write_text(_INI)
        (folder / "conftest.py").write_text(_CONFTEST)
        for variant in VARIANTS:  # one unrecorded run each: bytecode caches warm
            run_once(folder, variant, 1)
        for _ in range(repeats):
            for variant in VARIANTS:
                for count in (1, tests):
                    samples[variant][count].append(run_once(folder, variant, count))
    results: dict[str, Any] = {"tests": tests, "repeats": repeats, "variants": {}}
    base = samples["without the fixture"]
    base_small = median([r["seconds"] for r in base[1]])
    base_growth = median([r["seconds"] for r in base[tests]]) - base_small
    for variant, by_count in samples.items():
        small = median([r["seconds"] for r in by_count[1]])
        large = median([r["seconds"] for r in by_count[tests]])
        per_test = ((large - small) - base_growth) / (tests - 1)
        phases = {name: median([r["phases"][name] for r in by_count[tests]])
                  for name in ("setup", "call", "teardown")}
        results["variants"][variant] = {
            "run_1": small, f"run_{tests}": large, "per_test": per_test, "phases": phases,
            **{name: median([r[name] for r in by_count[tests]]) for name in ("start", "stop")},
        }
    base_start = results["variants"]["without the fixture"]["start"]
    for figures in results["variants"].values():  # pytest's own first test costs some too
        figures["session_start"] = figures["start"] - base_start
    return results


def table(results: dict[str, Any]) -> str:
    tests = results["tests"]
    rows = []
    for variant, r in results["variants"].items():
        baseline = variant == "without the fixture"
        phases = r["phases"]
        rows.append([
            variant, f"{r[f'run_{tests}']:.2f} s", f"{r['run_1']:.2f} s",
            "—" if baseline else ms(r["per_test"]),
            f"{ms(phases['setup'])} / {ms(phases['call'])} / {ms(phases['teardown'])}",
            f"{ms(r['start'])} / {ms(r['stop'])}",
            "—" if baseline else ms(r["session_start"]),
        ])
    return markdown_table(
        ["suite", f"{tests} tests", "1 test", "overhead per test",
         "setup / call / teardown, median", "first setup / last teardown, beyond a "
         "typical one", "session start (first setup beyond the baseline's)"], rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--tests", type=int, default=TESTS)
    parser.add_argument("--json", action="store_true", help="print the raw numbers too")
    arguments = parser.parse_args()
    results = run(arguments.repeats, arguments.tests)
    print(table(results))
    target = results["variants"]["vod_emulator, check_clean"]["per_test"]
    print(f"\noverhead per test with the check: {ms(target)} "
          f"(target <= {ms(OVERHEAD_TARGET)}: {'met' if target <= OVERHEAD_TARGET else 'NOT met'})")
    if arguments.json:
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
