"""Produce the grouping set: real code through real Sentry SDKs, labeled as Sentry groups it.

    .venv/bin/python sample_signals/grouping/generate.py [--node-modules DIR]

Starts a loopback capture server (as `shared/reference/sentry-sdk-captures/capture.py` does),
runs `python_cases.py` with the Python `sentry-sdk` (four times: frames in-app, none in-app,
messages with their stack attached, and the whole disk as the project root), `node/cases.js`
with `@sentry/node` and `node/browser_cases.js` with `@sentry/browser` (installed with
`npm ci` in `node/`, or found in `--node-modules`); compiles and runs
`java/com/shop/orders/Cases.java` on the JVM (its Throwables turned into events of
sentry-java's shape: no sentry-java can be fetched here); adds the hand-written .NET, native
and Cocoa events of `handwritten_cases.py`; and writes `expected_groups.jsonl`: one `{"id",
"group", "source", "event"}` per event, its group from `labels.json` by the event's `case`
tag, `source` saying what made it. Machine-specific paths
are replaced by neutral ones; nothing else of the SDKs' payloads is changed.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import brotli

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import handwritten_cases  # noqa: E402 - beside this script, not a package

LABELS = HERE / "labels.json"
OUT = HERE / "expected_groups.jsonl"
# Keys of an SDK's event that only describe the machine it ran on.
_MACHINE_KEYS = ("modules", "server_name", "sdk", "debug_meta", "extra", "sent_at")


class Capture(BaseHTTPRequestHandler):
    received: list[bytes] = []
    lock = threading.Lock()

    def do_POST(self) -> None:
        body = self._body()
        encoding = (self.headers.get("Content-Encoding") or "").lower()
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        elif encoding == "br":
            # sentry-sdk compresses with brotli when the package is installed (it is now).
            body = brotli.decompress(body)
        with self.lock:
            self.received.append(body)
        out = b'{"id":"0"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def _body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            # @sentry/node streams its gzipped body in chunks, without a Content-Length.
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))

    def log_message(self, *_args: object) -> None:
        pass


def events_of(envelope: bytes) -> list[dict[str, Any]]:
    """The `event` items of one envelope: a header line, then item headers and payloads (a
    payload with a `length` is exactly that many bytes)."""
    events = []
    first = envelope.find(b"\n")
    pos = len(envelope) if first < 0 else first + 1
    while pos < len(envelope):
        end = envelope.find(b"\n", pos)
        end = len(envelope) if end < 0 else end
        line = envelope[pos:end].strip()
        pos = end + 1
        if not line:
            continue
        header = json.loads(line)
        length = header.get("length")
        if length is None:
            end = envelope.find(b"\n", pos)
            end = len(envelope) if end < 0 else end
            payload, pos = envelope[pos:end], end + 1
        else:
            payload, pos = envelope[pos : pos + length], pos + length + 1
        if header.get("type") == "event":
            events.append(json.loads(payload))
    return events


_TEMP_DIR = re.compile(r"/tmp/overnight-cases-\w+")


def _neutral(value: Any, roots: list[tuple[str, str]]) -> Any:
    if isinstance(value, str):
        for root, neutral in roots:
            value = value.replace(root, neutral)
        return _TEMP_DIR.sub("/srv/vendor", value)
    if isinstance(value, list):
        return [_neutral(v, roots) for v in value]
    if isinstance(value, dict):
        return {k: _neutral(v, roots) for k, v in value.items() if k not in ("vars",)}
    return value


def scrub(event: dict[str, Any], roots: list[tuple[str, str]]) -> dict[str, Any]:
    """Machine-specific parts out: paths made neutral, host details and frame vars dropped."""
    kept = {k: v for k, v in event.items() if k not in _MACHINE_KEYS}
    contexts = kept.get("contexts")
    if isinstance(contexts, dict):
        kept["contexts"] = {k: v for k, v in contexts.items() if k not in ("os", "device")}
    return dict(_neutral(kept, roots))


def run_cases(dsn: str, node_modules: Path | None) -> None:
    env = dict(os.environ)
    python = sys.executable
    subprocess.run([python, "python_cases.py", dsn], cwd=HERE, env=env, check=True)
    subprocess.run([python, "python_cases.py", dsn, "--no-in-app"], cwd=HERE, env=env, check=True)
    for mode in ("--attach-stacktrace", "--project-root-slash"):
        subprocess.run([python, "python_cases.py", dsn, mode], cwd=HERE, env=env, check=True)
    node_env = env | ({"NODE_PATH": str(node_modules)} if node_modules else {})
    subprocess.run(["node", "cases.js", dsn], cwd=HERE / "node", env=node_env, check=True)
    subprocess.run(["node", "browser_cases.js", dsn], cwd=HERE / "node", env=node_env, check=True)


def java_events() -> list[dict[str, Any]]:
    """The JVM cases' events, one JSON object a line on the program's stdout."""
    with tempfile.TemporaryDirectory() as build:
        source = HERE / "java" / "com" / "shop" / "orders" / "Cases.java"
        subprocess.run(["javac", "-d", build, str(source)], check=True)
        out = subprocess.run(
            ["java", "-cp", build, "com.shop.orders.Cases"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def _source(event: dict[str, Any]) -> str:
    sdk = event.get("sdk")
    name = sdk.get("name") if isinstance(sdk, dict) else None
    return str(name or "unknown")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--node-modules", type=Path, help="where @sentry/node is installed")
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Capture)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    dsn = f"http://publickey@127.0.0.1:{server.server_address[1]}/7"
    try:
        run_cases(dsn, args.node_modules)
    finally:
        server.shutdown()
    labels: dict[str, str] = json.loads(LABELS.read_text())["cases"]
    # The virtual environment and the Python it is made from both stand for a Python installed
    # under /usr/local, as in the official container images.
    roots = [
        (str(HERE), "/srv/shop"),
        (sys.prefix, "/usr/local"),
        (sys.base_prefix, "/usr/local"),
        (str(Path.home()), "/home/app"),
    ]
    made: list[tuple[str, dict[str, Any]]] = [
        (_source(event), event) for envelope in Capture.received for event in events_of(envelope)
    ]
    made += [("jvm, in sentry-java's shape", event) for event in java_events()]
    made += [("hand-written", event) for event in handwritten_cases.events()]
    rows = []
    for source, event in made:
        tags = event.get("tags") or {}
        case, seq = tags.get("case"), tags.get("seq")
        if case not in labels:
            raise SystemExit(f"event of case {case!r} has no label in {LABELS.name}")
        rows.append(
            {
                "id": f"{case}-{seq}",
                "group": labels[case],
                "source": source,
                "event": scrub(event, roots),
            }
        )
    # Repeats interleaved across cases, as a night's events arrive: the first of every case,
    # then the second, ... (labels.json's order within each round).
    order = {case: n for n, case in enumerate(labels)}
    rows.sort(key=lambda r: (int(r["id"].rsplit("-", 1)[1]), order[r["id"].rsplit("-", 1)[0]]))
    missing = set(labels) - {r["id"].rsplit("-", 1)[0] for r in rows}
    if missing:
        raise SystemExit(f"cases without events: {sorted(missing)}")
    OUT.write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in rows))
    print(f"{len(rows)} events, {len(set(labels.values()))} groups -> {OUT}")


if __name__ == "__main__":
    main()
