"""A run is isolated: no network, a read-only system, no host environment, separate workspaces."""

from __future__ import annotations

import os
import socket

from runner.containers.pool import RunPool
from runner.containers.spec import BASE_ENV
from tests.runner.containers.conftest import MakeRepo


def test_a_run_cannot_reach_the_network(pool: RunPool, make_repo: MakeRepo) -> None:
    repo, [sha] = make_repo({"README": "hi\n"})
    # A listener on the host's loopback: with its own network namespace the container's
    # 127.0.0.1 is its own, so this must not be reachable from inside.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    with pool.start(repo, sha) as run:
        interfaces = run.exec("ls /sys/class/net")
        assert interfaces.stdout.split() == ["lo"]
        routes = run.exec("tail -n +2 /proc/net/route")
        assert routes.exit_code == 0 and routes.stdout.strip() == ""
        probe = run.exec(
            [
                "python3",
                "-c",
                f"import socket; socket.create_connection(('127.0.0.1', {port}), timeout=2)",
            ]
        )
        assert probe.exit_code != 0
        assert "Connection refused" in probe.stderr
        spec = run.record.spec
        assert spec["netns"] == {"nsmode": "none"}
    listener.close()


def test_a_run_cannot_write_outside_workspace_and_tmp(pool: RunPool, make_repo: MakeRepo) -> None:
    repo, [sha] = make_repo({"README": "hi\n"})
    with pool.start(repo, sha) as run:
        for path in ["/", "/etc", "/usr", "/usr/local/bin", "/opt", "/var", "/root", "/home"]:
            result = run.exec(["touch", f"{path}/overnight-probe"])
            assert result.exit_code != 0, path
        assert run.exec(["touch", "/workspace/new-file"]).exit_code == 0
        assert run.exec(["touch", "/tmp/new-file"]).exit_code == 0
        # Read-only root: even a file the run's user owns cannot be made outside the mounts.
        assert "Read-only file system" in run.exec("touch /etc/probe").stderr


def test_a_run_has_no_privileges(pool: RunPool, make_repo: MakeRepo) -> None:
    repo, [sha] = make_repo({"README": "hi\n"})
    with pool.start(repo, sha) as run:
        status = run.exec(
            "grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Uid|Gid)' /proc/self/status"
        )
        for cap in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
            assert f"{cap}:\t0000000000000000" in status.stdout, status.stdout
        assert "NoNewPrivs:\t1" in status.stdout
        assert "Uid:\t1000\t1000\t1000\t1000" in status.stdout
        assert "Gid:\t1000\t1000\t1000\t1000" in status.stdout
        # No way up: su and setuid programs do nothing without privileges to gain.
        assert run.exec("su -c id root </dev/null").exit_code != 0
        assert run.exec(["python3", "-c", "import os; os.setuid(0)"]).exit_code != 0
        assert run.exec("mount -t tmpfs none /mnt").exit_code != 0
        uid_map = run.exec("cat /proc/self/uid_map").stdout.split()
        assert run.exec("echo mine > made-inside").exit_code == 0
        assert run.checkout is not None
        made = (run.checkout.path / "made-inside").stat()
    triples = [uid_map[i : i + 3] for i in range(0, len(uid_map), 3)]
    if os.geteuid() != 0:
        # Rootless: uid 1000 inside is this host user (uid 0 of Podman's user namespace,
        # which maps nothing but this user and its subordinate ids): what the run writes is
        # the user's own, and root is out of reach.
        assert ["1000", "0", "1"] in triples
        assert made.st_uid == os.geteuid()
    else:
        assert made.st_uid == 1000


def test_a_run_sees_none_of_the_hosts_environment(pool: RunPool, make_repo: MakeRepo) -> None:
    repo, [sha] = make_repo({"README": "hi\n"})
    os.environ["OVERNIGHT_HOST_ONLY"] = "host-secret-value"
    try:
        with pool.start(repo, sha, env={"API_TOKEN": "t0ken", "MODE": "test"}) as run:
            env = run.exec("env -0")
    finally:
        del os.environ["OVERNIGHT_HOST_ONLY"]
    names = {item.split("=", 1)[0] for item in env.stdout.split("\0") if item}
    assert "OVERNIGHT_HOST_ONLY" not in names
    assert "host-secret-value" not in env.stdout
    assert not {n for n in names if "proxy" in n.lower()}
    # Only what Podman adds, the run's fixed environment, and what the run was given.
    podman = {"PATH", "TERM", "HOSTNAME", "container", "PWD", "SHLVL", "_"}
    assert names == podman | set(BASE_ENV) | {"API_TOKEN", "MODE"}
    # The record keeps names, never secret values.
    assert run.record.env["API_TOKEN"] == "<redacted>"
    assert run.record.env["MODE"] == "test"
    assert "t0ken" not in str(run.record.spec)


def test_two_runs_of_one_commit_do_not_see_each_other(pool: RunPool, make_repo: MakeRepo) -> None:
    repo, [first, later] = make_repo({"app.py": "x = 1\n"}, {"app.py": "x = 2\n", "new.py": ""})
    a = pool.start(repo, first)
    b = pool.start(repo, first)
    try:
        assert a.exec("echo changed > app.py && touch mine && git status --short").exit_code == 0
        seen = b.exec("cat app.py; ls; git status --short")
        assert seen.stdout == "x = 1\napp.py\n"
        # The target commit only: nothing of the later one is present.
        history = b.exec(f"git log --all --format=%H; git cat-file -e {later} || echo absent")
        assert history.stdout.split() == [first, "absent"]
    finally:
        a.finish()
        b.finish()
    with pool.start(repo, first) as c:
        assert c.exec("cat app.py; git status --short").stdout == "x = 1\n"
    assert c.record.checkout["later_commits_visible"] is False
