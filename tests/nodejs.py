"""Running the official Node.js SDK's scripts (tests/node/) against an emulator: where they
are, the request styles they are driven in, and one run of a script."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from emulator.server import EmulatorThread

from .conftest import SECRET_ID, SECRET_KEY

NODE_DIR = Path(__file__).parent / "node"
NODE = shutil.which("node")

# (HTTP method, signature method): the request styles the Node SDK is driven in.
NODE_STYLES = [
    pytest.param(("POST", "TC3-HMAC-SHA256"), id="tc3-post"),
    pytest.param(("GET", "TC3-HMAC-SHA256"), id="tc3-get"),
    pytest.param(("POST", "HmacSHA256"), id="v1-post-sha256"),
    pytest.param(("GET", "HmacSHA1"), id="v1-get-sha1"),
]


def skip_without_node() -> None:
    """Skip the calling test module when node or the SDK's node_modules are missing."""
    if NODE is None:
        pytest.skip("node is not installed: the Node.js SDK tests need it",
                    allow_module_level=True)
    if not (NODE_DIR / "node_modules").is_dir():
        pytest.skip("tests/node/node_modules is missing: run `make setup` (npm ci in "
                    "tests/node)", allow_module_level=True)


def run_script(script: str, emulator: EmulatorThread, style: tuple[str, str],
               **arguments: Any) -> dict[str, Any]:
    """Run tests/node/<script> once, signed with the tests' secret in ``style``; its
    report (the last JSON line it printed). A non-zero exit is a test failure."""
    method, sign_method = style
    arguments.update(endpoint=emulator.endpoint, secretId=SECRET_ID,
                     reqMethod=method, signMethod=sign_method)
    arguments.setdefault("secretKey", SECRET_KEY)
    assert NODE is not None
    done = subprocess.run([NODE, str(NODE_DIR / script), json.dumps(arguments)],
                          cwd=NODE_DIR, capture_output=True, text=True, timeout=60,
                          check=False)
    if done.returncode != 0:
        pytest.fail(f"{script} exited {done.returncode}:\n{done.stderr}{done.stdout}")
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return report
