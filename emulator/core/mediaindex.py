"""The media library's index of names, for SearchMedia (core/media.py).

A file is held as its unread event until first looked at, so only files already read can
be indexed by name: the index follows the library lazily. Per application it keeps

- a *record* for each file it has read: ``(Name, order, FileId, CreateTime)``, ``order``
  being the file's place in the library (the order the library learnt of it: a search's
  tiebreak), so a search by name alone need not look at the files themselves;
- the records whose Name is a string, sorted (a two-level sorted list), so the files
  whose names start with a prefix are one slice of it.

Files the library learns of after the last look are not recorded yet, and they are
always the last files of the library (a new FileId goes at the end of the library's dict;
a FileId known again keeps its place): so routing tells the index nothing about new files,
and ``len(files) - len(records)`` says how many of the library's last files a search must
still read. The library calls ``changed`` when a recorded file may have a new Name (its
FileId uploaded again, a file added over it, a ModifyMediaInfo; nothing else changes a
file's Name or CreateTime) and ``dropped`` when it
loses a file; ``refresh`` then brings the index up to date in small steps.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Callable, Iterator
from itertools import islice
from typing import Any

from .ids import SubAppId

Record = tuple[Any, int, str, float]
"""A file as indexed: its Name (a string, or whatever else its BasicInfo held), its place in
the library, its FileId, its CreateTime in Unix seconds (0.0 if it has none readable)."""

Reader = Callable[[str], tuple[Any, float] | None]
"""The library's way to read a file's Name and CreateTime (reading its event the first
time); None if it no longer knows the file."""

SUBLIST = 1000
"""Records per sorted sublist (a sublist twice as long is split): an insert moves at most
this many pointers."""
READ_FILES_A_STEP = 64
"""Files already read looked at between hand-backs of the loop (about 0.1 ms); a file read
from its event (~75 µs) is a step of its own."""


class SortedRecords:
    """Records in order, as a list of sorted sublists (each at most 2 × SUBLIST long) and
    the last record of each: inserting and removing cost a bisection and a short move."""

    def __init__(self) -> None:
        self._lists: list[list[Record]] = []
        self._maxes: list[Record] = []

    def __len__(self) -> int:
        return sum(len(part) for part in self._lists)

    def add(self, record: Record) -> None:
        lists, maxes = self._lists, self._maxes
        if not maxes:
            lists.append([record])
            maxes.append(record)
            return
        at = bisect_left(maxes, record)
        if at == len(maxes):
            at -= 1
            lists[at].append(record)
            maxes[at] = record
        else:
            insort(lists[at], record)
        part = lists[at]
        if len(part) > 2 * SUBLIST:
            lists.insert(at + 1, part[SUBLIST:])
            del part[SUBLIST:]
            maxes[at] = part[-1]
            maxes.insert(at + 1, lists[at + 1][-1])

    def discard(self, record: Record) -> None:
        lists, maxes = self._lists, self._maxes
        at = bisect_left(maxes, record)
        if at == len(maxes):
            return
        part = lists[at]
        place = bisect_left(part, record)
        if part[place] != record:
            return
        del part[place]
        if part:
            maxes[at] = part[-1]
        else:
            del lists[at], maxes[at]

    def _position(self, key: tuple[str]) -> tuple[int, int]:
        at = bisect_left(self._maxes, key)
        if at == len(self._maxes):
            return at, 0
        return at, bisect_left(self._lists[at], key)

    def between(self, low: tuple[str], high: tuple[str] | None) -> list[Record]:
        """The records from ``low`` up to (not including) ``high``; None: to the end."""
        first, start = self._position(low)
        last, end = (len(self._lists), 0) if high is None else self._position(high)
        if first == last:
            return self._lists[first][start:end] if first < len(self._lists) else []
        found = self._lists[first][start:]
        for part in self._lists[first + 1:last]:
            found += part
        if last < len(self._lists):
            found += self._lists[last][:end]
        return found


def prefix_ranges(prefixes: tuple[str, ...]) -> list[tuple[tuple[str], tuple[str] | None]]:
    """The ranges of sorted records whose names start with any of ``prefixes``: one per
    prefix that no other one starts, so no record is in two."""
    ranges: list[tuple[tuple[str], tuple[str] | None]] = []
    kept: list[str] = []
    for prefix in sorted(set(prefixes)):
        if kept and prefix.startswith(kept[-1]):
            continue  # its names are in the shorter prefix's range already
        kept.append(prefix)
        ranges.append(((prefix,), _past(prefix)))
    return ranges


def _past(prefix: str) -> tuple[str] | None:
    """The least key past every name that starts with ``prefix``; None: no name is past."""
    stem = prefix.rstrip("\U0010ffff")
    if not stem:
        return None
    return (stem[:-1] + chr(ord(stem[-1]) + 1),)


class NameIndex:
    """One application's files as read so far, by name and place in the library."""

    def __init__(self) -> None:
        self._start_over()

    def _start_over(self) -> None:
        self.records: dict[str, Record] = {}
        self.names = SortedRecords()
        self.next_order = 0
        self.stale: set[str] = set()  # recorded, to be read again (a search reads them itself)
        self._dropped: list[Record] = []  # no longer recorded, still among the names
        # While a refresh is under way: the unrecorded files the library dropped since it
        # listed the files to read (one that comes back has moved to the library's end).
        self._gone: set[str] | None = None
        self._refresh: Iterator[None] | None = None

    # ----- told by the library (cheap: on the routing path)

    def changed(self, file_id: str) -> None:
        """The file may have a new Name: read it again at the next refresh."""
        if file_id in self.records:
            self.stale.add(file_id)

    def dropped(self, file_id: str) -> None:
        """The library no longer holds the file."""
        record = self.records.pop(file_id, None)
        if record is not None:
            if isinstance(record[0], str):
                self._dropped.append(record)
        elif self._gone is not None:
            self._gone.add(file_id)

    # ----- bringing it up to date

    def refresh(self, files: dict[str, Any], read: Reader) -> Iterator[None] | None:
        """The steps that bring the index up to date with ``files`` (the library's own
        dict): the refresh under way if there is one (any search may walk it on), else a
        new one; None if there is nothing to do."""
        if self._refresh is None:
            if len(self.records) > len(files):  # the library lost files unannounced
                self._start_over()
            if not (self.stale or self._dropped or len(files) > len(self.records)):
                return None
            self._refresh = self._refreshing(files, read)
        return self._refresh

    def _refreshing(self, files: dict[str, Any], read: Reader) -> Iterator[None]:
        # Listed now, in one step: the files not recorded, the library's last ones.
        unread = list(islice(reversed(files), len(files) - len(self.records)))
        unread.reverse()
        self._gone = set()
        try:
            yield None
            steps = 0
            while self._dropped:
                self.names.discard(self._dropped.pop())
                steps += 1
                if steps % READ_FILES_A_STEP == 0:
                    yield None
            while self.stale:
                file_id = self.stale.pop()
                record = self.records.get(file_id)
                if record is not None:
                    self._reindex(record, read(file_id))
                yield None
            for file_id in unread:
                if file_id in self._gone:
                    continue
                entry = files.get(file_id)
                if entry is None:
                    continue
                facts = read(file_id)
                if facts is None:
                    continue
                record = (facts[0], self.next_order, file_id, facts[1])
                self.next_order += 1
                self.records[file_id] = record
                if isinstance(record[0], str):
                    self.names.add(record)
                steps += 1
                if getattr(entry, "basic_info", None) is None or (
                        steps % READ_FILES_A_STEP == 0):
                    yield None  # read from its event just now: a step of its own
        finally:
            self._gone = None
            self._refresh = None

    def _reindex(self, record: Record, facts: tuple[Any, float] | None) -> None:
        name, order, file_id, created = record
        if facts is None or facts == (name, created):
            return
        renewed = (facts[0], order, file_id, facts[1])
        if isinstance(name, str):
            self.names.discard(record)
        self.records[file_id] = renewed
        if isinstance(renewed[0], str):
            self.names.add(renewed)


class NameIndexes(dict[SubAppId, NameIndex]):
    """The name index of each application a search has looked at (empty, and so false,
    until the first search: routing then does nothing for it)."""

    def of(self, sub_app_id: SubAppId) -> NameIndex:
        index = self.get(sub_app_id)
        if index is None:
            index = self[sub_app_id] = NameIndex()
        return index

    def changed(self, sub_app_id: SubAppId, file_id: str) -> None:
        index = self.get(sub_app_id)
        if index is not None:
            index.changed(file_id)

    def dropped(self, sub_app_id: SubAppId, file_id: str) -> None:
        index = self.get(sub_app_id)
        if index is not None:
            index.dropped(file_id)
