"""`overnight serve` and `overnight pull`: the two sources that talk HTTP.

`serve` runs the Sentry-compatible ingest endpoint until SIGINT or SIGTERM; `pull` asks each
configured Sentry Web API project for its issues and their latest events, once.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
import signal
import socket
import sys
import threading
from pathlib import Path
from types import FrameType

from runner.cli import Context, Subcommands
from runner.config import ServeSettings
from runner.errors import UserError
from runner.stopping import wait_for_stop
from store import default_db_path

KEY_ENV = "OVERNIGHT_INGEST_KEY"
_KEY_SHAPE = re.compile(r"^[A-Za-z0-9_.~-]{8,128}$")


def register(commands: Subcommands) -> None:
    serve = commands.add_parser(
        "serve",
        help="run the Sentry-compatible ingest endpoint",
        description=(
            "Accept envelopes from real Sentry SDKs (POST /api/PROJECT/envelope/ and the legacy "
            "/store/) and browsers' security reports (CSP, HPKP, Expect-CT, Expect-Staple: "
            "/api/PROJECT/security/?sentry_key=KEY) and store them as signals. Prints the DSN "
            "to give the SDKs. Bad bodies get a JSON error and go to the quarantine; stops "
            "cleanly on Ctrl-C or SIGTERM."
        ),
    )
    serve.add_argument("--host", help="address to listen on (default: [serve] host, 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default: [serve] port; 0 picks a free one)")
    serve.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a non-loopback --host (anyone who reaches it with the key can write)",
    )
    serve.add_argument("--verbose", "-v", action="store_true", help="log every request")
    serve.set_defaults(handler=run_serve)

    pull = commands.add_parser(
        "pull",
        help="pull issues and their latest events from the Sentry Web API",
        description=(
            "For each [[pull.sentry_api]] in the configuration, list the project's issues "
            "(following cursor pagination) and store each issue's latest event as a signal. "
            "The cursor is saved after every page, so an interrupted pull resumes where it "
            "stopped; events already stored are not stored again."
        ),
    )
    pull.add_argument("--max-pages", type=int, help="override max_pages for this run")
    pull.set_defaults(handler=run_pull)


def is_loopback(host: str) -> bool:
    """True when every address `host` names is a loopback address."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(infos) and all(ipaddress.ip_address(i[4][0]).is_loopback for i in infos)


def ingest_key(settings: ServeSettings, db_path: Path) -> str:
    """The configured key, else `$OVERNIGHT_INGEST_KEY`, else one generated and kept on disk."""
    key = settings.key or os.environ.get(KEY_ENV)
    where = "[serve] key" if settings.key else f"${KEY_ENV}"
    if not key:
        key_file = db_path.with_name(db_path.name + ".ingest-key")
        if key_file.exists():
            key, where = key_file.read_text(encoding="utf-8").strip(), str(key_file)
        else:
            key = secrets.token_hex(16)
            key_file.parent.mkdir(parents=True, exist_ok=True)
            # Created private: the key is what stands between the port and the store.
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(key + "\n")
    if not _KEY_SHAPE.match(key):
        raise UserError(
            f"ingest key from {where} must be 8-128 letters, digits or -_.~ (it goes in a URL)"
        )
    return key


def run_serve(ctx: Context) -> int:
    from runner.sources.sentry_endpoint import make_server, stop_server
    from runner.sources.sentry_request import Limits

    settings = ctx.config.serve
    host = ctx.args.host or settings.host
    port = settings.port if ctx.args.port is None else ctx.args.port
    if not 0 <= port <= 65535:
        raise UserError(f"--port {port} is not a port number (0-65535)")
    if not is_loopback(host) and not (ctx.args.allow_remote or settings.allow_remote):
        raise UserError(
            f"refusing to listen on {host}, which is not a loopback address: anyone who can "
            "reach it with the key could write signals, over plain HTTP. Pass --allow-remote "
            "(or set [serve] allow_remote = true) if you mean it"
        )
    db_path = Path(ctx.db_path or default_db_path())
    limits = Limits(
        project=settings.project,
        key=ingest_key(settings, db_path),
        max_body_bytes=settings.max_body_bytes,
        max_inflated_bytes=settings.max_inflated_bytes,
    )
    try:
        server = make_server(host, port, limits, db_path, verbose=ctx.args.verbose)
    except OSError as exc:
        raise UserError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    bound_port = server.server_address[1]
    shown_host = f"[{host}]" if ":" in host else host
    dsn = f"http://{limits.key}@{shown_host}:{bound_port}/{limits.project}"
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    # Handlers first: whoever reads the DSN line may signal us at once.
    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    thread = threading.Thread(
        target=server.serve_forever, args=(0.1,), name="overnight-http", daemon=True
    )
    thread.start()
    if not is_loopback(host):
        print(f"overnight: warning: listening on non-loopback {host}", file=sys.stderr)
    print(f"overnight serve: storing into {db_path}", file=sys.stderr)
    security = f"http://{shown_host}:{bound_port}/api/{limits.project}/security/"
    print(
        f"overnight serve: security reports to {security}?sentry_key={limits.key}", file=sys.stderr
    )
    print(f"DSN: {dsn}", flush=True)
    try:
        wait_for_stop(stop)
    finally:
        stop_server(server)
        thread.join(timeout=5)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    s = server.stats
    print(
        f"overnight serve: stopped after {s.requests} requests: {s.stored} new signals, "
        f"{s.already_stored} already stored, {s.rejected} quarantined, "
        f"{s.ignored_items} items of other types ignored",
        file=sys.stderr,
        flush=True,
    )
    return 0


def run_pull(ctx: Context) -> int:
    from runner.sources.sentry_api import pull_project

    configured = ctx.config.pull.sentry_api
    if not configured:
        where = ctx.config_file or "overnight.toml"
        raise UserError(
            f"no [[pull.sentry_api]] sections in {where}; add one (see `overnight init`)"
        )
    db = ctx.db()
    for settings in configured:
        if ctx.args.max_pages is not None:
            if ctx.args.max_pages < 1:
                raise UserError("--max-pages must be at least 1")
            settings = settings.model_copy(update={"max_pages": ctx.args.max_pages})
        token = os.environ.get(settings.token_env, "").strip()
        if not token:
            raise UserError(
                f"${settings.token_env} is not set: put a Sentry auth token (scopes "
                f"project:read, event:read) there to pull {settings.organization}/"
                f"{settings.project}"
            )
        report = pull_project(db, settings, token, log=lambda line: print(line, file=sys.stderr))
        state = "finished" if report.finished else "stopped early; the next pull resumes"
        print(
            f"{settings.organization}/{settings.project}: {report.pages} pages, "
            f"{report.issues} issues, {report.new} new signals, {report.already_stored} "
            f"already stored, {report.rejected} rejected (kept in quarantine); {state}"
        )
        for reason in report.reasons[:20]:
            print(f"rejected {reason}", file=sys.stderr)
    return 0
