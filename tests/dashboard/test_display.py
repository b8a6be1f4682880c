"""How the dashboard draws what it shows, in a real browser (Debian's headless Chromium,
driven by Playwright): the activity chart after a jump of the clock, long callback URLs in
a narrow window, what a callback's handler answered.

Events are emitted and the clock moved through the AdminClient; callbacks go to real
aiohttp handlers. Every wait is one of Playwright's auto-waiting assertions: nothing sleeps.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from emulator.clients.client import AdminClient
from emulator.clients.receiver import CallbackReceiver, refused_url
from emulator.server import EmulatorThread

from ..test_callback_answer_body import Handler, Reply
from .conftest import Watch, new_page, open_dashboard

FROZEN_CLOCK = True  # the events land exactly where the test puts them
SEED = 20240622
PUSH_APP = 1500000002
JUMP_SECONDS = 100_000
BURST = 5  # events in each burst, one every STEP_SECONDS of emulator time
STEP_SECONDS = 5
# Where a long URL may wrap: after these characters only.
URL_BOUNDARIES = "/?&="
MARKUP = '<img src="x" data-injected="1"><b>bold</b>'
"""Text that would be markup if the page wrote it as HTML."""


@pytest.fixture
def narrow_page(browser: Browser, watch: Watch, admin: AdminClient) -> Iterator[Page]:
    context, opened = new_page(browser, watch, width=420)
    yield opened
    context.close()
    watch.check()


# ----- the activity chart


def burst(admin: AdminClient) -> None:
    for _ in range(BURST):
        admin.emit("NewFileUpload")
        admin.advance_clock(STEP_SECONDS)


def bars_with_events(page: Page) -> Locator:
    return page.get_by_test_id("chart-activity").locator('g.bar:not([data-events="0"])')


def test_the_chart_spreads_events_over_many_bars_after_a_jump_of_the_clock(
    page: Page, emulator: EmulatorThread, admin: AdminClient
) -> None:
    burst(admin)
    open_dashboard(page, emulator.url)
    expect(bars_with_events(page)).to_have_count(BURST)

    # A day later, another burst, while the page is open: each event keeps a bar of its
    # own, and the idle day between the bursts is cut out of the axis, marked.
    admin.advance_clock(JUMP_SECONDS)
    burst(admin)
    expect(bars_with_events(page)).to_have_count(2 * BURST)
    chart = page.get_by_test_id("chart-activity")
    [skipped] = chart.locator("g.break").evaluate_all(
        "marks => marks.map((mark) => Number(mark.dataset.skipped))")
    assert JUMP_SECONDS <= skipped <= JUMP_SECONDS + 2 * STEP_SECONDS
    counted = chart.locator("g.bar").evaluate_all(
        "bars => bars.reduce((sum, bar) => sum + Number(bar.dataset.events), 0)")
    assert counted == 2 * BURST
    expect(chart.locator("svg").first).to_have_attribute(
        "aria-label", re.compile(rf"^{2 * BURST} events from .*, 1 idle stretch cut$"))


# ----- long callback URLs


LINES_OF = """element => {
  // The text of each line the element is laid out in, in order.
  const lines = [];
  let top = null;
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.data.length; i++) {
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const box = range.getBoundingClientRect();
      if (top === null || box.top > top + 2) lines.push("");
      top = top === null || box.top > top + 2 ? box.top : top;
      lines[lines.length - 1] += node.data[i];
    }
  }
  return lines;
}"""


def laid_out(url_element: Locator, container: Locator) -> list[str]:
    """The URL's lines, checked: whole, each break after a URL boundary, inside its
    container."""
    lines: list[str] = url_element.evaluate(LINES_OF)
    text = url_element.text_content()
    assert "".join(lines) == text
    assert all(line[-1] in URL_BOUNDARIES for line in lines[:-1]), lines
    box, room = url_element.bounding_box(), container.bounding_box()
    assert box is not None and room is not None
    assert room["x"] <= box["x"] and box["x"] + box["width"] <= room["x"] + room["width"]
    return lines


def test_a_long_callback_url_wraps_at_its_boundaries_in_a_narrow_window(
    narrow_page: Page, emulator: EmulatorThread, admin: AdminClient
) -> None:
    page = narrow_page
    with CallbackReceiver() as receiver:
        url = (receiver.url + "/hooks/video-on-demand/tenant-4f9c2a7e/notifications"
               "?token=0123456789abcdef&source=vod-emulator&environment=staging")
        admin.request("POST", f"/_emulator/event-config/{PUSH_APP}",
                      {"Mode": "PUSH", "NotificationUrl": url})
        admin.emit("NewFileUpload", sub_app_id=PUSH_APP)
        admin.wait(PUSH_APP, callbacks_delivered=1)
        open_dashboard(page, emulator.url)

        # In the applications table: whole, broken at boundaries only, inside its cell.
        in_table = page.get_by_test_id("app-url")
        expect(in_table).to_have_text(url)
        assert len(laid_out(in_table, in_table.locator("xpath=ancestor::td"))) > 1

        # In the activity feed, where the journal says where the event was sent.
        routed = page.get_by_test_id("feed").locator('li[data-kind="routed"] .url')
        expect(routed).to_have_text(url)
        assert len(laid_out(routed, page.get_by_test_id("feed"))) > 1

        # In the callback attempt: the same, inside the event's panel.
        page.get_by_test_id("event-open").click()
        attempt = page.get_by_test_id("attempt")
        attempt.locator("summary").click()
        in_attempt = attempt.get_by_test_id("attempt-url")
        expect(in_attempt).to_have_text(url)
        assert len(laid_out(in_attempt, page.locator("#detail-panel"))) > 1
        assert page.evaluate("document.documentElement.scrollWidth") <= 420


# ----- a callback attempt's answer


def test_each_attempt_shows_what_the_handler_answered_as_text(
    page: Page, emulator: EmulatorThread, admin: AdminClient, watch: Watch
) -> None:
    long_answer = b"overloaded, try later. " * 300  # more than the emulator keeps
    admin.update_settings(callback_retry_seconds=[1, 1])
    with Handler() as handler:
        handler.answer(Reply(500, MARKUP.encode(), "text/html; charset=utf-8"),
                       Reply(503, long_answer, "text/plain"),
                       Reply(200))  # an empty body, no Content-Type
        admin.request("POST", f"/_emulator/event-config/{PUSH_APP}",
                      {"Mode": "PUSH", "NotificationUrl": handler.url})
        [event] = admin.emit("NewFileUpload", sub_app_id=PUSH_APP)
        for failures in (1, 2):  # each retry is due a second after the failure before
            wait_for_failed_attempts(admin, failures)
            admin.advance_clock(1)
        admin.wait(PUSH_APP, callbacks_delivered=1)
    kept = admin.callbacks(event_id=event["event_id"])
    assert [attempt["answer_truncated"] for attempt in kept] == [False, True, False]

    open_dashboard(page, emulator.url)
    page.get_by_test_id("event-open").click()
    attempts = page.get_by_test_id("attempt")
    expect(attempts).to_have_count(3)
    for i in range(3):
        attempts.nth(i).locator("summary").click()

    refused = attempts.nth(0)
    expect(refused.get_by_test_id("answer-type")).to_have_text("text/html; charset=utf-8")
    expect(refused.get_by_test_id("answer-body")).to_have_text(MARKUP)
    expect(refused.get_by_test_id("answer-truncated")).to_have_count(0)
    # Text, never markup: nothing the handler wrote became an element.
    assert refused.get_by_test_id("answer-body").evaluate("body => body.children.length") == 0
    expect(page.locator("[data-injected]")).to_have_count(0)

    overloaded = attempts.nth(1)
    expect(overloaded.get_by_test_id("answer-type")).to_have_text("text/plain")
    expect(overloaded.get_by_test_id("answer-truncated")).to_have_text("(truncated)")
    expect(overloaded.get_by_test_id("answer-body")).to_have_text(kept[1]["answer_body"])
    assert long_answer.decode().startswith(kept[1]["answer_body"])

    delivered = attempts.nth(2)
    expect(delivered.get_by_test_id("answer")).to_have_text(
        "Answer (no Content-Type): an empty body.")
    expect(delivered.get_by_test_id("answer-body")).to_have_count(0)


def wait_for_failed_attempts(admin: AdminClient, count: int) -> None:
    """Until the journal holds `count` failed attempts (the server holds each ask)."""
    failed = admin.follow_journal(kind="attempt_failed")["entries"]
    while len(failed) < count:
        more = admin.follow_journal(failed[-1]["seq"] if failed else 0, wait_seconds=10,
                                    kind="attempt_failed")["entries"]
        assert more, f"{len(failed)} failed attempts, {count} awaited"
        failed += more


def test_an_attempt_with_no_answer_shows_none(
    page: Page, emulator: EmulatorThread, admin: AdminClient
) -> None:
    admin.update_settings(callback_retry_seconds=[])  # the first failure is final
    admin.request("POST", f"/_emulator/event-config/{PUSH_APP}",
                  {"Mode": "PUSH", "NotificationUrl": refused_url()})
    [event] = admin.emit("NewFileUpload", sub_app_id=PUSH_APP)
    admin.wait(PUSH_APP, callbacks_undelivered=1)
    [attempt] = admin.callbacks(event_id=event["event_id"])
    assert attempt["answer_body"] is None and attempt["error"]

    open_dashboard(page, emulator.url)
    page.get_by_test_id("event-open").click()
    shown = page.get_by_test_id("attempt")
    expect(shown).to_contain_text(attempt["error"])
    expect(shown.get_by_test_id("answer")).to_have_count(0)
