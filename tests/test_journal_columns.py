"""The journal keeps its entries in columns, chunk by chunk (core/journal.py): whatever is
recorded, forgotten or cleared, it answers exactly what a plain bounded list of entries
would, across chunk boundaries and evictions; and a state put back as a deque of entries
(core/state.py) is taken in."""

from __future__ import annotations

from collections import deque
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emulator.core import journal as j
from emulator.core.journal import Journal, JournalEntry

APPS = (None, 1500000001, 1500000002)
KINDS = (j.ENQUEUED, j.LEASED, j.CONFIRMED, j.FAULT)
EVENT_IDS = ("evt-00000001", "evt-00000002", "evt-00000003", "")

record = st.tuples(st.just("record"), st.sampled_from(KINDS), st.sampled_from(APPS),
                   st.sampled_from(EVENT_IDS), st.none() | st.sampled_from(("h1", "h2")),
                   st.none() | st.text(max_size=3),
                   st.floats(0, 1e10, allow_nan=False, allow_infinity=False))
operation = st.one_of(
    record, record, record, record, record, record,
    st.tuples(st.just("forget"), st.sampled_from(APPS)),
    st.tuples(st.just("clear")),
    st.tuples(st.just("put_back")),
)


class Model:
    """What the journal must answer: every entry in a list, the newest ``size`` kept."""

    def __init__(self, size: int) -> None:
        self.size, self.seq, self.forgotten = size, 0, 0
        self.kept: list[JournalEntry] = []

    def record(self, entry: JournalEntry) -> None:
        self.seq = entry.seq
        self.kept = (self.kept + [entry])[-self.size:]

    def forget(self, app: int | None) -> None:
        left = [entry for entry in self.kept if entry.sub_app_id != app]
        self.forgotten += len(self.kept) - len(left)
        self.kept = left


@settings(max_examples=300, deadline=None)
@given(size=st.integers(1, 12), chunk=st.integers(1, 5),
       operations=st.lists(operation, max_size=80),
       query=st.tuples(st.none() | st.sampled_from(KINDS), st.none() | st.sampled_from(EVENT_IDS),
                       st.integers(0, 90), st.none() | st.integers(0, 5)))
def test_the_columns_answer_what_a_list_of_entries_would(
        size: int, chunk: int, operations: list[tuple[Any, ...]],
        query: tuple[Any, ...]) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(j, "ROWS_A_CHUNK", chunk)  # many chunks, evicted as they empty
        journal, model = Journal(size), Model(size)
        for operation in operations:
            if operation[0] == "record":
                _, kind, app, event_id, handle, detail, at = operation
                journal.record(at, kind, app, event_id, handle, detail)
                model.record(JournalEntry(journal.last_seq, at, kind, app, event_id, handle,
                                          detail))
            elif operation[0] == "forget":
                journal.forget(operation[1])
                model.forget(operation[1])
            elif operation[0] == "clear":
                journal.clear()
                model = Model(size)
            else:  # a state put back sets the entries as a deque of them (core/state.py)
                journal._entries = deque(journal.entries(), maxlen=size)  # type: ignore[assignment]
            assert journal.entries() == model.kept
            assert journal.size == len(model.kept)
            assert journal.evicted == model.seq - len(model.kept) - model.forgotten
        kind, event_id, after, limit = query
        wanted = [entry for entry in model.kept if entry.seq > after
                  and kind in (None, entry.kind) and event_id in (None, entry.event_id)]
        assert journal.entries(kind, event_id, after, limit) == wanted[:limit]


def test_an_entry_keeps_its_values_exactly() -> None:
    journal = Journal(3)
    journal.record(1764633600.123456789, j.LEASED, 2**40, "evt-1", "handle", "detail")
    (entry,) = journal.entries()
    assert entry == JournalEntry(1, 1764633600.123456789, j.LEASED, 2**40, "evt-1", "handle",
                                 "detail")
    assert type(entry.seq) is int and type(entry.at) is float
    assert entry.to_json()["kind"] == "leased"


def test_a_kind_no_entry_can_have_finds_nothing() -> None:
    journal = Journal(3)
    journal.record(1.0, j.LEASED, None, "evt-1")
    assert journal.entries(kind="no such kind") == []


def test_a_hundred_thousand_entries_are_held_in_columns() -> None:
    journal = Journal(100_000)
    for seq in range(250_000):
        journal.record(float(seq), j.ENQUEUED, 1500000001, "evt-1")
    assert journal.size == 100_000 and journal.evicted == 150_000
    assert journal.entries(limit=1)[0].seq == 150_001
    assert [entry.seq for entry in journal.entries(after=249_998)] == [249_999, 250_000]
    # The oldest chunks went as they were evicted: at most one chunk more than kept.
    chunks = len(journal._entries._chunks)
    assert chunks <= 100_000 // j.ROWS_A_CHUNK + 2
