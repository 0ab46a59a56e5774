"""Teamboard's WSGI application: routing, sessions, and the error boundary around handlers."""

from __future__ import annotations

import argparse
import json
import os
import re
import traceback
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import parse_qs

import demo_app
from demo_app import dashboard, data, reports, search, settings
from demo_app.auth import session as sessions
from demo_app.billing import invoices
from demo_app.boundary import ErrorBoundary
from demo_app.notifications import send_digest

RECENT: dict[str, deque] = {}  # the last requests of each session, for error reports


@dataclass
class Request:
    method: str
    path: str
    query: str
    params: dict[str, str]
    token: str | None = None
    user: dict | None = None
    workspace: str | None = None
    flags: dict = field(default_factory=dict)
    actions: list = field(default_factory=list)

    @classmethod
    def from_environ(cls, environ: dict) -> Request:
        query = environ.get("QUERY_STRING", "")
        params = {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}
        cookie = environ.get("HTTP_COOKIE", "")
        token = next((part.split("=", 1)[1] for part in cookie.split("; ")
                      if part.startswith("session=")), None)
        return cls(environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "/"),
                   query, params, token)

    def team_id(self) -> int:
        return int(self.params.get("team", "1"))


class NotFound(Exception):
    pass


def index(request: Request) -> str:
    return "Teamboard " + demo_app.__version__ + "\n" + "\n".join(p for p, _ in ROUTES)


def dashboard_page(request: Request) -> str:
    return dashboard.render(request.team_id())


def dashboard_refresh(request: Request) -> dict:
    return dashboard.refresh(request.team_id())


def summary_page(request: Request, team_id: str | None = None) -> dict:
    return reports.summary(int(team_id) if team_id else request.team_id())


def export_page(request: Request) -> str:
    return reports.export_csv(request.team_id(), request.params.get("status") or None)


def range_page(request: Request) -> dict:
    locale = (request.user or {}).get("locale") or settings.get("app.locale", "en-US")
    first, last = reports.date_range(request.params["from"], request.params["to"], locale)
    return {"team": request.team_id(), "from": first.isoformat(), "to": last.isoformat()}


def search_page(request: Request) -> dict:
    page, per_page = search.parse_page_args(request.params)
    return search.paginate(search.search(request.params.get("q", "")), page, per_page)


def members_page(request: Request) -> dict:
    page, per_page = search.parse_page_args(request.params)
    return search.paginate(data.MEMBERS, page, per_page)


def invoice_page(request: Request, invoice_id: str) -> dict:
    return invoices.invoice_view(invoice_id)


def integrations_page(request: Request) -> dict:
    return {"slack_webhook": settings.get("integrations.slack_webhook")}


def sso_login(request: Request) -> dict:
    return {"provider": settings.get("sso.provider"), "next": request.params.get("next", "/")}


def digest(request: Request) -> dict:
    send_digest(request.team_id(), (request.user or {}).get("email", "team@example.com"))
    return {"sent": True}


ROUTES = [
    ("/", index),
    ("/dashboard", dashboard_page),
    ("/dashboard/refresh", dashboard_refresh),
    ("/reports/summary", summary_page),
    (r"/api/teams/(\d+)/summary", summary_page),
    ("/reports/export.csv", export_page),
    ("/reports/range", range_page),
    ("/search", search_page),
    ("/members", members_page),
    (r"/billing/invoices/([\w-]+)", invoice_page),
    ("/settings/integrations", integrations_page),
    ("/login/sso", sso_login),
    ("/notifications/digest", digest),
]


def route(path: str):
    for pattern, handler in ROUTES:
        if match := re.fullmatch(pattern, path):
            return handler, match.groups()
    raise NotFound(path)


class App:
    """The WSGI callable. `error_hooks` see every unhandled exception with its request."""

    def __init__(self, error_hooks: list | None = None) -> None:
        boundary = ErrorBoundary(os.environ.get("TEAMBOARD_ERROR_LOG"),
                                 f"teamboard@{demo_app.__version__}",
                                 os.environ.get("TEAMBOARD_ENV", "production"))
        self.error_hooks = [boundary] if error_hooks is None else error_hooks

    def __call__(self, environ, start_response):
        request = Request.from_environ(environ)
        status, body, ctype = "200 OK", "", "application/json"
        try:
            self.authenticate(request)
            handler, args = route(request.path)
            result = handler(request, *args)
            if isinstance(result, str):
                body, ctype = result, "text/plain; charset=utf-8"
            else:
                body = json.dumps(result)
        except NotFound:
            status, body = "404 Not Found", json.dumps({"error": "not found"})
        except Exception as exc:
            if environ.get("wsgi.errors"):
                traceback.print_exception(exc, file=environ["wsgi.errors"])
            for hook in self.error_hooks:
                hook(exc, request)
            status, body = "500 Internal Server Error", json.dumps({"error": "internal error"})
        self.remember(request)
        payload = body.encode("utf-8")
        start_response(status, [("Content-Type", ctype), ("Content-Length", str(len(payload)))])
        return [payload]

    def authenticate(self, request: Request) -> None:
        request.actions = list(RECENT.get(request.token or "", ()))
        request.user = sessions.current_user(request.token)
        if request.user:
            request.workspace = request.user.get("workspace")
            request.flags = data.WORKSPACES.get(request.workspace, {}).get("flags", {})

    def remember(self, request: Request) -> None:
        if request.token:
            url = request.path + ("?" + request.query if request.query else "")
            RECENT.setdefault(request.token, deque(maxlen=5)).append(
                {"message": f"{request.method} {url}", "category": "navigation",
                 "timestamp": datetime.now(UTC).isoformat()})


def main(argv: list[str] | None = None) -> None:
    from wsgiref.simple_server import make_server

    parser = argparse.ArgumentParser(prog="python -m demo_app", description=__doc__)
    parser.add_argument("--port", type=int, default=8025)
    args = parser.parse_args(argv)
    settings.load()
    dashboard.warm_all()
    sessions.create("demo", {"id": "u1", "name": "Ada Lovelace", "email": "ada@acme.example",
                             "workspace": "acme", "locale": "en-US"})
    sessions.create("demo-uk", {"id": "u2", "name": "Alan Turing", "email": "alan@acme.example",
                                "workspace": "acme", "locale": "en-GB"})
    sessions.create("demo-remember", {"id": "u3", "name": "Grace Hopper",
                                      "email": "grace@acme.example", "workspace": "acme",
                                      "locale": "en-US"}, remember=True)
    print(f"Teamboard on http://127.0.0.1:{args.port}/ (cookies: session=demo, "
          "session=demo-uk, session=demo-remember)")
    make_server("127.0.0.1", args.port, App()).serve_forever()
