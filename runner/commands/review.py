"""`overnight review`: open the morning console on the store.

The runner never imports the console (an import contract says so): the console's module is
loaded by name only when a person asks for it, so `overnight run` and the rest work, and are
tested, without Textual.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from runner.cli import Context, Subcommands
from runner.commands.triage import routines_of
from runner.errors import UserError
from store.db import default_db_path

CONSOLE_MODULE = "console.app"


def register(commands: Subcommands) -> None:
    review = commands.add_parser(
        "review",
        help="open the morning console: merge, redirect or close each proposal",
        description=(
            "Open the Textual console on the store: the queue of proposals, the Proposal "
            "screen (diff, reasoning, signals, replay) and the stats. One key each to merge "
            "(m), redirect (r) and close (c); u undoes; ? lists every key."
        ),
    )
    review.add_argument(
        "--repo",
        type=Path,
        help="the repository merges go into (default: [night] repository, else each "
        "proposal's own)",
    )
    review.set_defaults(handler=run_review)


def run_review(ctx: Context) -> int:
    night = ctx.config.night
    repo = ctx.args.repo or night.repository
    if repo is not None and not (Path(repo) / ".git").exists():
        raise UserError(f"{repo} is not a git repository (give --repo the one proposals are in)")
    db_path = Path(ctx.db_path or default_db_path())
    console = importlib.import_module(CONSOLE_MODULE)
    app = console.make_app(
        db_path,
        repo=repo,
        target=night.branch,
        merge_mode=night.merge,
        containers=ctx.config.containers,
        routines=routines_of(ctx),
    )
    app.run()
    return int(app.return_code or 0)
