"""The consumer report as text, for people: what ``vod-emulator report`` prints and the
pytest plugin's end-of-session section shows. Reads the report's JSON (GET
/_emulator/report), so it works the same against any emulator."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

CLEAN = "no finding: nothing the real service would punish"


def report_lines(findings: Iterable[Mapping[str, Any]], indent: str = "") -> list[str]:
    """The findings grouped by application and by who did it, each with its count, when,
    its ids, what it means and what to change."""
    lines: list[str] = []
    group = None
    for finding in findings:
        app = finding["sub_app_id"]
        client = finding["client"]
        who = f"{client['address']} {client['user_agent']}".strip()
        here = (app, who)
        if here != group:
            group = here
            name = "the default application" if app is None else f"SubAppId {app}"
            lines.append(f"{indent}{name}" + (f", {who}" if who else ""))
        span = _when(finding["first_at"])
        if finding["last_at"] != finding["first_at"]:
            span += f" to {_when(finding['last_at'])}"
        lines.append(f"{indent}  {finding['title']} (×{finding['count']}, {span}): "
                     f"{', '.join(finding['ids'])}")
        lines.append(f"{indent}    why: {finding['explanation']}")
        lines.append(f"{indent}    fix: {finding['fix']} (see {finding['see']})")
    return lines or [indent + CLEAN]


def _when(at: float) -> str:
    moment = datetime.fromtimestamp(at, tz=UTC)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")
