"""The `overnight` command: a parser assembled from one module per area in `runner/commands/`.

Each command module has `register(subparsers)` and sets `handler=` on its parsers; a handler
takes a `Context` and returns the exit code. A `UserError` becomes one line on stderr and exit
1; argparse already exits 2 on usage errors.
"""

from __future__ import annotations

import argparse
import importlib
import sqlite3
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import sqlite_utils

from runner.config import Config, load_config
from runner.errors import UserError
from store import NewerSchemaError, open_db

COMMAND_MODULES = [
    "runner.commands.setup",
    "runner.commands.signals",
    "runner.commands.triage",
    "runner.commands.ingest_services",
    "runner.commands.containers",
    "runner.commands.night",
    "runner.commands.demo",
    "runner.commands.review",
]


@dataclass
class Context:
    """What every command handler gets: parsed arguments, configuration, and the store."""

    args: argparse.Namespace
    config: Config
    config_file: Path | None
    _db: sqlite_utils.Database | None = field(default=None, repr=False)

    @property
    def db_path(self) -> Path | None:
        return self.args.db or self.config.store.path

    def db(self) -> sqlite_utils.Database:
        if self._db is None:
            try:
                self._db = open_db(self.db_path)
            except NewerSchemaError as exc:
                raise UserError(str(exc)) from exc
        return self._db


Handler = Callable[[Context], int]
# What a command module's `register` receives to add its subcommands to (generic only to mypy).
if TYPE_CHECKING:
    Subcommands = argparse._SubParsersAction[argparse.ArgumentParser]
else:
    Subcommands = argparse._SubParsersAction


def add_global_options(parser: argparse.ArgumentParser, default: object) -> None:
    parser.add_argument(
        "--db",
        type=Path,
        default=default,
        help="the SQLite store (default: $OVERNIGHT_DB, else the XDG data dir)",
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=default,
        help="the configuration file (default: $OVERNIGHT_CONFIG, else ./overnight.toml)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="overnight",
        description="Turn a day's error reports and feedback into reviewable fix proposals.",
        epilog="Run `overnight COMMAND --help` for each command's options.",
    )
    add_global_options(parser, default=None)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(commands)
    # `overnight signals --db X` works as well as `overnight --db X signals`.
    for command in commands.choices.values():
        add_global_options(command, default=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config, config_file = load_config(args.config)
        return int(args.handler(Context(args=args, config=config, config_file=config_file)))
    except UserError as exc:
        print(f"overnight: {exc}", file=sys.stderr)
        return 1
    except sqlite3.Error as exc:
        print(f"overnight: the store at {_store_name(args)} failed: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # permissions, a full disk, a missing directory: the user's to fix
        print(
            f"overnight: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr
        )
        return 1
    except KeyboardInterrupt:
        print("overnight: interrupted", file=sys.stderr)
        return 130


def _store_name(args: argparse.Namespace) -> str:
    return str(args.db or "the default location")


if __name__ == "__main__":
    sys.exit(main())
