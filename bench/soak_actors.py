"""The soak's actors and their ledger: PULL consumers that skip confirms and crash, PUSH
receivers that flap, and the record of what each saw, which judges the emulator.

Every event the soak causes carries its own number ``n`` (see ``identity``), so a
consumer or a receiver knows which event it holds without asking the emulator. The
ledger keeps a few numbers per event in flat arrays (a million events cost ~60 MB here,
not the gigabytes a dict of objects would) and counts every breach of the promises the
emulator makes: a confirmed event never leased again, never two live leases of one
event, a callback never sent again once answered 200.
"""

from __future__ import annotations

import asyncio
import bisect
import hashlib
import json
import math
import random
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web
from drain import tc3_headers

MARK = "soak:"
"""A marker's text: ``soak:<n>``, in a field the event's type always carries."""
MARKER_PATHS = {
    "NewFileUpload": ("FileUploadEvent", "MediaBasicInfo", "SourceInfo", "SourceContext"),
    "PullComplete": ("PullCompleteEvent", "SessionContext"),
    "ProcedureStateChanged": ("ProcedureStateChangeEvent", "SessionContext"),
    "EditMediaComplete": ("EditMediaCompleteEvent", "SessionContext"),
    "TranscodeComplete": ("TranscodeCompleteEvent", "TaskId"),
}
"""Where each type the soak sends carries its marker: PullUpload's SourceContext and the
tasks' SessionContext land in these same places, so task events are marked alike."""
TASK_FILE_PREFIX = "52858908"
"""A FileDeleted's number is in the FileId deleted: ``52858908`` + n (19 digits, as real
FileIds), for the files the soak seeds for its tasks and for those its own FileDeleted
events name."""
POOL_FILE_PREFIX = "52858907"
"""The files the bulk events name: a bounded pool per application, so that the media
library (which keeps every file an event names) stays the same size however long the
soak runs."""

UPLOADED_FILES: dict[str, int] = {}
"""The files the soak's PullUploads made (random FileIds) that it deletes: FileId -> the
number of that FileDeleted. Deleted like the seeded files, so the media library stays
the same size however long the soak runs."""

# Flags, one byte per event.
ISSUED = 1  # the soak sent what makes it (an emit, a task's request): it may arrive now
PULL = 2  # routed to a queue (the emit's answer says; a task's by its application's mode)
PUSH = 4  # routed to a NotificationUrl
CONFIRMED = 8  # a consumer's ConfirmEvents of it succeeded
DELIVERED = 16  # a receiver answered 200 to it
TASK = 32  # caused by a Cloud API request (a task or a deletion), not emitted by the soak


def identity(content: dict[str, Any]) -> int | None:
    """The soak's number of the event ``content`` is, or None if it carries none."""
    event_type = content.get("EventType")
    if event_type == "FileDeleted":
        file_ids = content.get("FileDeleteEvent", {}).get("FileIdSet") or [""]
        first = file_ids[0]
        if first.startswith(TASK_FILE_PREFIX):
            return int(first[len(TASK_FILE_PREFIX):])
        return UPLOADED_FILES.get(first)
    path = MARKER_PATHS.get(str(event_type))
    if path is None:
        return None
    value: Any = content
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    if isinstance(value, str) and value.startswith(MARK):
        return int(value[len(MARK):])
    return None


def task_file_id(n: int) -> str:
    return f"{TASK_FILE_PREFIX}{n:011d}"


def pool_file_id(app_index: int, k: int) -> str:
    return f"{POOL_FILE_PREFIX}{app_index:02d}{k:09d}"


class EmulatorTime:
    """Bounds on the emulator's time at an instant of this process's monotonic clock.

    Both processes read the same CLOCK_MONOTONIC, so between two scale changes the
    emulator's time is a straight line of this clock. Each change is known only to have
    happened while its POST /_emulator/clock was in flight, between ``sent`` and
    ``answered``, at the emulator time the answer gives: an instant near a change gets
    bounds that wide; every other instant, exact ones. A jump (the clock advanced, the
    scale kept) is a change too.

    A change whose answer has not been read yet (``changing``) may already be in force:
    an instant after its request was sent has no upper bound until it is known, and
    whoever judges by these bounds waits for it (``on_known``)."""

    def __init__(self) -> None:
        self._sent: list[float] = []  # each change's request sent (monotonic)...
        self._answered: list[float] = []  # ...and answer read
        self._now: list[float] = []  # the emulator time the answer gives
        self._scale: list[float] = []  # the scale from then on
        self._jumped: list[bool] = []  # advanced rather than scaled
        self.scale = 1.0  # the latest scale set
        self.max_scale = 1.0
        self._pending: list[float] = []  # requests of changes sent, their answer unread
        self.on_known: list[Callable[[], None]] = []  # called as each change is known

    def changing(self, sent: float) -> None:
        """A change's request was sent at ``sent``; ``changed`` follows with its answer."""
        self._pending.append(sent)

    def pending_at(self, monotonic: float) -> bool:
        """Whether a change not known yet may have happened before ``monotonic``."""
        return any(sent <= monotonic for sent in self._pending)

    def changed(self, sent: float, answered: float, now: float, scale: float,
                jumped: bool = False) -> None:
        if sent in self._pending:
            self._pending.remove(sent)
        self._jumped.append(jumped)
        self._sent.append(sent)
        self._answered.append(answered)
        self._now.append(now)
        self._scale.append(scale)
        self.scale = scale
        self.max_scale = max(self.max_scale, scale)
        for listener in self.on_known:
            listener()

    def bounds(self, monotonic: float) -> tuple[float, float]:
        """(earliest, latest) emulator time the instant can have been."""
        if self.pending_at(monotonic):
            # The clock never goes back: no earlier than when the change was asked for.
            return self._known_bounds(min(self._pending))[0], math.inf
        return self._known_bounds(monotonic)

    def _known_bounds(self, monotonic: float) -> tuple[float, float]:
        i = bisect.bisect_right(self._sent, monotonic) - 1
        if i < 0:
            return -math.inf, math.inf  # before the soak set the clock: never judged
        now, sent, answered, scale = self._now[i], self._sent[i], self._answered[i], \
            self._scale[i]
        if monotonic >= answered:
            return now + scale * (monotonic - answered), now + scale * (monotonic - sent)
        if self._jumped[i]:
            # During an advance: no earlier than the time before it, no later than after.
            earliest = (self._now[i - 1] + self._scale[i - 1] * (monotonic - self._answered[i - 1])
                        if i > 0 and monotonic >= self._answered[i - 1] else -math.inf)
            return earliest, now + scale * (monotonic - sent)
        # During the change: at the old scale until it, at the new one after (up to the
        # instant the answer's time was read), so the faster of the two bounds it.
        faster = max(self._scale[i - 1] if i > 0 else self.max_scale, scale)
        return now - faster * (answered - monotonic), now + scale * (monotonic - sent)


class Breaches:
    """Counts of each broken promise, with the first few cases written out."""

    KEPT = 10

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.examples: dict[str, list[str]] = {}

    def add(self, kind: str, example: str) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + 1
        kept = self.examples.setdefault(kind, [])
        if len(kept) < self.KEPT:
            kept.append(example)


class Ledger:
    """What the consumers and receivers saw of each event, by its number ``n``."""

    def __init__(self, capacity: int, window_seconds: float, clock: EmulatorTime) -> None:
        self.window = window_seconds  # the confirm window, emulator seconds
        self.clock = clock
        self.checking_time = True  # off once the clock is advanced (the end phase)
        self.margin = 0.5  # emulator seconds of slack (the bounds are exact already)
        self.size = 0
        self.flags = bytearray()
        self.app = bytearray()  # the application's index in the soak's plan
        self.seq = array("q")  # the emulator's event seq (evt-<seq>), 0 until known
        self.confirmed_at = array("d")  # monotonic: the confirm's answer read
        self.lease_sent = array("d")  # the latest lease seen: its pull sent...
        self.lease_got = array("d")  # ...its answer read...
        self.lease_end = array("d")  # ...and a confirm of it sent (inf: none yet)
        self.leases = array("H")  # leases seen (saturates)
        self.arrivals = array("H")  # callbacks received (saturates)
        self.breaches = Breaches()
        self.ambiguous_late_pulls = 0  # a pull sent before a confirm's answer, read after it
        # Second leases read while a clock change was in flight, judged once it is known:
        # (n, the earlier lease's pull sent, its end, this one's answer read, who).
        self._deferred: list[tuple[int, float, float, float, str]] = []
        self.deferred_judgements = 0
        clock.on_known.append(self._judge_deferred)
        self.grow(capacity)

    def grow(self, capacity: int) -> None:
        more = capacity - self.size
        if more <= 0:
            return
        self.flags.extend(bytes(more))
        self.app.extend(bytes(more))
        self.seq.extend([0] * more)
        for column, fill in ((self.confirmed_at, 0.0), (self.lease_sent, 0.0),
                             (self.lease_got, 0.0), (self.lease_end, math.inf)):
            column.extend([fill] * more)
        self.leases.extend([0] * more)
        self.arrivals.extend([0] * more)
        self.size = capacity

    def known(self, n: int | None) -> bool:
        return n is not None and 0 <= n < self.size and bool(self.flags[n] & ISSUED)

    # ----- PULL

    def leased(self, n: int, sent: float, got: float, who: str) -> None:
        """A consumer's pull, sent at ``sent`` and read at ``got``, held event ``n``."""
        flags = self.flags[n]
        if flags & CONFIRMED:
            if self.confirmed_at[n] < sent:
                self.breaches.add("leased_after_confirm",
                                  f"n={n} seq={self.seq[n]} pulled by {who} "
                                  f"{sent - self.confirmed_at[n]:.3f} s after its confirm")
            else:
                self.ambiguous_late_pulls += 1
        elif self.lease_got[n] and self.checking_time and sent >= self.lease_got[n]:
            # The earlier lease existed when this pull was sent (granted before its
            # answer was read).
            judged = (n, self.lease_sent[n], self.lease_end[n], got, who)
            if self.clock.pending_at(got):
                self._deferred.append(judged)
                self.deferred_judgements += 1
            else:
                self._judge_second_lease(*judged)
        self.lease_sent[n], self.lease_got[n], self.lease_end[n] = sent, got, math.inf
        if self.leases[n] < 65535:
            self.leases[n] += 1

    def _judge_second_lease(self, n: int, earlier_sent: float, earlier_end: float,
                            got: float, who: str) -> None:
        """The earlier lease lasts its window, or until a confirm of it was sent: the
        second one, read at ``got``, must have been granted after that."""
        bounds = self.clock.bounds
        end = bounds(earlier_sent)[0] + self.window
        if earlier_end < math.inf:
            end = min(end, bounds(earlier_end)[0])
        latest_grant = bounds(got)[1]
        if latest_grant < end - self.margin:
            self.breaches.add("two_live_leases",
                              f"n={n} seq={self.seq[n]} leased again by {who} "
                              f"{end - latest_grant:.1f} emulator s before the earlier "
                              "lease could have ended")

    def _judge_deferred(self) -> None:
        waiting, self._deferred = self._deferred, []
        for judged in waiting:
            if self.clock.pending_at(judged[3]):
                self._deferred.append(judged)
            else:
                self._judge_second_lease(*judged)

    def may_end(self, numbers: list[int], moment: float) -> None:
        """The leases of ``numbers`` may end from ``moment`` on: a confirm of them was
        sent (accepted, refused as late, or a fault expired them), or their connection
        was dropped (the emulator takes back events whose answer it could not finish
        writing, even if the consumer had read it)."""
        for n in numbers:
            if self.lease_end[n] > moment:
                self.lease_end[n] = moment

    def confirmed(self, batch: list[tuple[int, float, float]], answered: float,
                  who: str) -> None:
        """A confirm answered success: ``batch`` is each event's number, and when the pull
        its handle came from was sent and read."""
        for n, pull_sent, pull_got in batch:
            if self.flags[n] & CONFIRMED:
                self.breaches.add("confirmed_twice", f"n={n} seq={self.seq[n]} by {who}")
                continue
            latest = self.lease_sent[n]
            if latest != pull_sent and latest >= pull_got:
                # Another lease of n was pulled after this handle's lease existed: this
                # one must have ended first, so it could not be confirmed any more.
                self.breaches.add("confirmed_stale_handle",
                                  f"n={n} seq={self.seq[n]} by {who}: a later lease of it "
                                  "was granted, and this earlier handle still confirmed it")
            self.flags[n] |= CONFIRMED
            self.confirmed_at[n] = answered

    # ----- PUSH

    def arrived(self, n: int, delivered: bool, who: str) -> None:
        if self.flags[n] & DELIVERED:
            self.breaches.add("callback_after_200", f"n={n} seq={self.seq[n]} at {who}")
        if delivered:
            self.flags[n] |= DELIVERED
        if self.arrivals[n] < 65535:
            self.arrivals[n] += 1


# ----- the Cloud API, signed


class ApiError(Exception):
    def __init__(self, action: str, code: str, message: str) -> None:
        super().__init__(f"{action}: {code}: {message}")
        self.code = code


class CloudApi:
    """TC3-signed calls to the Cloud API over one session (bench/drain.py's signing)."""

    def __init__(self, url: str, session: aiohttp.ClientSession) -> None:
        self.url = url
        self.host = url.removeprefix("http://")
        self.session = session

    async def call(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        body = json.dumps(params).encode()
        headers = tc3_headers(action, body, self.host, sign=True)
        async with self.session.post(self.url, data=body, headers=headers) as response:
            document: dict[str, Any] = json.loads(await response.read())
        answer: dict[str, Any] = document["Response"]
        error = answer.get("Error")
        if error:
            raise ApiError(action, error["Code"], error["Message"])
        return answer


# ----- PULL consumers


@dataclass
class ConsumerHabits:
    """How often a consumer misbehaves, per pulled batch."""

    skip_confirm: float = 0.04  # confirm nothing: the leases expire and the events come back
    confirm_part: float = 0.04  # confirm a random part of the batch
    abandon: float = 0.004  # "crash" with the batch read: drop the connection, confirm nothing
    hang_up: float = 0.003  # "crash" mid-pull: drop the connection before reading the answer
    # A consumer's pacing (the consumer report calls pulling again at once after an empty
    # answer a busy loop), and what keeps the emulator's work per event low: full batches.
    idle_pause: float = 0.1  # real seconds before the next pull after an empty answer
    partial_pause: float = 0.1  # after a batch of fewer than 16: let the next one fill up


LATENCIES_KEPT = 20_000  # per consumer
BATCH = 16  # PullEvents answers at most this many events


@dataclass
class ConsumerLog:
    pulls: int = 0
    empty_pulls: int = 0
    events: int = 0  # events received (every delivery)
    unmarked: int = 0  # events without the soak's marker (must stay 0)
    confirms: int = 0
    confirmed: int = 0  # handles confirmed
    confirms_refused: int = 0  # refused (late, or a fault expired the lease)
    handles_refused: int = 0
    skipped: int = 0  # batches left unconfirmed on purpose
    partial: int = 0
    abandoned: int = 0
    hung_up: int = 0
    errors: dict[str, int] = field(default_factory=dict)  # by error code
    latencies_ms: list[float] = field(default_factory=list)
    """A sample of pull answer read -> confirm answer read, of confirms that succeeded."""


class Consumer:
    """One PULL consumer of one application: a raw, signed HTTP client on its own
    keep-alive connection, pulling, confirming and misbehaving as its habits say."""

    def __init__(self, name: str, url: str, sub_app_id: int, ledger: Ledger,
                 habits: ConsumerHabits, seed: int) -> None:
        self.name = name
        self.url = url
        self.sub_app_id = sub_app_id
        self.ledger = ledger
        self.habits = habits
        self.random = random.Random(seed)
        self.log = ConsumerLog()
        self.stopping = False
        self.pause = 0.0  # real seconds to wait before the next pull
        self._session: aiohttp.ClientSession | None = None
        # The events of the last answer read on this connection: if the connection drops
        # while the emulator still finishes writing that answer (the consumer may have
        # read it all), the emulator takes them back.
        self._read_last: list[int] = []

    def _api(self) -> CloudApi:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=1),
                timeout=aiohttp.ClientTimeout(total=60))
        return CloudApi(self.url, self._session)

    async def _crash(self) -> None:
        """Drop the connection (and whatever was on it): the next call opens another."""
        self.ledger.may_end(self._read_last, time.monotonic())
        self._read_last = []
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    def _error(self, code: str) -> None:
        self.log.errors[code] = self.log.errors.get(code, 0) + 1

    async def run(self) -> None:
        try:
            while not self.stopping:
                await self._one_batch()
                if self.pause:  # a consumer's pacing, not a wait
                    pause, self.pause = self.pause, 0.0
                    await asyncio.sleep(pause)
        finally:
            await self._crash()

    async def _one_batch(self) -> None:
        habits, chance = self.habits, self.random.random
        api = self._api()
        params = {"SubAppId": self.sub_app_id}
        if chance() < habits.hang_up:
            # Give the pull a moment to be answered, then drop it unread.
            self.log.hung_up += 1
            pull = asyncio.ensure_future(api.call("PullEvents", params))
            await asyncio.wait([pull], timeout=0.002)
            pull.cancel()
            await asyncio.gather(pull, return_exceptions=True)
            await self._crash()
            return
        sent = time.monotonic()
        try:
            answer = await api.call("PullEvents", params)
        except ApiError as error:
            self._error(error.code)
            return
        except (TimeoutError, aiohttp.ClientError) as error:
            self._error(type(error).__name__)
            await self._crash()
            return
        got = time.monotonic()
        self.log.pulls += 1
        self._read_last = []
        events = answer["EventSet"]
        if not events:
            self.log.empty_pulls += 1
            await asyncio.sleep(habits.idle_pause)  # a consumer's pacing, not a wait
            return
        if len(events) < BATCH:
            self.pause = habits.partial_pause
        batch: list[tuple[str, int]] = []
        for event in events:
            n = identity(event)
            if not self.ledger.known(n):
                self.log.unmarked += 1
                continue
            assert n is not None
            self.ledger.leased(n, sent, got, self.name)
            batch.append((event["EventHandle"], n))
        self.log.events += len(events)
        self._read_last = [n for _, n in batch]
        roll = chance()
        if roll < habits.abandon:
            self.log.abandoned += 1
            await self._crash()  # the batch read, its leases may end now
            return
        if roll < habits.abandon + habits.skip_confirm:
            self.log.skipped += 1
            return
        if roll < habits.abandon + habits.skip_confirm + habits.confirm_part and len(batch) > 1:
            self.log.partial += 1
            batch = self.random.sample(batch, self.random.randrange(1, len(batch)))
        if batch:
            await self._confirm(api, batch, sent, got)

    async def _confirm(self, api: CloudApi, batch: list[tuple[str, int]], pull_sent: float,
                       pull_got: float) -> None:
        numbers = [n for _, n in batch]
        sent = time.monotonic()
        self.ledger.may_end(numbers, sent)
        self.log.confirms += 1
        try:
            await api.call("ConfirmEvents", {"SubAppId": self.sub_app_id,
                                             "EventHandles": [h for h, _ in batch]})
        except ApiError as error:
            # All or nothing: a refused confirm confirmed none of them.
            self.log.confirms_refused += 1
            self.log.handles_refused += len(batch)
            self._error(error.code)
            return
        except (TimeoutError, aiohttp.ClientError) as error:
            # The answer is lost: whether they were confirmed is unknown. The soak's
            # consumers never drop a confirm on purpose, so this is reported.
            self._error(f"confirm lost: {type(error).__name__}")
            await self._crash()
            return
        self.log.confirmed += len(batch)
        answered = time.monotonic()
        latencies = self.log.latencies_ms
        if len(latencies) < LATENCIES_KEPT:
            latencies.append((answered - pull_got) * 1000)
        else:  # a reservoir: every confirm equally likely to be kept
            slot = self.random.randrange(self.log.confirms)
            if slot < LATENCIES_KEPT:
                latencies[slot] = (answered - pull_got) * 1000
        self.ledger.confirmed([(n, pull_sent, pull_got) for n in numbers], answered, self.name)


# ----- PUSH receivers


@dataclass
class Flapping:
    """A receiver's own moods: 500 at random, and down (500 to everything) for
    ``down_seconds`` of every ``period_seconds`` (real time)."""

    error_rate: float = 0.02
    period_seconds: float = 0.0  # 0: never down
    down_seconds: float = 0.0


@dataclass
class ReceiverLog:
    arrivals: int = 0
    answered_200: int = 0
    answered_500: int = 0
    bad_signatures: int = 0
    unmarked: int = 0


class Receiver:
    """A webhook handler (aiohttp on 127.0.0.1, port 0) that checks the signature, notes
    each arrival in the ledger and answers 200, or 500 as its flapping says."""

    def __init__(self, name: str, sign_key: str, ledger: Ledger, flapping: Flapping,
                 seed: int) -> None:
        self.name = name
        self.sign_key = sign_key
        self.ledger = ledger
        self.flapping = flapping
        self.random = random.Random(seed)
        self.log = ReceiverLog()
        self.started = time.monotonic()
        self.url = ""
        self._runner: web.AppRunner | None = None

    def is_down(self) -> bool:
        period = self.flapping.period_seconds
        return period > 0 and (time.monotonic() - self.started) % period < \
            self.flapping.down_seconds

    async def handle(self, request: web.Request) -> web.Response:
        content = json.loads(await request.read())
        self.log.arrivals += 1
        expiry, sign = content.get("T"), content.get("Sign")
        expected = hashlib.md5(f"{self.sign_key}{expiry}".encode()).hexdigest()
        if sign != expected or not isinstance(expiry, int) or expiry < time.time():
            self.log.bad_signatures += 1
            return web.Response(status=403)
        n = identity(content)
        if not self.ledger.known(n):
            self.log.unmarked += 1
            return web.Response(status=200)
        assert n is not None
        ok = not self.is_down() and self.random.random() >= self.flapping.error_rate
        self.ledger.arrived(n, ok, self.name)
        if ok:
            self.log.answered_200 += 1
            return web.Response(status=200)
        self.log.answered_500 += 1
        return web.Response(status=500, text="flapping")

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/vod-callback", self.handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/vod-callback"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


def stop_all(actors: list[Consumer]) -> Callable[[], None]:
    def stop() -> None:
        for actor in actors:
            actor.stopping = True
    return stop
