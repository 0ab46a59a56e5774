"""Raw browser security reports, as a browser POSTs them to Sentry's security endpoint, made
into the Sentry event Relay makes of them (`relay-event-schema`, `protocol/security_report.rs`).

Four kinds: a CSP violation (CSP level 2's `{"csp-report": {...}}` with hyphenated keys, or a
Reporting API report `{"type": "csp-violation", "body": {...}}` with camelCase ones), an HPKP
pin validation failure (the report itself, known by its `known-pins`), an Expect-CT and an
Expect-Staple failure (`{"expect-ct-report": {...}}`, `{"expect-staple-report": {...}}`).
Relay reads each with serde: a field of the wrong type, a missing required field or a CSP
report naming no known directive refuses the whole report, so here they raise `BadRecord`.

The event carries the report as the interface `csp`, `hpkp`, `expectct` or `expectstaple`, as
an event Relay normalised does, so both group alike (`grouping/security.py`); `message` gives
the title of either (`security_message.py`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
)

from runner.sources.common import BadRecord, describe_validation_error
from runner.sources.security_message import culprit, message

KINDS = ("csp", "hpkp", "expectct", "expectstaple")
"""The event interfaces a security report becomes, as Relay names them."""
_WRAPPERS = {
    "csp": "csp-report",
    "expectct": "expect-ct-report",
    "expectstaple": "expect-staple-report",
}
_LABELS = {"csp": "CSP", "hpkp": "HPKP", "expectct": "Expect-CT", "expectstaple": "Expect-Staple"}

# `CspDirective`: a report whose directive is none of these is refused.
DIRECTIVES = frozenset(
    {
        *("base-uri", "child-src", "connect-src", "default-src", "fenced-frame-src", "font-src"),
        *("form-action", "frame-ancestors", "frame-src", "img-src", "manifest-src", "media-src"),
        *("object-src", "plugin-types", "prefetch-src", "referrer", "script-src"),
        *("script-src-attr", "script-src-elem", "style-src", "style-src-elem", "style-src-attr"),
        *("upgrade-insecure-requests", "worker-src", "sandbox", "navigate-to", "report-uri"),
        *("report-to", "block-all-mixed-content", "require-sri-for"),
        *("require-trusted-types-for", "trusted-types"),
    }
)


def report_kind(record: dict[str, Any]) -> str | None:
    """Relay's `SecurityReportType::from_json`: which report a body is by its keys, in
    Relay's order; `unsupported` for a Reporting API report of another `type` (Relay drops
    those), None for a body that is no security report."""
    if "csp-report" in record:
        return "csp"
    if "known-pins" in record:
        return "hpkp"
    if "expect-staple-report" in record:
        return "expectstaple"
    if "expect-ct-report" in record:
        return "expectct"
    kind = record.get("type")
    if kind == "csp-violation":
        return "csp"
    return "unsupported" if isinstance(kind, str) else None


def looks_like_report(record: dict[str, Any]) -> bool:
    """A raw security report among other records (an inbox file): one of the four report
    keys, or a Reporting API report (a `type` and a `body` object), whatever its type."""
    kind = report_kind(record)
    return kind in KINDS or (kind == "unsupported" and isinstance(record.get("body"), dict))


def _aliases(*names: str) -> Any:
    """A field read under its interface name and the browsers' spellings, as Relay's aliases."""
    return Field(default=None, validation_alias=AliasChoices(*names))


def _rfc3339(value: str) -> str:
    """A date-time as Relay's `DateTime<Utc>` reads and writes it: RFC 3339 in, UTC out."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value[:40]!r} is not an RFC 3339 date-time") from None
    if parsed.tzinfo is None:
        raise ValueError(f"{value[:40]!r} has no time zone")
    return parsed.astimezone(UTC).isoformat()


Unsigned = Annotated[int, Field(ge=0)]  # `de_opt_num_or_str`: a number or a numeric string
Date = Annotated[StrictStr, AfterValidator(_rfc3339)]
Chain = list[StrictStr]


class _CspRaw(BaseModel):
    """`CspRaw`: the report's own fields; any other is kept (`other`)."""

    model_config = ConfigDict(extra="allow")

    effective_directive: StrictStr | None = _aliases(
        "effective-directive", "effectiveDirective", "effective_directive"
    )
    blocked_uri: StrictStr = Field(
        default="self", validation_alias=AliasChoices("blocked-uri", "blockedURL", "blocked_uri")
    )
    document_uri: StrictStr | None = _aliases("document-uri", "documentURL", "document_uri")
    original_policy: StrictStr | None = _aliases(
        "original-policy", "originalPolicy", "original_policy"
    )
    referrer: StrictStr | None = None
    status_code: Unsigned | None = _aliases("status-code", "statusCode", "status_code")
    violated_directive: StrictStr = Field(
        default="",
        validation_alias=AliasChoices(
            "violated-directive", "violatedDirective", "violated_directive"
        ),
    )
    source_file: StrictStr | None = _aliases("source-file", "sourceFile", "source_file")
    line_number: Unsigned | None = _aliases("line-number", "lineNumber", "line_number")
    column_number: Unsigned | None = _aliases("column-number", "columnNumber", "column_number")
    script_sample: StrictStr | None = _aliases(
        "script-sample", "scriptSample", "sample", "script_sample"
    )
    disposition: StrictStr | None = None


class _HpkpRaw(BaseModel):
    """`HpkpRaw` (RFC 7469, section 3): the report is the body; other fields are kept."""

    model_config = ConfigDict(extra="allow")

    date_time: Date | None = _aliases("date-time", "date_time")
    hostname: StrictStr
    port: Annotated[StrictInt, Field(ge=0)] | None = None
    effective_expiration_date: Date | None = _aliases(
        "effective-expiration-date", "effective_expiration_date"
    )
    include_subdomains: StrictBool | None = _aliases("include-subdomains", "include_subdomains")
    noted_hostname: StrictStr | None = _aliases("noted-hostname", "noted_hostname")
    served_certificate_chain: Chain | None = _aliases(
        "served-certificate-chain", "served_certificate_chain"
    )
    validated_certificate_chain: Chain | None = _aliases(
        "validated-certificate-chain", "validated_certificate_chain"
    )
    known_pins: Chain = Field(validation_alias=AliasChoices("known-pins", "known_pins"))


class _Sct(BaseModel):
    """`SingleCertificateTimestampRaw` (its `serialized_sct` is not kebab-case in Relay either)."""

    version: StrictInt | None = None
    status: Literal["unknown", "valid", "invalid"] | None = None
    source: Literal["tls-extension", "ocsp", "embedded"] | None = None
    serialized_sct: StrictStr | None = None


class _ExpectCtRaw(BaseModel):
    """`ExpectCtRaw` (draft-ietf-httpbis-expect-ct-07, section 3.1); other fields are dropped."""

    date_time: Date | None = _aliases("date-time", "date_time")
    hostname: StrictStr
    port: StrictInt | None = None
    scheme: StrictStr | None = None
    effective_expiration_date: Date | None = _aliases(
        "effective-expiration-date", "effective_expiration_date"
    )
    served_certificate_chain: Chain = Field(
        default_factory=list,
        validation_alias=AliasChoices("served-certificate-chain", "served_certificate_chain"),
    )
    validated_certificate_chain: Chain = Field(
        default_factory=list,
        validation_alias=AliasChoices("validated-certificate-chain", "validated_certificate_chain"),
    )
    scts: list[_Sct] | None = None
    failure_mode: StrictStr | None = _aliases("failure-mode", "failure_mode")
    test_report: StrictBool | None = _aliases("test-report", "test_report")


class _ExpectStapleRaw(BaseModel):
    """`ExpectStapleRaw`; other fields are dropped."""

    date_time: Date | None = _aliases("date-time", "date_time")
    hostname: StrictStr
    port: StrictInt | None = None
    effective_expiration_date: Date | None = _aliases(
        "effective-expiration-date", "effective_expiration_date"
    )
    response_status: (
        Literal[
            "MISSING",
            "PROVIDED",
            "ERROR_RESPONSE",
            "BAD_PRODUCED_AT",
            "NO_MATCHING_RESPONSE",
            "INVALID_DATE",
            "PARSE_RESPONSE_ERROR",
            "PARSE_RESPONSE_DATA_ERROR",
        ]
        | None
    ) = _aliases("response-status", "response_status")
    ocsp_response: Any = _aliases("ocsp-response", "ocsp_response")
    cert_status: Literal["GOOD", "REVOKED", "UNKNOWN"] | None = _aliases(
        "cert-status", "cert_status"
    )
    served_certificate_chain: Chain | None = _aliases(
        "served-certificate-chain", "served_certificate_chain"
    )
    validated_certificate_chain: Chain | None = _aliases(
        "validated-certificate-chain", "validated_certificate_chain"
    )


_MODELS: dict[str, type[BaseModel]] = {
    "csp": _CspRaw,
    "hpkp": _HpkpRaw,
    "expectct": _ExpectCtRaw,
    "expectstaple": _ExpectStapleRaw,
}


def report_event(
    record: dict[str, Any], *, release: str | None = None, environment: str | None = None
) -> dict[str, Any]:
    """The Sentry event Relay makes of one raw report (`Csp`, `Hpkp`, `ExpectCt`,
    `ExpectStaple` `::apply_to_event`, then `normalize_security_report` and the defaults of
    event normalisation); `release` and `environment` as the endpoint's `sentry_release` and
    `sentry_environment` give them. `BadRecord` for a report Relay refuses."""
    kind = report_kind(record)
    if kind not in KINDS:
        if kind == "unsupported":
            found = str(record.get("type"))[:40]
            raise BadRecord(f"Reporting API report of type {found!r}: only csp-violation is read")
        raise BadRecord(
            "not a security report ('csp-report', 'known-pins', 'expect-ct-report', "
            "'expect-staple-report', or a Reporting API report with a 'type')"
        )
    raw = _raw_report(record, kind)
    interface = _interface(kind, raw)
    event: dict[str, Any] = {
        "logger": "csp",  # Relay's name for every security report's logger
        "level": "error",
        "logentry": {"formatted": message(kind, interface)},
        "request": _request(kind, raw),
        "tags": _tags(kind, raw, interface),
        kind: interface,
    }
    if kind != "hpkp":  # Relay sets no culprit for HPKP
        event["culprit"] = (
            culprit(raw.violated_directive, raw.document_uri or "")
            if isinstance(raw, _CspRaw)
            else interface["hostname"]
        )
    if release is not None:
        event["release"] = release
    if environment is not None:
        event["environment"] = environment
    return event


def _raw_report(record: dict[str, Any], kind: str) -> BaseModel:
    """The report's own object, validated as Relay's serde reads it."""
    label = _LABELS[kind]
    if kind == "hpkp":
        inner: Any = record
    else:
        key = _WRAPPERS[kind] if _WRAPPERS[kind] in record else "body"  # `CspVariant`
        inner = record.get(key)
        if not isinstance(inner, dict):
            raise BadRecord(f"{label} report: '{key}' is not an object")
    try:
        return _MODELS[kind].model_validate(inner)
    except ValidationError as exc:
        raise BadRecord(f"{label} report: {describe_validation_error(exc)}") from exc


def _interface(kind: str, raw: BaseModel) -> dict[str, Any]:
    """The event interface (`into_protocol`): the interface's names, absent fields left out."""
    interface = raw.model_dump(exclude_none=True)
    if isinstance(raw, _CspRaw):
        interface["effective_directive"] = _directive(raw)
        interface["violated_directive"] = raw.violated_directive
    return interface


def _directive(raw: _CspRaw) -> str:
    """`CspRaw::effective_directive`: the first word of `effective-directive`, else of
    `violated-directive` (Firefox sends no effective directive), when it is a directive."""
    for value in (raw.effective_directive, raw.violated_directive):
        name = (value or "").split(" ", 1)[0]
        if name in DIRECTIVES:
            return name
    sent = (raw.effective_directive or raw.violated_directive).split(" ", 1)[0]
    if not sent:
        raise BadRecord("CSP report: no 'effective-directive' or 'violated-directive'")
    raise BadRecord(f"CSP report: {sent[:40]!r} is not a CSP directive")


_HOST_TAGS = {
    "hpkp": {"port": "port", "include_subdomains": "include-subdomains"},
    "expectct": {"port": "port"},
    "expectstaple": {
        "port": "port",
        "response_status": "response_status",
        "cert_status": "cert_status",
    },
}


def _tags(kind: str, raw: BaseModel, interface: dict[str, Any]) -> list[list[str]]:
    """The tags each report's `get_tags` sets."""
    if isinstance(raw, _CspRaw):
        blocked = raw.blocked_uri
        if blocked.startswith("https://api.stripe.com/"):  # Relay's `sanitized_blocked_uri`
            blocked = blocked.split("?", 1)[0].split("#", 1)[0]
        tags = [["effective-directive", interface["effective_directive"]], ["blocked-uri", blocked]]
        try:
            parts = urlsplit(raw.blocked_uri)
            host = parts.hostname if parts.scheme in ("http", "https") else None
        except ValueError:
            host = None
        return [*tags, ["blocked-host", host]] if host else tags
    tags = [["hostname", interface["hostname"]]]
    for field, tag in _HOST_TAGS[kind].items():
        value = interface.get(field)
        if value is not None:
            tags.append([tag, str(value).lower() if isinstance(value, bool) else str(value)])
    return tags


def _request(kind: str, raw: BaseModel) -> dict[str, Any]:
    """`get_request`: a CSP report's document and referrer; the host of the others."""
    if not isinstance(raw, _CspRaw):
        return {"url": raw.model_dump()["hostname"]}
    request: dict[str, Any] = {}
    if raw.document_uri is not None:
        request["url"] = raw.document_uri
    if raw.referrer:
        request["headers"] = [["Referer", raw.referrer]]
    return request
