"""What a person wrote in an e-mail: its own words, as plain text.

An e-mail carries more than the sender's words: an HTML-only message is markup and style
sheets (`font-family: Calibri`, `class="MsoNormal"`), a reply quotes the thread it answers (a
support desk's acknowledgement, the same in every reply), and a signature repeats under every
message. Left in, they are the same words in unrelated messages, so triage would rank
messages by their mail client and their support desk. The raw message is kept whole beside
the signal.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_SKIPPED = frozenset({"head", "style", "script", "title", "blockquote"})
"""Elements whose text is not the sender's: the head, style sheets, and (in an e-mail) the
quoted thread, which mail clients put in a blockquote."""
_BREAKS = frozenset(
    {"br", "p", "div", "li", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "pre"}
)


class _TextOf(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self.skipping += 1
        elif tag in _BREAKS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self.skipping = max(self.skipping - 1, 0)
        elif tag in _BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


_SPACES = re.compile(r"[ \t\xa0]+")
_BLANK_RUNS = re.compile(r"\n\s*\n\s*\n+")


def html_to_text(html: str) -> str:
    """The text an HTML message shows, a line per paragraph or break, without its head,
    style sheets, scripts or quoted thread."""
    parser = _TextOf()
    parser.feed(html)
    parser.close()
    lines = (_SPACES.sub(" ", line).strip() for line in "".join(parser.parts).splitlines())
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip()


# Where the quoted thread begins: an attribution line ("On Mon, … wrote:", in a few languages),
# Outlook's separator or header block, or the first line of a quote that runs to the end.
_ATTRIBUTION = re.compile(
    r"^(?:On\b.{0,300}\bwrote|Am\b.{0,300}\bschrieb.{0,80}|Le\b.{0,300}\ba écrit"
    r"|El\b.{0,300}\bescribió|Il\b.{0,300}\bha scritto)\s*:\s*$",
    re.I | re.S,
)
_OUTLOOK = re.compile(r"^-{2,}\s*(?:Original Message|Ursprüngliche Nachricht)\s*-{2,}\s*$", re.I)
_OUTLOOK_HEADER = re.compile(r"^(?:From|Von|De):\s.+\n(?:Sent|Gesendet|Envoyé|Date):\s", re.M)
_SIGNATURE = re.compile(r"^-- ?$")
# What a mail app adds under every message it sends.
_APP_LINE = re.compile(
    r"^\s*(?:Sent from my \w[\w ]{0,30}|Sent from (?:Mail|Outlook) for \w+|Get Outlook for \w+"
    r"|Von meinem \w[\w ]{0,30} gesendet|Envoyé de mon \w[\w ]{0,30})\s*$",
    re.I,
)
QUOTED_THREAD_LINES = 4
"""Quoted lines at the end of a message, without an attribution, that make a quoted thread."""


_FORWARDED = re.compile(r"^\s*(?:fwd?|wg|tr)\s*:", re.I)


def forwarded(subject: str | None) -> bool:
    """A forward (`Fwd:`, `FW:`, German `WG:`, French `TR:`): the message it carries is the
    point of it, not a thread to leave out."""
    return bool(subject and _FORWARDED.match(subject))


def own_words(body: str) -> str:
    """An e-mail body without the thread it quotes, the sender's signature (after the `-- `
    line mail clients write before it) and the line a mail app adds ("Sent from my iPhone")."""
    lines = body.splitlines()
    end = len(lines)
    # A quote that runs to the end of the message, and the attribution line before it. A
    # short one without an attribution is the sender's: they quote what the screen said.
    while end and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith(">")):
        end -= 1
    attribution = _attribution_start(lines, end)
    quoted = sum(1 for line in lines[end:] if line.strip())
    if attribution is not None:
        end = attribution
    elif quoted < QUOTED_THREAD_LINES:
        end = len(lines)
    for n, line in enumerate(lines[:end]):
        if _SIGNATURE.match(line) or _OUTLOOK.match(line):
            end = n
            break
    while end and (not lines[end - 1].strip() or _APP_LINE.match(lines[end - 1])):
        end -= 1
    kept = "\n".join(lines[:end])
    header = _OUTLOOK_HEADER.search(kept)
    if header:
        kept = kept[: header.start()]
    return kept.rstrip()


def _attribution_start(lines: list[str], end: int) -> int | None:
    """The first line of the attribution just above line `end` (mail clients wrap a long one
    over two or three lines), if there is one."""
    for start in range(end - 1, max(end - 4, 0) - 1, -1):
        if _ATTRIBUTION.match(" ".join(line.strip() for line in lines[start:end])):
            return start
    return None
