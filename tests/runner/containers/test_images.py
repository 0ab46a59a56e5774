"""The dependency layer: built once per set of dependency files, reused while they are unchanged."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import sqlite_utils

from runner.containers.images import base_tag, ensure_base_image, ensure_deps_image
from runner.containers.pool import RunPool
from runner.containers.service import Connections
from runner.containers.settings import ContainerSettings
from runner.containers.wheels import Target, cache_root
from store.runs import ImageRecord, get_image, images_in_use
from tests.runner.containers.conftest import MakeRepo, git


def test_base_image_is_reused_by_tag(
    container_settings: ContainerSettings, base_image: ImageRecord
) -> None:
    assert base_image.tag == base_tag(container_settings)
    again = ensure_base_image(container_settings)
    assert again.id == base_image.id


def test_dependency_layer_is_keyed_by_dependency_files(
    pool: RunPool,
    container_settings: ContainerSettings,
    base_image: ImageRecord,
    make_repo: MakeRepo,
    fresh_db: sqlite_utils.Database,
) -> None:
    repo, [first, docs_only] = make_repo(
        {"requirements.txt": "iniconfig==2.0.0\n", "test_app.py": "import iniconfig\n"},
        {"README": "docs change only\n"},
    )
    deps = ensure_deps_image(container_settings, repo, first, base_image, fresh_db)
    assert deps.kind == "deps" and deps.parent_id == base_image.id
    # Built with no network: the wheels came from the host's pip, through the cache.
    assert container_settings.deps_build_network == "none"
    assert list(cache_root().glob("*/iniconfig-2.0.0-py3-none-any.whl"))
    # A commit that leaves the dependency files alone gets the same layer, without a build.
    same = ensure_deps_image(container_settings, repo, docs_only, base_image)
    assert same.id == deps.id and same.build_seconds is None
    with pool.start(repo, docs_only, image=deps) as run:
        ready = run.exec(["python3", "-c", "import iniconfig; print(iniconfig.__name__)"])
    assert ready.stdout == "iniconfig\n"
    assert get_image(fresh_db, deps.id) is not None
    assert {deps.id, base_image.id} <= images_in_use(fresh_db)
    (repo / "requirements.txt").write_text("iniconfig==2.0.0\npluggy==1.5.0\n")
    git(repo, "commit", "-qam", "new dependency")
    changed = ensure_deps_image(container_settings, repo, "HEAD", base_image)
    assert changed.key != deps.key


def test_runs_starting_at_once_build_a_new_layer_once(
    container_settings: ContainerSettings,
    connections: Connections,
    base_image: ImageRecord,
    make_repo: MakeRepo,
    fresh_db: sqlite_utils.Database,
) -> None:
    # A night starts its runs in threads, and on a fresh machine none of them finds the
    # layer: two builds of it at once failed one of the runs.
    repo, [sha] = make_repo({"requirements.txt": f"iniconfig==2.0.0\n# {uuid.uuid4()}\n"})
    said: list[str] = []
    ready = threading.Barrier(2)

    def image_for(pool: RunPool) -> ImageRecord:
        ready.wait()
        return pool.image_for(repo, sha)

    with (
        RunPool(fresh_db, container_settings, connections, progress=said.append) as pool,
        ThreadPoolExecutor(2) as threads,
    ):
        first, second = threads.map(image_for, [pool, pool])
    assert first.id == second.id and first.kind == "deps"
    assert sum(line.startswith("building dependency layer") for line in said) == 1


def test_wheels_are_chosen_for_the_images_platform() -> None:
    bookworm = Target(python="3.11", libc="2.36", machine="x86_64")
    tags = bookworm.platforms()
    assert tags[0] == "manylinux_2_36_x86_64" and "manylinux_2_17_x86_64" in tags
    assert "manylinux_2_37_x86_64" not in tags and tags[-1] == "manylinux2014_x86_64"
