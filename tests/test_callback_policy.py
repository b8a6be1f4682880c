"""``callback_policy``: the archived VOD page's callback policy beside the default one,
a preset of the timeout, the retries and what counts as delivered, one place saying what
each means; against a real aiohttp handler, configured through the official SDK."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from tencentcloud.vod.v20180717 import models, vod_client

from emulator.clients.client import AdminClient, AdminError
from emulator.core.callbacks import CALLBACK_POLICIES, DEFAULT_RETRY_SECONDS
from emulator.core.settings import Settings, resolve_settings

from .callback_receiver import Receiver, refused_url
from .conftest import make_settings

EVENT = "ProcedureStateChanged"  # not governed by a switch: always sent in PUSH
SHORT = 0.3  # real seconds: the archived policy with a short timeout, so no test waits 5 s


@pytest.fixture
def emulator_settings() -> Settings:
    return make_settings(callback_policy="archived", callback_timeout_seconds=SHORT)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


def push_to(sdk: vod_client.VodClient, url: str) -> None:
    request = models.ModifyEventConfigRequest()
    request.Mode, request.NotificationUrl = "PUSH", url
    sdk.ModifyEventConfig(request)


def attempts(admin: AdminClient, event_id: str) -> list[dict[str, Any]]:
    return admin.callbacks(event_id=event_id)


# ----- what each policy stands for


def test_the_archived_policy_is_the_archived_page_s() -> None:
    archived = CALLBACK_POLICIES["archived"]
    assert (archived.timeout_seconds, archived.retry_seconds, archived.success) == (
        5.0, (0.0, 0.0), "any")  # 5 s; two retries, three sends in all; any answer received
    default = CALLBACK_POLICIES["default"]
    assert (default.timeout_seconds, default.retry_seconds, default.success) == (
        5.0, DEFAULT_RETRY_SECONDS, "200")
    assert Settings().callback_policy == "default"  # the default policy's values, unset
    assert list(Settings().callback_values.values()) == [5.0, DEFAULT_RETRY_SECONDS, "200"]


def test_the_serve_flag_sets_the_three_and_flags_given_too_override_it() -> None:
    chosen = resolve_settings({"callback_policy": "archived"}, {}).callbacks
    assert (chosen.timeout_seconds, chosen.retry_seconds, chosen.success) == (
        5.0, (0.0, 0.0), "any")
    shortened = resolve_settings({"callback_policy": None},
                                 {"VOD_EMULATOR_CALLBACK_POLICY": "archived",
                                  "VOD_EMULATOR_CALLBACK_TIMEOUT_SECONDS": "0.5"}).callbacks
    assert (shortened.timeout_seconds, shortened.retry_seconds) == (0.5, (0.0, 0.0))


def test_the_settings_show_the_values_in_force(admin: AdminClient) -> None:
    shown = admin.settings()
    assert (shown["callback_policy"], shown["callback_timeout_seconds"],
            shown["callback_retry_seconds"], shown["callback_success"]) == (
        "archived", SHORT, [0, 0], "any")
    back = admin.update_settings(callback_policy="default")
    assert (back["callback_timeout_seconds"], back["callback_retry_seconds"],
            back["callback_success"]) == (5.0, list(DEFAULT_RETRY_SECONDS), "200")
    again = admin.update_settings(callback_policy="archived", callback_success="2xx")
    assert (again["callback_timeout_seconds"], again["callback_retry_seconds"],
            again["callback_success"]) == (5.0, [0, 0], "2xx")  # the short timeout forgotten
    with pytest.raises(AdminError, match="callback_policy: must be default or archived"):
        admin.update_settings(callback_policy="legacy")


# ----- the archived policy against a real handler


def test_any_http_answer_is_received_a_500_is_not_retried(
    sdk: vod_client.VodClient, admin: AdminClient, receiver: Receiver
) -> None:
    receiver.answer(500)
    push_to(sdk, receiver.url)
    (event,) = admin.emit(EVENT)
    state = admin.wait(callbacks_delivered=1)["state"]
    assert (state["callbacks_pending"], state["callbacks_undelivered"]) == (0, 0)
    [attempt] = attempts(admin, event["event_id"])
    assert (attempt["status"], attempt["outcome"], attempt["error"]) == (500, "delivered", None)
    assert receiver.count == 1


def test_a_hanging_handler_gets_two_more_sends_after_the_timeout_then_undelivered(
    sdk: vod_client.VodClient, admin: AdminClient, receiver: Receiver
) -> None:
    receiver.behave(hang=True)
    push_to(sdk, receiver.url)
    admin.set_clock(freeze=True)  # the retries need no emulator time: none passes
    (event,) = admin.emit(EVENT)
    admin.wait(callbacks_undelivered=1)
    tried = attempts(admin, event["event_id"])
    assert [(a["attempt"], a["outcome"]) for a in tried] == [
        (1, "pending_retry"), (2, "pending_retry"), (3, "undelivered")]
    assert all(f"no answer within {SHORT:g} s" in a["error"] for a in tried)
    assert len({a["body"] for a in tried}) == 1  # the same callback each time
    assert receiver.wait_for(3) and receiver.count == 3  # three sends in all, no fourth
    # Sent again as soon as the timeout ended, not after a wait on the emulator clock.
    assert tried[0]["at"] == tried[1]["at"] == tried[2]["at"]


def test_no_answer_at_all_is_retried_as_a_timeout_is(
    sdk: vod_client.VodClient, admin: AdminClient
) -> None:
    push_to(sdk, refused_url())
    (event,) = admin.emit(EVENT)
    admin.wait(callbacks_undelivered=1)
    tried = attempts(admin, event["event_id"])
    assert [a["outcome"] for a in tried] == ["pending_retry", "pending_retry", "undelivered"]
    assert all(a["status"] is None for a in tried)


@pytest.mark.parametrize("emulator_settings", [make_settings(callback_retry_seconds=())])
def test_the_default_policy_retries_a_500(
    sdk: vod_client.VodClient, admin: AdminClient, receiver: Receiver
) -> None:
    receiver.answer(500)
    push_to(sdk, receiver.url)
    (event,) = admin.emit(EVENT)
    admin.wait(callbacks_undelivered=1)  # no retries configured: one failed attempt
    [attempt] = attempts(admin, event["event_id"])
    assert (attempt["status"], attempt["outcome"]) == (500, "undelivered")
    admin.update_settings(callback_policy="archived")  # the same answer, now received
    admin.redeliver(event["event_id"])
    admin.wait(callbacks_delivered=1)
    assert [a["outcome"] for a in attempts(admin, event["event_id"])] == [
        "undelivered", "delivered"]
