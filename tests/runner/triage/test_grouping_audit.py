"""Grouping differences found auditing Overnight's grouping against Sentry's current source,
each test naming the Sentry function it follows. Events go through the real parser.
"""

from __future__ import annotations

import json
from typing import Any

from runner.sources.records import parse_record
from runner.triage.grouping import group
from store.signal import Signal


def event(**fields: Any) -> Signal:
    record: dict[str, Any] = {"platform": "python", "level": "error"} | fields
    return parse_record(record, json.dumps(record, sort_keys=True), "test")


def raised(value: str, fingerprint: list[str], *causes: str) -> Signal:
    chain = [{"type": "CauseError", "value": v} for v in causes]
    return event(
        exception={"values": [*chain, {"type": "PaymentError", "value": value}]},
        fingerprint=fingerprint,
    )


def test_a_fingerprint_entry_equal_to_an_events_message_is_parameterised() -> None:
    """Sentry's `resolve_fingerprint_values` (`grouping/fingerprinting/utils.py`): an entry
    that is not a variable but equals one of the event's messages (`GroupingContext.
    message_parameterization_map`: its log entry and every exception's value) is
    parameterised, whole. A client that puts the value it raised into its fingerprint gets
    one group for every order number only if the entry is some other text."""
    one = raised("order 3001 declined", ["payments", "order 3001 declined"])
    two = raised("order 4417 declined", ["payments", "order 4417 declined"])
    assert group(one).hash == group(two).hash
    assert group(one).trees["custom"].values[1] == "order <int> declined"
    # A cause's value counts too.
    cause = raised("declined", ["payments", "gateway 503"], "gateway 503")
    other = raised("declined", ["payments", "gateway 429"], "gateway 429")
    assert group(cause).hash == group(other).hash
    # Text that is no message of the event stays as sent.
    apart = raised("declined", ["payments", "charge-3001"])
    assert group(apart).hash != group(raised("declined", ["payments", "charge-4417"])).hash
    # Hybrid fingerprints read their entries the same way.
    hybrid = raised("order 3001 declined", ["{{ default }}", "order 3001 declined"])
    hybrid_two = raised("order 4417 declined", ["{{ default }}", "order 4417 declined"])
    assert group(hybrid).hash == group(hybrid_two).hash


def test_the_message_variable_is_parameterised_and_raw_message_is_not() -> None:
    """Sentry's `resolve_fingerprint_values`: `{{ message }}` resolves to the canonical
    message (`get_canonical_message_from_event`) parameterised, not cut to two lines;
    `{{ raw_message }}`, `{{ raw_value }}` and `{{ error.raw_value }}` are variables it knows
    (`resolve_fingerprint_variable`) and resolve unparameterised."""

    def logged(text: str, fingerprint: list[str]) -> Signal:
        return event(message=text, fingerprint=fingerprint)

    assert (
        group(logged("disk 7 full", ["{{ message }}"])).hash
        == group(logged("disk 9 full", ["{{ message }}"])).hash
    )
    multi = logged("a 1\nb 2\nc 3", ["{{ message }}"])
    assert group(multi).trees["custom"].values == ["a <int>\nb <int>\nc <int>"]
    assert (
        group(logged("disk 7 full", ["{{ raw_message }}"])).hash
        != group(logged("disk 9 full", ["{{ raw_message }}"])).hash
    )
    raw = raised("order 3001 declined", ["{{ error.raw_value }}"])
    assert group(raw).trees["custom"].values == ["order 3001 declined"]
    assert group(raised("v", ["{{ raw_value }}"])).trees["custom"].values == ["v"]


def test_a_closure_in_a_swift_initializer_expression_is_a_closure() -> None:
    """Sentry's `trim_native_function_name` (`stacktraces/functions.py`) names the Swift
    initializer expression, then marks it `closure in` when a `closure` token is there: the
    closure an initializer holds is not the initializer itself."""
    from runner.triage.grouping.native import trim_native_function

    closure = "closure #1 () -> UIButton in variable initialization expression of Shop.Cart.button"
    initializer = "variable initialization expression of Shop.Cart.button : UIButton"
    assert trim_native_function(closure, "swift") == (
        "closure in initializer expression of Shop.Cart.button"
    )
    assert trim_native_function(initializer, "swift") == (
        "initializer expression of Shop.Cart.button"
    )

    def crash(function: str) -> Signal:
        frames = [{"function": function, "package": "/var/containers/Bundle/Application/A/Shop"}]
        return event(
            platform="cocoa",
            exception={"values": [{"type": "EXC_BAD_ACCESS", "stacktrace": {"frames": frames}}]},
        )

    assert group(crash(closure)).hash != group(crash(initializer)).hash


def test_a_template_groups_when_the_stack_beside_it_counts_for_nothing() -> None:
    """Sentry's `_get_calculated_grouping_variants_for_event` (`grouping/api.py`) takes the
    first strategy by score whose component contributes: a stack trace (1800) whose frames
    all fail to count leaves a template error (`template:v1`, 1100) to its template."""

    def rendered(line: str, stack: list[dict[str, Any]]) -> Signal:
        template = {"filename": "shop/cart.html", "context_line": line, "lineno": 3}
        return event(template=template, stacktrace={"frames": stack})

    nothing = [{"lineno": 10}, {"lineno": 12}]  # no function, module or file: nothing counts
    total, items = rendered("{{ cart.total }}", nothing), rendered("{{ cart.items }}", nothing)
    assert group(total).variant == group(items).variant == "template"
    assert group(total).hash != group(items).hash
    # A stack that counts still groups instead.
    counted = [{"function": "render", "module": "shop.views", "in_app": True}]
    assert group(rendered("{{ cart.total }}", counted)).variant == "app"
