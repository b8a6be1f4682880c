"""The public callback receiver (emulator/clients/receiver.py) as a sender meets it: real HTTP
requests from the standard library, answered as the test told the receiver."""

from __future__ import annotations

import hashlib
import http.client
import json
import urllib.parse
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest

from emulator.clients.receiver import EXPIRED_STATUS, UNSIGNED_STATUS, CallbackReceiver, refused_url

SIGN_KEY = "receiverSignKey7"
NOW = 1_764_460_000.0  # the clock the signature tests check T against


@pytest.fixture
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(4) as executor:
        yield executor


@pytest.fixture
def receiver(pool: ThreadPoolExecutor) -> Iterator[CallbackReceiver]:
    # Stopped before the pool joins its threads: a request still hanging is answered.
    with CallbackReceiver() as running:
        yield running


def post(url: str, body: Any, timeout: float = 30.0, **headers: str) -> int:
    """POST ``body`` (JSON unless bytes); answer the status."""
    parts = urllib.parse.urlsplit(url)
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=timeout)
    try:
        connection.request("POST", parts.path, data,
                           {"Content-Type": "application/json", **headers})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def signed(expiry: int, key: str = SIGN_KEY) -> dict[str, Any]:
    sign = hashlib.md5(f"{key}{expiry}".encode()).hexdigest()
    return {"EventType": "NewFileUpload", "T": expiry, "Sign": sign}


def test_every_request_is_recorded_as_it_arrived(receiver: CallbackReceiver) -> None:
    assert receiver.url == f"http://127.0.0.1:{receiver.port}/callback"
    assert post(receiver.url, {"EventType": "FileDeleted"}, **{"X-Trace": "t1"}) == 200
    assert post(receiver.url.replace("/callback", "/other"), b"not json") == 200
    first, second = receiver.wait_for(2)
    assert (first.method, first.path, first.status, first.refused) == (
        "POST", "/callback", 200, None)
    assert first.json == {"EventType": "FileDeleted"}
    assert json.loads(first.body) == first.json
    assert first.headers["x-trace"] == first.headers["X-TRACE"] == "t1"  # case-insensitive
    assert (second.path, second.body, second.json) == ("/other", b"not json", None)
    assert receiver.count == 2 and receiver.received == [first, second]


def test_the_first_k_fail_then_every_one_succeeds(receiver: CallbackReceiver) -> None:
    receiver.fail_first(2, status=503)
    statuses = [post(receiver.url, {"n": n}) for n in range(4)]
    assert statuses == [503, 503, 200, 200]
    assert [request.status for request in receiver.received] == statuses
    receiver.fail_first(1)  # counted from when it is set, 500 by default
    assert [post(receiver.url, {}) for _ in range(2)] == [500, 200]


def test_a_status_answers_every_request(receiver: CallbackReceiver) -> None:
    receiver.answer(404)
    assert [post(receiver.url, {}) for _ in range(3)] == [404] * 3
    receiver.behave(status=201, headers=(("Location", "/elsewhere"),))
    assert post(receiver.url, {}) == 201


def test_a_hanging_request_outlasts_a_timeout_until_released(
    receiver: CallbackReceiver, pool: ThreadPoolExecutor
) -> None:
    receiver.hang()
    with pytest.raises(TimeoutError):
        post(receiver.url, {"n": 0}, timeout=0.05)  # the sender gives up; the receiver holds
    held = pool.submit(post, receiver.url, {"n": 1})
    receiver.wait_for(2)
    # The sender that gave up hung up: its request is no longer in flight.
    receiver.wait_until(lambda _: receiver.in_flight == 1)
    assert not held.done()
    receiver.release()
    assert held.result(30) == 200
    receiver.wait_until(lambda _: receiver.in_flight == 0)
    later = pool.submit(post, receiver.url, {"n": 2})  # still hanging: released ones only
    receiver.wait_for(3)
    assert receiver.in_flight == 1 and not later.done()
    receiver.answer(200)
    receiver.release()
    assert later.result(30) == 200


def test_a_dropped_connection_gets_no_answer(receiver: CallbackReceiver) -> None:
    receiver.drop()
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        post(receiver.url, {"EventType": "FileDeleted"})
    (request,) = receiver.wait_for(1)
    assert request.status is None and request.json == {"EventType": "FileDeleted"}


def test_a_delayed_answer_comes(receiver: CallbackReceiver) -> None:
    receiver.delay(0.01, status=202)
    assert post(receiver.url, {}) == 202
    assert receiver.wait_for(1)[0].status == 202


def test_failing_first_then_hanging(receiver: CallbackReceiver, pool: ThreadPoolExecutor) -> None:
    receiver.behave(fail_first=1, hang=True)
    assert post(receiver.url, {}) == 500  # at once
    held = pool.submit(post, receiver.url, {})
    receiver.wait_for(2)
    assert not held.done()
    receiver.release()
    assert held.result(30) == 200


def test_signatures_are_checked_against_the_clock_given() -> None:
    with CallbackReceiver(sign_key=SIGN_KEY, clock=lambda: NOW) as receiver:
        fresh = int(NOW) + 600
        assert post(receiver.url, signed(fresh)) == 200
        assert post(receiver.url, signed(int(NOW))) == 200  # T is the expiry: not past yet
        assert post(receiver.url, signed(fresh, key="anotherKey")) == UNSIGNED_STATUS
        assert post(receiver.url, {"EventType": "NewFileUpload"}) == UNSIGNED_STATUS
        assert post(receiver.url, {**signed(fresh), "T": str(fresh)}) == UNSIGNED_STATUS
        assert post(receiver.url, b"[]") == UNSIGNED_STATUS
        assert post(receiver.url, signed(int(NOW) - 1)) == EXPIRED_STATUS
        reasons = [request.refused for request in receiver.refused]
        assert len(reasons) == 5 and all(reasons)
        assert "wrong signature" in str(reasons[0])
        assert "expired" in str(reasons[-1]) and str(int(NOW) - 1) in str(reasons[-1])
        assert [r.status for r in receiver.received] == [200, 200, 401, 401, 401, 401, 403]

        receiver.fail_first(1)  # a refusal answers before any behaviour
        assert post(receiver.url, signed(fresh, key="anotherKey")) == UNSIGNED_STATUS
        receiver.check_signatures(None)
        assert post(receiver.url, {"unsigned": True}) == 200  # the fail_first was spent


def test_stop_hangs_up_on_hanging_and_delayed_requests_at_once(
    pool: ThreadPoolExecutor,
) -> None:
    receiver = CallbackReceiver().start()
    receiver.hang()
    hanging = [pool.submit(post, receiver.url, {}) for _ in range(2)]
    receiver.wait_for(2)
    receiver.delay(3600)
    delayed = pool.submit(post, receiver.url, {})
    receiver.wait_for(3)
    receiver.stop()  # raises if it does not stop
    for unanswered in [*hanging, delayed]:  # as from a receiver that went away
        assert isinstance(unanswered.exception(30),
                          (http.client.RemoteDisconnected, ConnectionError))
    assert receiver.in_flight == 0
    receiver.stop()  # twice is harmless
    with pytest.raises(ConnectionRefusedError):
        post(receiver.url, {})


def test_waits_end_at_their_timeout(receiver: CallbackReceiver) -> None:
    post(receiver.url, {})
    with pytest.raises(TimeoutError, match="2 requests.*got 1"):
        receiver.wait_for(2, timeout=0)
    with pytest.raises(TimeoutError, match="a refusal"):
        receiver.wait_until(lambda got: any(r.refused for r in got), 0, "a refusal")


def test_a_wait_wakes_on_arrival(receiver: CallbackReceiver, pool: ThreadPoolExecutor) -> None:
    waiting: Future[Any] = pool.submit(receiver.wait_for, 3, 30)
    for n in range(3):
        post(receiver.url, {"n": n})
    assert [request.json["n"] for request in waiting.result(30)] == [0, 1, 2]


def test_clear_forgets_and_releases(receiver: CallbackReceiver, pool: ThreadPoolExecutor) -> None:
    receiver.hang()
    held = pool.submit(post, receiver.url, {})
    receiver.wait_for(1)
    receiver.check_signatures(SIGN_KEY)
    receiver.clear()
    assert held.result(30) == 200  # released
    assert receiver.received == [] and receiver.count == 0
    assert post(receiver.url, {}) == UNSIGNED_STATUS  # the check stays; nothing hangs
    receiver.check_signatures(None)
    assert post(receiver.url, {}) == 200
    assert repr(receiver) == f"<CallbackReceiver {receiver.url} received=2>"


def test_a_refused_url_refuses() -> None:
    with pytest.raises(ConnectionRefusedError):
        post(refused_url(), {})
