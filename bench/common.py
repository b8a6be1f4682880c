"""Shared benchmark plumbing: server processes on free ports, readiness polling, statistics.

Every server a benchmark measures runs as its own process, started the way a user starts
it, so that the client's work and the server's work are on separate interpreters (the
machine has 2 cores: one for each side).
"""

from __future__ import annotations

import math
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

T = TypeVar("T")

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
PYTHON = sys.executable  # the venv's interpreter: every server is started with the same one
HOST = "127.0.0.1"  # benchmarks only ever talk to the loopback interface

SECRET_ID = "AKIDbenchSecretId00000000000000000"
SECRET_KEY = "benchSecretKey00000000000000000000"


def free_port() -> int:
    """A port nothing listens on right now (the kernel's pick)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


# ----- the commands that start each server, given a port


def emulator_command(port: int, *, verify: bool = False, extra: Sequence[str] = ()) -> list[str]:
    """``python -m emulator serve``: exactly how a user runs it (minus the console script)."""
    command = [PYTHON, "-m", "emulator", "serve", "--port", str(port), "--seed", "1"]
    if verify:
        command += ["--secret-id", SECRET_ID, "--secret-key", SECRET_KEY]
    return command + list(extra)


def bare_command(port: int, mode: str, *extra: str) -> list[str]:
    return [PYTHON, str(BENCH / "baseline_bare.py"), mode, "--port", str(port), *extra]


def moto_command(port: int) -> list[str]:
    return [PYTHON, "-m", "moto.server", "-H", HOST, "-p", str(port)]


def _child_env(overrides: dict[str, str] | None = None) -> dict[str, str]:
    """Our environment, less the settings the emulator would pick up from it; an
    override of "" removes a variable."""
    env = {
        k: v for k, v in os.environ.items()
        if not k.startswith(("VOD_EMULATOR_", "TENCENTCLOUD_", "AWS_"))
    }
    env["PYTHONUNBUFFERED"] = "1"
    for name, value in (overrides or {}).items():
        if value:
            env[name] = value
        else:
            env.pop(name, None)
    return env


# ----- readiness


def http_get_status(port: int, path: str, timeout: float = 2.0) -> int | None:
    """One GET over a fresh connection; the status code, or None if nothing answered.

    A raw socket rather than an HTTP library, so that polling costs next to nothing.
    """
    try:
        with socket.create_connection((HOST, port), timeout=timeout) as conn:
            conn.sendall(
                f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nConnection: close\r\n\r\n".encode()
            )
            head = b""
            while b"\r\n" not in head:
                chunk = conn.recv(4096)
                if not chunk:
                    return None
                head += chunk
    except OSError:  # refused (not listening yet), reset, or timed out
        return None
    parts = head.split(b" ", 2)
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


class ServerProcess:
    """A server in a child process: started on ``start()``, always stopped on ``stop()``.

    >>> with ServerProcess("emulator", emulator_command) as server:
    ...     server.port
    """

    def __init__(
        self,
        name: str,
        command: Any,  # Callable[[int], list[str]]: the argv for a given port
        ready_path: str = "/_emulator/health",
        ready_timeout: float = 30.0,
        env: dict[str, str] | None = None,
    ) -> None:
        self.name = name
        self.port = free_port()
        self.argv: list[str] = command(self.port)
        self.ready_path = ready_path
        self.ready_timeout = ready_timeout
        self.env = _child_env(env)
        self.process: subprocess.Popen[bytes] | None = None
        self.startup_seconds = math.nan
        self._log = tempfile.TemporaryFile(prefix=f"bench-{name}-")

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def endpoint(self) -> str:
        """HttpProfile.endpoint for the SDK: host and port, no scheme."""
        return f"{HOST}:{self.port}"

    def start(self) -> ServerProcess:
        """Spawn, then poll until the first answer; records the seconds from spawn to it."""
        started = time.perf_counter()
        self.process = subprocess.Popen(
            self.argv, cwd=REPO, env=self.env, stdin=subprocess.DEVNULL,
            stdout=self._log, stderr=subprocess.STDOUT,
        )
        deadline = started + self.ready_timeout
        while True:
            status = http_get_status(self.port, self.ready_path)
            if status is not None and status < 500:
                self.startup_seconds = time.perf_counter() - started
                return self
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{self.log_tail()}")
            if time.perf_counter() > deadline:
                self.stop()
                raise TimeoutError(f"{self.name} not ready in {self.ready_timeout}s:\n"
                                   f"{self.log_tail()}")
            # Poll quickly: the sleep bounds how late we notice readiness (<= 0.5 ms).
            time.sleep(0.0005)

    def stop(self) -> None:
        """SIGTERM (clean shutdown), then SIGKILL if it lingers. Only our own child, by pid."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)

    def log_tail(self, size: int = 2000) -> str:
        self._log.seek(0)
        return self._log.read().decode(errors="replace")[-size:]

    def __enter__(self) -> ServerProcess:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
        self._log.close()


# ----- where the processes run


def placements(unpinned: bool = False) -> dict[str, tuple[set[int], set[int]]]:
    """CPU sets (server, client) for each placement measured; ``unpinned`` adds the
    scheduler's own choice (every CPU for both), which is what users get.

    Why pin at all: on this 2-vCPU VM an unpinned run lands, by the scheduler's whim, on one
    core or on two, and the same build then drains at ~25k or ~53k events/s. Pinning makes
    each figure repeatable and puts the emulator and its baselines on equal terms:
      one core:  server and client share a core, so a rate is bounded by their CPU work.
      two cores: a core each, so a rate also pays for cross-core wake-ups (dear in a VM).
    """
    cpus = sorted(os.sched_getaffinity(0))
    chosen = {"one core": ({cpus[0]}, {cpus[0]})}
    if len(cpus) > 1:
        chosen["two cores"] = ({cpus[0]}, {cpus[1]})
    if unpinned:
        chosen["unpinned"] = (set(cpus), set(cpus))
    return chosen


@contextmanager
def pinned(server: ServerProcess, server_cpus: set[int], client_cpus: set[int]) -> Iterator[None]:
    """Pin the server process and this (client) process; the client is unpinned after."""
    before = os.sched_getaffinity(0)
    _pin_process(server, server_cpus)
    os.sched_setaffinity(0, client_cpus)
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)
        _pin_process(server, before)


def _pin_process(server: ServerProcess, cpus: set[int]) -> None:
    """Every thread of the server (moto's werkzeug has several), not just its main one."""
    if server.process is None or server.process.poll() is not None:
        return
    for tid in os.listdir(f"/proc/{server.process.pid}/task"):
        try:
            os.sched_setaffinity(int(tid), cpus)
        except ProcessLookupError:  # a thread that just ended
            pass


# ----- other work on the machine


def cpu_busy_seconds(cpus: Iterable[int] | None = None) -> float:
    """CPU seconds spent busy since boot, on the given CPUs (default: all), /proc/stat."""
    wanted = None if cpus is None else {f"cpu{c}" for c in cpus}
    total = 0.0
    for line in Path("/proc/stat").read_text().splitlines():
        name, *fields = line.split()
        if not name.startswith("cpu") or (name == "cpu") != (wanted is None):
            continue
        if wanted is not None and name not in wanted:
            continue
        user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields[:8])
        total += user + nice + system + irq + softirq + steal
    return total / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    """CPU seconds of this process and of the children it has waited for (the servers)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def process_cpu_seconds(pid: int) -> float:
    """CPU seconds used so far by a running process (all its threads)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # gone: its time is in our children's times once reaped
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Interference:
    """How much CPU other processes took, on the CPUs we run on, during one measurement.

    Other work on the machine (a test suite, a build) can take a whole core for
    minutes. Ours: this process (the client), the children it reaped, and the given
    running servers; the rest of the busy time on our CPUs is someone else's (or the
    host's steal). Pinned to one core, we are disturbed only by what lands on that core:
    the scheduler moves other processes to the free one.
    """

    retaken = 0  # measurements thrown away and taken again, over the whole run
    kept_disturbed = 0  # measurements kept although disturbed (every try was)

    def __init__(self, pids: Sequence[int]) -> None:
        self.pids = list(pids)
        self.cpus = set(os.sched_getaffinity(0))  # the client's CPUs and the servers'
        for pid in self.pids:
            self.cpus |= os.sched_getaffinity(pid)
        self.started = time.monotonic()
        self.busy = cpu_busy_seconds(self.cpus)
        self.ours = self._ours()

    def _ours(self) -> float:
        return own_cpu_seconds() + sum(process_cpu_seconds(p) for p in self.pids)

    def share(self) -> float:
        """Others' CPU on our CPUs since the start, as a share of one core."""
        others = (cpu_busy_seconds(self.cpus) - self.busy) - (self._ours() - self.ours)
        return max(0.0, others) / max(time.monotonic() - self.started, 1e-9)


def undisturbed(measure: Callable[[], T], pids: Sequence[int] = (), tries: int = 3,
                limit: float = 0.15) -> T:
    """Run ``measure``; if other processes took more than ``limit`` of a core on our CPUs
    meanwhile, wait a little for quiet and take it again (the last try is kept, counted)."""
    for attempt in range(tries):
        meter = Interference(pids)
        result = measure()
        share = meter.share()
        if share <= limit:
            return result
        if attempt == tries - 1:
            Interference.kept_disturbed += 1
            return result
        Interference.retaken += 1
        print(f"others took {share:.0%} of a core on CPUs {sorted(meter.cpus)} during a "
              "measurement: retaking", file=sys.stderr, flush=True)
        wait_until_quiet(meter.cpus, patience=10.0)
    raise AssertionError("unreachable")


def wait_until_quiet(cpus: Iterable[int] | None = None, limit: float = 0.2,
                     patience: float = 60.0) -> float:
    """Wait (at most ``patience`` s) until the given CPUs (default: all) are less than
    ``limit`` of a core busy; answers the last busy level seen."""
    deadline = time.monotonic() + patience
    while True:
        before = cpu_busy_seconds(cpus)
        time.sleep(1.0)
        busy = cpu_busy_seconds(cpus) - before
        if busy < limit or time.monotonic() > deadline:
            return busy
        print(f"other processes use {busy:.0%} of a core: waiting", file=sys.stderr,
              flush=True)


# ----- statistics


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), linear between closest ranks (numpy's default)."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = (len(ordered) - 1) * q / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Sequence[float]) -> float:
    return percentile(values, 50)


# ----- reporting


def machine_facts() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import aiohttp  # imported here: startup.py's own process need not pay for it

    return {
        "CPU": cpu,
        "cores": str(os.cpu_count()),
        "Python": f"{platform.python_implementation()} {platform.python_version()}",
        "aiohttp": aiohttp.__version__,
        "OS": f"{platform.system()} {platform.release()}",
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms" if seconds < 0.01 else f"{seconds * 1000:.1f} ms"


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def emulator_version() -> str:
    """The commit measured, and whether emulator/ had uncommitted changes then."""
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=BENCH.parent, capture_output=True,
                              text=True, check=False)
        return done.stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--", "emulator")
    return commit + (" + uncommitted changes in emulator/" if dirty else "")
