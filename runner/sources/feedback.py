"""Customer feedback: plain text, JSON, or e-mail (`.eml`) files, as `feedback` signals.

The person's words are kept verbatim as the signal's text (of an e-mail, its own words: not
the thread it quotes or its signature, see `email_text`); they are data for triage, never
instructions to anything.
"""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from datetime import datetime
from email.message import EmailMessage
from email.utils import parseaddr, parsedate_to_datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from runner.sources import Parsed
from runner.sources.common import (
    BadRecord,
    describe_validation_error,
    one_line,
    parse_timestamp,
)
from runner.sources.email_text import forwarded, html_to_text, own_words
from store.signal import Actor, Signal, content_id, utcnow
from store.signals import rejection

SOURCE = "feedback"
_TEXT_KEYS = ("body", "feedback", "comment", "comments", "text", "description", "details")
"""Where a message or report keeps its words: e-mail exports, widgets, and trackers (GitHub's
`body`; GitLab's, Linear's, Jira's and Zendesk's `description`; Canny's `details`)."""
_PERSON_KEYS = ("user", "author", "creator", "reporter", "requester")
_LOGIN_KEYS = ("login", "username", "name", "displayName")
_DATE_KEYS = ("date", "timestamp", "created_at", "createdAt", "created")
_PAGE_KEYS = ("route", "url", "web_url", "html_url")


_SUBJECT_KEYS = ("subject", "title", "summary")  # an e-mail's subject, a report's title


def looks_like_feedback(record: dict[str, Any]) -> bool:
    """A person's message: a text, or a subject or title alone (a report with no body)."""
    return _jira_fields(record) is not None or any(
        isinstance(record.get(key), str) for key in (*_TEXT_KEYS, *_SUBJECT_KEYS)
    )


def _jira_fields(record: dict[str, Any]) -> dict[str, Any] | None:
    """A Jira issue's `fields`, where it keeps its words (`summary`, `description`)."""
    fields = record.get("fields")
    if isinstance(fields, dict) and {"summary", "description"} & fields.keys():
        return fields
    return None


def _unnested(record: dict[str, Any]) -> dict[str, Any]:
    """A Jira issue as the other trackers' records are: its `fields` (`summary`,
    `description`, `reporter`, `created`) at the top, its description as text where it is a
    document (Atlassian's format, since version 3 of the API)."""
    fields = _jira_fields(record)
    if fields is None:
        return record
    unnested = {"id": record.get("key") or record.get("id"), **fields}
    if isinstance(fields.get("description"), dict):
        unnested["description"] = _document_text(fields["description"])
    return unnested


def _document_text(node: Any) -> str:
    """The text of an Atlassian document: its text nodes, a line for each paragraph."""
    if not isinstance(node, dict):
        return ""
    if node.get("type") == "text":
        return str(node.get("text") or "")
    parts = [_document_text(child) for child in node.get("content") or () if child]
    joiner = "\n" if node.get("type") in ("doc", "bulletList", "orderedList", "listItem") else ""
    return joiner.join(parts)


def json_to_signal(record: dict[str, Any], raw: str, source: str) -> Signal:
    """`{"body": ..., "from": ..., "subject": ..., "date": ..., "route": ...}` and kin: an
    e-mail, a widget's message, or a tracker's report (`title`, `body`, `user.login`,
    `created_at`, as GitHub's API gives an issue; `author.login` and `createdAt`, as its
    command line `gh issue list --json` does; GitLab's `description`, `author.username` and
    `web_url`; Linear's `creator.name`; Canny's `details` and `created`; Jira's `fields`)."""
    record = _unnested(record)
    body = next((str(record[k]) for k in _TEXT_KEYS if isinstance(record.get(k), str)), "")
    subject = next((record[k] for k in _SUBJECT_KEYS if isinstance(record.get(k), str)), None)
    sender = record.get("from") or record.get("email") or record.get("sender")
    name, address = parseaddr(str(sender)) if sender else ("", "")
    person: dict[str, Any] = next(
        (record[k] for k in _PERSON_KEYS if isinstance(record.get(k), dict)), {}
    )
    login = next((str(person[k]) for k in _LOGIN_KEYS if person.get(k)), None)
    email = person.get("email") or person.get("emailAddress")
    if not address and isinstance(email, str):
        address = parseaddr(email)[1]
    return build(
        body=body,
        subject=_optional_str(subject),
        sender_name=_optional_str(record.get("name")) or name or login,
        sender_email=address or None,
        when=parse_timestamp(_first(record, _DATE_KEYS), utcnow()),
        route=_optional_str(_first(record, _PAGE_KEYS)),
        workspace=_optional_str(record.get("workspace")),
        raw=raw,
        source=source,
        source_id=_optional_str(record.get("id")),
    )


def build(
    *,
    body: str,
    raw: str,
    source: str,
    subject: str | None = None,
    sender_name: str | None = None,
    sender_email: str | None = None,
    when: datetime | None = None,
    route: str | None = None,
    workspace: str | None = None,
    source_id: str | None = None,
) -> Signal:
    """The feedback signal; its id is the producer's message id or a hash of who said what."""
    text = body.strip()
    if not text and not subject:
        raise BadRecord("feedback has no text: both the subject and the body are empty")
    now = utcnow()
    actor = Actor(email=sender_email, name=sender_name) if sender_email or sender_name else None
    full_text = f"{subject}\n\n{text}" if subject and text else (subject or text)
    try:
        return Signal(
            id=content_id("feedback", source_id)
            if source_id
            else content_id("feedback", sender_email or "", full_text),
            kind="feedback",
            source=source,
            occurred_at=when or now,
            received_at=now,
            title=one_line(subject or text),
            route=route,
            actor=actor,
            workspace=workspace,
            text=full_text,
            raw=raw,
        )
    except ValidationError as exc:
        raise BadRecord("feedback: " + describe_validation_error(exc)) from exc


def read_text_file(path: Path) -> Iterator[Parsed]:
    """A plain-text file is one message, its whole content the person's words."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")  # a leading UTF-8 mark (Notepad's) is not a word
        yield build(body=text, raw=text, source=SOURCE, when=_mtime(path))
    except UnicodeDecodeError as exc:
        yield rejection(SOURCE, str(path), f"not UTF-8 text ({exc.reason})", data)
    except BadRecord as exc:
        yield rejection(SOURCE, str(path), str(exc), data)


def read_eml_file(path: Path) -> Iterator[Parsed]:
    """An e-mail: subject, the sender's own words (`email_text`), sender and date; the
    Message-ID is the stable id, the whole message the raw record."""
    data = path.read_bytes()
    try:
        message = email.message_from_bytes(data, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        subject = _optional_str(message.get("Subject"))
        content, text = _body_text(message)
        body = text if forwarded(subject) else own_words(text)
        name, address = parseaddr(str(message.get("From", "")))
        # Without a Message-ID, the message is known by who sent what, as it was sent: not by
        # the words read out of it, which change when the reading gets better, and the same
        # file ingested again would then be a second signal.
        known_as = _optional_str(message.get("Message-ID")) or "sent:" + content_id(
            address, subject or "", content
        )
        date_header = message.get("Date")
        when = parsedate_to_datetime(str(date_header)) if date_header else _mtime(path)
        yield build(
            body=str(body),
            subject=subject,
            sender_name=name or None,
            sender_email=address or None,
            when=when,
            raw=data.decode("utf-8", "replace"),
            source=SOURCE,
            source_id=known_as,
        )
    except BadRecord as exc:
        yield rejection(SOURCE, str(path), str(exc), data)
    except (ValueError, TypeError, LookupError) as exc:
        yield rejection(SOURCE, str(path), f"unreadable e-mail: {exc}", data)


def _body_text(message: EmailMessage) -> tuple[str, str]:
    """The message's body as sent (plain text, else HTML) and the text it shows."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return "", ""
    content = str(part.get_content())
    return content, html_to_text(content) if part.get_content_subtype() == "html" else content


def _mtime(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime).astimezone()


def _first(record: dict[str, Any], keys: tuple[str, ...]) -> Any:
    return next((record[k] for k in keys if record.get(k)), None)


def _optional_str(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)
