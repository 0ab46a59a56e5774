from demo_app.billing import invoices


def test_total_without_coupon():
    assert invoices.total_cents(invoices.get_invoice("INV-1001")) == 11300


def test_per_seat_price():
    assert invoices.per_seat_cents(invoices.get_invoice("INV-1001")) == 941
