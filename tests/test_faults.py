"""Fault injection, as a test author uses it: rules added through the admin API, the
official SDK meeting the faults, callbacks landing on a real receiver, and every fault
explained by the journal."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
    TencentCloudSDKException,
)
from tencentcloud.vod.v20180717 import models, vod_client

from emulator.clients.client import AdminClient, AdminError
from emulator.clients.receiver import CallbackReceiver
from emulator.core.settings import Settings
from emulator.server import EmulatorThread

from .conftest import confirm, make_settings, pull

APP = 1500000001
SIGN_KEY = "faultSignKey"


@pytest.fixture
def emulator_settings() -> Settings:
    return make_settings(callback_retry_seconds=(5.0, 5.0, 5.0))


@pytest.fixture
def receiver() -> Iterator[CallbackReceiver]:
    with CallbackReceiver() as running:
        yield running


def add_fault(admin: AdminClient, **rule: Any) -> dict[str, Any]:
    added: dict[str, Any] = admin.request("POST", "/_emulator/faults", rule)["fault"]
    return added


def faults(admin: AdminClient) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = admin.request("GET", "/_emulator/faults")["faults"]
    return rules


def fault_details(admin: AdminClient, event_id: str | None = None) -> list[str]:
    return [entry["detail"] for entry in admin.journal("fault", event_id)]


def count_to_pull(sdk: vod_client.VodClient, sub_app_id: int | None = None) -> int:
    request = models.DescribeEventsStateRequest()
    request.SubAppId = sub_app_id
    count: int = sdk.DescribeEventsState(request).CountOfEventsToPull
    return count


def push_to(sdk: vod_client.VodClient, url: str, sub_app_id: int | None = None,
            sign_key: str = "") -> None:
    request = models.ModifyEventConfigRequest()
    request.SubAppId = sub_app_id
    request.Mode = "PUSH"
    request.NotificationUrl = url
    if sign_key:
        request.SignKey = sign_key
    sdk.ModifyEventConfig(request)


def sdk_error(call: Any) -> TencentCloudSDKException:
    with pytest.raises(TencentCloudSDKException) as raised:
        call()
    return raised.value


# ----- the Cloud API


@pytest.mark.parametrize("code", ["RequestLimitExceeded", "InternalError",
                                  "FailedOperation.Busy", "ResourceUnavailable"])
def test_an_error_rule_answers_its_code_for_its_count_then_the_action_works(
    sdk: vod_client.VodClient, admin: AdminClient, code: str
) -> None:
    admin.emit("NewFileUpload")
    rule = add_fault(admin, action="PullEvents", effect="error", code=code, times=2)
    assert (rule["id"], rule["remaining"], rule["applied"]) == ("f1", 2, 0)
    for _ in range(2):
        error = sdk_error(lambda: pull(sdk))
        assert error.code == code and "f1" in error.message
    assert admin.queue()["pullable"][0]["deliveries"] == 0  # nothing was leased meanwhile
    assert len(pull(sdk)) == 1
    assert faults(admin) == []  # spent: removed
    assert fault_details(admin) == [f"f1: error {code} on PullEvents"] * 2


def test_an_error_rule_keeps_to_its_action_and_application(
    sdk: vod_client.VodClient, admin: AdminClient
) -> None:
    add_fault(admin, action="DescribeEventsState", effect="error",
              code="RequestLimitExceeded", message="slow down", sub_app_id=APP)
    assert count_to_pull(sdk) == 0  # the default application is not matched
    assert sdk_error(lambda: count_to_pull(sdk, APP)).message == "slow down"
    request = models.DescribeEventConfigRequest()
    request.SubAppId = APP
    assert sdk.DescribeEventConfig(request).Mode == "PULL"  # another action is not matched
    (rule,) = faults(admin)
    assert rule["applied"] == 1 and rule["remaining"] is None  # no count: every time
    assert sdk_error(lambda: count_to_pull(sdk, APP)).code == "RequestLimitExceeded"


def test_latency_delays_the_answer_and_is_journaled(
    sdk: vod_client.VodClient, admin: AdminClient
) -> None:
    add_fault(admin, action="DescribeEventConfig", effect="latency", seconds=0.05, times=1)
    request = models.DescribeEventConfigRequest()
    assert sdk.DescribeEventConfig(request).Mode == "PULL"
    assert fault_details(admin) == ["f1: latency on DescribeEventConfig"]


def test_a_dropped_confirm_answers_success_and_the_event_comes_back(
    sdk: vod_client.VodClient, admin: AdminClient
) -> None:
    (event,) = admin.emit("NewFileUpload")
    add_fault(admin, action="ConfirmEvents", effect="drop_confirm", times=1)
    (first,) = pull(sdk)
    confirm(sdk, [first.EventHandle])  # "success"
    assert admin.queue()["confirmed"] == 0 and len(admin.queue()["leased"]) == 1
    admin.advance_clock(30)
    (again,) = pull(sdk)
    assert again.FileUploadEvent.FileId == first.FileUploadEvent.FileId
    confirm(sdk, [again.EventHandle])
    kinds = [entry["kind"] for entry in admin.journal(event_id=event["event_id"])]
    assert kinds == ["enqueued", "leased", "fault", "expired", "leased", "confirmed"]


def test_an_expired_lease_makes_the_confirm_fail_as_a_late_one(
    sdk: vod_client.VodClient, admin: AdminClient
) -> None:
    admin.emit("FileDeleted")
    add_fault(admin, action="ConfirmEvents", effect="expire_lease", times=1)
    (first,) = pull(sdk)
    error = sdk_error(lambda: confirm(sdk, [first.EventHandle]))
    assert error.code == "InvalidParameterValue"
    (again,) = pull(sdk)  # pullable again at once, under a new handle
    assert again.EventHandle != first.EventHandle
    confirm(sdk, [again.EventHandle])


REFUSED_BATCHES = {
    "17 handles": lambda live, lapsed: live,
    "an unknown handle": lambda live, lapsed: [live[0], "0" * 32],
    "a handle past its window": lambda live, lapsed: [live[0], lapsed[0]],
}


@pytest.mark.parametrize("effect", ["drop_confirm", "expire_lease"])
@pytest.mark.parametrize("batch", list(REFUSED_BATCHES))
def test_a_confirm_rule_never_acts_on_a_confirm_the_real_checks_refuse(
    sdk: vod_client.VodClient, admin: AdminClient, effect: str, batch: str
) -> None:
    admin.emit("NewFileUpload", 17)
    lapsed = [event.EventHandle for event in pull(sdk)]
    admin.advance_clock(30)  # those 16 leases lapse; all 17 events are pulled again
    live = [event.EventHandle for event in pull(sdk) + pull(sdk)]
    handles = REFUSED_BATCHES[batch](live, lapsed)
    refusal = sdk_error(lambda: confirm(sdk, handles))  # without the rule
    add_fault(admin, action="ConfirmEvents", effect=effect, times=1)
    refused = sdk_error(lambda: confirm(sdk, handles))
    assert (refused.code, refused.message) == (refusal.code, refusal.message)
    assert refused.code == "InvalidParameterValue"
    (rule,) = faults(admin)
    assert (rule["applied"], rule["remaining"]) == (0, 1)  # not spent
    assert fault_details(admin) == []
    assert len(admin.queue()["leased"]) == 17 and admin.queue()["confirmed"] == 0
    assert len(admin.journal("expired")) == 16  # only the lapsed leases of the setup


def test_a_dropped_confirm_drops_the_matching_events_only(
    sdk: vod_client.VodClient, admin: AdminClient
) -> None:
    uploaded, deleted = admin.emit("NewFileUpload") + admin.emit("FileDeleted")
    add_fault(admin, action="ConfirmEvents", effect="drop_confirm", event_type="FileDeleted")
    first = pull(sdk)
    confirm(sdk, [event.EventHandle for event in first])  # "success"
    queue = admin.queue()
    assert queue["confirmed"] == 1
    assert [lease["event_id"] for lease in queue["leased"]] == [deleted["event_id"]]
    assert fault_details(admin, deleted["event_id"]) == ["f1: drop_confirm on ConfirmEvents"]
    assert fault_details(admin, uploaded["event_id"]) == []
    admin.advance_clock(30)
    (again,) = pull(sdk)
    assert again.EventType == "FileDeleted"


def test_duplicate_delivers_the_matching_event_twice_and_both_can_be_confirmed(
    sdk: vod_client.VodClient, admin: AdminClient
) -> None:
    emitted = admin.emit("NewFileUpload", 2) + admin.emit("FileDeleted")
    deleted = emitted[2]["event_id"]
    add_fault(admin, action="PullEvents", effect="duplicate", event_type="FileDeleted")
    first = pull(sdk)
    assert [e.EventType for e in first] == ["NewFileUpload", "NewFileUpload", "FileDeleted"]
    (second,) = pull(sdk)
    assert second.EventType == "FileDeleted"
    assert second.FileDeleteEvent.FileIdSet == first[2].FileDeleteEvent.FileIdSet
    assert second.EventHandle != first[2].EventHandle
    confirm(sdk, [e.EventHandle for e in first] + [second.EventHandle])
    assert admin.queue()["confirmed"] == 4
    assert fault_details(admin, deleted) == ["f1: duplicate on PullEvents"]


def test_duplicate_can_match_the_first_delivery_only(
    sdk: vod_client.VodClient, admin: AdminClient
) -> None:
    admin.emit("NewFileUpload")
    add_fault(admin, action="PullEvents", effect="duplicate", attempt=1)
    assert len(pull(sdk)) == 1 and len(pull(sdk)) == 1  # the copy is not copied again
    admin.advance_clock(30)
    assert len(pull(sdk)) == 2  # their second deliveries: no match
    assert len(fault_details(admin)) == 1


class TestDuplicatesAndRetention:
    @pytest.fixture
    def emulator_settings(self) -> Settings:
        return make_settings(retention_seconds=100, confirm_window_seconds=30)

    def test_a_duplicate_is_dropped_at_its_original_s_retention(
        self, sdk: vod_client.VodClient, admin: AdminClient
    ) -> None:
        """The copy keeps its original's age however far back it is queued: an event
        emitted at 0 s is never delivered after 100 s, nor its copy."""
        (old,) = admin.emit("NewFileUpload")
        admin.advance_clock(50)
        (young,) = admin.emit("FileDeleted")
        add_fault(admin, action="PullEvents", effect="duplicate", event_id=old["event_id"])
        first = pull(sdk)  # both; the copy of the old one is queued behind the young one
        assert [event.EventType for event in first] == ["NewFileUpload", "FileDeleted"]
        confirm(sdk, [first[0].EventHandle])  # the young one's lease lapses at 80 s
        admin.advance_clock(50)  # 100 s: the copy's retention ends
        assert count_to_pull(sdk) == 1
        assert [entry["event_id"] for entry in admin.journal("dropped")] == [old["event_id"]]
        admin.advance_clock(10)
        (again,) = pull(sdk)
        assert again.EventType == "FileDeleted"
        assert [e["event_id"] for e in admin.queue()["leased"]] == [young["event_id"]]


def test_reorder_shuffles_a_batch_the_same_way_for_the_same_seed(
    sdk: vod_client.VodClient, admin: AdminClient
) -> None:
    def shuffled() -> list[str]:
        admin.reset()
        emitted = [event["event_id"] for event in admin.emit("NewFileUpload", 16)]
        add_fault(admin, action="PullEvents", effect="reorder", times=1)
        ids = {e["content"]["FileUploadEvent"]["FileId"]: e["event_id"]
               for e in admin.queue()["pullable"]}
        order = [ids[event.FileUploadEvent.FileId] for event in pull(sdk)]
        assert sorted(order) == emitted and order != emitted
        return order

    assert shuffled() == shuffled()


def test_a_probability_is_drawn_from_the_seed(
    sdk: vod_client.VodClient, admin: AdminClient
) -> None:
    def outcomes() -> list[bool]:
        admin.reset()
        add_fault(admin, action="DescribeEventsState", effect="error",
                  code="InternalError", probability=0.5)
        seen = []
        for _ in range(20):
            try:
                count_to_pull(sdk)
                seen.append(True)
            except TencentCloudSDKException:
                seen.append(False)
        return seen

    first = outcomes()
    assert first == outcomes() and 0 < sum(first) < 20


# ----- callbacks


def test_fail_the_first_attempts_then_the_receiver_gets_it(
    sdk: vod_client.VodClient, admin: AdminClient, receiver: CallbackReceiver
) -> None:
    push_to(sdk, receiver.url)
    add_fault(admin, action="callback", effect="fail", status=503, times=2)
    (event,) = admin.emit("NewFileUpload")
    admin.wait(callbacks_pending=1)
    admin.advance_clock(5)
    admin.advance_clock(5)
    admin.wait(callbacks_delivered=1)
    (received,) = receiver.received  # the failed attempts never reached it
    assert received.json["FileUploadEvent"]["FileId"] == (
        event["content"]["FileUploadEvent"]["FileId"])
    attempts = admin.request("GET", f"/_emulator/callbacks?event_id={event['event_id']}")[
        "attempts"]
    assert [(a["status"], a["outcome"]) for a in attempts] == [
        (503, "pending_retry"), (503, "pending_retry"), (200, "delivered")]
    assert "fault f1" in attempts[0]["error"]
    kinds = [entry["kind"] for entry in admin.journal(event_id=event["event_id"])]
    assert kinds == ["routed", "fault", "attempt_failed", "fault", "attempt_failed",
                     "delivered"]


@pytest.mark.parametrize("effect", ["timeout", "reset"])
def test_timeouts_and_resets_fail_the_attempt_without_sending(
    sdk: vod_client.VodClient, admin: AdminClient, receiver: CallbackReceiver, effect: str
) -> None:
    push_to(sdk, receiver.url)
    add_fault(admin, action="callback", effect=effect, attempt=1)
    (event,) = admin.emit("FileDeleted")
    admin.wait(callbacks_pending=1)
    admin.advance_clock(5)
    admin.wait(callbacks_delivered=1)
    first, second = admin.request(
        "GET", f"/_emulator/callbacks?event_id={event['event_id']}")["attempts"]
    assert first["status"] is None and "fault f1" in first["error"]
    assert second["outcome"] == "delivered" and receiver.count == 1


@pytest.mark.parametrize(("effect", "refusal"), [("bad_signature", 401),
                                                 ("expired_signature", 403)])
def test_spoiled_signatures_are_refused_by_a_checking_receiver(
    sdk: vod_client.VodClient, admin: AdminClient, effect: str, refusal: int
) -> None:
    with CallbackReceiver(sign_key=SIGN_KEY) as receiver:
        push_to(sdk, receiver.url, sign_key=SIGN_KEY)
        add_fault(admin, action="callback", effect=effect, times=1)
        admin.emit("NewFileUpload")
        admin.wait(callbacks_pending=1)
        receiver.wait_for(1)
        admin.advance_clock(5)
        admin.wait(callbacks_delivered=1)
        refused, accepted = receiver.received
        assert refused.status == refusal and refused.refused
        assert accepted.status == 200 and accepted.refused is None


def test_delay_sends_late_but_sends(
    sdk: vod_client.VodClient, admin: AdminClient, receiver: CallbackReceiver
) -> None:
    push_to(sdk, receiver.url, sub_app_id=APP)
    add_fault(admin, action="callback", effect="delay", seconds=0.05, sub_app_id=APP)
    admin.emit("NewFileUpload", sub_app_id=APP)
    admin.wait(APP, callbacks_delivered=1)
    assert receiver.count == 1
    assert fault_details(admin) == ["f1: delay on callback"]


# ----- managing rules


def test_rules_are_listed_removed_one_by_one_or_all(admin: AdminClient) -> None:
    for code in ("InternalError", "RequestLimitExceeded", "FailedOperation"):
        add_fault(admin, action="PullEvents", effect="error", code=code)
    assert [rule["id"] for rule in faults(admin)] == ["f1", "f2", "f3"]
    assert admin.request("DELETE", "/_emulator/faults/f2") == {"removed": ["f2"]}
    with pytest.raises(AdminError) as missing:
        admin.request("DELETE", "/_emulator/faults/f2")
    assert missing.value.status == 404 and missing.value.code == "NotFound"
    assert admin.request("DELETE", "/_emulator/faults") == {"removed": ["f1", "f3"]}
    assert faults(admin) == []


def test_a_full_reset_clears_the_rules_and_one_application_reset_its_own(
    admin: AdminClient,
) -> None:
    add_fault(admin, action="PullEvents", effect="error", code="InternalError")
    add_fault(admin, action="PullEvents", effect="error", code="InternalError", sub_app_id=APP)
    admin.request("POST", "/_emulator/reset", {"sub_app_id": APP})
    assert [rule["id"] for rule in faults(admin)] == ["f1"]
    admin.reset()
    assert faults(admin) == []
    assert add_fault(admin, action="callback", effect="reset")["id"] == "f1"


@pytest.mark.parametrize(("rule", "says"), [
    ({"effect": "error", "code": "InternalError"}, "action must be one of"),
    ({"action": "PullEvents"}, "effect must be one of"),
    ({"action": "PullEvents", "effect": "fail"}, "acts on callback"),
    ({"action": "callback", "effect": "error", "code": "X"}, "acts on PullEvents"),
    ({"action": "PullEvents", "effect": "error"}, "needs code"),
    ({"action": "PullEvents", "effect": "error", "code": "not a code"}, "code must be"),
    ({"action": "PullEvents", "effect": "latency", "seconds": 61}, "seconds must be"),
    ({"action": "PullEvents", "effect": "error", "code": "E", "event_id": "x"},
     "cannot match event_id"),
    ({"action": "callback", "effect": "fail", "status": 99}, "status must be"),
    ({"action": "callback", "effect": "fail", "seconds": 1}, "does not go with"),
    ({"action": "callback", "effect": "fail", "times": 0}, "times must be"),
    ({"action": "callback", "effect": "fail", "probability": 0}, "probability must be"),
    ({"action": "callback", "effect": "fail", "times": 1, "probability": 1}, "not both"),
    ({"action": "callback", "effect": "fail", "sub_app_id": 0}, "sub_app_id"),
    ({"action": "callback", "effect": "fail", "attempt": 0}, "attempt must be"),
    ({"action": "callback", "effect": "fail", "colour": "red"}, "unknown field"),
])
def test_a_bad_rule_is_refused_naming_the_problem(
    admin: AdminClient, rule: dict[str, Any], says: str
) -> None:
    with pytest.raises(AdminError) as refused:
        admin.request("POST", "/_emulator/faults", rule)
    assert refused.value.status == 400 and says in refused.value.message
    assert faults(admin) == []


def test_faults_act_only_on_requests_that_pass_the_signature_check(
    emulator: EmulatorThread, admin: AdminClient
) -> None:
    """An unsigned request meets the real checks first, and the rule is not spent."""
    import json
    import urllib.request

    add_fault(admin, action="PullEvents", effect="error", code="RequestLimitExceeded")
    request = urllib.request.Request(
        emulator.url + "/", data=b"{}", method="POST",
        headers={"Content-Type": "application/json", "X-TC-Action": "PullEvents",
                 "X-TC-Version": "2018-07-17"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=10) as answer:
        body = json.loads(answer.read())
    assert body["Response"]["Error"]["Code"] == "MissingParameter"
    assert faults(admin)[0]["applied"] == 0


def test_the_readme_table_of_effects_is_the_code_s() -> None:
    from pathlib import Path

    from emulator.core.faults import EFFECTS

    section = (Path(__file__).parent.parent / "docs" / "faults-and-time.md").read_text(
        encoding="utf-8").split("## Fault injection", 1)[1].split("\n## ", 1)[0]
    rows = [line.split(" | ") for line in section.splitlines()
            if line.startswith("| `")]
    assert [(name.strip("|` "), description.rstrip(" |")) for name, _, _, description in rows
            ] == [(name, effect.description) for name, effect in EFFECTS.items()]
