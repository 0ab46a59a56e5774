"""Messages and exception values as Sentry groups them: the first two non-empty lines, with
event-specific values replaced by placeholders.

The placeholders and what they match follow Sentry's current parameterisation, tried in this
order at each position (the first that matches wins): `<email>`, `<url>`, `<hostname>` (a
name under one of the hundred most common top-level domains), `<ip>` (v4 and v6, not inside a
word), `<traceparent>` (W3C and AWS trace ids), `<uuid>`, `<sha1>`, `<md5>`, `<date>`
(RFC 822/850/1123/3339, JavaScript's `Date` string, ISO dates and times with or without an
offset, 12- and 24-hour clock times, `datetime(...)` reprs), `<duration>` (`12ms`, `1.5s`),
`<swift_txn_id>`, `<hex>` (`0x…`, or a bare run of one case: 4 to 6 characters with a digit
and a letter, 8 to 128 of any),
`<git_sha>` (7 mixed hex digits), `<float>`, `<int>` (up to 7 digits), and after an `=`,
`<quoted_str>` and `<bool>`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import islice

_TLD_WORDS = (
    "com net org jp de uk fr br it ru es me gov pl ca au cn co in nl edu info eu ch id at kr cz "
    "mx be tv se tr tw al ua ir vn cl sk ly cc to no fi us pt dk ar hu tk gr il news ro my biz "
    "ie za nz sg ee th io xyz pe bg hk rs lt link ph club si site mobi by cat wiki la ga xxx cf "
    "hr ng jobs online kz ug gq ae is lv pro fm tips ms sa app"
)
_TLDS = _TLD_WORDS.split()
_TLD = "|".join([t.upper() for t in _TLDS] + _TLDS)
_OCTET = r"(25[0-5]|(2[0-4]|1{0,1}[0-9]){0,1}[0-9])"
_H = "[0-9a-fA-F]{1,4}"
_IPV4 = rf"({_OCTET}\.){{3,3}}{_OCTET}"
_MONTH = "(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_DAY = "(?:Sun|Mon|Tue|Wed|Thu|Fri|Sat)"
_ZONE = r"(?:UT|GMT|(?:E|C|M|P)(?:ST|DT)|[A-IK-Z])"

_DAYS_LONG = (
    "(?:Sun|Sunday|Mon|Monday|Tue|Tuesday|Wed|Wednesday|Thu|Thursday|Fri|Friday|Sat|Saturday)"
)
_DATETIME = r"\d{4}-?[01]\d-?[0-3]\d[\sT][0-2]\d:?[0-5]\d"
_OFFSET = r"([+-][0-2]\d:?[0-5]\d|Z)"
_IPV6 = "|".join(
    [
        rf"({_H}:){{7,7}}{_H}",
        rf"({_H}:){{1,7}}:",
        rf"({_H}:){{1,6}}:{_H}",
        rf"({_H}:){{1,5}}(:{_H}){{1,2}}",
        rf"({_H}:){{1,4}}(:{_H}){{1,3}}",
        rf"({_H}:){{1,3}}(:{_H}){{1,4}}",
        rf"({_H}:){{1,2}}(:{_H}){{1,5}}",
        rf"{_H}:((:{_H}){{1,6}})",
        rf":((:{_H}){{1,7}}|:)",
        r"fe80:(:[0-9a-fA-F]{0,4}){0,4}%[0-9a-zA-Z]{1,}",
        rf"::(ffff(:0{{1,4}}){{0,1}}:){{0,1}}{_IPV4}",
        rf"({_H}:){{1,4}}:{_IPV4}\b",
    ]
)

_PATTERNS = {
    "email": r"[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*",
    "url": r"\b(wss?|https?|ftp)://[^\s/$.?#].[^\s]*",
    "hostname": rf"\b([a-zA-Z0-9\-]{{1,63}}\.)+?({_TLD})\b",
    # Not inside a word, so `Foo::bar()` is no IPv6 address.
    "ip": rf"(?<![0-9a-zA-Z_])({_IPV6})(?![0-9a-zA-Z])|(\b{_IPV4}\b)",
    "traceparent": r"(\b00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]\b)|(\b1-[0-9a-f]{8}-[0-9a-f]{24}\b)",
    "uuid": r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b",
    "sha1": r"\b[0-9a-fA-F]{40}\b",
    "md5": r"\b[0-9a-fA-F]{32}\b",
    "date": "|".join(
        [
            rf"({_DAY},\s\d{{1,2}}\s{_MONTH}\s\d{{2,4}}\s\d{{1,2}}:\d{{1,2}}(:\d{{1,2}})?\s"
            rf"([-\+][\d]{{2}}[0-5][\d]|{_ZONE}))",
            rf"(({_DAY}\s)?{_MONTH}\s[0-3]\d,\s\d{{2,4}})",
            rf"({_DAYS_LONG},\s\d{{2}}-{_MONTH}-\d{{2}}\s\d{{2}}:\d{{2}}:\d{{2}}\s{_ZONE})",
            r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z?([+-]?\d{2}:\d{2})?)",
            rf"({_DAY}\s{_MONTH}\s\d{{2}}\s\d{{4}}\s\d{{2}}:\d{{2}}:\d{{2}}\sGMT[+-]\d{{4}}"
            r"(?:\s\([^)]+\))?)",
            # With an offset before without, so the offset is not taken for a number.
            rf"(({_DATETIME}:?[0-5]\d\.\d+{_OFFSET})|({_DATETIME}:?[0-5]\d{_OFFSET})"
            rf"|({_DATETIME}{_OFFSET}))",
            rf"(({_DATETIME}:?[0-5]\d\.\d+)|({_DATETIME}:?[0-5]\d)|({_DATETIME}))",
            r"((?<!\d)([1-9]|1[0-2]):[0-5]\d(:[0-5]\d)?(?![\d:])(?:\s?[aApP][Mm])?)",
            r"((?<!\d)(0?\d|1\d|2[0-3]):[0-5]\d(:[0-5]\d)?(?![\d:]))",
            r"(\d{4}-[01]\d-[0-3]\d)",
            r"([0-2]\d:[0-5]\d:[0-5]\d)",
            rf"(\b(?:{_DAY}\s+)?{_MONTH}\s+([\d]{{1,2}})\s+([\d]{{2}}:[\d]{{2}}:[\d]{{2}})\s+"
            r"[\d]{4})",
            rf"(\b(?:{_DAY},\s+)?(0[1-9]|[1-2]?[\d]|3[01])\s+{_MONTH}\s+(19[\d]{{2}}|[2-9][\d]{{3}})"
            rf"\s+(2[0-3]|[0-1][\d]):([0-5][\d])(?::(60|[0-5][\d]))?\s+([-\+][\d]{{2}}[0-5][\d]|"
            rf"{_ZONE}))",
            r"(datetime.datetime\(.*?\))",
        ]
    ),
    "duration": r"\b(\d+ms)|(\d+(\.\d+)?s)\b",
    "swift_txn_id": r"(\btx[0-9a-f]{21}-[0-9a-f]{10}\S*)",
    # `0x…` of any length; bare hex of one case, 4 to 6 characters holding a digit and a
    # letter (7 are a git sha), or 8 to 128 of any; a dash joining no two words its minus.
    "hex": r"(\b0[xX][0-9a-fA-F]+\b)|(\b|(?<!\w)-)((?=[a-f]*[0-9])(?=[0-9]*[a-f])[0-9a-f]{4,6}"
    r"|(?=[A-F]*[0-9])(?=[0-9]*[A-F])[0-9A-F]{4,6}|[0-9a-f]{8,128}|[0-9A-F]{8,128})\b",
    "git_sha": r"(\b(?=[a-f]*[0-9])(?=[0-9]*[a-f])[0-9a-f]{7}\b)",
    "float": r"-\d+\.\d+\b|\b\d+\.\d+\b",
    # A dash is a minus sign only when it joins no two words; eight digits and more are hex.
    "int": r"(\b|(?<!\w)-)\d{1,7}\b",
    "quoted_str": r"(?<==)('([^']+)'|\"([^\"]+)\")",
    "bool": r"(?<==)(True|true|False|false)",
}
# Some patterns cost time quadratic in the length of a run they scan and fail on ("a.a.a…"
# for host names, any run without an `@` for e-mail addresses): a hostile 16 kB value would
# hold triage for seconds. A pattern that cannot match (no `@`, no `://`, no `=`) is left
# out, which changes nothing; and runs of more than 512 non-blank characters are
# parameterised without the host name pattern (Sentry, unbounded, would also mask host names
# in them).
_NEEDS = {"email": "@", "url": "://", "quoted_str": "=", "bool": "="}
_LONG_RUN = re.compile(r"\S{513,}")


@lru_cache(maxsize=64)
def _regex(left_out: frozenset[str]) -> re.Pattern[str]:
    return re.compile(
        "|".join(f"(?P<{name}>{p})" for name, p in _PATTERNS.items() if name not in left_out)
    )


def _parameters(text: str, long_run: bool = False) -> re.Pattern[str]:
    left_out = {name for name, needed in _NEEDS.items() if needed not in text}
    if long_run:
        left_out.add("hostname")
    return _regex(frozenset(left_out))


def _placeholder(match: re.Match[str]) -> str:
    for name, value in match.groupdict().items():
        if value is not None:
            return f"<{name}>"
    return ""


@lru_cache(maxsize=16_384)
def parameterize(message: str) -> str:
    """`Order 1234 failed for a@b.io` → `Order <int> failed for <email>`."""
    if len(message) <= 512 or _LONG_RUN.search(message) is None:
        return _parameters(message).sub(_placeholder, message)
    out: list[str] = []
    end = 0
    for run in _LONG_RUN.finditer(message):
        before = message[end : run.start()]
        out.append(_parameters(before).sub(_placeholder, before))
        out.append(_parameters(run.group(), long_run=True).sub(_placeholder, run.group()))
        end = run.end()
    rest = message[end:]
    out.append(_parameters(rest).sub(_placeholder, rest))
    return "".join(out)


@lru_cache(maxsize=16_384)
def normalize(message: str) -> str:
    """A message or exception value as it groups: at most its first two non-empty lines
    (`...` marks a cut), parameterised."""
    trimmed = "\n".join(islice((line for line in message.splitlines() if line.strip()), 2))
    if trimmed != message:
        trimmed += "..."
    return parameterize(trimmed)
