"""`overnight ingest`, `overnight signals`: bringing signals in and listing what is stored."""

from __future__ import annotations

import sys
from pathlib import Path

from runner.cli import Context, Subcommands
from runner.errors import UserError
from runner.ingest import IngestReport, ingest_paths
from store.signals import count_signals, iter_signals, list_quarantine


def register(commands: Subcommands) -> None:
    ingest = commands.add_parser(
        "ingest",
        help="store signals from files and folders",
        description=(
            "Read signal files and store each signal once. Files: .json/.ndjson/.jsonl "
            "(Overnight envelopes, raw Sentry events, feedback records), .envelope (Sentry SDK "
            "envelopes), .eml and .txt (feedback), .xml (JUnit reports). Files found in a folder "
            "move to its done/ subfolder once stored; bad records go to the quarantine with "
            "their reason and do not stop their neighbours. With no PATH, reads the configured "
            "inbox folder."
        ),
    )
    ingest.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    ingest.add_argument(
        "--keep", action="store_true", help="leave folder files in place instead of moving them"
    )
    ingest.add_argument("--quiet", "-q", action="store_true", help="print only the summary")
    ingest.set_defaults(handler=run_ingest)

    signals = commands.add_parser(
        "signals",
        help="list stored signals",
        description="List stored signals, newest last: a table, or JSON Lines with --json.",
    )
    signals.add_argument("--json", action="store_true", help="one JSON envelope a line")
    signals.add_argument("--kind", choices=["error", "feedback", "regression"])
    signals.add_argument("--limit", type=int, help="at most this many")
    signals.set_defaults(handler=run_signals)

    rejected = commands.add_parser(
        "quarantine",
        help="list rejected inputs and why",
        description=(
            "List inputs that could not become signals, with the reason and where they came "
            "from. The raw bytes are kept; --show ID prints one exactly as it arrived."
        ),
    )
    rejected.add_argument("--json", action="store_true", help="one JSON object a line")
    rejected.add_argument("--show", metavar="ID", help="write one rejected input's raw bytes")
    rejected.set_defaults(handler=run_quarantine)


def run_ingest(ctx: Context) -> int:
    paths = ctx.args.paths or [ctx.config.inbox.path]
    db = ctx.db()

    def progress(report: IngestReport) -> None:
        if not ctx.args.quiet and sys.stderr.isatty():
            print(f"\r  {report.new:,} new, {report.rejected:,} rejected", end="", file=sys.stderr)

    report = ingest_paths(db, paths, move_done=not ctx.args.keep, on_batch=progress)
    if not ctx.args.quiet:
        if sys.stderr.isatty():
            print(file=sys.stderr)
        for reason in report.reasons[:20]:
            print(f"rejected {reason}", file=sys.stderr)
        if len(report.reasons) > 20:
            print(f"... and {len(report.reasons) - 20} more rejections", file=sys.stderr)
    print(
        f"{report.files} files: {report.new} new signals, {report.already_stored} already "
        f"stored, {report.rejected} rejected (kept in quarantine); {count_signals(db)} in store"
    )
    return 0


def run_signals(ctx: Context) -> int:
    signals = iter_signals(ctx.db(), kind=ctx.args.kind, limit=ctx.args.limit)
    if ctx.args.json:
        for signal in signals:
            print(signal.model_dump_json())
        return 0
    print(f"{'ID':<12} {'KIND':<10} {'SOURCE':<15} {'OCCURRED':<19} TITLE")
    for signal in signals:
        when = signal.occurred_at.strftime("%Y-%m-%d %H:%M:%S")
        title = signal.title if len(signal.title) <= 70 else signal.title[:69] + "…"
        print(f"{signal.id[:12]:<12} {signal.kind:<10} {signal.source:<15} {when:<19} {title}")
    return 0


def run_quarantine(ctx: Context) -> int:
    rows = list_quarantine(ctx.db(), limit=100_000)
    if ctx.args.show:
        matches = [r for r in rows if r.id.startswith(ctx.args.show)]
        if len(matches) != 1:
            raise UserError(f"{len(matches)} quarantined inputs match id '{ctx.args.show}'")
        sys.stdout.buffer.write(matches[0].raw)
        return 0
    if ctx.args.json:
        for row in rows:
            print(row.model_dump_json(exclude={"raw"}))
        return 0
    print(f"{'ID':<12} {'SOURCE':<16} {'ORIGIN':<40} REASON")
    for row in rows:
        origin = row.origin if len(row.origin) <= 40 else "…" + row.origin[-39:]
        print(f"{row.id[:12]:<12} {row.source:<16} {origin:<40} {row.reason}")
    return 0
