"""Payloads held packed (core/event.py, base/jsontext.py's JsonPacker): every event type's
payloads come back byte for byte, through the official SDK and the admin API too, in well
under half their size; packing is the same in every process, whatever the server's seed;
a pickled event holds its JSON, never bytes only this process's dictionaries can read."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import random
import subprocess
import sys
from typing import Any

import pytest

from emulator.base.jsontext import JsonPacker, RawJson, plain
from emulator.clients.client import AdminClient
from emulator.core import event as event_module
from emulator.core.event import (
    DICTIONARY_SAMPLES,
    DICTIONARY_SEED,
    DICTIONARY_TIME,
    EmittedEvent,
    event_holding,
    held_payload,
    pack,
    packer,
)
from emulator.events import EVENT_TYPES, EventFactory

OTHER_SEED = 99  # payloads made apart from the dictionaries' own samples
OTHER_TIME = 1_780_000_000.0


def _event(event_type: str, payload: bytes) -> EmittedEvent:
    return EmittedEvent("evt-00000001", 1, None, event_type, RawJson(payload), 0.0)


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_every_type_s_payloads_come_back_byte_for_byte_held_in_under_two_fifths(
        event_type: str) -> None:
    packer(event_type, at_once=True)  # not a step at a time, by the first payloads
    factory = EventFactory(OTHER_SEED, lambda: OTHER_TIME)
    payloads = [plain(factory.make(event_type)) for _ in range(20)]
    events = [_event(event_type, payload) for payload in payloads]
    assert [event.payload for event in events] == payloads
    assert {type(event.payload) for event in events} == {RawJson}
    assert [event.content for event in events] == [json.loads(p) for p in payloads]
    assert sum(len(held_payload(event)) for event in events) < 0.4 * sum(map(len, payloads))


@pytest.mark.parametrize("payload", [
    b"{}",
    b'{"EventType":"NewFileUpload"}',
    '{"EventType":"NewFileUpload","FileUploadEvent":{"FileId":"文件\\ud800"}}'.encode(),
    plain({"EventType": "NewFileUpload", "Other": [os.urandom(8).hex() * 4000, None, 1.5]}),
    bytes(range(32, 127)) * 3,  # not even JSON: held and given back as it came
])
def test_any_bytes_given_come_back_as_they_were(payload: bytes) -> None:
    event = _event("NewFileUpload", payload)
    assert event.payload == payload and type(event.payload) is RawJson
    assert len(held_payload(event)) <= len(payload)  # never held larger than given


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_a_dictionary_holds_a_few_payloads_and_never_more_than_deflate_refers_to(
        event_type: str) -> None:
    found = packer(event_type, at_once=True)
    assert found is not None
    size = len(found.dictionary)
    assert size.bit_count() == 1  # a whole window
    assert JsonPacker.MIN_DICTIONARY_BYTES <= size <= JsonPacker.MAX_DICTIONARY_BYTES


def test_a_type_the_generator_does_not_make_is_held_as_it_is() -> None:
    event = _event("NotAType", b'{"EventType":"NotAType","X":[1,2,3]}')
    assert packer("NotAType") is None
    assert held_payload(event) == event.payload == b'{"EventType":"NotAType","X":[1,2,3]}'


def test_a_dictionary_is_made_by_the_first_payloads_of_its_type_held_as_they_are_meanwhile(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(event_module, "_packers", {})  # as in a process that made none yet
    monkeypatch.setattr(event_module, "_making", {})
    monkeypatch.setattr(event_module, "STEP_SECONDS", 0.0)  # one sample a payload
    factory = EventFactory(OTHER_SEED, lambda: OTHER_TIME)
    events = [_event("ProcedureStateChanged", plain(factory.make("ProcedureStateChanged")))
              for _ in range(12)]
    held = [type(held_payload(event)) is RawJson for event in events]
    # One sample a payload (~5 KB each) until 32 KB are made; then every one is deflated.
    assert held == [True] * held.count(True) + [False] * held.count(False)
    assert 1 <= held.count(True) < 12
    made = packer("ProcedureStateChanged")
    assert made is not None and len(made.dictionary) == JsonPacker.MAX_DICTIONARY_BYTES
    assert [event.payload for event in events] == [event.payload for event in [
        _event("ProcedureStateChanged", event.payload) for event in events]]


def test_a_payload_set_again_is_packed_again() -> None:
    packer("FileDeleted", at_once=True)
    factory = EventFactory(OTHER_SEED, lambda: OTHER_TIME)
    first, second = (plain(factory.make("FileDeleted")) for _ in range(2))
    event = _event("FileDeleted", first)
    event.payload = RawJson(second)
    assert event.payload == second and len(held_payload(event)) < len(second)


def test_packing_is_the_same_each_time_and_in_another_process() -> None:
    """The dictionaries come from generated events of a fixed seed and time: a process
    that has made other events first (or hashes strings otherwise) packs alike."""
    EventFactory(5, lambda: OTHER_TIME).make("ProcedureStateChanged")  # other events first
    packer("ProcedureStateChanged", at_once=True)
    payload = plain(EventFactory(OTHER_SEED, lambda: OTHER_TIME).make("ProcedureStateChanged"))
    packed = pack("ProcedureStateChanged", payload)
    assert pack("ProcedureStateChanged", payload) == packed
    assert packed != payload

    def digests(dictionary: bytes, packed: bytes) -> list[str]:
        return [hashlib.sha256(dictionary).hexdigest(), hashlib.sha256(packed).hexdigest()]

    script = (
        "import hashlib, json, sys\n"
        "from emulator.core.event import pack, packer\n"
        "payload = sys.stdin.buffer.read()\n"
        "packer('ProcedureStateChanged', at_once=True)\n"
        "packed = pack('ProcedureStateChanged', payload)\n"
        "print(json.dumps([hashlib.sha256(packer('ProcedureStateChanged').dictionary)"
        ".hexdigest(), hashlib.sha256(packed).hexdigest()]))\n")
    answer = subprocess.run([sys.executable, "-c", script], input=payload, capture_output=True,
                            check=True, env={**os.environ, "PYTHONHASHSEED": "12345"})
    found = packer("ProcedureStateChanged", at_once=True)
    assert found is not None
    assert json.loads(answer.stdout) == digests(found.dictionary, packed)


def test_a_dictionary_is_made_of_generated_payloads_of_its_type_only() -> None:
    found = packer("NewFileUpload", at_once=True)
    assert found is not None and len(found.dictionary) == 16 * 1024  # ~12 payloads' worth
    assert b'"EventType":"NewFileUpload"' in found.dictionary
    assert b"ProcedureStateChangeEvent" not in found.dictionary
    # Its samples are the dictionary seed's events, whatever seed the server runs with.
    factory = EventFactory(DICTIONARY_SEED, lambda: DICTIONARY_TIME)
    factory.rng = random.Random(f"{DICTIONARY_SEED}/NewFileUpload")
    assert found.dictionary in b"".join(
        plain(factory.make("NewFileUpload")) for _ in range(DICTIONARY_SAMPLES))


def test_a_pickled_event_holds_its_json_and_comes_back_equal() -> None:
    payload = plain(EventFactory(OTHER_SEED, lambda: OTHER_TIME).make("NewFileUpload"))
    event = _event("NewFileUpload", payload)
    event.state, event.deliveries, event.caused_by = "leased", 2, "ProcessMedia r-1 task t-1"
    pickled = pickle.dumps(event, protocol=5)
    assert payload in pickled
    copy = pickle.loads(pickled)
    assert copy == event and copy.payload == payload and copy is not event
    assert (copy.state, copy.deliveries, copy.caused_by) == (
        "leased", 2, "ProcessMedia r-1 task t-1")


def test_an_event_made_of_what_it_holds_is_equal_and_packs_nothing_again(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """What a snapshot kept in memory restores from: every field back in its place, the
    payload the very bytes the event held (a restore would be tens of times slower if it
    packed each payload again)."""
    payload = plain(EventFactory(OTHER_SEED, lambda: OTHER_TIME).make("NewFileUpload"))
    packer("NewFileUpload", at_once=True)
    event = _event("NewFileUpload", payload)
    event.state, event.deliveries, event.route, event.duplicate, event.caused_by = (
        "leased", 3, "push", True, "PullUpload r-2 task t-2")
    held = held_payload(event)
    assert type(held) is bytes  # deflated
    values = [getattr(event, field) for field in EmittedEvent.__dataclass_fields__]
    values[list(EmittedEvent.__dataclass_fields__).index("payload")] = held
    monkeypatch.setattr(event_module, "pack", None)  # packing again would fail
    copy = event_holding(values)
    assert copy == event and copy is not event and held_payload(copy) is held
    assert copy.payload == payload
    with pytest.raises(ValueError):  # a field more or less is never taken silently
        event_holding(values[:-1])


def test_the_type_s_name_is_held_once_however_many_events_bring_it() -> None:
    names = ["".join(["New", "File", "Upload"]) for _ in range(3)]
    assert len({id(name) for name in names}) == 3  # three copies of one name, as JSON gives
    events = [_event(name, b"{}") for name in names]
    assert len({id(event.event_type) for event in events}) == 1


def test_every_type_comes_back_through_pull_events_and_the_admin_api(
        make_sdk: Any, admin: AdminClient) -> None:
    sdk = make_sdk()
    emitted = [event for event_type in EVENT_TYPES
               for event in admin.emit(event_type, 2, sub_app_id=1500000021)]
    for event in emitted:
        shown = admin.request("GET", f"/_emulator/events/{event['event_id']}")["event"]
        assert shown["content"] == event["content"]
    pulled: list[dict[str, Any]] = []
    while len(pulled) < len(emitted):  # oldest first, 16 a pull: never an empty (held) pull
        answer = sdk.call_json("PullEvents", {"SubAppId": 1500000021})["Response"]
        handles = [event.pop("EventHandle") for event in answer["EventSet"]]
        sdk.call_json("ConfirmEvents", {"SubAppId": 1500000021, "EventHandles": handles})
        pulled += answer["EventSet"]
    assert pulled == [event["content"] for event in emitted]
