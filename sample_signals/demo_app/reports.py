"""Team reports: the summary card and the CSV export."""

from __future__ import annotations

import csv
import io
import logging
from datetime import date

from demo_app import data
from demo_app.dates import parse_user_date

log = logging.getLogger(__name__)

CSV_HEADER = ["id", "title", "status", "points"]


def ratio(part: float, whole: float) -> float:
    """`part / whole`, rounded for display."""
    return round(part / whole, 3)


def summary(team_id: int) -> dict:
    """Counts, completion ratio and average points of a team's tasks."""
    tasks = data.tasks_for(team_id)
    done = [task for task in tasks if task["status"] == "done"]
    points = [task["points"] for task in tasks]
    return {
        "team": team_id,
        "tasks": len(tasks),
        "done": len(done),
        "completion": ratio(len(done), len(tasks)),
        "avg_points": ratio(sum(points), len(points)),
    }


def export_csv(team_id: int, status: str | None = None) -> str:
    """The team's tasks as CSV, optionally only those with `status`."""
    rows = iter(data.tasks_for(team_id))
    if status:
        rows = (task for task in rows if task["status"] == status)
        log.info("exporting %d tasks with status %s", sum(1 for _ in rows), status)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    for task in rows:
        writer.writerow([task[column] for column in CSV_HEADER])
    return buffer.getvalue()


def date_range(start: str, end: str, locale: str) -> tuple[date, date]:
    """The report period typed by the user; the start must not be after the end."""
    first, last = parse_user_date(start, locale), parse_user_date(end, locale)
    if first > last:
        raise ValueError("the start of the period is after its end")
    return first, last
