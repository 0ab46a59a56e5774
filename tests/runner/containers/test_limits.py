"""Limits: in force where the host can enforce them; where it cannot, runs refuse to start
unless told to go without, and then record what was dropped and why."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlite_utils

from runner.cli import main
from runner.containers.limits import (
    ACCEPT_SETTING,
    HostFacts,
    LimitsUnenforced,
    resolve_limits,
)
from runner.containers.pool import RunPool
from runner.containers.service import PrivateService
from runner.containers.settings import LimitSettings
from store.runs import ImageRecord, list_runs
from tests.runner.containers.conftest import LIMITS, MakeRepo

ROOTLESS_V1 = HostFacts(
    podman_version="4.3.1",
    runtime="runc",
    runtime_version="1.1.5",
    kernel="6.18",
    cgroup_version="v1",
    cgroup_controllers=[],
    rootless=True,
    hostname="h",
)


def test_unenforceable_limits_fail_closed_with_what_to_change() -> None:
    limits = resolve_limits(LIMITS, ROOTLESS_V1)
    assert set(limits.dropped) == {"memory", "pids"}
    with pytest.raises(LimitsUnenforced) as refused:
        limits.require_enforced()
    message = str(refused.value)
    assert ACCEPT_SETTING in message and "Delegate=memory pids cpu" in message
    assert "memory, pids" in message
    # Accepted: nothing raised, and the dropped limits keep their reasons.
    allowed = resolve_limits(LIMITS.model_copy(update={"allow_unenforced": True}), ROOTLESS_V1)
    allowed.require_enforced()
    assert "no memory cgroup controller" in allowed.dropped["memory"]
    # Limits set to none are not asked for, so nothing is dropped.
    none = LimitSettings(memory_mb=None, pids=None)
    resolve_limits(none, ROOTLESS_V1).require_enforced()
    with_controllers = ROOTLESS_V1.model_copy(update={"cgroup_controllers": ["memory", "pids"]})
    resolve_limits(LIMITS, with_controllers).require_enforced()


def test_limits_are_in_force_or_the_run_refuses_to_start(
    pool: RunPool,
    make_repo: MakeRepo,
    host_facts: HostFacts,
    fresh_db: sqlite_utils.Database,
) -> None:
    repo, [sha] = make_repo({"README": "hi\n"})
    dropped = resolve_limits(LIMITS, host_facts).dropped
    if not dropped:  # rootful here: the kernel enforces them
        with pool.start(repo, sha, limits=LIMITS) as run:
            pids = run.exec("cat /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/pids.max 2>/dev/null")
            memory = run.exec(
                "cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/memory.max "
                "2>/dev/null"
            )
        assert pids.stdout.split()[0] == "256"
        assert memory.stdout.split()[0] == str(512 * 1024 * 1024)
        assert run.record.limits["in_force"]["pids"] == 256
        assert run.record.limits["in_force"]["memory_bytes"] == 512 * 1024 * 1024
        assert run.record.limits["dropped"] == {}
        return
    # Rootless on cgroup v1: no run starts, nothing is left behind, the message says why.
    api = pool.connections.items[0].client.api

    def containers() -> set[str]:
        return {c["Id"] for c in api.get("/containers/json", params={"all": True}).json()}

    before = containers()
    with pytest.raises(LimitsUnenforced, match="allow_unenforced = true"):
        pool.start(repo, sha, limits=LIMITS)
    assert list_runs(fresh_db) == []
    assert containers() <= before  # none was created
    # Accepted: the run starts, records each dropped limit with the reason, and still gets
    # every limit that needs no cgroup.
    accepted = LIMITS.model_copy(update={"allow_unenforced": True})
    with pool.start(repo, sha, limits=accepted) as run:
        slow = run.exec("sleep 10", timeout=1)
    assert slow.timed_out and slow.exit_code == 124
    assert set(run.record.limits["dropped"]) == set(dropped)
    assert "cgroup" in run.record.limits["dropped"]["memory"]
    assert run.record.limits["in_force"]["memory_bytes"] is None
    assert run.record.limits["in_force"]["pids"] is None
    assert run.record.limits["in_force"]["command_timeout_s"] == 60
    assert run.record.spec["resource_limits"] == {}


def test_doctor_fails_closed_on_unenforced_limits_and_warns_when_allowed(
    podman_service: PrivateService,
    base_image: ImageRecord,
    host_facts: HostFacts,
    db_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    connection = f'[[containers.connections]]\nname = "test"\nuri = "{podman_service.uri}"\n'
    strict, lenient = tmp_path / "strict.toml", tmp_path / "lenient.toml"
    strict.write_text(connection)
    lenient.write_text(connection + "[containers.limits]\nallow_unenforced = true\n")
    code = main(["--db", str(db_path), "--config", str(strict), "doctor"])
    out = capsys.readouterr().out
    assert "isolation in force: no network, all capabilities dropped" in out
    assert "an isolated container runs commands on test" in out
    if not resolve_limits(LimitSettings(), host_facts).dropped:  # rootful
        assert code == 0 and "limits in force: memory_bytes=2147483648, pids=512" in out
        return
    assert code == 1
    assert "FAIL  limit memory cannot be enforced" in out and "runs will refuse to start" in out
    assert ACCEPT_SETTING in out
    assert main(["--db", str(db_path), "--config", str(lenient), "doctor"]) == 0
    out = capsys.readouterr().out
    assert "WARN  limit memory is not enforced" in out and "WARN  limit pids" in out
    assert "FAIL" not in out and "no problems found" in out
