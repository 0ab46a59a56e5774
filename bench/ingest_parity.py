"""Ingest's stored output, compared between two trees of the code: every table's rows.

A speed-up of ingest must store the same bytes. This writes one set of inputs (the bench's
20,000 envelopes, the hostile lines of `tests/runner/sources/test_inbox_bad_input.py` with
good ones between them, times and values in every form, and a copy of `sample_signals/`),
ingests them all with the code of a tree, under a fixed clock, and compares two such runs:

    python bench/ingest_parity.py inputs DIR
    python bench/ingest_parity.py run TREE DIR OUT.pkl   # once per tree (e.g. `git archive`)
    python bench/ingest_parity.py compare A.pkl B.pkl    # prints IDENTICAL or the first rows

`_schema` (when each migration ran) is left out, and the features' version (a digest of their
code) is reported apart, as it moves whenever that code changes.
"""

from __future__ import annotations

import json
import pickle
import random
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH_RECORDS = 20_000
CLOCKS = (
    datetime(2026, 12, 2, 3, 24, 41, 742118, tzinfo=UTC),
    datetime(2026, 12, 2, 3, 24, 41, tzinfo=UTC),  # no microseconds: another ISO text
)
TIMES: list[object] = [
    "2026-11-23T00:00:00Z", "2026-11-23T00:00:00.000001Z", "2026-11-23T05:30:00+05:30",
    "2026-11-23T00:00:00", "0999-01-02T03:04:05Z", "2026-11-23T00:00:00.5-08:00",
    1700000000, 1700000000.25, 0, -1, "", None, "2026-11-23T00:00:00+00:00",
    "2026-11-23 00:00:00Z", True, [], "2026-02-30T00:00:00Z", 1e20,
]  # fmt: skip


def write_inputs(out: Path) -> None:
    """The inputs, written once so both trees read the same bytes."""
    root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root))
    from hypothesis import HealthCheck, given, settings

    import tests.runner.sources.test_inbox_bad_input as bad
    from bench.ingest import write_ndjson

    out.mkdir(exist_ok=True)
    # Copied with their times (a text file's signal happened when it was written), and read
    # from here by both trees: an origin names the path.
    shutil.copytree(root / "sample_signals", out / "sample_signals", dirs_exist_ok=True)
    write_ndjson(out / "bench.ndjson", BENCH_RECORDS)
    lines: list[bytes] = []

    @settings(max_examples=600, database=None, derandomize=True, deadline=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(line=bad.bad_lines)
    def collect(line: bytes) -> None:
        lines.append(line)

    collect()
    lines += [b"1" * 5_000, b"[" * 100_000 + b"]" * 100_000,
              b'{"kind": "feedback", "text": "caf\\u00e9 \\ud800"}']  # fmt: skip
    long_text = "the export is empty\n" + "log: sync step done\n" * 20_000
    records: list[dict[str, Any]] = [
        {"kind": "feedback", "title": "Export " * 200, "text": long_text, "route": "/export"}
    ]
    for n, moment in enumerate(TIMES):
        records.append({"kind": "error", "occurred_at": moment, "error": {"type": "E"}})
        records.append({"kind": "feedback", "occurred_at": moment, "text": f"time {n}",
                        "actor": {"email": "A@B.c "}})  # fmt: skip
    records += [
        {"kind": "error", "route": None, "actions": [], "flags": {}, "raw": "",
         "error": {"type": "E", "message": "", "frames": [{"in_app": False, "line": None}]}},
        {"kind": "error", "flags": {"a": 1.5, "b": 1e16, "c": None, "d": [1, "x"]},
         "contexts": {"feedback": {"associated_event_id": "AB-CD"}}, "tags": {"t": "v"},
         "error": {"type": "E", "ns_error": ["d", "c"]}},
        {"kind": "feedback", "text": "caf\u00e9 \U0001f600 \u2028 \x7f \x01", "title": "  "},
        {"kind": "regression", "test_id": "t.py::test_x[1]", "text": "boom"},
    ]  # fmt: skip
    lines += [json.dumps(r, ensure_ascii=False).encode() for r in records]
    random.Random(3).shuffle(lines)
    goods = [
        json.dumps({"kind": "feedback", "text": f"report {n}"}).encode() for n in range(len(lines))
    ]
    mixed = [line for pair in zip(goods, lines, strict=True) for line in pair]
    (out / "bad.ndjson").write_bytes(b"\n".join(mixed) + b"\n")


def run(tree: Path, inputs: Path, out: Path) -> None:
    """Ingest the inputs with the code of `tree`, under each fixed clock; pickle the rows."""
    sys.path.insert(0, str(tree))
    import runner.ingest
    import store.signal
    from runner.errors import UserError
    from runner.sources.files import FILE_READERS
    from store import open_db

    assert Path(runner.ingest.__file__).resolve().is_relative_to(tree.resolve())
    clocks = [store.signal.utcnow]
    results: dict[str, Any] = {}
    for clock in CLOCKS:
        fake = lambda clock=clock: clock  # noqa: E731
        for module in list(sys.modules.values()):
            if getattr(module, "utcnow", None) in clocks:
                module.utcnow = fake  # type: ignore[attr-defined]
        clocks.append(fake)
        reports: list[object] = []

        def ingest(
            db: Any, path: Path, parallel_min: int | None = None, reports: list[object] = reports
        ) -> None:
            saved = runner.ingest.PARALLEL_MIN_BYTES
            if parallel_min is not None:
                runner.ingest.PARALLEL_MIN_BYTES = parallel_min
            try:
                r = runner.ingest.ingest_paths(db, [path], move_done=False)
                reports.append((r.new, r.already_stored, r.rejected, r.files, r.reasons))
            except UserError as exc:
                reports.append(("UserError", str(exc)))
            finally:
                runner.ingest.PARALLEL_MIN_BYTES = saved

        folder = Path(tempfile.mkdtemp())
        serial, pooled = open_db(folder / "serial.db"), open_db(folder / "pool.db")
        ingest(serial, inputs / "bench.ndjson")  # large: parsed in the pool
        ingest(serial, inputs / "bench.ndjson")  # again: every id is known
        ingest(serial, inputs / "bad.ndjson")  # small: parsed here
        for file in sorted((inputs / "sample_signals").rglob("*")):
            if file.is_file() and file.suffix.lower() in FILE_READERS:
                ingest(serial, file)
        ingest(pooled, inputs / "bad.ndjson", parallel_min=0)  # the bad lines in the pool
        results[clock.isoformat()] = (reports, _rows(serial), _rows(pooled))
    with out.open("wb") as handle:
        pickle.dump(results, handle)


def _rows(db: Any) -> dict[str, list[tuple[object, ...]]]:
    tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    rows = {}
    for table in tables:
        try:
            rows[table] = db.execute(f"SELECT * FROM [{table}] ORDER BY rowid").fetchall()
        except Exception:  # a table without rowid
            rows[table] = sorted(db.execute(f"SELECT * FROM [{table}]").fetchall(), key=repr)
    return rows


def compare(a_path: Path, b_path: Path) -> bool:
    """Print what differs between two runs; True when nothing does."""
    a, b = (pickle.loads(p.read_bytes()) for p in (a_path, b_path))
    same = True
    for clock in a:
        (reports_a, *stores_a), (reports_b, *stores_b) = a[clock], b[clock]
        if reports_a != reports_b:
            same = False
            print(clock, "reports differ")
        for label, x, y in zip(("serial", "pool"), stores_a, stores_b, strict=True):
            for table in sorted((set(x) | set(y)) - {"_schema"}):
                rows_x, rows_y = x.get(table, []), y.get(table, [])
                if table == "signal_features":  # (seq, signal_id, version, data)
                    versions = sorted({r[2] for r in rows_x}), sorted({r[2] for r in rows_y})
                    print(clock, label, "features versions:", *versions)
                    rows_x = [r[:2] + r[3:] for r in rows_x]
                    rows_y = [r[:2] + r[3:] for r in rows_y]
                if rows_x != rows_y:
                    same = False
                    print(clock, label, table, "differs:", len(rows_x), "rows against", len(rows_y))
                    for rx, ry in zip(rows_x, rows_y, strict=False):
                        if rx != ry:
                            print("  a:", str(rx)[:400], "\n  b:", str(ry)[:400])
                            break
            print(clock, label, "rows compared:", sum(len(v) for v in x.values()))
    print("IDENTICAL" if same else "DIFFERENT")
    return same


def main() -> None:
    command, *args = sys.argv[1:]
    if command == "inputs":
        write_inputs(Path(args[0]))
    elif command == "run":
        run(Path(args[0]), Path(args[1]), Path(args[2]))
    elif command == "compare":
        sys.exit(0 if compare(Path(args[0]), Path(args[1])) else 1)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
