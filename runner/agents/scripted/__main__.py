"""`python -m runner.agents.scripted --scripts DIR --port N [--delay S]`: serve until stopped."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from runner.agents.scripted.scripts import ScriptError
from runner.agents.scripted.server import ScriptedModelServer
from runner.stopping import wait_for_stop


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m runner.agents.scripted",
        description="Serve the scripted model (both APIs) on loopback until SIGTERM or Ctrl-C.",
    )
    parser.add_argument("--scripts", type=Path, required=True, help="folder of *.toml scripts")
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind")
    parser.add_argument("--port", type=int, default=0, help="port (0 picks a free one)")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before each reply")
    parser.add_argument("--api-key", default=None, help="accept only this key (default: any)")
    args = parser.parse_args(argv)
    try:
        server = ScriptedModelServer(
            args.scripts, host=args.host, port=args.port, delay_s=args.delay, api_key=args.api_key
        )
    except (ScriptError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    stopped = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopped.set())
    with server:
        print(server.url, flush=True)
        print(f"openai base_url:    {server.openai_base_url}", flush=True)
        print(f"anthropic base_url: {server.anthropic_base_url}", flush=True)
        print(f"{len(server.scripts)} scripts from {args.scripts}", flush=True)
        wait_for_stop(stopped)
    return 0


if __name__ == "__main__":
    sys.exit(main())
