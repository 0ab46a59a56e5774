"""What of a person's report is their own words: not the tracker's template around them, a
pasted log or config read for what identifies it, a line a log repeats said once.

Reports on a tracker come in issue forms, with checklists and pictures, and people paste their
settings and logs into them: the same words in unrelated reports. Comparing those would rank
reports by their template and their pastes. The text is untrusted data: only compared.
"""

from __future__ import annotations

import re

# What a tracker's template or editor puts around a person's words: instructions in HTML
# comments, pictures, the folds around a long paste (`<details><summary>Logs</summary>`), the
# ticked checklist every report carries, an issue form's placeholder for a field left empty,
# and a template's placeholders for an answer (`[e.g. Windows 10]`, `[desktop / mobile]`, not
# a link). They are the same in unrelated reports, and a long template can crowd the words
# out of the part that is read.
_TEMPLATE = (
    re.compile(r"<!--.*?(?:-->|\Z)", re.S),
    re.compile(r"!\[[^\]\n]*\]\([^)\s]*\)|<img\b[^>]*>", re.I),
    re.compile(r"<summary\b[^>]*>.*?</summary>|</?details\b[^>]*>", re.I | re.S),
    re.compile(r"^[ \t]*(?:[-*+]|\d+\.)[ \t]+\[[ xX]\][^\n]*$", re.M),
    re.compile(r"^[ \t]*_No response_[ \t]*$", re.M),
    re.compile(
        r"\[(?:e\.g\.?|eg\b|i\.e\.|for example|such as)[^\]\n]*\]"
        r"|\[[^\]\n/]{1,40}(?:\s/\s[^\]\n/]{1,40})+\](?!\()",
        re.I,
    ),
)

# An issue form's questions: its headings (`### Which version are you running?`), or the bold
# lines of a markdown template (`**Describe the bug**`). A form asks the same questions in
# every report, and a long form's questions outweigh a short answer; a report with this many
# headings is a form, while one heading or two may be the person's own.
_HEADING = re.compile(r"^[ \t]*(?:#{1,6}[ \t][^\n]*|\*\*[^*\n]+\*\*:?|__[^_\n]+__:?)[ \t]*$", re.M)
FORM_HEADINGS = 3

# The sentences of GitHub's default bug report template, which many projects keep and many
# people leave in where they had nothing to say: rare words shared by unrelated reports. (Its
# steps, `Go to '...'`, and its `[e.g. iOS]` are placeholders of the kinds below.)
_PLACEHOLDER_TEXT = """
A clear and concise description of what the bug is.
A clear and concise description of what you expected to happen.
A clear and concise description of what the problem is.
A clear and concise description of what you want to happen.
Steps to reproduce the behavior:
See error
If applicable, add screenshots to help explain your problem.
Add any other context about the problem here.
Desktop (please complete the following information):
Smartphone (please complete the following information):
"""
# A template's own lines that no list can know: a step left as its placeholder (`1. Go to
# '...'`: a few words, then the quoted dots; a person's "click the '...' menu next to a
# note" says more), and an instruction to the reporter (`Tell us what you expected.`, `Drag
# and drop screenshots here.`): an instruction verb first, and `here` or `us` in it. A list
# item is a step the person wrote, never an instruction.
_PLACEHOLDER_STEP = (
    r"^[ \t]*(?:(?:[-*+]|\d+[.)])[ \t]+)?(?:[^\W\d]+[ \t]+){0,3}"
    r"['\"\u2018\u201c]\.{3,}['\"\u2019\u201d][ \t]*$"
)
_INSTRUCTION = (
    r"^[ \t]*(?:please\s+)?(?:tell|describe|add|drag|attach|paste|include|provide|explain|list"
    r"|enter|write|fill|put|let)\b[^\n]*\b(?:here|us)\b[^\n]*$"
)
# A form's prompt, left in where the person wrote nothing or below it: a whole line in
# italics that asks (`_What is the scenario this would be used?_`).
_PROMPT = r"^[ \t]*(?:_[^_\n]+\?[^_\n]*_|\*[^*\n]+\?[^*\n]*\*)[ \t]*$"
_PLACEHOLDER_LINE = re.compile(f"{_PLACEHOLDER_STEP}|{_INSTRUCTION}|{_PROMPT}", re.I | re.M)
_LINE_KEY = re.compile(r"[^a-z]+")
_LIST_MARK = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s*")


def _line_key(line: str) -> str:
    """A line by its words alone, whatever its list mark, case and punctuation."""
    return _LINE_KEY.sub(" ", _LIST_MARK.sub("", line).lower()).strip()


_PLACEHOLDERS = frozenset(map(_line_key, _PLACEHOLDER_TEXT.strip().splitlines()))


# A pasted block (a log, a config, a stack trace) is read for what identifies it: its first
# lines (the command, the exception, the first frames) and the lines that say something
# failed. Whole, a long config or log shares its keys and timestamps with every report that
# pastes one, and outweighs what the person wrote. A block is fenced (```), or a run of lines
# a program wrote: pasted bare, inside <details>, or indented.
_FENCED = re.compile(r"^[ \t]*(`{3,}|~{3,})[^\n]*\n(.*?)(?:^[ \t]*\1[`~]*[ \t]*$|\Z)", re.M | re.S)
_FAILING_LINE = re.compile(
    r"error|exception|fail|fatal|panic|abort|crash|denied|refused|timed? ?out|cannot|can't|"
    r"unable|exited|not found|invalid",
    re.I,
)
_LETTER_WORD = re.compile(r"[^\W\d_]{2,}")
BLOCK_FIRST_LINES = 2
BLOCK_FAILING_LINES = 3
PASTED_RUN = 6
"""Lines a program wrote, one after another, that make a block without a fence: fewer are a
list of versions or settings a template asks for, which are the person's answers."""


def _block_lines(lines: list[str]) -> list[str]:
    """The lines of a pasted block that are read: the first, and a few that say what failed."""
    rest = lines[BLOCK_FIRST_LINES:]
    failing = [line for line in rest if _FAILING_LINE.search(line)][:BLOCK_FAILING_LINES]
    return lines[:BLOCK_FIRST_LINES] + failing


def _fenced_block(match: re.Match[str]) -> str:
    lines = [line for line in match.group(2).splitlines() if line.strip()]
    return "\n".join(_block_lines(lines)) + "\n"


_LIST_ITEM = re.compile(r"\s*(?:\d+[.)]|[-*+•])\s+[^\W\d_]")


def machine_made(line: str) -> bool:
    """A line a program wrote (a log line, a setting, a stack frame) rather than a sentence:
    fewer than four words, or fewer letters than signs and digits make up. A list item is a
    person's (steps to reproduce: "2. Click Export"), however short."""
    chars = len(line) - line.count(" ") - line.count("\t")
    if not chars or _LIST_ITEM.match(line):
        return False
    words = _LETTER_WORD.findall(line)
    return len(words) < 4 or sum(map(len, words)) < 0.6 * chars


def _bare_blocks(text: str) -> str:
    """`text` with each run of `PASTED_RUN` or more machine-made lines read as a block."""
    if text.count("\n") < PASTED_RUN - 1:
        return text  # most feedback: a line or two
    kept: list[str] = []
    run: list[str] = []
    for line in [*text.splitlines(), ""]:
        if machine_made(line):
            run.append(line)
            continue
        kept += _block_lines(run) if len(run) >= PASTED_RUN else run
        run = []
        kept.append(line)
    return "\n".join(kept[:-1])


# A link's address, `[2025-10-16.txt](https://github.com/user-attachments/files/…)`: the
# words are the link's text; the path is the tracker's, the same in every report that attaches.
_LINK = re.compile(r"\[([^\]\n]*)\]\([^)\s]*\)")


# The address of a file a tracker stored (`https://github.com/user-attachments/assets/<uuid>`,
# a pasted video or screenshot): its words are the tracker's, the same in every report that
# attaches one. The id ends the address: one that goes on (`/blob/<sha>/src/render.cpp`) or
# has none names a place (the code in question, a page that fails), and stays.
_UPLOAD = re.compile(
    r"\bhttps?://[^\s()<>\[\]]*?(?<![0-9a-f])"
    r"(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|(?=[0-9a-f]*\d)[0-9a-f]{16,})"
    r"(?:\.\w{1,5})?(?=[\s()<>\[\]]|$)",
    re.I,
)


def without_template(text: str) -> str:
    """A person's text without template instructions, pictures, checklists, a form's
    questions and its placeholders, links' addresses, the addresses of uploaded files, pasted
    blocks cut to what identifies them, and a line a log repeats said once (`said_once`)."""
    if "\r" in text:
        # A tracker's API gives what a browser sent, lines ended `\r\n`: every rule here reads
        # lines ended `\n`, and `_No response_\r` is no placeholder.
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "<" in text or "[" in text or "_No response_" in text:
        for pattern in _TEMPLATE:
            text = pattern.sub(" ", text)
        if "](" in text:
            text = _LINK.sub(r"\1", text)
    if "://" in text:
        text = _UPLOAD.sub(" ", text)
    if "\n" in text:  # a form or a fenced block is never one line: most feedback skips this
        text = _without_form_or_pastes(text)
    return said_once(_bare_blocks(text))


# A block of settings a form or an app's "report a bug" button fills in (`OS Version:
# Microsoft Windows NT 10.0.22631.0`, `Install scope: per user`): the names are the form's,
# the same in every report that came through it; the values are the person's answers. Three
# such lines in a row make a block, and a name that says something failed (`Error: …`) makes
# it a message instead. An indented name is a pasted config's (`  proxy: on`), whose names
# are what it says.
_SETTING = r"(?:[ \t]*[-*+][ \t]+)?([.\w][\w .()/-]{0,30}?)[ \t]*:[ \t]+(\S[^\n]{0,80})"
_SETTING_LINE = re.compile(_SETTING)
_SETTINGS = re.compile(f"^{_SETTING}(?:\n{_SETTING}){{2,}}$", re.M)


def _setting_values(match: re.Match[str]) -> str:
    lines = [_SETTING_LINE.fullmatch(line) for line in match.group(0).split("\n")]
    if any(line is None or _FAILING_LINE.search(line.group(1)) for line in lines):
        return match.group(0)
    return "\n".join(line.group(2) for line in lines if line)


def _without_form_or_pastes(text: str) -> str:
    """`text` with each fenced block cut to what identifies it, and outside the blocks no
    issue form's questions, template placeholder lines, default template sentences or names
    of a settings block: a pasted script's `# comments` are no form's questions, and a log's
    `Process: 18231` no setting."""
    blocks = list(_FENCED.finditer(text)) if "```" in text or "~~~" in text else []
    starts = [0, *(block.end() for block in blocks)]
    ends = [*(block.start() for block in blocks), len(text)]
    outside = [text[start:end] for start, end in zip(starts, ends, strict=True)]
    form = sum(len(_HEADING.findall(part)) for part in outside) >= FORM_HEADINGS

    def change(part: str) -> str:
        if form:
            part = _HEADING.sub(" ", part)
        part = _PLACEHOLDER_LINE.sub(" ", part)
        if ":" in part:
            part = _SETTINGS.sub(_setting_values, part)
        lines = part.split("\n")
        kept = [line for line in lines if _line_key(line) not in _PLACEHOLDERS or not line.strip()]
        return "\n".join(kept) if len(kept) < len(lines) else part

    out = [change(outside[0])]
    for block, part in zip(blocks, outside[1:], strict=True):
        out += [_fenced_block(block), change(part)]
    return "".join(out)


_DIGIT_RUN = re.compile(r"\d+")


def said_once(text: str) -> str:
    """Each line once, lines that differ only in their numbers being one line: how often a
    person comes back to a word says what they write about; how often a pasted log prints
    the same line with another timestamp says nothing."""
    lines = text.splitlines()
    if len(lines) < 2:
        return text
    seen: set[str] = set()
    kept = []
    for line in lines:
        key = _DIGIT_RUN.sub("0", line.strip())
        if key not in seen or not key:
            seen.add(key)
            kept.append(line)
    return "\n".join(kept)
