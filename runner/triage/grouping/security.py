"""Browser security reports as Sentry groups them (`strategies/security.py` on the interfaces of
`interfaces/security.py`): a CSP violation by its directive and the blocked origin (or, for a
local inline script or `eval` blocked by `script-src`, by that kind of violation); an HPKP,
Expect-CT or Expect-Staple report by its host name."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from runner.triage.grouping.component import Component

_SELF = "'self'"


def _blocked_origin(uri: str) -> str:
    """The blocked URI as Sentry's `Csp._normalize_uri` gives it: `'self'` for an empty or
    local one, the host (port included) of an `http(s)` URL, else `scheme:` (a bare scheme
    as `data` or `blob` too) or `scheme://host`."""
    if uri in ("", _SELF, "self"):
        return _SELF
    if ":" not in uri:
        scheme, host = uri, ""
    else:
        try:
            scheme, host = urlsplit(uri)[:2]
        except ValueError:
            return uri
        if scheme in ("http", "https"):
            return host
    return urlunsplit((scheme, host, "", "", ""))


def _text(report: dict[str, Any], key: str) -> str:
    value = report.get(key)
    return value if isinstance(value, str) else ""


def security(report: dict[str, Any]) -> Component | None:
    """The tree of a security report (`kind` and its fields, as the parser keeps them)."""
    kind = report.get("kind")
    if kind in ("hpkp", "expectct", "expectstaple"):
        label = {"hpkp": "hpkp", "expectct": "expect-ct", "expectstaple": "expect-staple"}[kind]
        host = _text(report, "hostname")
        return Component(label, [Component("salt", [label]), Component("hostname", [host])])
    if kind != "csp":
        return None
    violated = _text(report, "violated_directive")
    directive = _text(report, "effective_directive") or violated.split(" ", 1)[0]
    blocked = _blocked_origin(_text(report, "blocked_uri"))
    local = None
    if violated and directive == "script-src" and blocked == _SELF:
        if "'unsafe-inline'" in violated:
            local = "unsafe-inline"
        elif "'unsafe-eval'" in violated:
            local = "unsafe-eval"
    uri = Component("uri", [blocked])
    if local is not None:
        violation = Component("violation", [f"'{local}'"])
        uri.ignore("violation takes precedence")
    else:
        violation = Component("violation", [], hint="not a local script violation")
    return Component("csp", [Component("salt", [directive]), violation, uri])
