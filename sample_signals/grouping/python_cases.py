"""Real code failing through the real Python `sentry-sdk`, one case per code path.

Run by `generate.py` (never imported by Overnight): `python python_cases.py DSN [--no-in-app |
--attach-stacktrace | --project-root-slash]`. Each event carries the tags `case` (the code
path) and `seq` (its repeat); `labels.json` says which cases Sentry puts in one issue. With
`--no-in-app` the SDK marks no frame in-app, so Sentry groups on the full ("system") stack;
with `--project-root-slash` its project root is `/`, as in a container run from there.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime

import sentry_sdk

DSN = sys.argv[1]
NO_IN_APP = "--no-in-app" in sys.argv[2:]
WITH_STACKS = "--attach-stacktrace" in sys.argv[2:]
# A container whose working directory is `/`: the SDK's project root is the whole disk, so it
# marks the standard library's frames in-app too (all but `site-packages`).
WHOLE_DISK = "--project-root-slash" in sys.argv[2:]

sentry_sdk.init(
    dsn=DSN,
    release="shop@4.2.0",
    environment="production",
    default_integrations=True,
    in_app_exclude=["__main__", "python_cases"] if NO_IN_APP else [],
    in_app_include=[] if NO_IN_APP or WHOLE_DISK else ["__main__"],
    project_root=None if NO_IN_APP else "/" if WHOLE_DISK else ".",
    attach_stacktrace=WITH_STACKS,
)


def capture(
    case: str, seq: int, error: BaseException, fingerprint: list[str] | None = None
) -> None:
    with sentry_sdk.new_scope() as scope:
        scope.set_tag("case", case)
        scope.set_tag("seq", str(seq))
        if fingerprint:
            scope.fingerprint = fingerprint
        sentry_sdk.capture_exception(error)


def message(case: str, seq: int, text: str, fingerprint: list[str] | None = None) -> None:
    with sentry_sdk.new_scope() as scope:
        scope.set_tag("case", case)
        scope.set_tag("seq", str(seq))
        if fingerprint:
            scope.fingerprint = fingerprint
        sentry_sdk.capture_message(text, level="error")


# --- one fault, two callers: Sentry keeps the stacks apart -------------------------------
def compute_ratio(total: int, count: int) -> float:
    return total / count


def summarize(rows: list[int]) -> float:
    return compute_ratio(sum(rows), len(rows))


def handle_summary(rows: list[int]) -> float:
    return summarize(rows)


def nightly_report(rows: list[int]) -> float:
    return compute_ratio(sum(rows) * 2, len(rows))


# --- chains: every exception counts -------------------------------------------------------
class ConfigError(Exception):
    pass


def read_config(path: str) -> dict[str, object]:
    with open(path) as f:
        return dict(json.load(f))


def load_config(path: str, opener: object = None) -> dict[str, object]:
    try:
        if opener == "denied":
            raise PermissionError(13, "Permission denied", path)
        return read_config(path)
    except OSError as exc:
        raise ConfigError(f"could not load config {path!r}") from exc


def parse_port(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        return int({}["port"])  # a KeyError while handling the ValueError


# --- exception groups ---------------------------------------------------------------------
def check_item(kind: str, n: int) -> None:
    if kind == "value":
        raise ValueError(f"item {n} has a negative price")
    if kind == "key":
        raise KeyError(f"sku-{n}")
    raise TypeError(f"item {n} is not a mapping")


def validate_cart(kinds: list[str]) -> None:
    errors: list[Exception] = []
    for n, kind in enumerate(kinds):
        try:
            check_item(kind, n + 10)
        except Exception as exc:
            errors.append(exc)
    raise ExceptionGroup(f"{len(errors)} invalid items", errors)


# --- fingerprints -------------------------------------------------------------------------
def charge_card(order: int) -> None:
    raise TimeoutError(f"payment provider timed out after 30s for order {order}")


def refund_card(order: int) -> None:
    raise ConnectionError(f"payment provider refused refund of order {order}")


# --- library frames -----------------------------------------------------------------------
def parse_payload(text: str) -> object:
    return json.loads(text)


def parse_settings(text: str) -> object:
    return json.loads(text, parse_float=float)


# --- one function failing on two of its lines: Sentry groups on the source line -------------
def price_of(item: dict[str, float]) -> float:
    base = item["price"]
    discount = item["discount"]
    return base - discount


# --- recursion: how deep it went does not matter, a repeated frame does not count ----------
def leaf_of(tree: dict[str, object], depth: int) -> object:
    if depth == 0:
        return tree["leaf"]
    return leaf_of(tree, depth - 1)


def in_app_cases() -> None:
    for seq, rows in enumerate([[], [], []]):
        try:
            handle_summary(rows)
        except ZeroDivisionError as e:
            capture("py-ratio-summary", seq, e)
    for seq in range(2):
        try:
            nightly_report([])
        except ZeroDivisionError as e:
            capture("py-ratio-nightly", seq, e)
    for seq, path in enumerate(["/etc/shop/a.json", "/etc/shop/b-7.json"]):
        try:
            load_config(path)
        except ConfigError as e:
            capture("py-config-missing", seq, e)
    for seq, path in enumerate(["/etc/shop/a.json", "/etc/shop/c.json"]):
        try:
            load_config(path, opener="denied")
        except ConfigError as e:
            capture("py-config-denied", seq, e)
    for seq, value in enumerate(["eighty", "http"]):
        try:
            parse_port(value)
        except KeyError as e:
            capture("py-port-implicit-chain", seq, e)
    groups = {
        "py-group-values": [["value", "value"], ["value", "value", "value"]],
        "py-group-value-key": [["value", "key"], ["key", "value", "key"]],
        "py-group-type-key": [["type", "key"], ["key", "type"]],
    }
    for case, runs in groups.items():
        for seq, kinds in enumerate(runs):
            try:
                validate_cart(kinds)
            except ExceptionGroup as e:
                capture(case, seq, e)
    for seq, order in enumerate([101, 202]):
        try:
            charge_card(order)
        except TimeoutError as e:
            capture("py-custom-payments-charge", seq, e, ["payments-provider"])
        try:
            refund_card(order)
        except ConnectionError as e:
            capture("py-custom-payments-refund", seq, e, ["payments-provider"])
    for seq, order in enumerate([5120, 7781]):
        # The value raised as a fingerprint entry: Sentry parameterises it as it parameterises
        # the value, so both orders are one issue; an id of the client's own making is not.
        try:
            charge_card(order)
        except TimeoutError as e:
            capture("py-custom-raised-value", seq, e, ["payments", str(e)])
        try:
            charge_card(order)
        except TimeoutError as e:  # raised again: the SDK drops an exception sent twice
            capture(f"py-custom-order-{seq}", 0, e, ["payments", f"order-{order}"])
    for seq, order in enumerate([303, 404]):
        for region in ("eu", "us"):
            try:
                charge_card(order)
            except TimeoutError as e:
                capture(f"py-hybrid-charge-{region}", seq, e, ["{{ default }}", region])
    for seq, (order, user) in enumerate([(17, "u-3"), (2291, "u-88"), (5, "u-1")]):
        message("py-message-payment", seq, f"Payment {order} failed for user {user}")
    for seq in range(2):
        message("py-message-inventory", seq, "Inventory sync skipped: warehouse feed is empty")
    log = logging.getLogger("shop.sync")
    for seq, store in enumerate(["berlin", "lyon", "porto"]):
        with sentry_sdk.new_scope() as scope:
            scope.set_tag("case", "py-log-sync")
            scope.set_tag("seq", str(seq))
            log.error("Sync of store %s failed after %d retries", store, seq + 2)
    for seq, text in enumerate(["{bad", "[1, 2"]):
        try:
            parse_payload(text)
        except json.JSONDecodeError as e:
            capture("py-json-payload", seq, e)
    for seq, item in enumerate([{}, {"discount": 2.0}, {"price": 3.0}, {"price": 9.5}]):
        try:
            price_of(item)
        except KeyError as e:
            capture("py-line-price" if "price" not in item else "py-line-discount", seq, e)
    for seq, depth in enumerate([1, 3, 6]):
        try:
            leaf_of({}, depth)
        except KeyError as e:
            capture("py-recursion-leaf", seq, e)


def no_in_app_cases() -> None:
    for seq, text in enumerate(["{oops", "{bad:"]):
        try:
            parse_payload(text)
        except json.JSONDecodeError as e:
            capture("py-system-payload", seq, e)
    for seq, text in enumerate(["{nope", "{x"]):
        try:
            parse_settings(text)
        except json.JSONDecodeError as e:
            capture("py-system-settings", seq, e)


# --- messages captured with their stack: Sentry groups them on the stack -------------------
def warn_low_stock(item: int, case: str, seq: int) -> None:
    message(case, seq, f"Stock for item {item} is below the minimum")


def checkout_flow(item: int, seq: int) -> None:
    warn_low_stock(item, "py-stack-message-checkout", seq)


def restock_job(item: int, seq: int) -> None:
    warn_low_stock(item, "py-stack-message-restock", seq)


def stack_cases() -> None:
    for seq, item in enumerate([7, 81]):
        checkout_flow(item, seq)
        restock_job(item + 1, seq)


# --- the standard library marked in-app by the SDK: Sentry's rules take it out -------------
def parse_day(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d")


def import_orders(days: list[str], case: str) -> None:
    for seq, text in enumerate(days):
        try:
            parse_day(text)
        except ValueError as e:
            capture(case, seq, e)


def whole_disk_cases() -> None:
    # `_strptime` raises these on two of its lines: apart while its frames are in-app.
    cases = [
        ("py-root-day-format", ["2026/12/01", "01.12.2026"]),
        ("py-root-day-trailing", ["2026-12-01x", "2026-12-011"]),
    ]
    for case, days in cases:
        import_orders(days, case)


if NO_IN_APP:
    no_in_app_cases()
elif WHOLE_DISK:
    whole_disk_cases()
elif WITH_STACKS:
    stack_cases()
else:
    in_app_cases()
sentry_sdk.flush(timeout=10)
