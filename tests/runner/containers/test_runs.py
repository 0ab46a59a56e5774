"""Time limits, the record of every step, re-runs, several connections, and sweeping up."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import sqlite_utils

from runner.cli import main
from runner.containers.pool import RunPool
from runner.containers.replay import rerun, transcript
from runner.containers.run import RunEnded
from runner.containers.service import Connection, Connections, PrivateService, client_for
from runner.containers.settings import ContainerSettings
from store import open_db
from store.runs import get_run, list_events
from tests.runner.containers.conftest import MakeRepo


def _gone(conn: Connection, container_id: str) -> bool:
    return conn.client.api.get(f"/containers/{container_id}/json").status_code == 404


def test_a_command_past_its_limit_is_output_and_the_run_goes_on(
    pool: RunPool, make_repo: MakeRepo, fresh_db: sqlite_utils.Database
) -> None:
    repo, [sha] = make_repo({"README": "hi\n"})
    with pool.start(repo, sha) as run:
        assert run.exec("echo ready").stdout == "ready\n"
        result = run.exec("echo started; sleep 30", timeout=1)
        assert result.timed_out and result.exit_code == 124
        assert result.stdout == "started\n"
        assert 1 <= result.duration_s < 3
        # A command that ignores SIGTERM gets SIGKILL after the grace: still output.
        stubborn = run.exec("trap '' TERM; sleep 30", timeout=0.5)
        assert stubborn.timed_out and stubborn.exit_code == 124
        assert 5 <= stubborn.duration_s < 8
        # The container lives on: the next command runs, in the same workspace.
        after = run.exec("echo next > note && cat note")
        assert after.exit_code == 0 and after.stdout == "next\n" and not after.timed_out
        # A command's own exit 124, well within its limit, is not a time-out.
        own = run.exec("exit 124", timeout=30)
        assert own.exit_code == 124 and not own.timed_out
    record = get_run(fresh_db, run.id)
    assert record is not None and record.status == "ok"
    events = list_events(fresh_db, run.id)
    assert [e.data.get("timed_out", False) for e in events] == [False, True, True, False, False]
    assert events[1].exit_code == 124 and events[1].data["limit"] == "command"
    assert events[2].data["killed_after_s"] == 5
    # The record keeps the command as given, not the wrapper it ran under.
    assert events[1].command == ["bash", "-c", "echo started; sleep 30"]
    assert "stopped at its command time limit" in transcript(record, events)


def test_the_run_wall_clock_limit_ends_the_run(
    pool: RunPool, make_repo: MakeRepo, fresh_db: sqlite_utils.Database
) -> None:
    repo, [sha] = make_repo({"README": "hi\n"})
    limits = pool.settings.limits.model_copy(update={"run_timeout_s": 2, "command_timeout_s": 30})
    run = pool.start(repo, sha, limits=limits)
    result = run.exec("sleep 20")
    assert result.timed_out and result.exit_code == 124
    assert result.duration_s < 4
    events = list_events(fresh_db, run.id)
    assert events[-1].data["limit"] == "run"
    record = get_run(fresh_db, run.id)
    assert record is not None and record.status == "timeout"
    assert "run time limit" in (record.reason or "")
    assert _gone(run.conn, run.container_id)
    with pytest.raises(RunEnded, match="has ended"):
        run.exec("true")


def test_output_is_capped_with_a_marker(pool: RunPool, make_repo: MakeRepo) -> None:
    repo, [sha] = make_repo({"README": "hi\n"})
    limits = pool.settings.limits.model_copy(update={"output_cap_bytes": 1000})
    with pool.start(repo, sha, limits=limits) as run:
        result = run.exec("echo START; head -c 200000 /dev/zero | tr '\\0' x; echo; echo END")
    assert result.stdout.startswith("START\n") and result.stdout.endswith("END\n")
    assert "bytes cut by overnight" in result.stdout
    assert len(result.stdout) < 1100


def test_a_rerun_matches_step_by_step(
    pool: RunPool, make_repo: MakeRepo, fresh_db: sqlite_utils.Database
) -> None:
    repo, [sha] = make_repo({"calc.py": "def add(a, b):\n    return a - b\n"})
    with pool.start(repo, sha, issue_id=7) as run:
        # The setup step leaves state later steps depend on: skipping it would diverge.
        run.setup("mkdir -p /tmp/work && cp calc.py /tmp/work/orig.py")
        run.exec(["python3", "-c", "import calc; print(calc.add(2, 2))"])
        run.exec("sed -i 's/a - b/a + b/' calc.py && git diff --stat")
        run.exec("python3 -c 'import calc; print(calc.add(2, 2))'; diff /tmp/work/orig.py calc.py")
    report = rerun(pool, run.id)
    assert [s.matched for s in report.steps] == [True, True, True, True], report.steps
    assert [s.kind for s in report.steps] == ["setup", "exec", "exec", "exec"]
    again = get_run(fresh_db, report.rerun)
    assert again is not None and again.rerun_of == run.id and again.image_id == run.record.image_id
    text = transcript(get_run(fresh_db, run.id), list_events(fresh_db, run.id))  # type: ignore[arg-type]
    assert "[1] setup: mkdir -p /tmp/work" in text and "exit 1" in text

    with pool.start(repo, sha) as noisy:
        noisy.exec("cat /proc/sys/kernel/random/uuid")
    diverged = rerun(pool, noisy.id)
    assert not diverged.matched and "stdout (re-run)" in diverged.steps[0].diff


def test_replay_command_prints_and_reruns(
    pool: RunPool,
    make_repo: MakeRepo,
    db_path: Path,
    podman_service: PrivateService,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo, [sha] = make_repo({"README": "hello\n"})
    with pool.start(repo, sha) as run:
        run.exec("cat README")
    config = tmp_path / "overnight.toml"
    config.write_text(f'[[containers.connections]]\nname = "test"\nuri = "{podman_service.uri}"\n')
    args = ["--db", str(db_path), "--config", str(config), "replay", run.id[:6]]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "[1] exec: cat README" in out and "    hello" in out
    assert main([*args, "--rerun"]) == 0
    assert "[1] match exec: cat README" in capsys.readouterr().out


def test_runs_spread_across_two_connections(
    fresh_db: sqlite_utils.Database,
    container_settings: ContainerSettings,
    base_image: object,
    make_repo: MakeRepo,
    tmp_path: Path,
) -> None:
    repo, [sha] = make_repo({"README": "hi\n"})
    services = [
        PrivateService.start(container_settings, tmp_path / f"s{i}" / "podman.sock")
        for i in range(2)
    ]
    conns = Connections(
        [Connection(f"svc{i}", s.uri, client_for(s.uri)) for i, s in enumerate(services)],
        services,
    )
    try:
        with RunPool(fresh_db, container_settings, conns) as pool:

            def work(run: object) -> str:
                from runner.containers.run import Run

                assert isinstance(run, Run)
                run.exec("sleep 1")
                return run.conn.name

            futures = [pool.submit(work, repo, sha) for _ in range(4)]
            used = sorted(f.result(timeout=60) for f in futures)
        assert used == ["svc0", "svc0", "svc1", "svc1"]
        rows = fresh_db.execute("SELECT connection, status FROM runs").fetchall()
        assert sorted(r[0].split()[0] for r in rows) == used
        assert {r[1] for r in rows} == {"ok"}
    finally:
        conns.close()


def test_containers_left_by_dead_runs_are_removed(
    pool: RunPool,
    container_settings: ContainerSettings,
    make_repo: MakeRepo,
    db_path: Path,
    podman_service: PrivateService,
    fresh_db: sqlite_utils.Database,
) -> None:
    repo, [sha] = make_repo({"README": "hi\n"})
    # A runner process that starts a run and dies without finishing it.
    script = textwrap.dedent(
        f"""
        import os, signal
        from pathlib import Path
        from runner.containers.images import ensure_base_image
        from runner.containers.run import Run
        from runner.containers.service import Connection, client_for
        from runner.containers.settings import ContainerSettings
        from store import open_db
        settings = ContainerSettings.model_validate_json({container_settings.model_dump_json()!r})
        db = open_db({str(db_path)!r})
        conn = Connection("local", {podman_service.uri!r}, client_for({podman_service.uri!r}))
        image = ensure_base_image(settings)
        run = Run.start(db, conn, settings, Path({str(repo)!r}), {sha!r}, image)
        run.exec("echo half way")
        print(run.id, run.container_id, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    child = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert child.returncode == -9, child.stderr
    run_id, container_id = child.stdout.split()
    conn = pool.connections.items[0]
    assert not _gone(conn, container_id)
    db = open_db(db_path)
    assert get_run(db, run_id).status == "running"  # type: ignore[union-attr]
    assert run_id in pool.sweep()
    assert _gone(conn, container_id)
    record = get_run(db, run_id)
    assert record is not None and record.status == "interrupted"
    assert [e.stdout for e in list_events(db, run_id)] == ["half way\n"]
    assert json.loads(json.dumps(record.checkout))["method"] == "pack-objects+checkout"
