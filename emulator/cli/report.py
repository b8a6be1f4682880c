"""``vod-emulator report``: the consumer report, grouped by application and client; with
``--check``, exit status 1 when it has a finding (for CI)."""

from __future__ import annotations

from ..clients.report_text import report_lines
from ..core.ids import ANY_APP, AppFilter
from .commands import Command


def report(command: Command) -> int:
    sub_app_id: AppFilter = command.args.sub_app_id if command.given("sub_app_id") else ANY_APP
    answer = command.admin.report(sub_app_id)
    if command.json:
        command.print_json(answer)
    else:
        command.print_lines(report_lines(answer["findings"]))
    return 1 if command.args.check and answer["findings"] else 0
