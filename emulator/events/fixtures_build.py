"""Write ``fixtures/``: one example event per EventType, and one run of every scenario.

    python -m emulator.events.fixtures_build            # rewrite fixtures/
    python -m emulator.events.fixtures_build --check    # exit 1 if fixtures/ is stale

Every file is ``{"description": ..., "events": [...]}``: ready for
``POST /_emulator/events`` as it is, or ``vod-emulator emit --file``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .catalog import EVENT_TYPES
from .factory import EventFactory
from .scenarios import SCENARIOS, build_scenario

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
SEED = 20180717
NOW = 1_767_225_600.0  # 2026-01-01T00:00:00Z: fixed, so the files never change by themselves


def render_fixtures() -> dict[str, str]:
    """Relative path -> file text."""
    files: dict[str, str] = {}
    factory = EventFactory(SEED, lambda: NOW)
    for event_type in EVENT_TYPES:
        files[f"events/{event_type}.json"] = _render(
            f"One {event_type} event, as PullEvents returns it (without EventHandle).",
            [factory.make(event_type)],
        )
    for name, scenario in SCENARIOS.items():
        files[f"scenarios/{name}.json"] = _render(
            f"Scenario {name}: {scenario.description}.", build_scenario(factory, name, NOW)
        )
    return files


def _render(description: str, events: list[dict[str, Any]]) -> str:
    document = {"description": description, "events": events}
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if fixtures/ is stale")
    arguments = parser.parse_args(argv)
    files = render_fixtures()
    if arguments.check:
        stale = [p for p, text in files.items()
                 if not (FIXTURES / p).exists() or (FIXTURES / p).read_text("utf-8") != text]
        if stale:
            print(f"stale fixtures: {', '.join(stale)}; run "
                  "python -m emulator.events.fixtures_build", file=sys.stderr)
            return 1
        return 0
    for path, text in files.items():
        target = FIXTURES / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    print(f"wrote {len(files)} files under {FIXTURES}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
