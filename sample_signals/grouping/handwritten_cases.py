"""Hand-written events for the platforms whose SDKs cannot run here: .NET (`sentry-dotnet`),
native (`sentry-native` after symbolication) and Cocoa (`sentry-cocoa`).

Each event is in the shape the SDK's documentation and source give it (frames caller first,
`in_app` as the SDK sets it, the fields it fills); they are written by hand, not captured, and
`generate.py` says so in every row (`"source": "hand-written"`). Each carries the tags `case`
and `seq`, as the captured events do; `labels.json` says which cases Sentry puts in one issue.
"""

from __future__ import annotations

import hashlib
from typing import Any

_APP_BUNDLE = "/private/var/containers/Bundle/Application/{uuid}/Shop.app/Shop"
_LIBC = "/usr/lib/x86_64-linux-gnu/libc.so.6"


def _event(case: str, seq: int, platform: str, exception: dict[str, Any]) -> dict[str, Any]:
    return {
        "event_id": hashlib.md5(f"{case}/{seq}".encode()).hexdigest(),
        "timestamp": "2026-12-01T22:00:00Z",
        "platform": platform,
        "level": "fatal" if platform != "csharp" else "error",
        "release": "shop@5.2.0",
        "environment": "production",
        "tags": {"case": case, "seq": str(seq)},
        "exception": {"values": [exception]},
    }


# --- .NET: sentry-dotnet's enhanced stack traces (its default mode) ------------------------
def _dotnet_frame(module: str, function: str, line: int, app: bool) -> dict[str, Any]:
    frame: dict[str, Any] = {
        "function": function,
        "module": module,
        "lineno": line,
        "colno": 17,
        "in_app": app,
        "package": module.rsplit(".", 1)[0] + ", Version=5.2.0.0, Culture=neutral",
    }
    if app:
        frame["abs_path"] = "/src/Shop/" + module.split(".")[-1] + ".cs"
    return frame


def _dotnet_load_order(caller: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        *caller,
        _dotnet_frame(
            "Shop.Orders.OrderService",
            "async Task<Order> OrderService.PlaceOrderAsync(int orderId, CancellationToken ct)",
            88,
            True,
        ),
        _dotnet_frame(
            "System.Runtime.CompilerServices.TaskAwaiter",
            "void TaskAwaiter.ThrowForNonSuccess(Task task)",
            0,
            False,
        ),
        _dotnet_frame(
            "Shop.Orders.OrderRepository",
            "async Task<Order> OrderRepository.LoadAsync(int orderId)",
            41,
            True,
        ),
    ]


_ASPNET = [
    _dotnet_frame(
        "Microsoft.AspNetCore.Mvc.Infrastructure.ControllerActionInvoker",
        "async Task ControllerActionInvoker.InvokeActionMethodAsync()",
        0,
        False,
    ),
    _dotnet_frame(
        "Shop.Api.OrdersController",
        "async Task<IActionResult> OrdersController.Post(PlaceOrderRequest request)",
        34,
        True,
    ),
]
_MIDDLEWARE = _dotnet_frame(
    "Microsoft.AspNetCore.Diagnostics.ExceptionHandlerMiddleware",
    "async Task ExceptionHandlerMiddleware.Invoke(HttpContext context)",
    0,
    False,
)
_WORKER = [
    _dotnet_frame(
        "Microsoft.Extensions.Hosting.Internal.Host",
        "async Task Host.StartAsync(CancellationToken cancellationToken)",
        0,
        False,
    ),
    _dotnet_frame(
        "Shop.Worker.RetryFailedOrders",
        "async Task RetryFailedOrders.ExecuteAsync(CancellationToken stoppingToken)",
        27,
        True,
    ),
]


def _dotnet_events() -> list[dict[str, Any]]:
    events = []
    missing = {
        "type": "InvalidOperationException",
        "module": "System",
        "mechanism": {"type": "generic", "handled": True},
    }
    # The API's events differ in the framework frames (another middleware in front): those
    # are not in-app, so the issue is the same; the worker reaches the fault another way.
    for seq, caller in enumerate([_ASPNET, [_MIDDLEWARE, *_ASPNET]]):
        value = {"value": f"Order {1042 + seq} was not found"}
        stack = {"stacktrace": {"frames": _dotnet_load_order(caller)}}
        events.append(_event("dotnet-order-from-api", seq, "csharp", missing | value | stack))
    for seq in range(2):
        value = {"value": f"Order {77 + seq} was not found"}
        stack = {"stacktrace": {"frames": _dotnet_load_order(_WORKER)}}
        events.append(_event("dotnet-order-from-worker", seq, "csharp", missing | value | stack))
    # No stack trace: the value groups, with its address and port masked.
    for seq, host in enumerate(["10.0.3.17:5432", "10.0.3.18:6432"]):
        refused = {
            "type": "SocketException",
            "module": "System.Net.Sockets",
            "value": f"Connection refused ({host})",
            "mechanism": {"type": "AppDomain.UnhandledException", "handled": False},
        }
        events.append(_event("dotnet-socket-refused", seq, "csharp", refused))
    # A bare hex name (8 digits or more) is masked too.
    for seq, blob in enumerate(["3f9a2b1c7d", "8e0d44a1b2"]):
        gone = {
            "type": "RequestFailedException",
            "module": "Azure",
            "value": f"The specified blob 'invoices/{blob}.pdf' does not exist.",
            "mechanism": {"type": "generic", "handled": True},
        }
        events.append(_event("dotnet-blob-missing", seq, "csharp", gone))
    return events


# --- native: sentry-native after symbolication --------------------------------------------
def _native_frame(function: str | None, package: str, addr: int, app: bool) -> dict[str, Any]:
    frame: dict[str, Any] = {
        "instruction_addr": f"0x{addr:x}",
        "package": package,
        "in_app": app,
    }
    if function is not None:
        frame["function"] = function
    return frame


_KIOSK = "/opt/shop/bin/kiosk"


def _native_events() -> list[dict[str, Any]]:
    events = []
    segv = {"type": "SIGSEGV", "value": "Segfault", "mechanism": {"type": "signalhandler"}}
    # The same crash in two instantiations of one template, the second with a libc frame on
    # top: both trim to `Cache<T>::get`, and the libc frame is not the application's.
    for seq, (getter, top) in enumerate(
        [
            (
                "Cache<std::__cxx11::basic_string<char> >::get("
                "std::__cxx11::basic_string<char> const&) const",
                [],
            ),
            (
                "Cache<int>::get(int const&) const",
                [_native_frame("memcpy@@GLIBC_2.14", _LIBC, 0x7F1A2B3C, False)],
            ),
        ]
    ):
        frames = [
            _native_frame("__libc_start_main", _LIBC, 0x7F0029D0, False),
            _native_frame("main", _KIOSK, 0x401A20 + seq, True),
            _native_frame(
                "Renderer::drawFrame(Scene&) [clone .cold]"
                if seq
                else "Renderer::drawFrame(Scene&)",
                _KIOSK,
                0x4032F0,
                True,
            ),
            _native_frame(getter, _KIOSK, 0x405110 + 64 * seq, True),
            *top,
        ]
        events.append(
            _event("native-cache-get", seq, "native", segv | {"stacktrace": {"frames": frames}})
        )
    # Unsymbolicated: addresses and packages only, nothing that groups; the signal does.
    for seq, addrs in enumerate([(0x401A20, 0x40A110), (0x402B00, 0x40F220, 0x40F300)]):
        frames = [_native_frame(None, _KIOSK, a, False) for a in addrs]
        events.append(
            _event(
                "native-unsymbolicated-segv",
                seq,
                "native",
                segv | {"stacktrace": {"frames": frames}},
            )
        )
    return events


# --- Cocoa: sentry-cocoa ---------------------------------------------------------------------
def _cocoa_events() -> list[dict[str, Any]]:
    events = []
    # A Swift closure crashing; the second build numbered the closure differently and runs
    # from another install (another bundle path). Both trim to the closure in viewDidLoad.
    for seq, closure in enumerate(["closure #1", "closure #2"]):
        app = _APP_BUNDLE.format(
            uuid=["5B1D0C1E-8A64-4F0B-9C57-1D2B3A4C5D6E", "0F9E8D7C-6B5A-4938-8271-605F4E3D2C1B"][
                seq
            ]
        )
        frames = [
            _native_frame("UIApplicationMain", "UIKitCore", 0x1A2B3C4D, False),
            _native_frame("-[UIViewController loadViewIfRequired]", "UIKitCore", 0x1A2B0000, False),
            _native_frame("CartViewController.viewDidLoad()", app, 0x100004A10, True),
            _native_frame(
                f"{closure} (Swift.Int) -> () in Shop.CartViewController.viewDidLoad() -> ()",
                app,
                0x100004B20 + 16 * seq,
                True,
            ),
        ]
        crash = {
            "type": "EXC_BREAKPOINT",
            "value": "Fatal error: Index out of range",
            "mechanism": {"type": "mach", "meta": {"signal": {"number": 5, "name": "SIGTRAP"}}},
            "stacktrace": {"frames": frames},
        }
        events.append(_event("cocoa-swift-closure", seq, "cocoa", crash))
    # NSErrors captured without a stack: the domain and code group, not the localised text.
    for case, code, texts in [
        (
            "cocoa-nserror-offline",
            -1009,
            [
                "The Internet connection appears to be offline.",
                "Die Internetverbindung scheint offline zu sein.",
            ],
        ),
        ("cocoa-nserror-timeout", -1001, ["The request timed out.", "The request timed out."]),
    ]:
        for seq, text in enumerate(texts):
            error = {
                "type": "NSURLErrorDomain",
                "value": f"{text} (Code: {code})",
                "mechanism": {
                    "type": "NSError",
                    "handled": True,
                    "meta": {"ns_error": {"domain": "NSURLErrorDomain", "code": code}},
                },
            }
            events.append(_event(case, seq, "cocoa", error))
    return events


def events() -> list[dict[str, Any]]:
    """Every hand-written event."""
    return [*_dotnet_events(), *_native_events(), *_cocoa_events()]
