"""`overnight init`: write a commented configuration to start from."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from runner.cli import Context, Subcommands
from runner.errors import UserError


def register(commands: Subcommands) -> None:
    init = commands.add_parser(
        "init",
        help="write a commented overnight.toml",
        description="Write a commented overnight.toml (every setting with its default).",
    )
    init.add_argument("path", nargs="?", type=Path, default=Path("overnight.toml"))
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    init.set_defaults(handler=run_init)


def run_init(ctx: Context) -> int:
    path: Path = ctx.args.path
    if path.exists() and not ctx.args.force:
        raise UserError(f"{path} exists; pass --force to overwrite it")
    template = resources.files("runner").joinpath("overnight.example.toml").read_text()
    path.write_text(template, encoding="utf-8")
    print(f"wrote {path}")
    # The routines file beside it (policy: which issues go to which agent), unless one exists.
    routines = path.parent / "routines.toml"
    if not routines.exists() or ctx.args.force:
        routines.write_text(
            resources.files("runner").joinpath("routines.toml").read_text(), encoding="utf-8"
        )
        print(f"wrote {routines}")
    return 0
