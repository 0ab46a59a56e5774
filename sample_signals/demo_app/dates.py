"""Dates typed by people, in the format of their locale."""

from __future__ import annotations

from datetime import date, datetime

FORMATS = {
    "en-US": "%m/%d/%Y",
    "en-GB": "%m/%d/%Y",
    "de-DE": "%d.%m.%Y",
    "fr-FR": "%d/%m/%Y",
    "iso": "%Y-%m-%d",
}


def parse_user_date(text: str, locale: str = "en-US") -> date:
    """`text` as the user typed it in `locale`; ISO dates are accepted everywhere."""
    text = text.strip()
    if len(text) == 10 and text[4] == "-":
        return datetime.strptime(text, FORMATS["iso"]).date()
    fmt = FORMATS.get(locale, FORMATS["en-US"])
    return datetime.strptime(text, fmt).date()


def format_user_date(value: date, locale: str = "en-US") -> str:
    return value.strftime(FORMATS.get(locale, FORMATS["en-US"]))
