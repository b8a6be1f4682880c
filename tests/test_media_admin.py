"""The media library's doors in the admin API: list, inspect and seed files (without an
event), through AdminClient over HTTP; a seeded file is answered by DescribeMediaInfos
through the official SDK, and a reset clears the library with the rest."""

from __future__ import annotations

import pytest
from tencentcloud.vod.v20180717 import models, vod_client

from emulator.clients.client import AdminClient, AdminError
from emulator.core.media import MEDIA_INFO_FIELDS

APP = 1500000001


def _describe(sdk: vod_client.VodClient, file_ids: list[str],
              sub_app_id: int | None = None) -> models.DescribeMediaInfosResponse:
    request = models.DescribeMediaInfosRequest()
    request.FileIds, request.SubAppId = file_ids, sub_app_id
    return sdk.DescribeMediaInfos(request)


def test_a_seeded_file_is_answered_by_describe_media_infos(
        admin: AdminClient, sdk: vod_client.VodClient) -> None:
    seeded = admin.seed_media("5285890800000000001", APP,
                              basic_info={"Name": "lecture.mp4", "ClassId": 7},
                              meta_data={"Duration": 61.5, "Width": 1280})
    assert seeded["FileId"] == "5285890800000000001"
    assert list(seeded) == list(MEDIA_INFO_FIELDS)
    assert seeded["BasicInfo"]["Name"] == "lecture.mp4"
    assert seeded["BasicInfo"]["ClassId"] == 7
    assert (seeded["MetaData"]["Duration"], seeded["MetaData"]["Width"]) == (61.5, 1280)

    answer = _describe(sdk, ["5285890800000000001"], APP)
    [info] = answer.MediaInfoSet
    assert info.FileId == "5285890800000000001"
    assert info.BasicInfo.Name == "lecture.mp4" and info.BasicInfo.ClassId == 7
    assert info.MetaData.Duration == 61.5 and info.MetaData.Width == 1280
    assert info.BasicInfo.Type == seeded["BasicInfo"]["Type"]  # the parts made, as seeded
    assert _describe(sdk, ["5285890800000000001"]).NotExistFileIdSet == [
        "5285890800000000001"]  # another application's library
    assert admin.media_file("5285890800000000001", APP) == seeded
    assert admin.events()["events"] == []  # seeding emits nothing


def test_a_file_seeded_without_an_id_gets_one_in_the_real_format(admin: AdminClient) -> None:
    first, second = admin.seed_media(), admin.seed_media()
    for info in (first, second):
        assert info["FileId"].isdigit() and len(info["FileId"]) == 19, info["FileId"]
    assert first["FileId"] != second["FileId"]
    assert admin.media_file(first["FileId"]) == first


def test_the_list_is_newest_first_with_a_limit(admin: AdminClient) -> None:
    [uploaded] = admin.emit("NewFileUpload")
    task = uploaded["content"]["FileUploadEvent"]
    seeded = admin.seed_media(basic_info={"Name": "later.mov", "Type": "mov"})
    listed = admin.media()
    assert listed["sub_app_id"] is None and listed["total"] == 2
    assert listed["files"] == [
        {"file_id": seeded["FileId"], "name": "later.mov", "type": "mov",
         "create_time": seeded["BasicInfo"]["CreateTime"]},
        {"file_id": task["FileId"], "name": task["MediaBasicInfo"]["Name"],
         "type": task["MediaBasicInfo"]["Type"],
         "create_time": task["MediaBasicInfo"]["CreateTime"]}]
    limited = admin.media(limit=1)
    assert limited["total"] == 2 and [f["file_id"] for f in limited["files"]] == [
        seeded["FileId"]]
    assert admin.media(APP) == {"sub_app_id": APP, "total": 0, "files": []}


def test_seeding_the_same_file_id_replaces_it(admin: AdminClient) -> None:
    admin.seed_media("1", basic_info={"Name": "a"})
    replaced = admin.seed_media("1", basic_info={"Name": "b"})
    assert replaced["BasicInfo"]["Name"] == "b"
    assert [f["name"] for f in admin.media()["files"]] == ["b"]


@pytest.mark.parametrize(("body", "message"), [
    ({"basic_info": {"Nmae": "x"}}, "basic_info.Nmae is not a field of MediaBasicInfo"),
    ({"basic_info": {"Name": 3}}, "basic_info.Name must be string"),
    ({"meta_data": {"Duration": "long"}}, "meta_data.Duration must be number"),
    ({"meta_data": []}, "meta_data must be an object"),
    ({"file_id": ""}, "file_id must be a non-empty string"),
    ({"size": 1}, "size"),
])
def test_a_bad_seed_is_refused_and_adds_nothing(admin: AdminClient, body: dict[str, object],
                                                message: str) -> None:
    with pytest.raises(AdminError) as refused:
        admin.request("POST", "/_emulator/media", body)
    assert (refused.value.status, refused.value.code) == (400, "InvalidRequest")
    assert message in refused.value.message
    assert admin.media()["total"] == 0


def test_an_unknown_file_is_404(admin: AdminClient) -> None:
    admin.seed_media("42", APP)
    with pytest.raises(AdminError) as missing:
        admin.media_file("42")  # the default application does not know it
    assert (missing.value.status, missing.value.code) == (404, "NotFound")
    assert "42" in missing.value.message


def test_a_reset_clears_the_library(admin: AdminClient) -> None:
    kept = admin.seed_media("7", APP + 1)
    admin.seed_media("7", APP)
    admin.reset_application(APP)
    assert admin.media(APP)["total"] == 0
    assert admin.media_file("7", APP + 1) == kept  # another application's goes on
    admin.reset()
    assert admin.media(APP + 1)["total"] == 0
    with pytest.raises(AdminError) as missing:
        admin.media_file("7", APP + 1)
    assert missing.value.status == 404


def test_a_deleted_file_leaves_the_list_when_its_event_is_due(
        admin: AdminClient, sdk: vod_client.VodClient) -> None:
    seeded = admin.seed_media()
    request = models.DeleteMediaRequest()
    request.FileId = seeded["FileId"]
    sdk.DeleteMedia(request)
    assert admin.media()["total"] == 1  # its FileDeleted event is a second away
    admin.advance_clock(1)
    assert admin.media()["total"] == 0
