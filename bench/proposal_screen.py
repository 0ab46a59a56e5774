"""Opening a proposal's Diff tab: a 5,000-line diff against a 50-line one, in one process.

Textual's own harness (`App.run_test`) opens the Proposal screen on each proposal in turn, and
times from pushing the screen until the diff's rows are drawn (the first row of the loaded
diff rendered). Each size is opened `--repeat` times, alternating, and the medians are kept.

Prints one JSON object on the last line:
`{"open_diff_ms": ..., "open_diff_small_ms": ..., "open_diff_ratio": ...,
"baseline_screen_ms": ..., "open_diff_cpu_ms": ..., ...}`. The baseline is a screen of one
line and a footer, to tell Textual's cost of any screen from this one's; the CPU figures are
the process's CPU time per open, less swayed than wall time by other work on the machine;
`page_down_cpu_ms` is the median CPU time of a `pagedown` through the 5,000-line diff (40
pages, each newly highlighted), for smoothness.
`first_open_ms` is the first open of a session, through the console itself: `overnight
review`'s app on the store, a second to read the queue, then `enter` on the proposal until its
diff is drawn, each in a fresh process (`--first-open DB`), median of three; the opens above
come after a warm-up open, as every open after the first does.
Targets (issue 10): `open_diff_ms` ≤ 150 and `open_diff_ratio` ≤ 3.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from textual.app import App, ComposeResult  # noqa: E402
from textual.pilot import Pilot  # noqa: E402
from textual.screen import Screen  # noqa: E402
from textual.widgets import Footer, Static  # noqa: E402

from console.app import make_app  # noqa: E402
from console.screens.proposal import ProposalScreen  # noqa: E402
from console.screens.queue import QueueScreen  # noqa: E402
from console.widgets.proposal.diff_lines import DiffLines  # noqa: E402
from tests.console.proposal_seed import Seeded, seed  # noqa: E402


def module(functions: int, changed_every: int) -> tuple[str, str]:
    """A Python module of `functions` functions, and a version changing every n-th one."""
    base, fix = [], []
    for i in range(functions):
        body = f'def total_{i}(items):\n    """Sum of item {i}."""\n    return sum(items) + {i}\n\n'
        base.append(body)
        if i % changed_every == 0:
            body = (
                f'def total_{i}(items, start=0):\n    """Sum of item {i}, from start."""\n'
                f"    return sum(items, start) + {i}\n\n"
            )
        fix.append(body)
    return "".join(base), "".join(fix)


def seeded(root: Path, functions: int, changed_every: int) -> tuple[Seeded, int]:
    base, fix = module(functions, changed_every)
    store = seed(root, ({"totals.py": base}, {"totals.py": fix}))
    import git

    lines = len(git.Repo(store.repo).git.diff(store.base, store.head).splitlines())
    return store, lines


class Bench(App[None]):
    pass


class Baseline(Screen[None]):
    """A screen with a line of text and a footer: what any screen costs to open here."""

    def compose(self) -> ComposeResult:
        yield Static("baseline")
        yield Footer()


async def baseline_once(app: Bench, pilot: Pilot[None]) -> float:
    start = time.perf_counter()
    await app.push_screen(Baseline())
    await pilot.pause()
    elapsed = time.perf_counter() - start
    await app.pop_screen()
    return elapsed * 1000


CPU: dict[str, list[float]] = {"large": [], "small": []}
"""CPU time of the process (all threads) per open: less swayed by other load than wall time."""


async def open_once(app: Bench, store: Seeded, size: str | None = None) -> float:
    start, cpu = time.perf_counter(), time.process_time()
    screen = ProposalScreen(store.proposal_id, store.db_path)
    await app.push_screen(screen)
    while True:
        lines = screen.query(DiffLines)
        if lines and lines.first().painted:
            break
        await asyncio.sleep(0.0005)
    elapsed = time.perf_counter() - start
    if size:
        CPU[size].append((time.process_time() - cpu) * 1000)
    await app.pop_screen()
    return elapsed * 1000


async def page_through(app: Bench, pilot: Pilot[None], store: Seeded, pages: int) -> list[float]:
    """CPU milliseconds per `pagedown` in the large diff, each until the screen is updated
    (wall time would mostly measure the Pilot's own waits between keys)."""
    screen = ProposalScreen(store.proposal_id, store.db_path)
    await app.push_screen(screen)
    while not (screen.query(DiffLines) and screen.query_one(DiffLines).painted):
        await asyncio.sleep(0.0005)
    times = []
    for _ in range(pages):
        start = time.process_time()
        await pilot.press("pagedown")
        times.append((time.process_time() - start) * 1000)
    await app.pop_screen()
    return times


async def measure(large: Seeded, small: Seeded, repeat: int) -> dict[str, list[float]]:
    app = Bench()
    runs: dict[str, list[float]] = {"large": [], "small": [], "baseline": [], "page": []}
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await open_once(app, small)  # warm imports and caches once, not measured
        for _ in range(repeat):
            runs["large"].append(await open_once(app, large, "large"))
            await pilot.pause()
            runs["small"].append(await open_once(app, small, "small"))
            await pilot.pause()
            runs["baseline"].append(await baseline_once(app, pilot))
            await pilot.pause()
        runs["page"] = await page_through(app, pilot, large, 40)
    return runs


async def first_open(db_path: Path) -> float:
    """Milliseconds from `enter` on the queue's first proposal to its diff drawn, in the
    console's own app, the first open of this process."""
    app = make_app(db_path, poll_seconds=0, user="bench")
    async with app.run_test(size=(120, 40)) as pilot:
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        while not queue.loaded:
            await asyncio.sleep(0.005)
        await pilot.pause(1.0)  # a person reads the queue before opening a proposal

        async def painted() -> float:
            while not (app.screen.query(DiffLines) and app.screen.query_one(DiffLines).painted):
                await asyncio.sleep(0.0005)
            return time.perf_counter()

        # Watched beside the key press: `press` itself returns only once every widget of the
        # new screen is idle, a quarter second after the diff was drawn.
        watch = asyncio.create_task(painted())
        start = time.perf_counter()
        await pilot.press("enter")
        elapsed = await watch - start
        await pilot.press("q")
    return elapsed * 1000


def first_opens(db_path: Path, runs: int = 3) -> list[float]:
    """`first_open` in `runs` fresh processes (a first open is one per process)."""
    times = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, __file__, "--first-open", str(db_path)],
            capture_output=True,
            text=True,
            check=True,
        )
        times.append(json.loads(done.stdout.strip().splitlines()[-1])["first_open_ms"])
    return times


async def figures(repeat: int) -> dict[str, float | int]:
    """The Proposal screen's figures (also reported by `bench/console.py`)."""
    with tempfile.TemporaryDirectory() as tmp:
        large, large_lines = seeded(Path(tmp) / "large", 715, 1)
        small, small_lines = seeded(Path(tmp) / "small", 14, 2)
        print(f"diff lines: {large_lines} and {small_lines}", file=sys.stderr)
        runs = await measure(large, small, repeat)
        runs["first"] = first_opens(large.db_path)
    for name, values in runs.items():
        if name not in ("page", "first"):
            print(f"{name} runs (ms): {[round(x, 1) for x in values]}", file=sys.stderr)
    big, little = statistics.median(runs["large"]), statistics.median(runs["small"])
    return {
        "open_diff_ms": round(big, 1),
        "open_diff_small_ms": round(little, 1),
        "open_diff_ratio": round(big / little, 2),
        "baseline_screen_ms": round(statistics.median(runs["baseline"]), 1),
        "page_down_cpu_ms": round(statistics.median(runs["page"]), 1),
        "page_down_max_cpu_ms": round(max(runs["page"]), 1),
        "open_diff_cpu_ms": round(statistics.median(CPU["large"]), 1),
        "open_diff_small_cpu_ms": round(statistics.median(CPU["small"]), 1),
        "first_open_ms": round(statistics.median(runs["first"]), 1),
        "diff_lines": large_lines,
        "small_diff_lines": small_lines,
        "repeat": repeat,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--first-open", type=Path, metavar="DB", help="only a first open")
    args = parser.parse_args()
    if args.first_open:
        print(json.dumps({"first_open_ms": round(asyncio.run(first_open(args.first_open)), 1)}))
        return
    print(json.dumps(asyncio.run(figures(args.repeat))))


if __name__ == "__main__":
    main()
