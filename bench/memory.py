"""Memory: resident size of a running emulator before and after queueing many events.

    .venv/bin/python bench/memory.py      # prints a JSON summary
"""

from __future__ import annotations

import json
import sys
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ServerProcess, emulator_command  # noqa: E402

BATCH = 10_000


def resident_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def run(event_type: str = "NewFileUpload", batches: int = 10) -> dict[str, Any]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with ServerProcess("emulator", emulator_command) as server:
        assert server.process is not None
        before = resident_bytes(server.process.pid)
        for _ in range(batches):
            body = json.dumps({"type": event_type, "count": BATCH,
                               "with_content": False}).encode()
            request = urllib.request.Request(server.url + "/_emulator/events", data=body,
                                             method="POST")
            with opener.open(request, timeout=120) as response:
                response.read()
        after = resident_bytes(server.process.pid)
    events = batches * BATCH
    return {"event_type": event_type, "events": events, "rss_before_mb": before / 1e6,
            "rss_after_mb": after / 1e6, "bytes_per_event": (after - before) / events}


if __name__ == "__main__":
    print(json.dumps([run("NewFileUpload"), run("ProcedureStateChanged", batches=5)], indent=2))
