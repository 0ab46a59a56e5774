"""A person's title compared by its letters beside the words (`runner/triage/title.py`)."""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from runner.ingest import store_parsed
from runner.sources.records import parse_record
from runner.triage.decide import Thresholds
from runner.triage.engine import Triage, triage_pending
from runner.triage.index import load_index
from runner.triage.text import normalise
from runner.triage.title import given_title, trigrams
from store.issues import links_for_signal
from store.signal import Signal

from .conftest import crash, make_signal

PICKER = (
    "Colour picker crashes on launch",
    "Nothing shows, the tool closes right away. Windows 11.",
)
TRAY = (
    "Tray icon gone after the update",
    "The tray icon is missing since the update, and the tray menu with it. Windows 11.",
)
AGAIN = (
    "Colorpicker crashing at launch",
    "Started it from the tray menu after the update and it closes. Windows 11.",
)


def report(n: int, title: str | None, text: str) -> Signal:
    record: dict[str, Any] = {
        "kind": "feedback",
        "text": text,
        "actor": {"id": f"u{n}"},
        "occurred_at": f"2026-11-2{n}T10:00:00Z",
    }
    if title is not None:
        record["title"] = title
    return parse_record(record, json.dumps(record), "test")


def first_candidate(db: sqlite_utils.Database, reports: list[Signal]) -> tuple[int, int, int]:
    """(the first candidate proposed for the last report, the issues of the first two)."""
    store_parsed(db, reports)
    triage_pending(db)
    homes = [links_for_signal(db, s.id)[-1].issue_id for s in reports[:2]]
    (proposal,) = [x for x in links_for_signal(db, reports[-1].id) if x.state == "proposed"]
    return proposal.candidates[0][0], homes[0], homes[1]


def test_a_title_written_differently_meets_the_report_the_words_alone_miss(
    fresh_db: sqlite_utils.Database,
) -> None:
    # The bodies of the last report and the tray report share more ("tray menu", "update"),
    # the titles name the same fault (`colour picker crashes` / `colorpicker crashing`).
    reports = [report(n, title, text) for n, (title, text) in enumerate((PICKER, TRAY, AGAIN))]
    first, picker, _tray = first_candidate(fresh_db, reports)
    assert first == picker


def test_without_titles_the_same_words_rank_the_other_report_first(
    fresh_db: sqlite_utils.Database,
) -> None:
    # The same words with each title only the start of the text (a widget's message): no
    # title of a person's is compared, and the words alone prefer the tray report.
    reports = [
        report(n, None, f"{title}. {text}") for n, (title, text) in enumerate((PICKER, TRAY, AGAIN))
    ]
    first, _picker, tray = first_candidate(fresh_db, reports)
    assert first == tray


def test_titles_meet_by_their_letters_and_a_one_word_title_says_nothing() -> None:
    dark, darker = trigrams(normalise("Dark mode")), trigrams(normalise("Darkmode is broken"))
    assert {" da", "dar", "ark", "mod"} <= dark & darker
    assert trigrams(normalise("Bug")) == frozenset() == trigrams("")


def test_a_title_is_a_persons_when_it_stands_apart_from_the_text() -> None:
    assert given_title("Dark mode unreadable", "Code blocks are black.") == normalise(
        "Dark mode unreadable"
    )
    assert given_title("Crash on start", None) == normalise("Crash on start")
    # A subject above a body, the way e-mails and trackers' issues are read.
    assert given_title("PDF export blank", "PDF export blank\n\nAll pages are white.") != ""
    # Only the text's beginning: a widget's words, a message without a subject.
    assert given_title("the export is broken", "the export is broken") == ""
    assert given_title("the export is broken when I…", "the export is broken when I click") == ""


def test_an_issue_read_back_from_the_store_keeps_its_reporters_title_and_nothing_else(
    fresh_db: sqlite_utils.Database,
) -> None:
    titled, widget = report(0, *PICKER), report(1, None, "the tray icon is gone again")
    store_parsed(fresh_db, [titled, widget])
    triage_pending(fresh_db)
    index = load_index(fresh_db)
    by_signal = {
        s.id: index.profiles[links_for_signal(fresh_db, s.id)[0].issue_id] for s in (titled, widget)
    }
    picker_title = by_signal[titled.id].title
    assert picker_title is not None and picker_title.words == trigrams(normalise(PICKER[0]))
    assert by_signal[widget.id].title is None
    assert index.titles.documents == 1


def test_an_error_defining_a_reported_issue_uncounts_its_title_as_a_reload_would(
    fresh_db: sqlite_utils.Database,
) -> None:
    said = make_signal(
        kind="feedback",
        title="Dashboard crashes on refresh",
        text="Clicking refresh shows an error page, every time.",
        route="/dashboard/refresh",
        actor={"id": "u1"},
        occurred_at="2026-11-24T10:00:00Z",
    )
    store_parsed(fresh_db, [said])
    run = Triage(fresh_db, Thresholds())
    run.run_batch()
    assert run.index.titles.documents == 1
    # The same person's crash at that page a minute later defines the issue.
    error = crash(
        "refresh failed",
        route="/dashboard/refresh",
        user="u1",
        occurred_at="2026-11-24T10:01:00Z",
    )
    store_parsed(fresh_db, [error])
    run.run_batch()
    run.commit()
    (home,) = {links_for_signal(fresh_db, s.id)[0].issue_id for s in (said, error)}
    assert run.index.profiles[home].title is None
    reloaded = load_index(fresh_db).titles
    assert (run.index.titles.documents, dict(run.index.titles.df)) == (0, {})
    assert (reloaded.documents, dict(reloaded.df)) == (0, {})
