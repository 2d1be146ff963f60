"""Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by Playwright."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.fakes import ServerThread

CHROMIUM = Path("/usr/bin/chromium")
# No sandbox (CI runs as root in a container), no GPU, and nothing phoning home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).parent / "artifacts"  # gitignored


def chromium_or_skip() -> str:
    """The Chromium binary the tests drive; never Playwright's own download."""
    if not CHROMIUM.exists():
        pytest.skip("Chromium not installed: apt-get install chromium")
    return str(CHROMIUM)


class LiveServer(ServerThread):
    """ServerThread that gives up instead of waiting forever when the app fails to start."""

    def __init__(self, app: object, startup_timeout: float = 120) -> None:
        super().__init__(app)
        self.startup_timeout = startup_timeout

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + self.startup_timeout
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError("the app stopped during startup (see the log above)")
            if time.monotonic() > deadline:
                self.server.should_exit = True
                raise TimeoutError(f"the app did not start in {self.startup_timeout} s")
            time.sleep(0.02)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"
