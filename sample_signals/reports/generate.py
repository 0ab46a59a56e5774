# ruff: noqa: E501  (the reports are prose: a line each reads as a person wrote it)
"""A labeled set of user bug reports: free text only, duplicates and hard negatives.

    .venv/bin/python sample_signals/reports/generate.py
    .venv/bin/overnight triage --evaluate sample_signals/reports/expected_groups.jsonl

Reports about "Quill", an imagined desktop notes app with sync, written here for Overnight in
the way people write to a feedback inbox: a subject line, a few sentences, typos, their own
words for the same fault, sometimes a version. Each problem has several reports; each product
area has several problems, so the hard negatives (the same area, another fault) sit next to
the duplicates. No text is taken from any tracker. Senders differ, and there is no route or
event id: the words are the only signal, so triage must propose, never merge, and rank the
earlier report of the same problem first.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

OUT = Path(__file__).resolve().parent / "expected_groups.jsonl"

# (group, [(subject, body), ...]): the first report of each group arrives first; the others
# are interleaved with the rest of the night's reports.
PROBLEMS: list[tuple[str, list[tuple[str, str]]]] = [
    (
        "export-pdf-blank-pages",
        [
            (
                "PDF export gives blank pages",
                "When I export a note to PDF the file has the right number of pages but they're all white. Quill 3.2 on Windows 11.",
            ),
            (
                "exported pdf is empty",
                "export -> PDF produces a document with nothing on it. Just empty pages. Markdown preview looks fine before exporting.",
            ),
            (
                "Blank PDF",
                "Every PDF I export since the update is blank, page count is correct but no text at all.",
            ),
        ],
    ),
    (
        "export-pdf-wrong-font",
        [
            (
                "PDF export ignores my font",
                "I set the editor font to Iosevka but exported PDFs always come out in Times New Roman.",
            ),
            (
                "font in exported PDF is wrong",
                "The export uses a serif font instead of the one from my theme settings. Text is there, just the wrong typeface.",
            ),
        ],
    ),
    (
        "export-html-images-missing",
        [
            (
                "HTML export drops images",
                "Exporting to HTML loses all the embedded images, the img tags point to a temp folder that no longer exists.",
            ),
            (
                "Images broken after html export",
                "pictures pasted into notes show as broken icons once I export the notebook as HTML and open it in a browser",
            ),
            (
                "export to web page: no pictures",
                "Exported web page has every image missing (broken link symbol). Attachments folder isn't copied next to the .html file.",
            ),
        ],
    ),
    (
        "sync-conflict-duplicates",
        [
            (
                "Sync creates duplicate notes",
                "After syncing my laptop and desktop I have two copies of many notes, one named '(conflict)'. I only edited on one machine.",
            ),
            (
                "conflicted copies everywhere",
                "Every sync now makes 'conflict' duplicates of notes I never touched on the second device. Dozens of them.",
            ),
            (
                "Duplicate notes after sync",
                "Notes get doubled with a conflict suffix after sync even when only one computer was on.",
            ),
        ],
    ),
    (
        "sync-stuck-spinner",
        [
            (
                "Sync never finishes",
                "The sync icon keeps spinning forever and nothing uploads. Restarting the app does not help.",
            ),
            (
                "sync stuck at 'Syncing…'",
                "Status bar says Syncing… for hours, my changes never show up on my phone.",
            ),
            (
                "Sync hangs",
                "sync is stuck, spinner never stops, last successful sync was two days ago",
            ),
        ],
    ),
    (
        "sync-login-loop",
        [
            (
                "Keeps asking me to sign in to sync",
                "Every time I open Quill it asks for my sync account password again, even though I ticked remember me.",
            ),
            (
                "sync account logs out on restart",
                "I have to log in to the sync service after every restart. The token doesn't seem to be saved.",
            ),
        ],
    ),
    (
        "editor-cursor-jumps",
        [
            (
                "Cursor jumps to the end while typing",
                "While I type in a long note the cursor suddenly jumps to the end of the document and I type in the wrong place.",
            ),
            (
                "caret moves to bottom of note",
                "Typing in the middle of a note, the caret randomly goes to the very bottom. Happens every few seconds with autosave on.",
            ),
            (
                "text cursor jumping",
                "my text cursor keeps jumping down to the last line when I edit older paragraphs. very annoying",
            ),
        ],
    ),
    (
        "editor-undo-lost",
        [
            (
                "Undo doesn't work after autosave",
                "Ctrl+Z does nothing once the note was autosaved, I lost a paragraph I deleted by mistake.",
            ),
            (
                "undo history cleared",
                "The undo history seems to be wiped every time the note saves, so I can only undo the last few seconds.",
            ),
        ],
    ),
    (
        "editor-paste-formatting",
        [
            (
                "Pasting from Word keeps weird formatting",
                "When I paste text from Word I get random font sizes and background colours in the note.",
            ),
            (
                "paste brings styles along",
                "Copying from a web page and pasting into a note brings its styling along (colored background, huge headings). Paste as plain text option would help.",
            ),
        ],
    ),
    (
        "search-misses-accents",
        [
            (
                "Search doesn't find words with accents",
                "Searching for 'cafe' doesn't find notes containing 'café', and searching 'café' finds nothing either.",
            ),
            (
                "accented characters break search",
                "Search ignores notes with é, ü, ñ in the word I'm looking for. German umlauts especially.",
            ),
            (
                "can't search for Müller",
                "Typing Müller in search returns zero results though I have many notes with that name.",
            ),
        ],
    ),
    (
        "search-slow-large-vault",
        [
            (
                "Search is really slow",
                "With about 8000 notes, each search takes 20+ seconds and the window freezes meanwhile.",
            ),
            (
                "search freezes the app",
                "Whenever I search in my big notebook the whole app stops responding for a long time before results show.",
            ),
        ],
    ),
    (
        "search-index-stale",
        [
            (
                "New notes don't show up in search",
                "Notes I created today are not found by search until I restart Quill.",
            ),
            (
                "search results outdated",
                "Search returns old versions of notes, edits from the last hour aren't reflected. Rebuild index fixes it for a while.",
            ),
        ],
    ),
    (
        "startup-crash-plugin",
        [
            (
                "Crash on startup after installing a plugin",
                "Quill closes immediately when I open it since I installed the Kanban plugin. Removing the plugins folder fixes it.",
            ),
            (
                "App won't start, plugin related?",
                "The app crashes right at launch. I think it's the kanban board add-on, because safe mode works.",
            ),
            (
                "crashes at launch",
                "Since yesterday Quill quits a second after starting. Only change was adding a plugin (kanban).",
            ),
        ],
    ),
    (
        "startup-slow-mac",
        [
            (
                "Takes a minute to open on Mac",
                "On my MacBook Air Quill takes about 60 seconds to show the window after clicking the dock icon.",
            ),
            (
                "very slow launch on macOS",
                "Launching the app on macOS Sonoma is extremely slow, it bounces in the dock for ages before opening.",
            ),
        ],
    ),
    (
        "theme-dark-unreadable-code",
        [
            (
                "Code blocks unreadable in dark theme",
                "In the dark theme, code blocks are dark grey text on a black background. Can barely read them.",
            ),
            (
                "dark mode code block contrast",
                "With dark mode on the inline code and fenced code blocks have almost no contrast.",
            ),
            (
                "can't read code in dark theme",
                "Fenced code is black on dark gray when using the dark theme.",
            ),
        ],
    ),
    (
        "theme-resets-light",
        [
            (
                "Theme resets to light on every start",
                "I choose the dark theme, but after restarting Quill it's back to the light one.",
            ),
            (
                "dark theme not remembered",
                "The app forgets my theme choice whenever I close it, always opens in light mode.",
            ),
        ],
    ),
    (
        "attachments-large-fail",
        [
            (
                "Can't attach files bigger than 10 MB",
                "Dragging a 25 MB PDF into a note shows 'attachment failed' without any explanation.",
            ),
            (
                "large attachment upload fails",
                "Attaching a big video file to a note fails every time with a generic error, small images work.",
            ),
        ],
    ),
    (
        "attachments-open-wrong-app",
        [
            (
                "Attachments open in the wrong program",
                "Double clicking an attached .docx opens it in Notepad instead of Word.",
            ),
            (
                "attached files open with wrong application",
                "When I open an attachment from a note Windows uses the wrong default app, e.g. spreadsheets open in a text editor.",
            ),
        ],
    ),
    (
        "print-cuts-margins",
        [
            (
                "Printing cuts off the right side",
                "When I print a note the last few characters of every line are cut off on the right.",
            ),
            (
                "printed notes lose text at margin",
                "Printouts are missing text at the right margin, looks like the page width is wrong.",
            ),
        ],
    ),
    (
        "shortcuts-ctrl-k-broken",
        [
            (
                "Ctrl+K no longer opens the command palette",
                "Since 3.2 pressing Ctrl+K does nothing, I have to use the menu to get the command palette.",
            ),
            (
                "command palette shortcut dead",
                "The keyboard shortcut for the command palette stopped working after updating. Other shortcuts are fine.",
            ),
            ("ctrl k not working", "ctrl+k used to open the palette, now nothing happens at all"),
        ],
    ),
    (
        "tags-rename-breaks-links",
        [
            (
                "Renaming a tag breaks filtered views",
                "After renaming the tag #work to #job my saved filters still look for #work and show nothing.",
            ),
            (
                "saved searches break when tag renamed",
                "I renamed a tag and every saved search that used it now returns no notes.",
            ),
        ],
    ),
    (
        "tags-sidebar-count-wrong",
        [
            (
                "Tag counts in the sidebar are wrong",
                "The sidebar says #ideas has 42 notes but only 30 show up when I click it.",
            ),
            (
                "sidebar tag numbers don't match",
                "Number next to each tag in the sidebar is higher than the notes actually listed, deleted notes still counted?",
            ),
        ],
    ),
]

# The sender of each report, by position: everyone is a different person.
_START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def rows() -> list[dict[str, object]]:
    """The labeled reports in arrival order: every problem's first report, then the others."""
    order: list[tuple[str, int, tuple[str, str]]] = []
    for group, reports in PROBLEMS:
        order.append((group, 0, reports[0]))
    for round_ in range(1, max(len(r) for _g, r in PROBLEMS)):
        for group, reports in PROBLEMS:
            if round_ < len(reports):
                order.append((group, round_, reports[round_]))
    out = []
    for n, (group, index, (subject, body)) in enumerate(order):
        event = {
            "subject": subject,
            "body": body,
            "from": f"user{n:03d}@example.org",
            "date": (_START + timedelta(hours=3 * n)).isoformat(),
        }
        out.append({"id": f"{group}-{index}", "group": group, "event": event})
    return out


def main() -> None:
    lines = rows()
    OUT.write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in lines))
    print(f"{len(lines)} reports, {len(PROBLEMS)} problems -> {OUT}")


if __name__ == "__main__":
    main()
