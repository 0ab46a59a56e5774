"""A report's own words: the tracker's template left out, pasted blocks read for what
identifies them, a log's repeated lines said once."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

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
    # Three headings make a form: its questions are the same in every report.
    assert "Describe the bug" not in cleaned and "Screenshots" not in cleaned
    assert "The queue skips the last track." in cleaned
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
    assert first & second == set()


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
    # or the versions a template asks for (fewer than a pasted block's lines), whose answers
    # stay and whose names are the template's.
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
    assert without_template(f"Crash on start.\n\n{versions}\n") == (
        "Crash on start.\n\n4.2.1\nWindows 11\nstore\nIntel"
    )
    assert machine_made("2026-09-03 10:22:13 [net] connected id=4411") and not machine_made(
        "When I delete an email it disappears"
    )


def test_a_forms_questions_and_the_default_templates_sentences_are_left_out() -> None:
    form = (
        "### Which version of the app are you running?\n\n4.2.1\n\n"
        "### What happened?\n\nThe outbox never empties.\n\n"
        "### Relevant log output\n\n```shell\n# queue dump\n[smtp] 552 too large\n```\n\n"
        "### Anything else we should know?\n\n_No response_"
    )
    kept = without_template(form)
    assert "version" not in kept and "happened" not in kept and "Anything" not in kept
    assert "The outbox never empties." in kept and "4.2.1" in kept
    # Inside a fence, a line beginning with `# ` is the paste's, not a question of the form.
    assert "# queue dump" in kept and "[smtp] 552 too large" in kept
    # One heading or two may be the person's own words.
    own = "## Export is empty\n\nThe CSV has only its header row."
    assert without_template(own) == own
    # The markdown template's bold questions, and the sentences people leave in.
    old = (
        "**Describe the bug**\nDrafts vanish after a restart.\n\n**To Reproduce**\n"
        "Steps to reproduce the behavior:\n1. Go to '...'\n2. Click on '....'\n3. See error\n\n"
        "**Expected behavior**\nA clear and concise description of what you expected to happen.\n"
        "**Additional context**\nAdd any other context about the problem here."
    )
    assert without_template(old).split() == ["Drafts", "vanish", "after", "a", "restart."]
    # A sentence of the person's that only uses the template's words stays.
    assert without_template("Line one.\nI see error 5 after I go to settings.") == (
        "Line one.\nI see error 5 after I go to settings."
    )


def test_a_templates_placeholders_and_instructions_are_left_out() -> None:
    # A project's own template, which no list of known sentences holds.
    report = (
        "## Bug report\n\n**What went wrong?**\nPasted images land in the vault's top folder.\n\n"
        "**How to reproduce**\n1. Open '...'\n2. Do '...'\n3. Paste an image\n\n"
        "**What should happen**\nTell us what you thought the app would do.\n\n"
        "**Device**\n- Version: [e.g. 1.6.2]\n- OS: macOS 14\n- Kind: [desktop / mobile]\n\n"
        "**Screenshots**\nDrag and drop screenshots here.\nSee [the log](https://x.example/l)."
    )
    kept = without_template(report).split()
    assert kept == [
        *["Pasted", "images", "land", "in", "the", "vault's", "top", "folder."],
        *["3.", "Paste", "an", "image"],
        *["-", "Version:", "-", "OS:", "macOS", "14", "-", "Kind:"],
        *["See", "the", "log."],
    ]
    # A person's own steps and sentences with those words stay: a list item is a step, and
    # an instruction says `here` or `us`.
    own = (
        "Crash on paste.\n- Add an image here\nAdd a table, then undo: it crashes.\n"
        "1. Click the '...' menu next to a note"
    )
    assert without_template(own) == own


def test_a_forms_settings_block_keeps_its_answers_not_its_names() -> None:
    # What an app's "report a bug" button fills in: every report through it has the names.
    report = (
        "PDF preview shows nothing.\n\nOS Version: Microsoft Windows NT 10.0.22631.0\n"
        ".NET Version: 9.0.12\nInstall scope: per user\nSystem locale: en-AE\n"
    )
    kept = without_template(report)
    assert "Version" not in kept and "scope" not in kept and "locale" not in kept
    assert "Microsoft Windows NT 10.0.22631.0" in kept and "per user" in kept
    assert "PDF preview shows nothing." in kept
    # Two lines are a person's; a name that says what failed is a message; an indented name
    # is a pasted config's; a fenced log is read as a block, its lines whole.
    for own in (
        "Sync: never finishes\nVault: on OneDrive",
        "Error: vault index not initialised\nProcess: app.quire\nPID: 18231",
        "proxy:\n  host: localhost\n  port: 8080\n  tls: true",  # a config's names say it
    ):
        assert without_template(own).split() == own.split()
    fenced = without_template("```\nFATAL: main\nProcess: app.quire\nPID: 18231\n```")
    assert fenced.split() == ["FATAL:", "main", "Process:", "app.quire"]


def test_a_links_address_is_not_the_persons_words() -> None:
    assert without_template("Log: [2025-10-16.txt](https://github.com/u/files/2/a.txt)") == (
        "Log: 2025-10-16.txt"
    )


def test_an_uploaded_files_address_is_not_the_persons_words() -> None:
    # A video or screenshot pasted as a bare address: every report with one would share
    # `user attachments assets`.
    video = "Tabs flicker:\nhttps://github.com/user-attachments/assets/0b1c5b0e-8f0a-4a5e-9f3c-2b7d7a1d9e11"
    assert without_template(video).split() == ["Tabs", "flicker:"]
    old = "See https://user-images.githubusercontent.com/58/60-27791b80-98bd-11e9-870a-d72a93b17470.png"
    assert without_template(old).split() == ["See"]
    # An address naming a place, or another report, is what the person says.
    for own in (
        "Opening https://teamboard.example.com/settings/integrations fails",
        "Same as https://github.com/o/r/issues/12345",
        "It starts at https://github.com/o/r/blob/3f2a9c1d8e7b6a5f4e3d2c1b/src/render.cpp#L40",
    ):
        assert without_template(own) == own


def test_a_forms_prompt_in_italics_is_left_out() -> None:
    report = "_What is the scenario this would be used?_\nRecord the screen as a GIF.\n_Thanks_"
    assert without_template(report).strip() == "Record the screen as a GIF.\n_Thanks_"


def test_filler_words_of_other_languages_match_nothing() -> None:
    spanish = set(normalise("No sincroniza desde la versión 1.8, se queda en la pantalla").split())
    other = set(normalise("Cuando comparto texto desde Chrome se abre la app").split())
    assert spanish & other == set()
    german = normalise("Die Synchronisierung hängt seit dem Update auf der Arbeit")
    assert "seit" not in german.split() and "synchronisierung" in german.split()


_REPORT_PIECES = st.sampled_from(
    [
        "### What happened?",
        "**Expected behavior**",
        "```",
        "~~~",
        "<!-- fill this in -->",
        "<details><summary>Logs</summary>",
        "</details>",
        "- [x] I searched the issues",
        "_No response_",
        "1. Go to '...'",
        "Tell us what you expected here.",
        "[e.g. 1.2.3]",
        "[desktop / mobile]",
        "# a comment",
        "10:00:01 [net] connected id=4411",
        "The export is empty since 4.2.",
        "OS Version: 10.0.22631",
        "Install scope: per user",
        "[log.txt](https://x.example/a/log.txt)",
        "_What would you like to happen?_",
        "https://github.com/user-attachments/assets/0b1c5b0e-8f0a-4a5e-9f3c-2b7d7a1d9e11",
    ]
)


@given(st.lists(st.one_of(_REPORT_PIECES, st.text(max_size=40)), max_size=30))
def test_any_report_is_read_without_failing_and_gains_nothing(pieces: list[str]) -> None:
    text = "\n".join(pieces)
    kept = without_template(text)
    # Only ever what the report says: each character at most as often as the report has it
    # (what is left out becomes a space, a line or a word never added).
    assert not Counter("".join(kept.split())) - Counter("".join(text.split()))


@given(st.lists(_REPORT_PIECES, max_size=30))
def test_lines_a_browser_ended_with_cr_lf_read_as_any_other(pieces: list[str]) -> None:
    # A tracker's API returns the body as the browser sent it, `\r\n` after each line.
    assert without_template("\r\n".join(pieces)) == without_template("\n".join(pieces))


def test_a_form_sent_by_a_browser_loses_its_questions_and_placeholders() -> None:
    form = (
        "### Which version of the app are you running?\r\n\r\n4.2.1\r\n\r\n"
        "### What happened?\r\n\r\nThe outbox never empties.\r\n\r\n"
        "### Other software\r\n\r\n_No response_\r\n\r\n"
        "### Steps to reproduce\r\n\r\nSend a mail with a large attachment."
    )
    assert without_template(form).split() == [
        *["4.2.1", "The", "outbox", "never", "empties."],
        *["Send", "a", "mail", "with", "a", "large", "attachment."],
    ]
