"""How a person's words rank issues: TF-IDF cosine, words counted, weights kept current."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import sqlite_utils

from runner.triage.engine import triage_pending
from runner.triage.text import normalise
from runner.triage.vocabulary import Document, Vocabulary, content_words, counted_words
from store.issues import links_for_signal

from .conftest import feedback


def vocabulary_of(*texts: str) -> tuple[Vocabulary, list[Document]]:
    """A vocabulary over issues with these texts, and each issue's whole document."""
    vocabulary = Vocabulary()
    documents = []
    for text in texts:
        normalised = normalise(text, repeats=True)
        words = content_words(normalised)
        vocabulary.add_document()
        vocabulary.add_words(words)
        documents.append(Document(words, counted_words([normalised], words)))
    return vocabulary, documents


def query(text: str) -> Counter[str]:
    normalised = normalise(text, repeats=True)
    words = content_words(normalised)
    return Counter(w for w in normalised.split() if w in words)


def rank(vocabulary: Vocabulary, asked: Counter[str], document: Document) -> float:
    return vocabulary.rank(asked, document, vocabulary.rank_norm(asked, asked))


def test_what_a_report_keeps_coming_back_to_ranks_first() -> None:
    vocabulary, (sync, folders) = vocabulary_of(
        "Sync stops after sleep. Sync never resumes; sync only comes back after a restart.",
        "Folders are sorted wrongly after a restart and sync.",
    )
    # Both share "sync" and "restart"; the first says "sync" three times, as this one does.
    asked = query("After waking up, sync is dead: sync spinner forever, sync never finishes.")
    assert rank(vocabulary, asked, sync) > rank(vocabulary, asked, folders) > 0
    assert rank(vocabulary, asked, Document(frozenset())) == 0.0
    assert 0 < rank(vocabulary, asked, sync) <= 1


def test_a_long_issue_sharing_common_words_ranks_below_a_short_one_sharing_a_rare_word() -> None:
    common = "the window opens slowly and the window flickers when the window moves"
    vocabulary, (long_one, short_one, *_rest) = vocabulary_of(
        common + " while the inbox loads and the window redraws again and again",
        "calendar invites show the wrong timezone",
        common,
        "window too small on start",
    )
    asked = query("invites from my calendar arrive in the window with a timezone off by one hour")
    assert rank(vocabulary, asked, short_one) > rank(vocabulary, asked, long_one)


def test_weights_learned_on_a_small_store_are_computed_again_as_it_grows() -> None:
    vocabulary, (first,) = vocabulary_of("attachments vanish when forwarding a message")
    before = first.rank_norm(vocabulary)
    for n in range(50):  # fifty more issues, none with these words
        vocabulary.add_document()
        vocabulary.add_words({f"word{n}"})
    # Its words are rare among 51 issues, not one: they weigh more, and the norm says so
    # (a norm kept from the first issue would inflate every cosine with it fourfold).
    assert first.rank_norm(vocabulary) > 3 * before
    assert first.rank_norm(vocabulary) == vocabulary.rank_norm(first.words, first.counts)


def test_build_numbers_in_two_reports_never_part_them(
    fresh_db: sqlite_utils.Database, store_signals: Callable[..., None]
) -> None:
    # `23H2` and `22H2` look like record ids; in people's words they are only words.
    first = feedback(
        "Notifications open the wrong message. Windows 11 23H2, version 4.2.1", route=None
    )
    second = feedback(
        "Clicking a notification shows the previous message, not the new one. Windows 10 22H2",
        route=None,
        user="f2",
    )
    store_signals(first, second)
    triage_pending(fresh_db)
    (proposal,) = [x for x in links_for_signal(fresh_db, second.id) if x.state == "proposed"]
    founded = links_for_signal(fresh_db, first.id)[0].issue_id
    assert proposal.candidates[0][0] == founded


def test_a_document_norm_follows_the_weights_as_issues_come() -> None:
    # A norm kept from when the store held a few issues would inflate every overlap with an
    # early issue, and the words vote would join on it.
    vocabulary = Vocabulary()
    words = frozenset({"export", "csv", "empty"})
    vocabulary.add_words(words)
    vocabulary.add_document()
    document = Document(words)
    early = document.norm(vocabulary)
    for n in range(50):
        vocabulary.add_words({"export", f"other{n}"})
        vocabulary.add_document()
    assert document.norm(vocabulary) == vocabulary.norm(words) != early


def test_a_report_still_meets_an_old_issue_after_many_others_used_its_words(
    fresh_db: sqlite_utils.Database, store_signals: Callable[..., None]
) -> None:
    # Sixty later reports each use three of the four words the first one and the last share:
    # a word bucket kept too short for a tracker's size drops the first issue from all four.
    words = ["drafts", "lose", "attachments", "overnight"]
    first = feedback("Drafts lose attachments overnight", route=None, user="u0")
    others = [
        feedback(
            " ".join(w for k, w in enumerate(words) if k != n % 4) + f" filler{n} other{n}",
            route=None,
            user=f"u{n + 1}",
        )
        for n in range(60)
    ]
    last = feedback("my drafts lose their attachments overnight", route=None, user="u99")
    store_signals(first, *others, last)
    triage_pending(fresh_db)
    (proposal,) = [x for x in links_for_signal(fresh_db, last.id) if x.state == "proposed"]
    assert proposal.candidates[0][0] == links_for_signal(fresh_db, first.id)[0].issue_id
