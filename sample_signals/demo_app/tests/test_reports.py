from datetime import date

from demo_app import reports


def test_summary_counts_done_tasks():
    card = reports.summary(1)
    assert card["tasks"] == 4
    assert card["done"] == 2
    assert card["completion"] == 0.5
    assert card["avg_points"] == 3.5


def test_summary_of_team_without_tasks():
    card = reports.summary(3)
    assert card["tasks"] == 0
    assert card["completion"] == 0


def test_export_csv_has_header_and_every_task():
    lines = reports.export_csv(1).splitlines()
    assert lines[0] == "id,title,status,points"
    assert len(lines) == 5


def test_export_csv_filtered_by_status():
    lines = reports.export_csv(1, status="open").splitlines()
    assert lines[1:] == ["102,Shard the events table,open,8", "104,Rotate API keys,open,1"]


def test_date_range_us_and_iso():
    assert reports.date_range("03/01/2026", "2026-03-31", "en-US") == (
        date(2026, 3, 1), date(2026, 3, 31))


def test_date_range_british_locale():
    assert reports.date_range("01/11/2026", "25/11/2026", "en-GB") == (
        date(2026, 11, 1), date(2026, 11, 25))
