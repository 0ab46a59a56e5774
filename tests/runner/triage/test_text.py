from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from runner.triage.features import signal_text
from runner.triage.text import (
    _token_words,
    best_matches,
    machine_made,
    mask,
    normalise,
    similarity,
    without_template,
)
from store.signal import Signal


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


TEMPLATE = """<!--
Please search the existing issues before filing a new one, and make sure you run the
latest version. Delete this comment before you submit.
-->
### Describe the bug
{words}

### Screenshots
![screenshot](https://example.com/user-attachments/assets/9f1c2d.png) <img width="400" src="x.png">

### Logs

_No response_

- [x] I have searched the existing issues
- [ ] I am willing to submit a fix
"""


def test_a_trackers_template_is_not_the_persons_words() -> None:
    cleaned = without_template(TEMPLATE.format(words="The queue skips the last track."))
    assert "search" not in cleaned and "existing issues" not in cleaned
    assert "user-attachments" not in cleaned and "img" not in cleaned
    assert "No response" not in cleaned
    assert "Describe the bug" in cleaned and "The queue skips the last track." in cleaned
    # An unclosed comment is cut off too: nothing the template said survives.
    assert without_template("It hangs. <!-- leftover instructions") == "It hangs.  "


def test_two_reports_sharing_only_a_template_share_no_words() -> None:
    def words(text: str) -> set[str]:
        now = datetime.now(UTC)
        signal = Signal(
            id="s",
            kind="feedback",
            source="test",
            occurred_at=now,
            received_at=now,
            title="t",
            text=text,
        )
        return set(signal_text(signal).split())

    first = words(TEMPLATE.format(words="The queue skips the last track."))
    second = words(TEMPLATE.format(words="Album art never loads."))
    assert first & second <= set(normalise("Describe the bug Screenshots Logs").split())


def test_a_log_line_repeated_with_other_numbers_is_said_once() -> None:
    log = "".join(f"10:00:{s:02d} info: [sync] step {s} done\n" for s in range(30))
    text = f"Sync stops\n\nSync stops after a while.\n\n{log}\nSync stops"
    kept = without_template(text).splitlines()
    assert kept.count("10:00:00 info: [sync] step 0 done") == 1
    assert not any("step 1 done" in line for line in kept)
    assert kept.count("Sync stops") == 1 and "Sync stops after a while." in kept


def test_a_pasted_block_is_read_for_its_first_lines_and_what_failed() -> None:
    log = "\n".join(f"10:00:{s:02d} [ui] frame {s} drawn in {s % 7} ms" for s in range(40))
    text = (
        "Export hangs.\n\n```text\n$ petrel --export inbox\n[export] 1,204 messages\n"
        f"{log}\n[export] error: disk quota exceeded\n```\n\nIt worked in 4.1."
    )
    kept = without_template(text).splitlines()
    assert kept[:4] == ["Export hangs.", "", "$ petrel --export inbox", "[export] 1,204 messages"]
    assert "[export] error: disk quota exceeded" in kept
    assert not any("[ui] frame" in line for line in kept)
    assert kept[-1] == "It worked in 4.1."  # the words after the block are the person's again
    # A fence left open runs to the end, as a tracker shows it.
    assert without_template("Crash:\n~~~\na\nb\nc\n").split() == ["Crash:", "a", "b"]


STEPS = ["Open Petrel", "Go to Export", "Pick CSV", "Press Save", "Open Downloads", "See nothing"]


def test_a_block_pasted_without_a_fence_is_read_as_one() -> None:
    settings = "\n".join(f'  "{key}": {n},' for n, key in enumerate(["theme", "port", "sound"] * 3))
    text = (
        f"Sound stays off.\n\n<details><summary>settings</summary>\n{{\n{settings}\n}}\n</details>"
    )
    kept = without_template(text)
    assert "summary" not in kept and "details" not in kept and "settings" not in kept
    # The run of settings is read for its first two lines, as a fenced block is.
    assert [line.strip() for line in kept.splitlines() if line.strip()] == [
        "Sound stays off.",
        "{",
        '"theme": 0,',
    ]
    # A person's own lines stay whole, however many and however wrapped: an e-mail's paragraph,
    # or the versions a template asks for (fewer than a pasted block's lines).
    mail = (
        "Hello,\nsince this morning the weekly summary that\nwe send to our board shows last\n"
        "month's numbers for every team, even\nthough the dashboard itself has the\nright ones. "
        "We did not change any\nsettings on our side.\nThanks,\nMaria"
    )
    assert without_template(mail) == mail
    steps = "".join(f"{n}. {step}\n" for n, step in enumerate(STEPS, 1))
    assert (
        without_template(f"Export does nothing.\n{steps}") == f"Export does nothing.\n{steps}"[:-1]
    )
    versions = "- Petrel version: 4.2.1\n- OS: Windows 11\n- Installed from: store\n- GPU: Intel"
    assert without_template(f"Crash on start.\n\n{versions}\n") == f"Crash on start.\n\n{versions}"
    assert machine_made("2026-09-03 10:22:13 [net] connected id=4411") and not machine_made(
        "When I delete an email it disappears"
    )


def test_words_of_every_script_count() -> None:
    # Reports come in other languages too: their letters are words, not gaps; Chinese and
    # Japanese, written without spaces, count as pairs of characters.
    assert normalise("Das Terminal stürzt beim Öffnen ab").split()[2:4] == ["stürzt", "beim"]
    assert "вставляет" in normalise("Ctrl+Shift+V не вставляет текст").split()
    pairs = normalise("终端闪退").split()
    assert pairs == ["终端", "端闪", "闪退"]
    assert set(pairs) & set(normalise("打开设置后终端闪退").split()) == {"终端", "端闪", "闪退"}
