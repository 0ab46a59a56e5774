"""`overnight ingest`, `overnight signals`: bringing signals in and listing what is stored."""

from __future__ import annotations

import sys
from pathlib import Path

from runner.cli import Context, Subcommands
from runner.ingest import IngestReport, ingest_paths
from store.signals import count_signals, iter_signals


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
