"""The web dashboard (``/_emulator/ui/``) under load, in headless Chromium, and the server
requests it makes.

In the browser (Debian's ``/usr/bin/chromium``, driven by Playwright, a fresh context for
each page: a cold cache), every time is taken by the page's own clock: an init script
watches the DOM (a ``MutationObserver``) and notes ``performance.now()`` once the events
list shows what is awaited, after forcing layout (so the time includes laying the rows
out; painting is not included). A page load counts from navigation start; a filter from
the ``change`` of the type select or the ``submit`` of the search form (noted by a
capture listener before the page's own handler runs). Catching up is timed against this
process's clock, the page's clock set beside it first (one round trip's error, ~1 ms).

1. **Load**: N events emitted beforehand (admin API, ``"with_content": false``, in
   chunks: 90% ``NewFileUpload``, 10% ``FileDeleted``), the page opened, until the newest
   page of 50 is shown with the total matching.
2. **Catching up**: a page open on 10,000 events while 10,000 more are emitted (20
   ``POST /_emulator/events`` of 900 and 100), until the list shows the 20,000.
3. **Filter and search**: the type select set to ``FileDeleted``, and an event id (the
   middle one) searched, until the list shows the answer; then cleared again.
4. **Memory**: the page's JS heap (CDP ``Performance.getMetrics`` after
   ``HeapProfiler.collectGarbage``) and DOM nodes, once the page has settled.
5. **Server side**: the list's request, ``GET /_emulator/events?before=…&limit=50&
   content=false`` (newest page, a page halfway down, a type filter, an id search) and
   ``GET /_emulator/stats`` over 100,000 events, back to back on one connection; and the
   longest the server's event loop is held meanwhile (``loop_watch.py``'s probe, as
   ``stall.py`` uses it).

Browser and server are not pinned: the browser runs several processes, as for a user.

    .venv/bin/python bench/dashboard.py [--runs 7] [--quick] [--json]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from playwright.sync_api import Browser, BrowserContext, Page

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    HOST,
    Interference,
    ServerProcess,
    emulator_command,
    markdown_table,
    median,
    ms,
    own_cpu_seconds,
    percentile,
    process_cpu_seconds,
    wait_until_quiet,
)
from stall import WatchedEmulator  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.browser import chromium  # noqa: E402  (the one way the browser is started)

T = TypeVar("T")

FILTER_TYPE = "FileDeleted"  # a tenth of the events: see fill()
CHUNK = 1_000  # events a fill emits per round (two POSTs)
NEWEST = 2**62  # a `before` past every seq: the newest page (as the page sends it)
LOAD_TARGET = 1.0  # seconds: the newest page shown with 10,000 events (see below)
QUICK: dict[str, Any] = {"runs": 1, "sizes": (2_000, 10_000), "filter_size": 5_000,
                         "requests": 5}  # --quick: a smoke test
# Why 1 s: the issue asked for "fast with 10,000 events" and set no number; a second is
# the usual limit for an answer that keeps the user's flow of thought (Nielsen).

# Installed in every page before its own scripts: marks and long tasks, on the page's clock.
_INIT = """
(() => {
  const marks = {};
  const longTasks = [];
  const now = () => performance.now();
  const matched = () => document.getElementById("events-matched")?.textContent ?? "";
  const firstId = () => document.querySelector("#events tbody tr[data-event-id]")
    ?.dataset.eventId ?? null;
  /* Note `name` once the list shows `text` as its count and `id` first (null: any). */
  function watch(name, text, id) {
    delete marks[name];
    const shown = () => matched() === text && (id === null || firstId() === id);
    const done = () => {
      marks[name + ":dom"] = now();
      void document.body.offsetHeight; // style and layout, as the next frame would
      marks[name] = now();
    };
    if (document.body && shown()) return done();
    const observer = new MutationObserver(() => {
      if (shown()) { observer.disconnect(); done(); }
    });
    observer.observe(document, { subtree: true, childList: true, characterData: true });
  }
  for (const type of ["change", "submit"]) {
    document.addEventListener(type, () => { marks[type] = now(); }, true);
  }
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) longTasks.push([entry.startTime, entry.duration]);
  }).observe({ type: "longtask", buffered: true });
  window.__bench = { marks, longTasks, watch };
})();
"""


# ----- the emulator's side


class Admin:
    """A keep-alive connection to one emulator's admin API."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.connection = http.client.HTTPConnection(HOST, port, timeout=300)

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        self.connection.request(method, path, None if body is None else json.dumps(body),
                                {"Content-Type": "application/json"})
        response = self.connection.getresponse()
        data = response.read()
        if response.status != 200:
            raise RuntimeError(f"{method} {path}: {response.status} {data[:300]!r}")
        return json.loads(data)

    def fill(self, count: int) -> None:
        """Emit ``count`` events in rounds of CHUNK: 90% NewFileUpload, 10% FileDeleted."""
        for start in range(0, count, CHUNK):
            size = min(CHUNK, count - start)
            deleted = size // 10
            for event_type, n in (("NewFileUpload", size - deleted), (FILTER_TYPE, deleted)):
                if n:
                    self.call("POST", "/_emulator/events",
                              {"type": event_type, "count": n, "with_content": False})

    def search(self, **query: Any) -> dict[str, Any]:
        """The list's own request: a page of 50 summaries, and how many match."""
        query = {"limit": 50, "content": "false", "before": NEWEST, **query}
        answer: dict[str, Any] = self.call(
            "GET", "/_emulator/events?" + "&".join(f"{k}={v}" for k, v in query.items()))
        return answer

    def expected(self, **query: Any) -> tuple[str, str]:
        """What the list shows for a search: its count's text and its first event id."""
        answer = self.search(limit=1, **query)
        return f"({answer['matched']} matching)", answer["events"][0]["event_id"]

    def middle_id(self) -> str:
        """The id of the event halfway down the list."""
        last = self.search(limit=1)["last_seq"]
        event_id: str = self.search(limit=1, before=last // 2 + 1)["events"][0]["event_id"]
        return event_id

    def close(self) -> None:
        self.connection.close()


# ----- other work on the machine


def _descendants() -> list[int]:
    """Every process started under this one: the servers, Playwright's driver, Chromium's
    processes (a page's renderer included)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            parent = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry))
    found, todo = [], [os.getpid()]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


class _TreeInterference(Interference):
    """Interference with "ours" being this process and every process under it, found
    afresh each time (the browser starts a renderer for each new page), each counted
    from its CPU time at the start: a renderer of a page closed earlier may exit
    meanwhile, and must not take its past with it."""

    def __init__(self) -> None:
        self.start = {pid: process_cpu_seconds(pid) for pid in _descendants()}
        super().__init__(())

    def _ours(self) -> float:
        return own_cpu_seconds() + sum(max(0.0, process_cpu_seconds(pid) - self.start.get(pid, 0.0))
                                       for pid in _descendants())


def undisturbed(measure: Callable[[list[Dashboard]], T], tries: int = 3,
                limit: float = 0.15) -> T:
    """common.undisturbed, for a browser: take it again if others took more than
    ``limit`` of a core meanwhile (the last try is kept, and counted). Pages ``measure``
    opens (put in the list it is given) are closed once the share is known: an exited
    renderer's CPU time can no longer be read, and would count as others'."""
    for attempt in range(tries):
        opened: list[Dashboard] = []
        meter = _TreeInterference()
        try:
            result = measure(opened)
            share = meter.share()
        finally:
            for page in opened:
                page.close()
        if share <= limit or attempt == tries - 1:
            if share > limit:
                Interference.kept_disturbed += 1
            return result
        Interference.retaken += 1
        print(f"others took {share:.0%} of a core during a measurement: retaking",
              file=sys.stderr, flush=True)
        wait_until_quiet(patience=10.0)
    raise AssertionError("unreachable")


# ----- the browser's side


class Dashboard:
    """One page of the dashboard in a fresh browser context (nothing cached)."""

    def __init__(self, browser: Browser, server: ServerProcess, shown: tuple[str, str]) -> None:
        self.origin = server.url
        self.context: BrowserContext = browser.new_context(viewport={"width": 1280,
                                                                     "height": 900})
        self.context.set_default_timeout(120_000)
        # The list is watched from the very start: the load's own mark.
        self.context.add_init_script(
            _INIT + f"window.__bench.watch('shown', {json.dumps(shown[0])}, "
            f"{json.dumps(shown[1])});")
        self.page: Page = self.context.new_page()
        self.elsewhere: list[str] = []  # the page's CSP forbids any: checked, not assumed
        self.page.on("request", lambda request: None if request.url.startswith(
            self.origin + "/") else self.elsewhere.append(request.url))
        self.page.goto(self.origin + "/_emulator/ui/", wait_until="commit")

    def mark(self, name: str) -> float:
        """Seconds on the page's clock (since navigation start) when ``name`` was noted."""
        self.page.wait_for_function("name => name in window.__bench.marks", arg=name)
        seconds: float = self.page.evaluate("name => window.__bench.marks[name]", name) / 1000
        return seconds

    def marks(self) -> dict[str, float]:
        marks: dict[str, float] = self.page.evaluate("() => window.__bench.marks")
        return {name: value / 1000 for name, value in marks.items()}

    def longest_task(self, since: float = 0.0) -> float:
        """The longest task the page ran (50 ms or more) after ``since`` (page clock, s)."""
        tasks = self.page.evaluate("() => window.__bench.longTasks")
        return max((duration / 1000 for start, duration in tasks if start / 1000 >= since),
                   default=0.0)

    def watch(self, name: str, shown: tuple[str, str | None]) -> None:
        self.page.evaluate("([name, text, id]) => window.__bench.watch(name, text, id)",
                           [name, shown[0], shown[1]])

    def clock_offset(self) -> float:
        """The page's epoch clock minus ours, in seconds (the tightest of a few tries)."""
        tries = []
        for _ in range(5):
            before = time.time()
            page_now = self.page.evaluate("() => performance.timeOrigin + performance.now()")
            after = time.time()
            tries.append((after - before, page_now / 1000 - (before + after) / 2))
        return min(tries)[1]

    def time_origin(self) -> float:
        origin: float = self.page.evaluate("() => performance.timeOrigin") / 1000
        return origin

    def settled_memory(self) -> dict[str, float]:
        """Heap and DOM once the load's other requests (activity feed, faults) are in,
        after a full garbage collection."""
        self.page.wait_for_function(
            "() => document.querySelectorAll('#feed li').length >= 200"
            " && document.querySelector('#fault-effects li') !== null")
        cdp = self.context.new_cdp_session(self.page)
        cdp.send("HeapProfiler.collectGarbage")
        cdp.send("Performance.enable")
        metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
        cdp.detach()
        return {"heap_used_mb": metrics["JSHeapUsedSize"] / 1e6,
                "heap_total_mb": metrics["JSHeapTotalSize"] / 1e6,
                "nodes": metrics["Nodes"], "listeners": metrics["JSEventListeners"]}

    def fetched(self, until: float) -> tuple[int, float]:
        """Requests answered by ``until`` (page clock, s) and their bytes on the wire."""
        entries = self.page.evaluate(
            "until => performance.getEntriesByType('resource')"
            ".filter(e => e.responseEnd <= until).map(e => e.transferSize)", until * 1000)
        return len(entries) + 1, sum(entries) / 1e3  # + the page itself

    def close(self) -> None:
        self.context.close()
        if self.elsewhere:
            raise RuntimeError(f"the page sent requests elsewhere: {self.elsewhere}")


def _spread(values: list[float]) -> dict[str, float]:
    return {"median": median(values), "min": min(values), "max": max(values),
            "runs": len(values)}


def loads(browser: Browser, server: ServerProcess, admin: Admin, runs: int) -> dict[str, Any]:
    """Page loads, navigation start to the newest page shown (the server already holds
    its events); the heap after each."""
    shown = admin.expected()
    samples: list[dict[str, float]] = []

    def once(opened: list[Dashboard]) -> dict[str, float]:
        page = Dashboard(browser, server, shown)
        opened.append(page)
        seconds = page.mark("shown")
        requests, kilobytes = page.fetched(seconds)
        return {"seconds": seconds, "dom": page.marks()["shown:dom"],
                "longest_task": page.longest_task(), "requests": requests,
                "kilobytes": kilobytes, **page.settled_memory()}

    undisturbed(once, tries=1)  # unrecorded: the server's and the browser's first of all
    for _ in range(runs):
        samples.append(undisturbed(once))
    return {name: _spread([s[name] for s in samples]) for name in samples[0]}


def catch_up(browser: Browser, server: ServerProcess, admin: Admin, base: int, more: int,
             runs: int) -> dict[str, Any]:
    """A page open on ``base`` events while ``more`` are emitted, until it shows them."""
    samples: list[dict[str, float]] = []

    def once(opened: list[Dashboard]) -> dict[str, float]:
        admin.call("POST", "/_emulator/reset", {})
        admin.fill(base)
        page = Dashboard(browser, server, admin.expected())
        opened.append(page)
        page.mark("shown")
        page.settled_memory()  # the load's own requests are done
        page.watch("caught", (f"({base + more} matching)", None))
        offset, origin = page.clock_offset(), page.time_origin()
        started = time.time()
        admin.fill(more)
        emitted = time.time()
        caught = origin + page.mark("caught") - offset  # on our clock
        return {"from_first_emit": caught - started, "after_last_emit": caught - emitted,
                "emit_seconds": emitted - started,
                "longest_task": page.longest_task(started + offset - origin),
                **page.settled_memory()}

    for _ in range(runs):
        samples.append(undisturbed(once))
    return {name: _spread([s[name] for s in samples]) for name in samples[0]}


def filters(browser: Browser, server: ServerProcess, admin: Admin,
            runs: int) -> dict[str, Any]:
    """The type filter and an id search, from the action to the list updated."""
    everything = admin.expected()
    of_type = admin.expected(type=FILTER_TYPE)
    wanted = admin.middle_id()
    found = admin.expected(q=wanted)
    assert found[1] == wanted, (found, wanted)
    page = Dashboard(browser, server, everything)
    samples: dict[str, list[float]] = {"type filter": [], "id search": [],
                                       "filter cleared": []}
    try:
        page.mark("shown")
        page.settled_memory()

        def by_type(opened: list[Dashboard]) -> tuple[float, float]:
            page.watch("filtered", of_type)
            page.page.select_option("#filter-type", FILTER_TYPE)
            filtered = page.mark("filtered") - page.marks()["change"]
            page.watch("all", everything)
            page.page.select_option("#filter-type", "")
            return filtered, page.mark("all") - page.marks()["change"]

        def by_id(opened: list[Dashboard]) -> float:
            page.watch("found", found)
            page.page.fill("#filter-q", wanted)
            page.page.press("#filter-q", "Enter")
            seconds = page.mark("found") - page.marks()["submit"]
            page.watch("all", everything)
            page.page.fill("#filter-q", "")
            page.page.press("#filter-q", "Enter")
            page.mark("all")
            return seconds

        by_type([])  # unrecorded: the first of each
        by_id([])
        for _ in range(runs):
            filtered, cleared = undisturbed(by_type)
            samples["type filter"].append(filtered)
            samples["filter cleared"].append(cleared)
            samples["id search"].append(undisturbed(by_id))
    finally:
        page.close()
    return {name: _spread(values) for name, values in samples.items()}


# ----- the server alone


def server_queries(admin: Admin) -> dict[str, dict[str, Any]]:
    """The requests the page makes, over the events the server holds now."""
    last = admin.search(limit=1)["last_seq"]
    return {
        "newest page": {"before": NEWEST},
        "a page halfway down": {"before": last // 2},
        f"type={FILTER_TYPE}": {"type": FILTER_TYPE},
        "q=<an event id>": {"q": admin.middle_id()},
    }


def server_side(admin: Admin, requests: int,
                watched: WatchedEmulator | None = None) -> dict[str, Any]:
    """ms per request, back to back on one connection, the kinds interleaved; with
    ``watched`` (the same server), the loop's lateness meanwhile, by kind."""
    queries = server_queries(admin)
    paths = {name: "/_emulator/events?" + "&".join(
        f"{k}={v}" for k, v in {"limit": 50, "content": "false", **q}.items())
        for name, q in queries.items()}
    paths["GET /_emulator/stats"] = "/_emulator/stats"
    times: dict[str, list[float]] = {name: [] for name in paths}
    windows: dict[str, list[tuple[float, float]]] = {name: [] for name in paths}
    for path in paths.values():  # unrecorded warm-up
        admin.call("GET", path)
    for _ in range(requests):
        for name, path in paths.items():
            at = time.monotonic()
            started = time.perf_counter()
            admin.call("GET", path)
            times[name].append(time.perf_counter() - started)
            windows[name].append((at, time.monotonic()))
    results: dict[str, Any] = {}
    for name, values in times.items():
        results[name] = {"p50": median(values), "p99": percentile(values, 99),
                         "max": max(values), "requests": len(values)}
        if watched is not None:
            lateness = [late for start, end in windows[name]
                        for late in watched.window(start, end)["lateness"]]
            results[name].update(held_max=max(lateness, default=0.0),
                                 held_p99=percentile(lateness, 99))
    return results


def loop_stalls(count: int, requests: int) -> dict[str, Any]:
    """The same requests on an emulator whose loop is watched (``loop_watch.py``)."""
    watched = WatchedEmulator()
    admin = Admin(watched.port)
    try:
        admin.fill(count)
        started = time.monotonic()
        time.sleep(1.0)
        idle = watched.window(started, time.monotonic())["lateness"]
        return {"idle_max": max(idle), "by_request": server_side(admin, requests, watched)}
    finally:
        admin.close()
        watched.close()


# ----- the whole


def run(runs: int = 7, sizes: tuple[int, int] = (10_000, 100_000), filter_size: int = 20_000,
        requests: int = 50) -> dict[str, Any]:
    small, large = sizes
    results: dict[str, Any] = {"runs": runs, "sizes": list(sizes), "filter_size": filter_size,
                               "load": {}, "filters": {}, "catch_up": {}}
    with chromium() as browser, ServerProcess("emulator", emulator_command) as server:
        admin = Admin(server.port)
        try:
            admin.fill(small)
            results["load"][small] = loads(browser, server, admin, runs)
            results["catch_up"] = catch_up(browser, server, admin, small, small,
                                           max(1, runs - 2))
            admin.call("POST", "/_emulator/reset", {})
            admin.fill(filter_size)
            results["filters"][filter_size] = filters(browser, server, admin, runs)
            admin.fill(large - filter_size)
            results["load"][large] = loads(browser, server, admin, runs)
            results["filters"][large] = filters(browser, server, admin, runs)
            results["server"] = server_side(admin, requests)
        finally:
            admin.close()
    results["loop"] = loop_stalls(large, max(10, requests // 2))
    return results


# ----- reporting


def _range(spread: dict[str, float], unit: Callable[[float], str] = ms) -> tuple[str, ...]:
    return unit(spread["median"]), unit(spread["min"]), unit(spread["max"])


def _task(seconds: float) -> str:
    """The browser reports only tasks of 50 ms or more."""
    return ms(seconds) if seconds else "none ≥ 50 ms"


def tables(results: dict[str, Any]) -> str:
    small, large = results["sizes"]
    catch = results["catch_up"]
    rows = []
    for size, load in results["load"].items():
        rows.append([f"page load to the newest page shown, {int(size):,} events",
                     *_range(load["seconds"]), _task(load["longest_task"]["median"]),
                     str(load["seconds"]["runs"])])
    rows.append([f"catching up: {small:,} more emitted with the page open, first emit sent "
                 f"to the list showing {2 * small:,}", *_range(catch["from_first_emit"]),
                 _task(catch["longest_task"]["median"]), str(catch["from_first_emit"]["runs"])])
    rows.append(["the same, from the last emit answered (emitting took "
                 f"{catch['emit_seconds']['median']:.2f} s)", *_range(catch["after_last_emit"]),
                 "", str(catch["after_last_emit"]["runs"])])
    for size, found in results["filters"].items():
        for name, label in (("type filter", f"type filter ({FILTER_TYPE}, a tenth)"),
                            ("id search", "id search (1 match)"),
                            ("filter cleared", "type filter cleared (all again)")):
            rows.append([f"{label}, {int(size):,} events, action to list updated",
                         *_range(found[name]), "", str(found[name]["runs"])])
    browser_table = markdown_table(
        ["in the browser", "median", "min", "max", "longest task (median)", "runs"], rows)

    memory_rows = []
    for label, figures in [*((f"after loading with {int(s):,} events", load)
                             for s, load in results["load"].items()),
                           (f"after catching up ({small:,} + {small:,} live)", catch)]:
        memory_rows.append([label, f"{figures['heap_used_mb']['median']:.1f} MB",
                            f"{figures['heap_total_mb']['median']:.1f} MB",
                            f"{figures['nodes']['median']:,.0f}"])
    load = results["load"][small]
    memory_table = markdown_table(["the page's memory (median)", "JS heap used, after a GC",
                                   "JS heap total", "DOM nodes"], memory_rows)

    loop = results["loop"]
    server_rows = []
    for name, figures in results["server"].items():
        held = loop["by_request"][name]
        server_rows.append([name, ms(figures["p50"]), ms(figures["p99"]), ms(figures["max"]),
                            str(figures["requests"]), ms(held["held_max"]),
                            str(held["requests"])])
    server_table = markdown_table(
        [f"server alone, {large:,} events", "p50", "p99", "max", "requests",
         "loop held, max (probe)", "requests probed"], server_rows)
    return (f"{browser_table}\n\nA load fetches {load['requests']['median']:.0f} "
            f"resources ({load['kilobytes']['median']:.0f} kB on the wire, the live stream "
            f"not counted).\n\n{memory_table}\n\n{server_table}\n\n"
            f"Idle, the probe sees the loop held at most {ms(loop['idle_max'])}.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="small counts, a smoke test")
    parser.add_argument("--json", action="store_true", help="print the raw numbers too")
    arguments = parser.parse_args()
    wait_until_quiet(patience=30.0)
    results = run(**QUICK) if arguments.quick else run(arguments.runs)
    print(tables(results))
    small = results["sizes"][0]
    seconds = results["load"][small]["seconds"]["median"]
    print(f"\npage load with {small:,} events: {ms(seconds)} (target <= {ms(LOAD_TARGET)}: "
          f"{'met' if seconds <= LOAD_TARGET else 'NOT met'}); measurements retaken for other "
          f"load: {Interference.retaken}, kept although disturbed: "
          f"{Interference.kept_disturbed}")
    if arguments.json:
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
