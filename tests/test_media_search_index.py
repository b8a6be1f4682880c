"""SearchMedia answers from the library's index of names (core/mediaindex.py) exactly what a
look at every file would: the same matches in the same order (CreateTime, then the order
the library learnt of the files), whatever happened to the files since the index was made.

Everything goes through the official Python SDK and the AdminClient; a small model of the
library (``Model``) says what each search must answer."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from tencentcloud.vod.v20180717 import models, vod_client

from emulator.clients.client import AdminClient
from emulator.core.backend import VodBackend
from emulator.core.media import MediaSearch
from emulator.core.mediaquery import check_query

from .conftest import make_settings

APP = 1500000001
T0, T1, T2 = "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", "2024-01-03T00:00:00Z"


@dataclass
class Model:
    """The library as a search sees it: FileId -> (Name, CreateTime), in the library's order
    (a new FileId goes last; a FileId known again keeps its place; a deleted one leaves)."""

    files: dict[str, tuple[str, str]] = field(default_factory=dict)

    def search(self, prefixes: list[str] | None = None, names: list[str] | None = None,
               file_ids: list[str] | None = None, order: str = "Desc", offset: int = 0,
               limit: int = 10, after: str = "", before: str = "~") -> tuple[int, list[str]]:
        found = [(created, place, file_id)
                 for place, (file_id, (name, created)) in enumerate(self.files.items())
                 if (not prefixes or name.startswith(tuple(prefixes)))
                 and (not names or any(part in name for part in names))
                 and (not file_ids or file_id in file_ids)
                 and after <= created < before]  # (times all written alike)
        # CreateTime, newest or oldest first; ties in the library's order either way.
        found.sort(key=lambda item: item[1])
        found.sort(key=lambda item: item[0], reverse=order == "Desc")
        return len(found), [file_id for _, _, file_id in found][offset:offset + limit]


def _upload(admin: AdminClient, model: Model, name: str, created: str,
            file_id: str | None = None, sub_app_id: int | None = None) -> str:
    task: dict[str, Any] = {"MediaBasicInfo": {"Name": name, "CreateTime": created}}
    if file_id is not None:
        task["FileId"] = file_id
    [event] = admin.emit("NewFileUpload", sub_app_id=sub_app_id,
                         overrides={"FileUploadEvent": task})
    uploaded: str = event["content"]["FileUploadEvent"]["FileId"]
    model.files[uploaded] = (name, created)
    return uploaded


def _deleted(admin: AdminClient, model: Model, file_id: str,
             sub_app_id: int | None = None) -> None:
    admin.emit("FileDeleted", sub_app_id=sub_app_id, overrides={"FileDeleteEvent": {
        "FileIdSet": [file_id], "FileDeleteResultInfo": [{"FileId": file_id,
                                                          "DeleteParts": []}]}})
    model.files.pop(file_id, None)


def _rename(sdk: vod_client.VodClient, model: Model, file_id: str, name: str) -> None:
    request = models.ModifyMediaInfoRequest()
    request.FileId, request.Name = file_id, name
    sdk.ModifyMediaInfo(request)
    model.files[file_id] = (name, model.files[file_id][1])


def _search(sdk: vod_client.VodClient, sub_app_id: int | None = None,
            **fields: Any) -> tuple[int, list[str]]:
    request = models.SearchMediaRequest()
    request._deserialize(fields)
    request.SubAppId = sub_app_id
    answer = sdk.SearchMedia(request)
    return answer.TotalCount, [info.FileId for info in answer.MediaInfoSet]


def _by_prefix(sdk: vod_client.VodClient, *prefixes: str, order: str = "Desc",
               sub_app_id: int | None = None) -> tuple[int, list[str]]:
    return _search(sdk, sub_app_id, NamePrefixes=list(prefixes), Limit=50,
                   Sort={"Field": "CreateTime", "Order": order})


def test_files_added_after_the_first_search_are_found_in_library_order(
        sdk: vod_client.VodClient, admin: AdminClient) -> None:
    model = Model()
    first = [_upload(admin, model, f"lesson-{n}", T1 if n % 2 else T0) for n in range(6)]
    _upload(admin, model, "talk", T1)
    assert _by_prefix(sdk, "lesson") == model.search(["lesson"], limit=50)
    assert _by_prefix(sdk, "lesson")[1][:3] == [first[1], first[3], first[5]]  # T1 tied
    # Added once the index was made: after the files they tie with, either order.
    later = [_upload(admin, model, f"lesson-{n}", T1) for n in range(6, 9)]
    _upload(admin, model, "lessons", T2)
    for order in ("Desc", "Asc"):
        assert _by_prefix(sdk, "lesson", order=order) == model.search(
            ["lesson"], order=order, limit=50)
    assert _by_prefix(sdk, "lesson")[1][1:7] == [first[1], first[3], first[5], *later]
    assert _by_prefix(sdk, "lessons") == (1, [model.search(["lessons"])[1][0]])
    assert _by_prefix(sdk, "lesson-", "less", "talk") == model.search(
        ["lesson-", "less", "talk"], limit=50)  # a prefix of another: each file once
    assert _by_prefix(sdk, "") == model.search([""], limit=50)


def test_a_renamed_file_moves_between_prefixes_and_keeps_its_place(
        sdk: vod_client.VodClient, admin: AdminClient) -> None:
    model = Model()
    a1, a2, a3 = (_upload(admin, model, f"a-{n}", T0) for n in (1, 2, 3))
    assert _by_prefix(sdk, "a-") == (3, [a1, a2, a3])
    _rename(sdk, model, a2, "b-2")
    assert _by_prefix(sdk, "a-") == (2, [a1, a3])
    assert _by_prefix(sdk, "b-") == (1, [a2])
    _rename(sdk, model, a2, "a-2 again")
    _rename(sdk, model, a3, "a-3")  # the same name: nothing moves
    assert _by_prefix(sdk, "a-") == (3, [a1, a2, a3])  # its place, not the end
    assert _by_prefix(sdk, "b-") == (0, [])
    assert _search(sdk, Names=["again"]) == (1, [a2])


def test_a_file_uploaded_again_is_found_by_its_new_name_in_its_place(
        sdk: vod_client.VodClient, admin: AdminClient) -> None:
    model = Model()
    x1, x2, x3 = (_upload(admin, model, f"x-{n}", T0) for n in (1, 2, 3))
    assert _by_prefix(sdk, "x-") == (3, [x1, x2, x3])
    _upload(admin, model, "y-2", T0, file_id=x2)
    assert _by_prefix(sdk, "x-") == (2, [x1, x3])
    assert _by_prefix(sdk, "y-") == (1, [x2])
    _upload(admin, model, "x-2", T0, file_id=x2)
    assert _by_prefix(sdk, "x-") == (3, [x1, x2, x3])


def test_a_deleted_file_is_not_found_and_comes_back_last(
        sdk: vod_client.VodClient, admin: AdminClient) -> None:
    model = Model()
    admin.set_clock(freeze=True)
    d1, d2, d3 = (_upload(admin, model, f"d-{n}", T0) for n in (1, 2, 3))
    assert _by_prefix(sdk, "d-") == (3, [d1, d2, d3])
    request = models.DeleteMediaRequest()
    request.FileId = d1
    sdk.DeleteMedia(request)
    assert _by_prefix(sdk, "d-") == (3, [d1, d2, d3])  # until its FileDeleted comes
    admin.advance_clock(1)
    model.files.pop(d1)
    assert _by_prefix(sdk, "d-") == (2, [d2, d3])
    assert _search(sdk, FileIds=[d1, d2]) == (1, [d2])
    _upload(admin, model, "d-1", T0, file_id=d1)
    assert _by_prefix(sdk, "d-") == (3, [d2, d3, d1])  # known again: the newest known
    # A delete of some parts keeps the file, in its place.
    admin.emit("FileDeleted", overrides={"FileDeleteEvent": {
        "FileIdSet": [d2], "FileDeleteResultInfo": [{"FileId": d2, "DeleteParts": [
            {"Type": "TranscodeFiles", "Definition": 0}]}]}})
    assert _by_prefix(sdk, "d-") == (3, [d2, d3, d1])


def test_seeded_files_are_found_and_seeding_over_one_renames_it(
        sdk: vod_client.VodClient, admin: AdminClient) -> None:
    s1 = admin.seed_media(basic_info={"Name": "seed-1", "CreateTime": T0})["FileId"]
    s2 = admin.seed_media(basic_info={"Name": "seed-2", "CreateTime": T0})["FileId"]
    assert _by_prefix(sdk, "seed-") == (2, [s1, s2])
    s3 = admin.seed_media(basic_info={"Name": "seed-3", "CreateTime": T0})["FileId"]
    admin.seed_media(s1, basic_info={"Name": "grown-1", "CreateTime": T0})
    assert _by_prefix(sdk, "seed-") == (2, [s2, s3])
    assert _by_prefix(sdk, "grown-") == (1, [s1])
    admin.seed_media(s1, basic_info={"Name": "seed-1", "CreateTime": T0})
    assert _by_prefix(sdk, "seed-") == (3, [s1, s2, s3])
    admin.seed_media(s3, basic_info={"Name": "seed-3", "CreateTime": T1})  # newer, same name
    assert _by_prefix(sdk, "seed-") == (3, [s3, s1, s2])
    assert _by_prefix(sdk, "seed-", order="Asc") == (3, [s1, s2, s3])


def test_a_file_another_event_makes_known_is_found_by_the_name_it_gave(
        sdk: vod_client.VodClient, admin: AdminClient) -> None:
    model = Model()
    _upload(admin, model, "proc-0", T0)
    assert _by_prefix(sdk, "proc-")[0] == 1
    [event] = admin.emit("ProcedureStateChanged", overrides={
        "ProcedureStateChangeEvent": {"FileName": "proc-1"}})
    file_id = event["content"]["ProcedureStateChangeEvent"]["FileId"]
    total, found = _by_prefix(sdk, "proc-1")
    assert (total, found) == (1, [file_id])


def test_resets_forget_what_was_indexed(sdk: vod_client.VodClient,
                                        admin: AdminClient) -> None:
    default, other = Model(), Model()
    kept = _upload(admin, default, "r-1", T0)
    gone = _upload(admin, other, "r-1", T0, sub_app_id=APP)
    assert _by_prefix(sdk, "r-") == (1, [kept])
    assert _by_prefix(sdk, "r-", sub_app_id=APP) == (1, [gone])
    admin.reset_application(APP)
    # Before any search, more files than before, one with the FileId the index knew.
    again = [_upload(admin, other, "s-1", T0, file_id=gone, sub_app_id=APP),
             _upload(admin, other, "r-2", T0, sub_app_id=APP),
             _upload(admin, other, "r-3", T0, sub_app_id=APP)]
    assert _by_prefix(sdk, "s-", sub_app_id=APP) == (1, again[:1])
    assert _by_prefix(sdk, "r-", sub_app_id=APP) == (2, again[1:])
    assert _by_prefix(sdk, "r-") == (1, [kept])  # another application's index goes on
    admin.reset()
    back = [_upload(admin, default, "t-1", T0, file_id=kept),
            _upload(admin, default, "r-4", T0)]
    assert _by_prefix(sdk, "t-") == (1, back[:1])
    assert _by_prefix(sdk, "r-") == (1, back[1:])
    assert _by_prefix(sdk, "r-", sub_app_id=APP) == (0, [])


def test_file_ids_are_ordered_by_the_library_whether_read_or_not(
        sdk: vod_client.VodClient, admin: AdminClient) -> None:
    model = Model()
    made = [_upload(admin, model, f"f-{n}", T0) for n in range(5)]
    # No search yet: no file is indexed (nor read); ties go in the library's order.
    assert _search(sdk, FileIds=[made[3], made[0], made[4], "5285485487985271487"]) == (
        3, [made[0], made[3], made[4]])
    assert _by_prefix(sdk, "f-")[0] == 5  # every file indexed now
    more = [_upload(admin, model, f"f-{n}", T0) for n in range(5, 7)]
    assert _search(sdk, FileIds=[more[1], made[2], more[0], made[1]]) == (
        4, [made[1], made[2], more[0], more[1]])
    assert _search(sdk, FileIds=[more[1], made[2]], NamePrefixes=["f-6"]) == (1, [more[1]])
    assert _search(sdk, FileIds=made, Sort={"Field": "CreateTime", "Order": "Asc"},
                   Offset=1, Limit=2) == (5, made[1:3])


def test_searches_agree_with_a_model_of_the_library_through_every_change(
        sdk: vod_client.VodClient, admin: AdminClient) -> None:
    """Random uploads, uploads again, renames, seeds and deletes between searches of every
    kind: each answer is the model's."""
    rng = random.Random(20261202)
    model = Model()

    def name() -> str:
        stem = rng.choice(["ab", "ac", "b", "ba", "视频"])
        return f"{stem}{rng.choice('xyz')}-{rng.randrange(99)}"

    def created() -> str:
        return rng.choice([T0, T1, T2])

    for _ in range(40):
        _upload(admin, model, name(), created())
    for _ in range(25):
        for _ in range(rng.randrange(1, 5)):
            change = rng.randrange(5)
            known = list(model.files)
            if change == 0 or not known:
                _upload(admin, model, name(), created())
            elif change == 1:
                _upload(admin, model, name(), created(), file_id=rng.choice(known))
            elif change == 2:
                _rename(sdk, model, rng.choice(known), name())
            elif change == 3:
                file_id = rng.choice([None, rng.choice(known)])
                seeded = admin.seed_media(file_id, basic_info={"Name": name(),
                                                               "CreateTime": created()})
                basic = seeded["BasicInfo"]
                model.files[seeded["FileId"]] = (basic["Name"], basic["CreateTime"])
            else:
                _deleted(admin, model, rng.choice(known))
        for _ in range(4):
            prefixes = rng.sample(["", "a", "ab", "abx", "b", "ba", "视", "视频y", "zz"],
                                  rng.randrange(1, 3))
            order = rng.choice(["Asc", "Desc"])
            offset, limit = rng.randrange(4), rng.randrange(1, 30)
            assert _search(sdk, NamePrefixes=prefixes, Offset=offset, Limit=limit,
                           Sort={"Field": "CreateTime", "Order": order}) == model.search(
                prefixes, order=order, offset=offset, limit=limit), prefixes
        after, before = sorted(rng.sample([T0, T1, T2, "2024-01-04T00:00:00Z"], 2))
        assert _search(sdk, NamePrefixes=["a", "b"], CreateTime={"After": after, "Before": before},
                       Limit=30) == model.search(["a", "b"], after=after, before=before, limit=30)
        file_ids = rng.sample(list(model.files), min(5, len(model.files)))
        assert _search(sdk, FileIds=file_ids, Limit=10) == model.search(file_ids=file_ids)
        assert _search(sdk, Names=["x-"], Limit=20) == model.search(names=["x-"], limit=20)
        assert _search(sdk, Limit=50) == model.search(limit=50)


def test_changes_while_the_index_is_being_made_keep_every_answer_right() -> None:
    """Files uploaded, uploaded again, deleted and deleted then uploaded again between the
    steps of searches that make the index (one abandoned half-way, two walking the same
    refresh by turns): every search after them answers as the model says."""
    backend = VodBackend(make_settings())
    rng = random.Random(5)
    model = Model()

    def upload(file_id: str | None = None) -> None:
        task: dict[str, Any] = {"MediaBasicInfo": {
            "Name": f"n-{rng.choice('abc')}{rng.randrange(50)}",
            "CreateTime": rng.choice([T0, T1])}}
        if file_id is not None:
            task["FileId"] = file_id
        [event] = backend.emit_generated("NewFileUpload", 1, None, {"FileUploadEvent": task})
        uploaded = event.content["FileUploadEvent"]
        model.files[uploaded["FileId"]] = (uploaded["MediaBasicInfo"]["Name"],
                                           uploaded["MediaBasicInfo"]["CreateTime"])

    def change() -> None:
        known = list(model.files)
        kind = rng.randrange(4)
        if kind == 0:
            upload()
        elif kind == 1:
            upload(rng.choice(known))
        else:
            file_id = rng.choice(known)
            backend.emit_events([{"EventType": "FileDeleted", "FileDeleteEvent": {
                "FileIdSet": [file_id], "FileDeleteResultInfo": [
                    {"FileId": file_id, "DeleteParts": []}]}}], None)
            model.files.pop(file_id)
            if kind == 3:
                upload(file_id)  # back at once, the newest known

    def search(**params: Any) -> Any:
        return MediaSearch(backend.media, None, check_query(params), backend.factory)

    for _ in range(120):
        upload()
    abandoned = search(NamePrefixes=["n-a"]).batches()
    for _ in range(60):
        next(abandoned)
        if rng.random() < 0.3:
            change()
    first, second = search(NamePrefixes=["n-"]).batches(), search(Limit=5).batches()
    walking = [first, second]
    while walking:
        steps = walking[rng.randrange(len(walking))]
        if next(steps, StopIteration) is StopIteration:
            walking.remove(steps)
        elif rng.random() < 0.2:
            change()
    for prefixes in (["n-"], ["n-a"], ["n-b1", "n-c"], [""]):
        for order in ("Asc", "Desc"):
            found = search(NamePrefixes=prefixes, Limit=200,
                           Sort={"Field": "CreateTime", "Order": order})
            for _ in found.batches():
                pass
            page = [info["FileId"] for info in found.page() if info is not None]
            assert (found.matched, page) == model.search(prefixes, order=order, limit=200)
    # Nothing left behind in the index by a delete or a new name: each file once.
    index = backend.media._indexes[None]
    assert len(index.names) == len(index.records) == len(model.files)


def test_a_file_deleted_or_renamed_while_a_search_walks_its_names_is_seen_so() -> None:
    """A search looks at the files whose names match one step at a time: a file deleted
    or renamed out of the prefix before the search comes to it is not counted."""
    backend = VodBackend(make_settings())
    made = []
    for n in range(600):
        task = {"MediaBasicInfo": {"Name": f"w-{n:03d}", "CreateTime": T0}}
        [event] = backend.emit_generated("NewFileUpload", 1, None, {"FileUploadEvent": task})
        made.append(event.content["FileUploadEvent"]["FileId"])

    def search() -> tuple[int, list[str]]:
        found = MediaSearch(backend.media, None, check_query({"NamePrefixes": ["w-"], "Limit": 5}),
                                     backend.factory)
        steps = found.batches()
        next(steps)  # the index is made: the names are walked from here, w-000 first
        backend.emit_events([{"EventType": "FileDeleted", "FileDeleteEvent": {
            "FileIdSet": [made[-1]], "FileDeleteResultInfo": [
                {"FileId": made[-1], "DeleteParts": []}]}}], None)
        backend.modify_media_info(None, made[-2], {"Name": "renamed"})
        for _ in steps:
            pass
        return found.matched, [info["FileId"] for info in found.page() if info is not None]

    for _ in MediaSearch(backend.media, None, check_query({}), backend.factory).batches():
        pass  # every file read and indexed
    assert search() == (598, made[:5])
