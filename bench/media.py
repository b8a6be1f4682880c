"""The media library at 100,000 files: DescribeMediaInfos and SearchMedia over the Cloud API
of a running emulator, how long a search holds the server's event loop, and the server's
resident memory per file.

    .venv/bin/python bench/media.py      # prints a JSON summary

Targets: with 100,000 files in the library, DescribeMediaInfos p99 <= 5 ms and SearchMedia
by name prefix <= 50 ms (p50 and p99, after the first search, which reads every file), the
loop never held more than ~5-7 ms; memory per library file reported.

The library is filled the way a user fills it: 100,000 NewFileUpload through
``POST /_emulator/events`` (10,000 a request, ``"with_content": false``). Requests are
unsigned Cloud API 3.0 POSTs (the emulator has no secret) on one keep-alive connection, the
server pinned to one core and this client to the other. Known files are taken from the
emitted-events record (``GET /_emulator/events?after=...``), which does not touch the
library, so the first look at each file is still the library's own.

Loop holds: a second emulator, ``loop_watch.py`` (as ``stall.py`` and ``dashboard.py`` use
it: a task on the server's loop sleeps 1 ms again and again, and how late it wakes is how
long something held the loop), filled alike; the lateness seen during each search, and the
garbage collector's pauses (which no code of ours can slice).

Memory: a library file is held as the event that made it known until first looked at, and
that event is also in the queue, the emitted-events record and the journal. So three
emulators are filled alike and compared: queued (PULL, the default); suppressed (PUSH
without a NotificationUrl: the same events, record and journal, no queue); and queued with
``FileUploadEvent.FileId`` overridden to "" (the same events, none known to the library).
"""

from __future__ import annotations

import http.client
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    HOST,
    Interference,
    ServerProcess,
    emulator_command,
    percentile,
    pinned,
    placements,
)
from memory import resident_bytes  # noqa: E402
from stall import WatchedEmulator  # noqa: E402

FILES = 100_000
BATCH = 10_000  # files per admin emit
SAMPLES_PER_STRETCH = 50  # known files read from each 10,000 emitted
DESCRIBE_REQUESTS = 300
SEARCH_REQUESTS = 40
FILE_ID_SEARCHES = 40  # SearchMedia by 10 FileIds
NAMES_SEARCHES = 10  # SearchMedia by Names (a fuzzy match: every file is looked at)
PREFIX_CHARACTERS = 3  # the NamePrefixes searched for: a real name's first characters
VERSION = "2018-07-17"


class Connection:
    """One keep-alive HTTP/1.1 connection to the emulator: admin routes and Cloud API."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection(HOST, port, timeout=300)

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        self.connection.request(method, path, data, {"Content-Type": "application/json"})
        response = self.connection.getresponse()
        answer = response.read()
        if response.status != 200:
            raise RuntimeError(f"{path}: HTTP {response.status}: {answer[:300]!r}")
        return json.loads(answer)

    def cloud(self, action: str, params: dict[str, Any]) -> tuple[float, dict[str, Any]]:
        """One Cloud API action: the seconds from sending to the whole answer read, and its
        Response (an Error in it is a failure here)."""
        headers = {"Content-Type": "application/json", "X-TC-Action": action,
                   "X-TC-Version": VERSION, "X-TC-Timestamp": str(int(time.time()))}
        body = json.dumps(params).encode()
        started = time.perf_counter()
        self.connection.request("POST", "/", body, headers)
        raw = self.connection.getresponse().read()
        seconds = time.perf_counter() - started
        answer: dict[str, Any] = json.loads(raw)["Response"]
        if "Error" in answer:
            raise RuntimeError(f"{action}: {answer['Error']}")
        return seconds, answer

    def close(self) -> None:
        self.connection.close()


def fill(connection: Connection, overrides: dict[str, Any] | None = None,
         files: int = FILES) -> float:
    """``files`` NewFileUpload, BATCH a request; the seconds it took."""
    started = time.perf_counter()
    for _ in range(files // BATCH):
        body: dict[str, Any] = {"type": "NewFileUpload", "count": BATCH, "with_content": False}
        if overrides:
            body["overrides"] = overrides
        connection.admin("POST", "/_emulator/events", body)
    return time.perf_counter() - started


def known_files(connection: Connection, stretches: range = range(FILES // BATCH),
                ) -> list[tuple[str, str]]:
    """(FileId, name) of SAMPLES_PER_STRETCH files from each stretch of BATCH emitted,
    read from the emitted-events record (the library is not asked)."""
    files = []
    for stretch in stretches:
        after = stretch * BATCH + BATCH // 2
        page = connection.admin("GET", f"/_emulator/events?after={after}"
                                       f"&limit={SAMPLES_PER_STRETCH}")
        for event in page["events"]:
            upload = event["content"]["FileUploadEvent"]
            files.append((upload["FileId"], upload["MediaBasicInfo"]["Name"]))
    return files


def stats(seconds: list[float]) -> dict[str, float]:
    """p50, p99 and max in milliseconds, and how many."""
    return {"p50_ms": percentile(seconds, 50) * 1000, "p99_ms": percentile(seconds, 99) * 1000,
            "max_ms": max(seconds) * 1000, "requests": len(seconds)}


def describe(connection: Connection, file_ids: list[str], per_request: int,
             rng: random.Random) -> dict[str, float]:
    seconds = []
    for _ in range(DESCRIBE_REQUESTS):
        wanted = rng.sample(file_ids, per_request)
        took, answer = connection.cloud("DescribeMediaInfos", {"FileIds": wanted})
        assert len(answer["MediaInfoSet"]) == per_request, answer.get("NotExistFileIdSet")
        seconds.append(took)
    return stats(seconds)


def search(connection: Connection, queries: list[dict[str, Any]],
           watched: WatchedEmulator | None = None) -> dict[str, Any]:
    """Each query once, ``Limit`` 10; with ``watched`` (the same server), the loop's
    lateness during each."""
    seconds, totals, windows = [], [], []
    for query in queries:
        at = time.monotonic()
        took, answer = connection.cloud("SearchMedia", {**query, "Limit": 10})
        windows.append((at, time.monotonic()))
        assert answer["TotalCount"] >= 1 and answer["MediaInfoSet"], query
        seconds.append(took)
        totals.append(answer["TotalCount"])
    result = {**stats(seconds), "matches_median": percentile(totals, 50),
              "matches_max": max(totals)}
    if watched is not None:
        seen = [watched.window(start, end) for start, end in windows]
        lateness = [late for window in seen for late in window["lateness"]]
        pauses = [pause for window in seen for pause in window["gc_pauses"]]
        result.update(held_max_ms=max(lateness, default=0.0) * 1000,
                      held_p99_ms=percentile(lateness, 99) * 1000,
                      gc_pause_max_ms=max(pauses, default=0.0) * 1000)
    return result


def by_prefix(prefixes: list[str]) -> list[dict[str, Any]]:
    return [{"NamePrefixes": [prefix]} for prefix in prefixes]


def by_file_ids(file_ids: list[str], rng: random.Random, count: int) -> list[dict[str, Any]]:
    return [{"FileIds": rng.sample(file_ids, 10)} for _ in range(count)]


def after_more(connection: Connection, rng: random.Random, prefixes: list[str],
               watched: WatchedEmulator | None = None) -> dict[str, Any]:
    """BATCH more files once every file was read: SearchMedia by FileIds among them (not
    read yet), then the first search by prefix since (which reads the rest of them)."""
    fill(connection, files=BATCH)
    new_ids = [file_id for file_id, _ in known_files(connection, range(FILES // BATCH,
                                                                       FILES // BATCH + 1))]
    return {"files_added": BATCH,
            "search_file_ids": search(connection, by_file_ids(new_ids, rng, FILE_ID_SEARCHES),
                                      watched),
            "first_search": search(connection, by_prefix(prefixes[:1]), watched)}


def library_latencies() -> dict[str, Any]:
    """Fill a queued (PULL) emulator, then time DescribeMediaInfos on files not yet looked
    at, the first SearchMedia (which reads every file), SearchMedia by prefix, FileIds and
    Names again, DescribeMediaInfos on files already read, and searches once BATCH more
    files came; resident size along the way."""
    rng = random.Random(14)
    chosen = placements()  # a core each when there are two
    server_cpus, client_cpus = chosen.get("two cores", chosen["one core"])
    with ServerProcess("emulator", emulator_command) as server:
        assert server.process is not None
        pid = server.process.pid
        connection = Connection(server.port)
        with pinned(server, server_cpus, client_cpus):
            meter = Interference([pid])
            connection.cloud("DescribeMediaInfos", {"FileIds": ["0"]})  # the factory loaded
            before = resident_bytes(pid)
            fill_seconds = fill(connection)
            filled = resident_bytes(pid)
            files = known_files(connection)
            file_ids = [file_id for file_id, _ in files]
            prefixes = [name[:PREFIX_CHARACTERS] for _, name in rng.sample(files, SEARCH_REQUESTS)]
            # Each look is a file's first (unless two draws meet): read from its event.
            cold = {"1": describe(connection, file_ids, 1, rng),
                    "20": describe(connection, file_ids, 20, rng)}
            first_search, first_answer = connection.cloud(
                "SearchMedia", {"NamePrefixes": [prefixes[0]], "Limit": 10})
            read = resident_bytes(pid)
            searches = search(connection, by_prefix(prefixes))
            ids_read = search(connection, by_file_ids(file_ids, rng, FILE_ID_SEARCHES))
            fuzzy = search(connection, [{"Names": [name[1:4]]}
                                        for _, name in rng.sample(files, NAMES_SEARCHES)])
            warm = {"1": describe(connection, file_ids, 1, rng),
                    "20": describe(connection, file_ids, 20, rng)}
            more = after_more(connection, rng, prefixes[1:])
            others = meter.share()
        connection.close()
    return {
        "files": FILES, "fill_seconds": fill_seconds, "known_files_sampled": len(file_ids),
        "describe_unread": cold, "describe_read": warm,
        "first_search": {"ms": first_search * 1000, "prefix": prefixes[0],
                         "matches": first_answer["TotalCount"]},
        "search_name_prefix": searches,
        "search_file_ids": ids_read, "search_names": fuzzy, "after_more_files": more,
        "rss_mb": {"before": before / 1e6, "filled": filled / 1e6,
                   "after_first_search": read / 1e6},
        "bytes_per_file_filled": (filled - before) / FILES,
        "bytes_per_file_read_on_first_search": (read - filled) / FILES,
        "others_share_of_a_core": others,
    }


def loop_holds() -> dict[str, Any]:
    """The same fill and searches on ``loop_watch.py``'s emulator: how long the loop was
    held during the first search and during the searches after it."""
    rng = random.Random(14)
    watched = WatchedEmulator()
    connection = Connection(watched.port)
    try:
        connection.cloud("DescribeMediaInfos", {"FileIds": ["0"]})  # the factory loaded
        fill(connection)
        files = known_files(connection)
        file_ids = [file_id for file_id, _ in files]
        prefixes = [name[:PREFIX_CHARACTERS] for _, name in rng.sample(files, SEARCH_REQUESTS)]
        started = time.monotonic()
        time.sleep(1.0)
        idle = watched.window(started, time.monotonic())["lateness"]
        first = search(connection, by_prefix(prefixes[:1]), watched)
        return {"idle_max_ms": max(idle) * 1000, "first_search": first,
                "search_name_prefix": search(connection, by_prefix(prefixes), watched),
                "search_file_ids": search(connection, by_file_ids(file_ids, rng,
                                                                  FILE_ID_SEARCHES), watched),
                "after_more_files": after_more(connection, rng, prefixes[1:], watched)}
    finally:
        connection.close()
        watched.close()


def filled_bytes_per_file(mode: str | None, overrides: dict[str, Any] | None) -> float:
    """Resident growth per event of an emulator filled with FILES NewFileUpload."""
    with ServerProcess("emulator", emulator_command) as server:
        assert server.process is not None
        connection = Connection(server.port)
        if mode is not None:
            connection.admin("POST", "/_emulator/event-config/default", {"Mode": mode})
        connection.cloud("DescribeMediaInfos", {"FileIds": ["0"]})  # the factory loaded
        before = resident_bytes(server.process.pid)
        fill(connection, overrides)
        after = resident_bytes(server.process.pid)
        stats_answer = connection.admin("GET", "/_emulator/stats")
        connection.close()
    totals = stats_answer["totals"]
    routed = "suppressed" if mode == "PUSH" else "pullable"
    assert totals["emitted"] == totals[routed] == FILES, totals
    return (after - before) / FILES


def memory_split(queued_per_file: float) -> dict[str, float]:
    """What the queued emulator's bytes per file are made of."""
    suppressed = filled_bytes_per_file("PUSH", None)
    unknown_to_library = filled_bytes_per_file(None, {"FileUploadEvent": {"FileId": ""}})
    return {
        "queued_bytes_per_file": queued_per_file,
        "suppressed_bytes_per_event": suppressed,
        "queue_bytes_per_event": queued_per_file - suppressed,
        "queued_without_library_bytes_per_event": unknown_to_library,
        "library_entry_bytes_per_file": queued_per_file - unknown_to_library,
    }


def run() -> dict[str, Any]:
    latencies = library_latencies()
    return {"library": latencies, "loop": loop_holds(),
            "memory": memory_split(latencies["bytes_per_file_filled"])}


if __name__ == "__main__":
    print(json.dumps(run(), indent=2, ensure_ascii=False))
