"""Several runs at once, spread across Podman connections, up to the configured numbers.

    with RunPool(db, settings) as pool:
        with pool.start(repo, "HEAD", issue_id=7) as run:
            run.exec("pytest -x")
        futures = [pool.submit(work, repo, sha) for sha in shas]   # work(run) in a thread

Opening a pool sweeps what dead runs left behind on every connection.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import sqlite_utils

from runner.containers.checkout import checkout_root
from runner.containers.images import Progress, ensure_base_image, ensure_deps_image
from runner.containers.run import Run
from runner.containers.service import Connection, Connections, open_connections
from runner.containers.settings import ContainerSettings
from runner.containers.sweep import sweep_checkouts, sweep_containers, sweep_records
from store.runs import ImageRecord

T = TypeVar("T")


class ImageMissing(RuntimeError):
    """The image a run needs is not on the connection chosen for it."""


def _quiet(_: str) -> None:
    pass


class RunPool:
    """Hands out runs: at most `max_parallel_runs` at once, each on the least busy connection
    that has room."""

    def __init__(
        self,
        db: sqlite_utils.Database,
        settings: ContainerSettings,
        connections: Connections | None = None,
        progress: Progress = _quiet,
    ) -> None:
        self.db = db
        self.settings = settings
        self._owns_connections = connections is None
        self.connections = connections or open_connections(settings)
        self.progress = progress
        self._active: dict[str, int] = {c.name: 0 for c in self.connections.items}
        self._slots = threading.Condition()
        self._images: dict[tuple[str, str], ImageRecord] = {}
        self._present: set[tuple[str, str]] = set()
        self._base: ImageRecord | None = None
        self._building = threading.Lock()
        """Held while an image is looked up or built: runs of one night start in threads,
        and two builds of one layer at once fail in Podman's storage."""
        self._threads = ThreadPoolExecutor(
            max_workers=settings.max_parallel_runs, thread_name_prefix="overnight-run"
        )
        self.swept = self.sweep()

    def sweep(self) -> list[str]:
        """Remove containers, checkouts and running records left by dead runs."""
        removed = []
        for conn in self.connections.items:
            removed += sweep_containers(self.db, conn)
        removed += sweep_records(self.db)
        sweep_checkouts(checkout_root(self.settings.checkout_root))
        return removed

    def image_for(self, repo: Path, commit: str) -> ImageRecord:
        """The dependency layer for `repo` at `commit` (built if new), else the base image."""
        key = (str(repo), commit)
        with self._building:
            if key not in self._images:
                if self._base is None:
                    self._base = ensure_base_image(self.settings, self.db, self.progress)
                self._images[key] = ensure_deps_image(
                    self.settings, repo, commit, self._base, self.db, self.progress
                )
            return self._images[key]

    def _ensure_present(self, conn: Connection, image: ImageRecord) -> None:
        if (conn.name, image.id) in self._present:
            return
        if not conn.client.images.exists(image.id):
            raise ImageMissing(
                f"image {image.tag} ({image.id[:12]}) is not on connection {conn.name!r}; build "
                f"it there, or `podman save {image.id[:12]} | podman --url {conn.uri} load`"
            )
        self._present.add((conn.name, image.id))

    def _acquire(self) -> Connection:
        def free() -> Connection | None:
            if sum(self._active.values()) >= self.settings.max_parallel_runs:
                return None
            open_ = [
                c
                for c in self.connections.items
                if c.max_runs is None or self._active[c.name] < c.max_runs
            ]
            return min(open_, key=lambda c: self._active[c.name], default=None)

        with self._slots:
            conn = self._slots.wait_for(free)
            assert conn is not None
            self._active[conn.name] += 1
            return conn

    def _release(self, run: Run) -> None:
        with self._slots:
            name = run.record.connection.split(" ", 1)[0]
            self._active[name] -= 1
            self._slots.notify_all()

    def start(
        self, repo: Path, commit: str, image: ImageRecord | None = None, **options: Any
    ) -> Run:
        """Start a run of `repo` at `commit` once a slot is free. Options go to `Run.start`
        (issue_id, env, secret_names, limits, rerun_of)."""
        image = image or self.image_for(repo, commit)
        conn = self._acquire()
        try:
            self._ensure_present(conn, image)
            run = Run.start(self.db, conn, self.settings, repo, commit, image, **options)
        except BaseException:
            with self._slots:
                self._active[conn.name] -= 1
                self._slots.notify_all()
            raise
        run.on_end = self._release
        return run

    def submit(
        self, work: Callable[[Run], T], repo: Path, commit: str, **options: Any
    ) -> Future[T]:
        """Run `work(run)` in a thread; the run ends `ok` when it returns, `failed` when it
        raises (unless `work` finished it itself)."""

        def job() -> T:
            with self.start(repo, commit, **options) as run:
                return work(run)

        return self._threads.submit(job)

    def active(self) -> dict[str, int]:
        """Runs in progress per connection."""
        with self._slots:
            return dict(self._active)

    def close(self) -> None:
        self._threads.shutdown(wait=True)
        if self._owns_connections:
            self.connections.close()

    def __enter__(self) -> RunPool:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
