from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from runner.triage.text import (
    _token_words,
    best_matches,
    mask,
    normalise,
    similarity,
)


def test_masking_removes_what_varies_between_duplicates() -> None:
    text = mask(
        "Failed for bob.x+1@ex.com id 3f2a9c7e1b, request 3f2a9c7e-1b2c-4d5e-8f90-123456789abc "
        "at https://x.io/a/b?b=1&c=2 line 42 in app.py:12 after 30 tries, ptr 0x1F"
    )
    for gone in ("bob", "3f2a9c7e1b", "123456789abc", "x.io", "b=1", "42", "12", "30", "0x1f"):
        assert gone not in text
    assert "email" in text and "uuid" in text and "hex" in text and "num" in text


@given(st.text(st.characters(categories=["Nd"]), min_size=1, max_size=40))
def test_a_number_has_no_words_as_if_it_were_masked(number: str) -> None:
    # The shortcut for numbers skips masking: it must give what masking gives.
    assert _token_words(number) == ()
    assert normalise(f"timeout after {number} tries") == normalise("timeout after tries")


def test_same_message_with_other_ids_is_identical() -> None:
    a = normalise("KeyError", "missing key for order 1234 (a1b2c3d4e5)")
    b = normalise("KeyError", "missing key for order 98 (ffee00112233)")
    assert similarity(a, b) == 1.0


def test_paraphrased_feedback_meets_the_error_it_describes() -> None:
    error = normalise("TimeoutError", "dashboard refresh timed out", "refresh the dashboard")
    one = normalise("the dashboard crashed when I clicked refresh")
    other = normalise("I tried to refresh the dashboard and it spun forever")
    unrelated = normalise("the invoice total is wrong for my plan")
    assert similarity(one, error) >= 0.6 and similarity(other, error) >= 0.6
    assert similarity(one, other) >= 0.7
    assert similarity(unrelated, error) < 0.5


def test_best_matches_returns_only_candidates_over_the_cutoff() -> None:
    query = normalise("dashboard refresh crashed")
    choices = {7: normalise("refresh the dashboard crash"), 9: normalise("billing invoice totals")}
    found = best_matches(query, choices, cutoff=0.7)
    assert [key for key, _score in found] == [7]


def test_words_of_every_script_count() -> None:
    # Reports come in other languages too: their letters are words, not gaps; Chinese and
    # Japanese, written without spaces, count as pairs of characters.
    assert normalise("Das Terminal stürzt beim Öffnen ab").split()[1:3] == ["stürzt", "beim"]
    assert "вставляет" in normalise("Ctrl+Shift+V не вставляет текст").split()
    pairs = normalise("终端闪退").split()
    assert pairs == ["终端", "端闪", "闪退"]
    assert set(pairs) & set(normalise("打开设置后终端闪退").split()) == {"终端", "端闪", "闪退"}
