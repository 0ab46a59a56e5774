"""Ingest throughput: 100,000 envelopes from NDJSON into a fresh database.

Prints progress on stderr and one JSON object on the last line:
`{"signals_per_s": ..., "peak_rss_mb": ..., "signals": ..., "seconds": ...}`.
Targets (issue 2): at least 20,000 signals/s, peak RSS under 300 MB.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.memory import PeakMemory  # noqa: E402
from runner.ingest import ingest_paths  # noqa: E402
from store import open_db  # noqa: E402
from store.signals import count_signals  # noqa: E402

ROUTES = ["/dashboard", "/reports/summary", "/export/csv", "/settings", "/search", "/billing"]
ERRORS = ["ZeroDivisionError", "KeyError", "TypeError", "ValueError", "TimeoutError"]


def envelope(n: int, rng: random.Random) -> dict[str, object]:
    """A realistic error-boundary envelope; every one distinct."""
    error = rng.choice(ERRORS)
    return {
        "kind": "error",
        "occurred_at": f"2026-11-23T{n // 3600 % 24:02d}:{n // 60 % 60:02d}:{n % 60:02d}Z",
        "route": rng.choice(ROUTES),
        "actor": {"id": f"u-{rng.randrange(5000)}", "email": f"user{n}@example.com"},
        "workspace": f"ws-{rng.randrange(300)}",
        "actions": [
            {"message": "GET /dashboard", "category": "navigation"},
            {"message": "click #refresh", "category": "ui.click"},
        ],
        "flags": {"new_dashboard": bool(n % 2)},
        "intent": "refresh the dashboard",
        "error": {
            "type": error,
            "message": f"{error} for record {n}",
            "frames": [
                {
                    "file": "app.py",
                    "function": "handle",
                    "module": "app",
                    "line": 10,
                    "in_app": True,
                },
                {
                    "file": "reports.py",
                    "function": "ratio",
                    "module": "reports",
                    "line": 40 + n % 7,
                    "in_app": True,
                },
            ],
        },
        "release": "demo@1.2.3",
        "environment": "production",
    }


def write_ndjson(path: Path, count: int) -> None:
    rng = random.Random(7)
    with path.open("w") as out:
        for n in range(count):
            out.write(json.dumps(envelope(n, rng)) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, PeakMemory() as peak:
        source = Path(tmp) / "signals.ndjson"
        print(f"writing {args.count:,} envelopes ...", file=sys.stderr)
        write_ndjson(source, args.count)
        db = open_db(Path(tmp) / "bench.db")
        print("ingesting ...", file=sys.stderr)
        started = time.perf_counter()
        report = ingest_paths(db, [source], move_done=False)
        seconds = time.perf_counter() - started
        stored = count_signals(db)
    assert report.rejected == 0 and stored == args.count, (report, stored)
    peak_mb = peak.mb  # the whole tree: this process and the parsing workers
    print(f"{stored:,} signals in {seconds:.2f} s", file=sys.stderr)
    print(
        json.dumps(
            {
                "signals_per_s": round(stored / seconds),
                "peak_rss_mb": round(peak_mb, 1),
                "signals": stored,
                "seconds": round(seconds, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
