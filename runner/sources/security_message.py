"""What a browser security report says, as Relay words it (`protocol/security_report.rs`):
its message (the event's `logentry`, and the title Sentry gives a security event) and a CSP
report's culprit. Read from the event interface (`csp`, `hpkp`, `expectct`, `expectstaple`),
so a raw report and an event that arrived normalised read alike.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

_LOCAL = ("", "self", "'self'")
# The ports a WHATWG URL leaves out, being its scheme's default (`Url::port` is None).
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443, "ftp": 21}


def _unsplit(scheme: str, host: str) -> str:
    """Relay's `unsplit_uri`, which mimics Python's `urlunsplit` (`scheme://host` for the
    schemes that take a host, even with none, else `scheme:host`)."""
    return urlunsplit((scheme, host, "", "", ""))


def normalize_uri(value: str) -> str:
    """Relay's `normalize_uri`, which its messages and culprits name: `'self'` for a local
    URI, a bare scheme (`data`) as `data:`, the host of an `http(s)` URL (lower case, its
    port unless the default), else `scheme://host`. Sentry's grouping reads the blocked URI
    its own way (`grouping/security.py`), which keeps the host as written."""
    if value in _LOCAL:
        return "'self'"
    if ":" not in value:
        return _unsplit(value, "")
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return value
    scheme = parts.scheme
    if not scheme:  # no absolute URL: Relay's `Url::parse` fails and keeps the value
        return value
    host = parts.hostname or ""
    normalized = host if scheme in ("http", "https") else _unsplit(scheme, host)
    if port is None or port == _DEFAULT_PORTS.get(scheme):
        return normalized
    return f"{normalized}:{port}"


# `CspRaw::get_message`: what a directive blocked, from a URI and as a local (inline) resource.
_BLOCKED = {
    "child-src": ("Blocked 'child' from '{uri}'", "Blocked inline 'child'"),
    "connect-src": ("Blocked 'connect' from '{uri}'", "Blocked inline 'connect'"),
    "font-src": ("Blocked 'font' from '{uri}'", "Blocked inline 'font'"),
    "form-action": ("Blocked 'form' action to '{uri}'", "Blocked inline 'form-action'"),
    "img-src": ("Blocked 'image' from '{uri}'", "Blocked inline 'image'"),
    "manifest-src": ("Blocked 'manifest' from '{uri}'", "Blocked inline 'manifest'"),
    "media-src": ("Blocked 'media' from '{uri}'", "Blocked inline 'media'"),
    "object-src": ("Blocked 'object' from '{uri}'", "Blocked inline 'object'"),
    "script-src": ("Blocked 'script' from '{uri}'", "Blocked unsafe (eval() or inline) 'script'"),
    "script-src-attr": (
        "Blocked inline script attribute from '{uri}'",
        "Blocked unsafe 'script' element",
    ),
    "script-src-elem": ("Blocked 'script' from '{uri}'", "Blocked inline script attribute"),
    "style-src": ("Blocked 'style' from '{uri}'", "Blocked inline 'style'"),
    "style-src-elem": ("Blocked 'style' from '{uri}'", "Blocked 'style' or 'link' element"),
    "style-src-attr": ("Blocked style attribute from '{uri}'", "Blocked style attribute"),
}
# CSP level 3 names a blocked inline script or `eval` by these exact blocked URIs.
_SCRIPT_MARKERS = {
    "inline": "Blocked unsafe inline 'script'",
    "eval": "Blocked unsafe eval() 'script'",
}
_HOST_MESSAGES = {
    "hpkp": "Public key pinning validation failed for '{host}'",
    "expectct": "Expect-CT failed for '{host}'",
    "expectstaple": "Expect-Staple failed for '{host}'",
}


def message(kind: str, interface: dict[str, Any]) -> str | None:
    """The message Relay gives a report of `kind` (its `logentry`), from the event interface:
    also the title of an event that arrived normalised without one, as Sentry titles a
    security event by its report. None when the interface names no directive or host."""
    if kind in _HOST_MESSAGES:
        host = interface.get("hostname")
        return _HOST_MESSAGES[kind].format(host=host) if isinstance(host, str) else None
    if kind != "csp":
        return None
    directive = _string(interface, "effective_directive")
    directive = directive or _string(interface, "violated_directive").split(" ", 1)[0]
    if not directive:
        return None
    blocked = interface.get("blocked_uri")
    blocked = blocked if isinstance(blocked, str) else "self"
    if directive == "script-src" and blocked in _SCRIPT_MARKERS:
        return _SCRIPT_MARKERS[blocked]
    remote, local = _BLOCKED.get(
        directive, (f"Blocked '{directive}' from '{{uri}}'", f"Blocked inline '{directive}'")
    )
    return local if blocked in _LOCAL else remote.format(uri=normalize_uri(blocked))


def _string(interface: dict[str, Any], key: str) -> str:
    value = interface.get(key)
    return value if isinstance(value, str) else ""


def culprit(violated_directive: str, document_uri: str) -> str:
    """`CspRaw::get_culprit`: the violated directive, each source in it as the document's
    origin would name it (`'self'` for the document's own)."""
    if not violated_directive.split():
        return ""
    directive, *sources = violated_directive.split()
    document = normalize_uri(document_uri)
    return " ".join([directive, *(_source(s, document, document_uri) for s in sources)])


_KEYWORDS = ("'none'", "'self'", "'unsafe-inline'", "'unsafe-eval'")
_SCHEMES = ("data:", "mediastream:", "blob:", "filesystem:", "http:", "https:", "file:")


def _source(value: str, document: str, document_uri: str) -> str:
    """`CspRaw::normalize_value`: a source expression as the culprit shows it."""
    if value in _KEYWORDS:
        return value
    if value.startswith(_SCHEMES):
        return "'self'" if normalize_uri(value) == document else value
    if value == document:
        return "'self'"
    scheme = document_uri.split(":", 1)[0] if ":" in document_uri else None
    return value if scheme in (None, "http", "https") else f"{scheme}://{value}"
