"""The night: what the runner's own check costs, and what parallel runs hide.

- `verify_ratio`: the runner's check of one demo fix (the reproduction before and after, the
  test suite before and after, each in a fresh container, as `Checker` does it) against the
  same four commands back to back in one already-running container. Median of 3. Target 2.0.
- `parallel_ratio`: a night of 8 scripted issues whose model replies each take 1 s, 4 runs at
  once against 1 at a time. Target 0.4.
- `peak_rss_mb`: the PSS of the runner's whole process tree (the Podman service it started
  included) during the parallel night. Target < 500.

Progress on stderr; one JSON object on the last line.
"""

from __future__ import annotations

import json
import shutil
import socket
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.memory import PeakMemory  # noqa: E402
from runner.config import load_config  # noqa: E402
from runner.containers import RunPool  # noqa: E402
from runner.dispatch import request_dispatch  # noqa: E402
from runner.git import Author, commit_diff, init_repository  # noqa: E402
from runner.night.check import Checker  # noqa: E402
from runner.night.night import night_session, run_dispatches  # noqa: E402
from runner.routines import load_routines  # noqa: E402
from store import open_db  # noqa: E402
from store.issues import Issue, insert_issues  # noqa: E402
from store.night import list_dispatches  # noqa: E402

DEMO_APP = ROOT / "sample_signals" / "demo_app"
BENCH_SCRIPTS = ROOT / "tests" / "fixtures" / "agent_scripts"
REPRO = "python -m pytest -q tests/test_reports.py::test_summary_of_team_without_tasks"
FIX = """diff --git a/reports.py b/reports.py
--- a/reports.py
+++ b/reports.py
@@ -18,3 +18,5 @@
 def ratio(part: float, whole: float) -> float:
     \"\"\"`part / whole`, rounded for display.\"\"\"
+    if not whole:
+        return 0.0
     return round(part / whole, 3)
"""
AUTHOR = Author("Bench", "bench@localhost")


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def demo_repo(root: Path) -> Path:
    repo = root / "teamboard"
    init_repository(DEMO_APP, repo, branch="main", author=AUTHOR, message="Teamboard")
    return repo


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def verify(root: Path) -> dict[str, float]:
    repo = demo_repo(root)
    patched = commit_diff(repo, "main", FIX, branch=None, message="fix", author=AUTHOR, trailers={})
    config, _ = load_config(None)
    db = open_db(root / "verify.db")
    checker_times, serial_times = [], []
    with RunPool(db, config.containers) as pool:
        image = pool.image_for(repo, "main")
        checker = Checker(db, pool, config.night.test_command, 300, 900)
        checker.check(repo, "main", patched, image, REPRO, issue_id=None)  # warm caches
        for _ in range(3):
            started = time.perf_counter()
            outcome = checker.check(repo, "main", patched, image, REPRO, issue_id=None)
            checker_times.append(time.perf_counter() - started)
            assert outcome.passed, outcome.summary
            with pool.start(repo, "main", image) as run:
                tests = config.night.test_command.replace("{junit}", "/tmp/junit.xml")
                started = time.perf_counter()
                for command in (REPRO, REPRO, tests, tests):
                    run.exec(command, 300)
                serial_times.append(time.perf_counter() - started)
            say(f"check {checker_times[-1]:.2f} s, the four in one box {serial_times[-1]:.2f} s")
    check_s, serial_s = statistics.median(checker_times), statistics.median(serial_times)
    return {
        "verify_s": round(check_s, 3),
        "four_commands_s": round(serial_s, 3),
        "verify_ratio": round(check_s / serial_s, 2),
    }


def night_case(root: Path, parallel: int) -> Path:
    demo_repo(root)
    port = free_port()
    (root / "routines.toml").write_text(
        f'[profiles.bench]\nendpoint = "http://127.0.0.1:{port}/v1"\nmodel = "scripted"\n'
        '[[routines]]\nname = "all"\naction = "dispatch"\nprofile = "bench"\n'
    )
    config = root / "overnight.toml"
    config.write_text(
        f'[store]\npath = "o.db"\n[triage]\nroutines = "routines.toml"\n'
        f'[night]\nrepository = "teamboard"\nmax_parallel = {parallel}\n'
        f'[night.scripted_model]\nscripts = "{BENCH_SCRIPTS}"\nport = {port}\ndelay_s = 1.0\n'
    )
    db = open_db(root / "o.db")
    now = datetime.now(UTC)
    with db.conn:
        insert_issues(
            db,
            [
                Issue(
                    id=n,
                    title=f"OVERNIGHT-BENCH issue {n}",
                    kind="error",
                    lane="dispatchable",
                    first_seen=now,
                    last_seen=now,
                    created_at=now,
                    updated_at=now,
                )
                for n in range(1, 9)
            ],
        )
    for n in range(1, 9):
        request_dispatch(db, n)
    db.close()
    return config


def night(root: Path, parallel: int) -> float:
    config_file = night_case(root, parallel)
    config, _ = load_config(config_file)
    assert config.store.path is not None
    with night_session(
        config.store.path,
        config,
        load_routines(root / "routines.toml"),
        root,
        report=lambda _l: None,
        as_night=False,
    ) as session:
        queued = list_dispatches(session.db, state="queued")
        started = time.perf_counter()
        run_dispatches(session, queued, parallel)
        return time.perf_counter() - started


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="overnight-bench-") as tmp:
        root = Path(tmp)
        (root / "verify").mkdir()
        result = verify(root / "verify")
        (root / "serial").mkdir()
        serial = night(root / "serial", 1)
        say(f"8 runs one at a time: {serial:.1f} s")
        (root / "parallel").mkdir()
        with PeakMemory() as peak:
            parallel = night(root / "parallel", 4)
        say(f"8 runs four at a time: {parallel:.1f} s, peak {peak.mb:.0f} MB")
        shutil.rmtree(root, ignore_errors=True)
    result.update(
        serial_night_s=round(serial, 2),
        parallel_night_s=round(parallel, 2),
        parallel_ratio=round(parallel / serial, 3),
        peak_rss_mb=round(peak.mb, 1),
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
