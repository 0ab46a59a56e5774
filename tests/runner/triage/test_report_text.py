"""A report's own words: the tracker's template left out, pasted blocks read for what
identifies them, a log's repeated lines said once."""

from __future__ import annotations

from datetime import UTC, datetime

from runner.triage.features import signal_text
from runner.triage.report_text import machine_made, without_template
from runner.triage.text import normalise
from store.signal import Signal

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
