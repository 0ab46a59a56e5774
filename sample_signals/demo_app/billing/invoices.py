"""Invoices: totals with coupons, and the per-seat price shown to admins. Amounts in cents."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from demo_app import data


def get_invoice(invoice_id: str) -> dict:
    try:
        return data.INVOICES[invoice_id]
    except KeyError:
        raise LookupError(f"no invoice {invoice_id}") from None


def apply_coupon(subtotal: Decimal, coupon: dict | None) -> Decimal:
    if not coupon:
        return subtotal
    discount = subtotal * (coupon["percent_off"] / 100)
    return (subtotal - discount).quantize(Decimal("1"), rounding=ROUND_HALF_UP)


def total_cents(invoice: dict) -> int:
    subtotal = Decimal(sum(invoice["lines"]))
    return int(apply_coupon(subtotal, invoice["coupon"]))


def per_seat_cents(invoice: dict) -> int:
    return sum(invoice["lines"]) // invoice["seats"]


def invoice_view(invoice_id: str) -> dict:
    invoice = get_invoice(invoice_id)
    return {"id": invoice_id, "total_cents": total_cents(invoice),
            "per_seat_cents": per_seat_cents(invoice)}
