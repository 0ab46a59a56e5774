"""The in-memory data Teamboard serves: workspaces, teams, tasks, members, invoices, sessions.

A real deployment would read these from a database; the shapes are the same.
"""

from __future__ import annotations

WORKSPACES = {
    "acme": {"name": "Acme Corp", "flags": {"new_dashboard": True, "csv_export": True}},
    "globex": {"name": "Globex", "flags": {"new_dashboard": False, "csv_export": True}},
    "initech": {"name": "Initech", "flags": {"new_dashboard": True, "csv_export": False}},
}

TEAMS = {
    1: {"id": 1, "slug": "platform", "workspace": "acme", "layout": '["velocity", "open_tasks"]'},
    2: {"id": 2, "slug": "mobile", "workspace": "acme", "layout": '["burndown", "velocity"]'},
    3: {"id": 3, "slug": "growth", "workspace": "globex", "layout": '["open_tasks"]'},
    4: {"id": 4, "slug": "data", "workspace": "initech", "layout": '["velocity", "open_t'},
}

TASKS = [
    {"id": 101, "team": 1, "title": "Upgrade TLS certificates", "status": "done", "points": 3},
    {"id": 102, "team": 1, "title": "Shard the events table", "status": "open", "points": 8},
    {"id": 103, "team": 1, "title": "Fix flaky deploy job", "status": "done", "points": 2},
    {"id": 104, "team": 1, "title": "Rotate API keys", "status": "open", "points": 1},
    {"id": 105, "team": 2, "title": "Dark mode for iOS", "status": "open", "points": 5},
    {"id": 106, "team": 2, "title": "Crash on Android 12 launch", "status": "done", "points": 3},
    {"id": 107, "team": 4, "title": "Nightly warehouse load", "status": "open", "points": 5},
]

MEMBERS = [
    {"id": f"u{n}", "name": name, "team": (n % 4) + 1}
    for n, name in enumerate(
        [
            "Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra", "Barbara Liskov",
            "Donald Knuth", "Frances Allen", "Ken Thompson", "Radia Perlman", "Tony Hoare",
            "Margaret Hamilton", "John Backus", "Leslie Lamport", "Karen Sparck Jones",
            "Niklaus Wirth", "Adele Goldberg", "Dennis Ritchie", "Shafi Goldwasser",
            "Butler Lampson", "Sophie Wilson", "Guido van Rossum", "Lynn Conway",
            "Robin Milner", "Jean Sammet", "Fran Bilas",
        ],
        start=1,
    )
]

# Amounts in cents. A coupon's `percent_off` comes from the payment provider as a float.
INVOICES = {
    "INV-1001": {"workspace": "acme", "lines": [4900, 4900, 1500], "seats": 12, "coupon": None},
    "INV-1002": {"workspace": "globex", "lines": [9900], "seats": 4,
                 "coupon": {"code": "SPRING15", "percent_off": 15.0}},
    "INV-1003": {"workspace": "initech", "lines": [2900], "seats": 0, "coupon": None},
}


def tasks_for(team_id: int) -> list[dict]:
    return [task for task in TASKS if task["team"] == team_id]


def team(team_id: int) -> dict:
    try:
        return TEAMS[team_id]
    except KeyError:
        raise LookupError(f"no team {team_id}") from None
