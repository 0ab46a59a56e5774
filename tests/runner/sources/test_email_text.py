"""An e-mail's own words: HTML bodies read as text, quoted threads and signatures left out."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from runner.sources import feedback
from runner.sources.email_text import html_to_text, own_words
from runner.sources.feedback import read_eml_file
from runner.triage.features import signal_text
from store.signal import Signal

OUTLOOK_HTML = (
    "<html><head><style>p.MsoNormal { margin: 0; font-family: Calibri, sans-serif; }</style>"
    '</head><body><p class="MsoNormal">Hello,</p><p class="MsoNormal">the CSV export with '
    "the &quot;open&quot; filter only has the header&nbsp;row.<br>Tried twice.</p>"
    '<p class="MsoNormal">Best regards,<br>Maria</p></body></html>'
)
ACKNOWLEDGEMENT = [
    "Hi Maria,",
    "thanks for reaching out to Teamboard support! We have received your request",
    "and one of our agents will get back to you within one business day.",
]


def write_eml(
    path: Path, *, plain: str | None = None, html: str | None = None, message_id: bool = True
) -> Path:
    """An e-mail as a mail client sends it: plain, HTML, or both as alternatives."""
    message = EmailMessage()
    message["From"] = "Maria Rossi <maria@acme.example>"
    message["To"] = "support@teamboard.example"
    message["Subject"] = "Re: Export broken"
    message["Date"] = "Tue, 24 Nov 2026 10:12:00 +0000"
    if message_id:
        message["Message-ID"] = f"<{path.stem}@mail.example>"
    if plain is not None:
        message.set_content(plain)
    if html is not None:
        if plain is None:
            message.set_content(html, subtype="html")
        else:
            message.add_alternative(html, subtype="html")
    path.write_bytes(message.as_bytes())
    return path


def read(path: Path) -> Signal:
    [signal] = list(read_eml_file(path))
    assert isinstance(signal, Signal)
    return signal


def test_an_html_only_e_mail_is_read_for_the_text_it_shows(tmp_path: Path) -> None:
    signal = read(write_eml(tmp_path / "html.eml", html=OUTLOOK_HTML))
    assert signal.text == (
        'Re: Export broken\n\nHello,\n\nthe CSV export with the "open" filter only has the '
        "header row.\nTried twice.\n\nBest regards,\nMaria"
    )
    words = signal_text(signal).split()
    assert "calibri" not in words and "msonormal" not in words and "csv" in words
    assert "MsoNormal" in (signal.raw or "")  # the message itself is kept whole
    # With a plain alternative, the plain text is the body.
    both = read(write_eml(tmp_path / "both.eml", plain="Plain words.\n", html=OUTLOOK_HTML))
    assert both.text == "Re: Export broken\n\nPlain words."


def test_a_reply_is_its_own_words_without_the_thread_or_the_signature(tmp_path: Path) -> None:
    quoted = "\n".join(f"> {line}" for line in ACKNOWLEDGEMENT)
    body = (
        'Still broken today, same thing with the "closed" filter.\n\n-- \nMaria Rossi\n'
        "Head of Operations, Acme\n\nOn Mon, 23 Nov 2026 at 11:00, Teamboard Support <\n"
        f"support@teamboard.example> wrote:\n{quoted}\n"
    )
    signal = read(write_eml(tmp_path / "reply.eml", plain=body))
    assert (
        signal.text
        == 'Re: Export broken\n\nStill broken today, same thing with the "closed" filter.'
    )
    # A quote inside the message is the sender's: they quote what they saw.
    inline = "The page says:\n> Export failed: no rows\nand nothing is downloaded.\n"
    assert own_words(inline) == inline.rstrip()
    last = "Nothing is downloaded. The page says:\n\n> Export failed: no rows\n"
    assert own_words(last) == last.rstrip()
    # Without an attribution, a long quote at the end is still the thread.
    assert own_words(f"Still broken.\n\n{quoted}\n> Kind regards, the Teamboard team") == (
        "Still broken."
    )


def test_a_forward_is_the_message_it_carries(tmp_path: Path) -> None:
    body = (
        "See below, from our accountant.\n\n-- \nMaria\n\nFrom: Paul <paul@acme.example>\n"
        "Sent: Monday, 23 November 2026 11:00\nTo: Maria Rossi\nSubject: Export\n\n"
        "The CSV export with the open filter only has the header row.\n"
    )
    path = write_eml(tmp_path / "forward.eml", plain=body)
    message = path.read_bytes().replace(b"Subject: Re: Export broken", b"Subject: FW: Export")
    path.write_bytes(message)
    assert "only has the header row" in (read(path).text or "")


def test_an_e_mail_without_a_message_id_keeps_its_id_when_its_reading_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = "The export is empty.\n\nOn Mon, Nov 23, 2026, Support wrote:\n> We are on it.\n"
    path = write_eml(tmp_path / "no-id.eml", plain=body, message_id=False)
    first = read(path)
    assert first.text == "Re: Export broken\n\nThe export is empty."
    # Reading out the sender's words gets better (here: keeps the quote): the words change,
    # the message does not, and ingesting the same file again must not make a second signal.
    monkeypatch.setattr(feedback, "own_words", lambda text: text)
    again = read(path)
    assert again.text != first.text and again.id == first.id
    # Another message from the same sender is another signal.
    other = write_eml(tmp_path / "other.eml", plain="The import is empty.\n", message_id=False)
    assert read(other).id != first.id


def test_other_clients_quote_the_thread_their_own_way() -> None:
    quoted = "\n".join(f"> {line}" for line in ACKNOWLEDGEMENT)
    german = (
        f"Geht immer noch nicht.\n\nAm 23.11.2026 um 11:00 schrieb Teamboard Support:\n{quoted}"
    )
    assert own_words(german) == "Geht immer noch nicht."
    outlook = "Still broken.\n\n-----Original Message-----\nFrom: Teamboard Support\n" + "\n".join(
        ACKNOWLEDGEMENT
    )
    assert own_words(outlook) == "Still broken."
    headers = (
        "Still broken.\n\nFrom: Teamboard Support <support@teamboard.example>\n"
        "Sent: Monday, 23 November 2026 11:00\nTo: Maria Rossi\nSubject: Export broken\n\n"
        + "\n".join(ACKNOWLEDGEMENT)
    )
    assert own_words(headers) == "Still broken."
    phone = f"Still broken.\n\nSent from my iPhone\n\nOn Mon, 23 Nov 2026, Support wrote:\n{quoted}"
    assert own_words(phone) == "Still broken."
    assert own_words("Export fails.\nGet Outlook for Android") == "Export fails."
    gmail = (
        '<div>Still broken.</div><br><div class="gmail_quote"><div class="gmail_attr">On Mon, '
        "23 Nov 2026 at 11:00 Teamboard Support &lt;support@teamboard.example&gt; wrote:<br></div>"
        f'<blockquote class="gmail_quote">{"<br>".join(ACKNOWLEDGEMENT)}</blockquote></div>'
    )
    assert own_words(html_to_text(gmail)) == "Still broken."


MARKUP = st.sampled_from(["<", ">", "</", "<!", "<![CDATA[", "<!--", "&#xD800;", "&#99999999;"])
PIECES = st.one_of(
    st.text(max_size=8), MARKUP, st.sampled_from(["<br>", "<style>", "<blockquote>"])
)


@given(st.lists(PIECES, max_size=20).map("".join))
def test_any_body_is_read_without_failing(body: str) -> None:
    # An e-mail's body is untrusted: whatever it holds, reading it never stops the ingest,
    # and the sender's words are only ever cut, never made up.
    text = html_to_text(body)
    assert isinstance(text, str)
    kept = own_words(body)
    assert "\n".join(body.splitlines()).startswith(kept)
