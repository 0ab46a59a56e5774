"""Real browsers for the endpoint's tests: pages served on loopback, visited by headless
Chromium or Firefox as a person would open them. `./.ci/test` installs both (`.ci/setup.sh`,
with OVERNIGHT_SETUP_TESTS=1)."""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

Response = tuple[bytes, str, dict[str, str]]
"""A page's body, content type and further headers."""


@contextmanager
def pages(respond: Callable[[str], Response]) -> Iterator[str]:
    """Serve `respond(path)` for every GET on loopback; yields the base URL."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body, content_type, headers = respond(self.path)
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def visit(url: str, profile: Path) -> None:
    """Load a page in headless Chromium, with a fresh profile each time (another visitor)."""
    chromium = shutil.which("chromium")
    assert chromium, "Chromium is not installed: ./.ci/test installs it (apt-get install chromium)"
    # No sandbox: it needs user namespaces that root in CI and containers lack. The page is
    # ours and is only read; the virtual time lets what it sends late go before it exits.
    flags = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run"]
    flags += [f"--user-data-dir={profile}", "--virtual-time-budget=5000", "--dump-dom"]
    subprocess.run([chromium, *flags, url], capture_output=True, timeout=60, check=True)


@contextmanager
def open_in_firefox(url: str, profile: Path) -> Iterator[None]:
    """The page open in headless Firefox until the block ends (it has no virtual time to run
    out: the caller waits for what the page sends, then the browser is closed)."""
    firefox = shutil.which("firefox-esr") or shutil.which("firefox")
    assert firefox, "Firefox is not installed: ./.ci/test installs it (apt-get install firefox-esr)"
    profile.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [firefox, "--headless", "--no-remote", "--profile", str(profile), url],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
