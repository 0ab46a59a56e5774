"""`overnight triage` and `overnight issues`: grouping signals, and reading and deciding issues."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from runner.cli import Context, Subcommands
from runner.errors import UserError
from runner.routines import Routines, load_routines
from runner.triage.engine import TriageReport, triage_pending
from runner.triage.evaluate import evaluate_file
from runner.triage.lanes import Funnel, assess_issues, funnel_of
from runner.triage.review import confirm_link, split_link
from store.issues import LANES, Issue, get_issue, links_for_issue, list_issues, proposed_links


def register(commands: Subcommands) -> None:
    triage = commands.add_parser(
        "triage",
        help="group untriaged signals into issues and decide what may be dispatched",
        description=(
            "Triage every untriaged signal: link duplicates (two of fingerprint, structure and "
            "text agree), propose look-alikes for confirmation (one of three), open new issues "
            "otherwise; then apply the routines and the safety filter, and print the funnel. "
            "With --evaluate FILE, triage a labeled JSON Lines file in a temporary store and "
            "print the quality figures as one JSON object on the last line."
        ),
    )
    triage.add_argument("--evaluate", type=Path, metavar="FILE", help="labeled JSON Lines")
    triage.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr")
    triage.set_defaults(handler=run_triage)

    issues = commands.add_parser(
        "issues",
        help="list issues; show, confirm or split",
        description="List open issues with counts, lanes and reasons (JSON Lines with --json).",
    )
    issues.add_argument("--json", action="store_true", help="one JSON issue a line")
    issues.add_argument("--lane", choices=LANES, help="only this lane")
    issues.set_defaults(handler=run_issues)
    actions = issues.add_subparsers(title="actions", metavar="ACTION")
    show = actions.add_parser("show", help="an issue with its links, scores and rules")
    show.add_argument("issue_id", type=int)
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=run_show)
    proposed = actions.add_parser("proposed", help="proposed duplicates awaiting a person")
    proposed.set_defaults(handler=run_proposed)
    confirm = actions.add_parser("confirm", help="confirm a proposed link: merge the issues")
    confirm.add_argument("link_id", type=int)
    confirm.add_argument(
        "--into",
        type=int,
        metavar="ISSUE",
        help="merge into this candidate of the link instead of its first (see `issues proposed`)",
    )
    confirm.set_defaults(handler=run_confirm)
    split = actions.add_parser(
        "split", help="split a link: the signal leaves the issue, and stays apart for good"
    )
    split.add_argument("link_id", type=int)
    split.set_defaults(handler=run_split)


def routines_of(ctx: Context) -> Routines:
    path = ctx.config.triage.routines
    if not path.is_absolute() and ctx.config_file is not None:
        path = ctx.config_file.parent / path
    return load_routines(path)


def run_triage(ctx: Context) -> int:
    settings = ctx.config.triage
    if ctx.args.evaluate:
        metrics, rejected = evaluate_file(ctx.args.evaluate, settings.thresholds)
        for reason in rejected[:20]:
            print(f"rejected {reason}", file=sys.stderr)
        print(json.dumps(metrics.model_dump()))
        return 0
    routines = routines_of(ctx)
    db = ctx.db()
    started = time.perf_counter()
    show_progress = not ctx.args.quiet and sys.stderr.isatty()

    def progress(report: TriageReport) -> None:
        if show_progress:
            rate = report.signals / max(time.perf_counter() - started, 1e-9)
            print(
                f"\r  {report.signals:,} signals, {report.new_issues:,} new issues ({rate:,.0f}/s)",
                end="",
                file=sys.stderr,
            )

    report = triage_pending(
        db, settings.thresholds, batch_size=settings.batch_size, on_batch=progress
    )
    if show_progress and report.signals:
        print(file=sys.stderr)
    funnel = funnel_of(assess_issues(db, report.touched, routines))
    funnel.signals, funnel.new_issues, funnel.proposed = (
        report.signals,
        report.new_issues,
        report.proposed,
    )
    print(format_funnel(funnel))
    return 0


def format_funnel(funnel: Funnel) -> str:
    """signals → unique issues → proposed merges → dispatchable → held, with reasons counted."""
    lines = [
        f"{funnel.signals} signals → {funnel.issues} unique issues ({funnel.new_issues} new) "
        f"→ {funnel.proposed} proposed merges → {funnel.lanes['dispatchable']} dispatchable "
        f"→ {funnel.lanes['held']} held for human triage",
    ]
    for reason, count in funnel.held_reasons.most_common():
        lines.append(f"  held: {reason} x{count}")
    others = {k: v for k, v in funnel.lanes.items() if k not in {"dispatchable", "held"} and v}
    if others:
        lines.append(
            "  also: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in others.items())
        )
    return "\n".join(lines)


def _issue_line(issue: Issue) -> str:
    title = issue.title if len(issue.title) <= 60 else issue.title[:59] + "…"
    reason = issue.reasons[0] if issue.reasons else ""
    more = f" (+{len(issue.reasons) - 1})" if len(issue.reasons) > 1 else ""
    return (
        f"{issue.id:>5} {issue.signal_count:>6} {issue.users_affected:>5} "
        f"{issue.lane:<18} {issue.severity:<8} {title}  [{reason}{more}]"
    )


def run_issues(ctx: Context) -> int:
    issues = list_issues(ctx.db(), lane=ctx.args.lane)
    if ctx.args.json:
        for issue in issues:
            print(issue.model_dump_json())
        return 0
    print(f"{'ID':>5} {'COUNT':>6} {'USERS':>5} {'LANE':<18} {'SEVERITY':<8} TITLE  [REASON]")
    for issue in issues:
        print(_issue_line(issue))
    return 0


def run_show(ctx: Context) -> int:
    db = ctx.db()
    issue = get_issue(db, ctx.args.issue_id)
    if issue is None:
        raise UserError(f"no issue {ctx.args.issue_id}")
    links = links_for_issue(db, issue.id)
    if ctx.args.json:
        print(
            json.dumps(
                {
                    **issue.model_dump(mode="json"),
                    "links": [link.model_dump(mode="json") for link in links],
                }
            )
        )
        return 0
    print(f"#{issue.id} {issue.title}")
    print(
        f"  {issue.status}, lane {issue.lane}, {issue.signal_count} signals, "
        f"{issue.users_affected} users, severity {issue.severity}, "
        f"confidence {issue.confidence:.2f}"
    )
    for reason in issue.reasons:
        print(f"  reason: {reason}")
    for entry in issue.scope:
        print(f"  scope: {entry.file or entry.module}:{entry.line or '?'} {entry.function or ''}")
    for step in issue.repro:
        print(f"  repro: {step}")
    print(f"  routes: {', '.join(issue.routes_seen) or '-'}")
    print("  links (id state fingerprint/structure/text rule):")
    for link in links:
        print(
            f"  {link.id:>6} {link.state:<8} {link.fingerprint_score:.2f}/"
            f"{link.structure_score:.2f}/{link.text_score:.2f} {link.rule}  "
            f"{link.signal_title[:50]}"
        )
    return 0


def run_proposed(ctx: Context) -> int:
    print(f"{'LINK':>6} {'FROM':>5} {'TO':>5} F/S/T           CANDIDATES              RULE")
    for link in proposed_links(ctx.db()):
        offered = ", ".join(f"#{issue} {score:.2f}" for issue, score in link.candidates)
        print(
            f"{link.id:>6} {link.home_issue_id or 0:>5} {link.issue_id:>5} "
            f"{link.fingerprint_score:.2f}/{link.structure_score:.2f}/{link.text_score:.2f}  "
            f"{offered or '-':<23} {link.rule}  {link.signal_title[:50]}"
        )
    return 0


def run_confirm(ctx: Context) -> int:
    target = confirm_link(ctx.db(), ctx.args.link_id, routines=routines_of(ctx), into=ctx.args.into)
    print(f"link {ctx.args.link_id} confirmed: merged into issue #{target}")
    return 0


def run_split(ctx: Context) -> int:
    home = split_link(ctx.db(), ctx.args.link_id, routines=routines_of(ctx))
    print(f"link {ctx.args.link_id} split: the signal is in issue #{home}, kept apart for good")
    return 0
