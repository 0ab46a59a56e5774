"""Endpoint throughput: real-shaped, gzipped SDK envelopes sent to `overnight serve` on loopback.

Starts `overnight serve` on a free loopback port with a fresh database, sends `--count` distinct
envelopes (each a copy of the real sentry-sdk capture `01-event.envelope` with its own event id)
over `--connections` keep-alive connections, stops the server with SIGTERM, then checks that
every envelope answered 200 is in the store.

Prints progress on stderr and one JSON object on the last line:
`{"envelopes_per_s": ..., "lost": ..., "sent": ..., "stored": ..., "seconds": ..., ...}`.
Targets (issue 2): at least 1,000 envelopes/s, none lost.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CAPTURE = ROOT / "tests" / "fixtures" / "sentry_captures" / "01-event.envelope"
DSN = re.compile(r"http://(?P<key>[^@\s]+)@(?P<host>[^:\s]+):(?P<port>\d+)/(?P<project>\S+)")


def bodies(count: int) -> list[tuple[str, bytes]]:
    """`count` gzipped envelopes, the real capture with a fresh event id each."""
    lines = CAPTURE.read_bytes().split(b"\n")
    header, item_header, payload = json.loads(lines[0]), lines[1], json.loads(lines[2])
    out = []
    for _ in range(count):
        event_id = uuid.uuid4().hex
        header["event_id"] = payload["event_id"] = event_id
        data = json.dumps(payload).encode()
        item = json.loads(item_header)
        item["length"] = len(data)
        body = b"\n".join([json.dumps(header).encode(), json.dumps(item).encode(), data]) + b"\n"
        out.append((event_id, gzip.compress(body, 6)))
    return out


def start(db: Path) -> tuple[subprocess.Popen[bytes], re.Match[str]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    overnight = Path(sys.executable).with_name("overnight")
    command = [str(overnight), "--db", str(db), "serve", "--host", "127.0.0.1", "--port", "0"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, env=env, cwd=db.parent)
    assert process.stdout is not None
    for line in process.stdout:
        if match := DSN.search(line.decode()):
            return process, match
    raise SystemExit("overnight serve did not print its DSN")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20_000, help="envelopes to send")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections")
    parser.add_argument("--max-seconds", type=float, default=120, help="stop sending after this")
    args = parser.parse_args()

    print(f"preparing {args.count:,} envelopes…", file=sys.stderr)
    work = bodies(args.count)
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "bench.db"
        process, dsn = start(db)
        key, port, project = dsn["key"], int(dsn["port"]), dsn["project"]
        headers = {
            "Content-Type": "application/x-sentry-envelope",
            "Content-Encoding": "gzip",
            "User-Agent": "sentry.python/2.75.0",
            "X-Sentry-Auth": f"Sentry sentry_key={key}, sentry_version=7, "
            "sentry_client=sentry.python/2.75.0",
        }
        acknowledged: list[str] = []
        failures: list[str] = []
        lock = threading.Lock()
        position = iter(range(len(work)))
        deadline = time.monotonic() + args.max_seconds

        def sender() -> None:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            path = f"/api/{project}/envelope/"
            while time.monotonic() < deadline:
                with lock:
                    index = next(position, None)
                if index is None:
                    break
                event_id, body = work[index]
                try:
                    connection.request("POST", path, body, headers)
                    response = connection.getresponse()
                    response.read()
                    ok = response.status == 200
                except (OSError, http.client.HTTPException) as exc:
                    connection.close()
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    ok, response = False, None
                    failures.append(repr(exc))
                with lock:
                    if ok:
                        acknowledged.append(event_id)
                    elif response is not None:
                        failures.append(f"HTTP {response.status}")
            connection.close()

        def progress() -> None:
            while not done.wait(1.0):
                print(f"  {len(acknowledged):,} acknowledged", file=sys.stderr)

        done = threading.Event()
        threading.Thread(target=progress, daemon=True).start()
        started = time.perf_counter()
        threads = [threading.Thread(target=sender) for _ in range(args.connections)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - started
        done.set()
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)

        conn = sqlite3.connect(db)
        stored_ids = {row[0] for row in conn.execute("SELECT id FROM signals")}
        conn.close()
        lost = sum(1 for event_id in acknowledged if event_id not in stored_ids)
        for failure in failures[:5]:
            print(f"  failure: {failure}", file=sys.stderr)
        print(
            json.dumps(
                {
                    "envelopes_per_s": round(len(acknowledged) / seconds, 1),
                    "lost": lost,
                    "sent": len(acknowledged) + len(failures),
                    "acknowledged": len(acknowledged),
                    "failed": len(failures),
                    "stored": len(stored_ids),
                    "seconds": round(seconds, 2),
                    "connections": args.connections,
                }
            )
        )


if __name__ == "__main__":
    main()
