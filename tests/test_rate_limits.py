"""``--enforce-rate-limits``: each action refused past its documented limit per second of
the emulator clock, over every SubAppId together, with the real answer, changing nothing;
through the official SDK against a running emulator."""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
    TencentCloudSDKException,
)
from tencentcloud.vod.v20180717 import models, vod_client

from emulator.clients.client import AdminClient
from emulator.cloudapi.endpoint import _ACTIONS
from emulator.core.operations import CLOUD_API_ACTIONS
from emulator.core.ratetable import DEFAULT_PER_SECOND, RATE_LIMITS
from emulator.core.settings import Settings

from .conftest import make_settings, pull

DOCS = Path(__file__).parent.parent / "docs" / "cloud-api.md"
LIMIT = RATE_LIMITS["PullEvents"].per_second


@pytest.fixture
def emulator_settings() -> Settings:
    # An empty pull answers at once: a frozen clock would otherwise hold it for good.
    return make_settings(enforce_rate_limits=True, long_poll_seconds=0)


@pytest.fixture
def frozen(admin: AdminClient) -> AdminClient:
    admin.set_clock(freeze=True)
    return admin


def refusal(call: Callable[[], Any]) -> TencentCloudSDKException:
    with pytest.raises(TencentCloudSDKException) as refused:
        call()
    return refused.value


def describe_state(sdk: vod_client.VodClient, sub_app_id: int | None = None) -> int:
    request = models.DescribeEventsStateRequest()
    request.SubAppId = sub_app_id
    count: int = sdk.DescribeEventsState(request).CountOfEventsToPull
    return count


def modify_config(sdk: vod_client.VodClient, **fields: str) -> None:
    request = models.ModifyEventConfigRequest()
    for name, value in fields.items():
        setattr(request, name, value)
    sdk.ModifyEventConfig(request)


def describe_config(sdk: vod_client.VodClient) -> Any:
    return sdk.DescribeEventConfig(models.DescribeEventConfigRequest())


# ----- the limit, per second of the emulator clock


def test_the_101st_pull_in_one_second_is_refused_as_the_real_service_refuses_it(
    sdk: vod_client.VodClient, frozen: AdminClient
) -> None:
    for _ in range(LIMIT):
        assert pull(sdk) == []
    first, second = refusal(lambda: pull(sdk)), refusal(lambda: pull(sdk))
    assert first.get_code() == second.get_code() == "RequestLimitExceeded"
    assert first.get_message() == (
        "Your current request times equals to `101` in a second, which exceeds the "
        "frequency limit `100` for a second. Please reduce the frequency of calls.")
    assert "`102` in a second" in second.get_message()  # each refusal numbered
    assert first.get_request_id() and first.get_request_id() != second.get_request_id()
    frozen.advance_clock(1)  # the next second: served again
    assert pull(sdk) == []


def test_the_count_is_the_whole_account_s_every_sub_app_id_together(
    sdk: vod_client.VodClient, frozen: AdminClient
) -> None:
    for index in range(LIMIT):
        assert pull(sdk, 1500000001 + index % 3) == []
    refused = refusal(lambda: pull(sdk, 1500000009))  # an application not called yet
    assert refused.get_code() == "RequestLimitExceeded"


def test_each_action_has_its_own_count(sdk: vod_client.VodClient, frozen: AdminClient) -> None:
    for _ in range(LIMIT):
        pull(sdk)
    assert refusal(lambda: pull(sdk)).get_code() == "RequestLimitExceeded"
    assert describe_state(sdk) == 0  # DescribeEventsState: a count of its own


@pytest.mark.parametrize(("action", "limit", "call"), [
    ("DescribeEventsState", 20, describe_state),
    ("ModifyEventConfig", 20, lambda sdk: modify_config(sdk, Mode="PULL")),
    ("DescribeEventConfig", 100, describe_config),  # the SDK's number, not the page's 20
])
def test_the_event_actions_limits(
    action: str, limit: int, call: Callable[[vod_client.VodClient], Any],
    sdk: vod_client.VodClient, frozen: AdminClient,
) -> None:
    assert RATE_LIMITS[action].per_second == limit
    for _ in range(limit):
        call(sdk)
    refused = refusal(lambda: call(sdk))
    assert refused.get_code() == "RequestLimitExceeded"
    assert f"`{limit + 1}` in a second, which exceeds the frequency limit `{limit}`" in (
        refused.get_message())
    frozen.advance_clock(1)
    call(sdk)


def test_confirm_events_limit(sdk: vod_client.VodClient, frozen: AdminClient) -> None:
    frozen.emit("NewFileUpload")
    (event,) = pull(sdk)
    request = models.ConfirmEventsRequest()
    request.EventHandles = [event.EventHandle]  # confirming it again is harmless in its window
    for _ in range(RATE_LIMITS["ConfirmEvents"].per_second):
        sdk.ConfirmEvents(request)
    assert refusal(lambda: sdk.ConfirmEvents(request)).get_code() == "RequestLimitExceeded"
    frozen.advance_clock(1)
    sdk.ConfirmEvents(request)


# ----- refused: nothing changes


def test_a_refused_pull_leases_nothing(sdk: vod_client.VodClient, frozen: AdminClient) -> None:
    for _ in range(LIMIT):
        pull(sdk)
    (event,) = frozen.emit("NewFileUpload")
    refusal(lambda: pull(sdk))
    assert [e["event_id"] for e in frozen.queue()["pullable"]] == [event["event_id"]]
    assert frozen.journal(kind="leased") == []
    frozen.advance_clock(1)
    assert [e.FileUploadEvent.FileId for e in pull(sdk)] == [
        event["content"]["FileUploadEvent"]["FileId"]]


def test_a_refused_configuration_changes_nothing(
    sdk: vod_client.VodClient, frozen: AdminClient
) -> None:
    for _ in range(RATE_LIMITS["ModifyEventConfig"].per_second):
        modify_config(sdk, Mode="PULL")
    refused = refusal(lambda: modify_config(sdk, Mode="PUSH",
                                            NotificationUrl="http://127.0.0.1:9/cb"))
    assert refused.get_code() == "RequestLimitExceeded"
    config = describe_config(sdk)
    assert (config.Mode, config.NotificationUrl) == ("PULL", "")


def test_a_refusal_comes_before_any_fault_rule(
    sdk: vod_client.VodClient, frozen: AdminClient
) -> None:
    for _ in range(LIMIT):
        pull(sdk)
    rule = frozen.add_fault("PullEvents", "error", code="InternalError", times=1)
    assert refusal(lambda: pull(sdk)).get_code() == "RequestLimitExceeded"
    assert [r["id"] for r in frozen.faults()] == [rule["id"]]  # not spent


def test_a_held_pull_counts_when_it_arrives(
    sdk: vod_client.VodClient, frozen: AdminClient,
    background: Callable[..., Future[Any]],
) -> None:
    frozen.update_settings(long_poll_seconds=5)
    held = background(pull, sdk)  # an empty queue: held, counted now
    frozen.wait(held_pulls=1)
    frozen.emit("NewFileUpload", count=16 * LIMIT, sub_app_id=1500000001, with_content=False)
    for _ in range(LIMIT - 1):
        assert len(pull(sdk, 1500000001)) == 16
    assert refusal(lambda: pull(sdk, 1500000001)).get_code() == "RequestLimitExceeded"
    frozen.advance_clock(5)  # the hold ends in a later second: its answer is no new request
    assert held.result(timeout=10) == []


# ----- switched on and off


@pytest.mark.parametrize("emulator_settings", [make_settings(long_poll_seconds=0)])
def test_off_by_default_and_switched_at_run_time(
    sdk: vod_client.VodClient, admin: AdminClient
) -> None:
    assert admin.settings()["enforce_rate_limits"] is False
    admin.set_clock(freeze=True)
    for _ in range(LIMIT + 50):  # nothing counted
        pull(sdk)
    assert admin.update_settings(enforce_rate_limits="true")["enforce_rate_limits"] is True
    for _ in range(LIMIT):  # counted from the next request
        pull(sdk)
    assert refusal(lambda: pull(sdk)).get_code() == "RequestLimitExceeded"
    admin.update_settings(enforce_rate_limits=False)
    pull(sdk)


def test_a_full_reset_starts_every_count_again(
    sdk: vod_client.VodClient, frozen: AdminClient
) -> None:
    for _ in range(LIMIT):
        pull(sdk)
    frozen.reset()  # the clock keeps its time (and stays frozen): only the counts go
    assert frozen.clock()["frozen"] and frozen.settings()["enforce_rate_limits"] is True
    pull(sdk)


# ----- the table


def test_every_action_answered_has_a_documented_limit() -> None:
    assert set(RATE_LIMITS) == set(CLOUD_API_ACTIONS) == set(_ACTIONS)
    for action, limit in RATE_LIMITS.items():
        assert limit.per_second > 0 and limit.source, action
    unsourced = [a for a, limit in RATE_LIMITS.items() if "no page found" in limit.source]
    assert all(RATE_LIMITS[a].per_second == DEFAULT_PER_SECOND for a in unsourced)


def test_the_docs_table_mirrors_the_limits() -> None:
    section = DOCS.read_text(encoding="utf-8").split("## Rate limits", 1)[1].split("\n## ")[0]
    rows = re.findall(r"^\| `(\w+)` \| (\d+) \| (.+?) \|$", section, re.M)
    assert {action: (int(limit), source) for action, limit, source in rows} == {
        action: (limit.per_second, limit.source) for action, limit in RATE_LIMITS.items()}
