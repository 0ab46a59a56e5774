"""`overnight demo`: one whole night on the sample signals, then the morning console.

It copies the demo application (Teamboard) into a fresh git repository of its own, writes a
configuration that points at it and at the scripted stand-in model, and runs one night: ingest,
triage, agents in containers, the runner's check, proposals as branches.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import runner
from runner.cli import Context, Subcommands
from runner.config import load_config
from runner.errors import UserError
from runner.git import Author, init_repository
from runner.night.night import run_night
from runner.night.progress import LineProgress
from runner.routines import default_text, load_routines

MARKER = ".overnight-demo"
DEFAULT_DIR = Path(".overnight") / "demo"


def register(commands: Subcommands) -> None:
    demo = commands.add_parser(
        "demo",
        help="run one night on the sample signals with the scripted model, then review it",
        description=(
            "Copy the demo application into a fresh git repository under DIR, write a "
            "configuration for it and the scripted stand-in model, ingest the sample signals "
            "and run one night; then open the console on the result (in a terminal)."
        ),
    )
    demo.add_argument(
        "--dir", type=Path, default=DEFAULT_DIR, help=f"where to build it (default {DEFAULT_DIR})"
    )
    demo.add_argument(
        "--no-review", action="store_true", help="stop after the night; print how to review it"
    )
    demo.set_defaults(handler=run_demo)


def samples() -> Path:
    """The sample signals, the demo application and its agent scripts (in the source tree)."""
    root = Path(runner.__file__).resolve().parent.parent / "sample_signals"
    if not (root / "demo_app").is_dir():
        raise UserError(f"the sample signals are not at {root}: run the demo from a clone")
    return root


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare(dest: Path, *, port: int) -> Path:
    """Build the demo under `dest` (replacing an earlier demo); return its overnight.toml."""
    source = samples()
    if dest.exists():
        if (dest / MARKER).exists():
            shutil.rmtree(dest)
        elif any(dest.iterdir()):
            raise UserError(f"{dest} exists and is not an earlier demo; pick another --dir")
    dest.mkdir(parents=True, exist_ok=True)
    (dest / MARKER).write_text("made by `overnight demo`; it replaces this folder\n")
    init_repository(
        source / "demo_app",
        dest / "teamboard",
        branch="main",
        author=Author("Teamboard Developers", "dev@teamboard.example"),
        message="Teamboard 1.4.2",
    )
    shutil.copytree(source / "inbox", dest / "inbox")
    routines = (
        default_text()
        .replace(
            'endpoint = "http://127.0.0.1:11434/v1"', f'endpoint = "http://127.0.0.1:{port}/v1"'
        )
        .replace('model = "qwen2.5-coder:14b"', 'model = "overnight-scripted"')
    )
    (dest / "routines.toml").write_text(routines, encoding="utf-8")
    config = dest / "overnight.toml"
    config.write_text(
        "# Written by `overnight demo`: the demo repository, its inbox and the scripted model.\n"
        '[store]\npath = "overnight.db"\n\n'
        '[inbox]\npath = "inbox"\n\n'
        '[triage]\nroutines = "routines.toml"\n\n'
        '[night]\nrepository = "teamboard"\nbranch = "main"\n\n'
        "# The demo runs only the sample app: where the host cannot enforce the memory and\n"
        "# process limits (rootless Podman on cgroup v1) it runs without them, and each run\n"
        "# records them as dropped. Your own configuration refuses such runs unless you say so.\n"
        "[containers.limits]\nallow_unenforced = true\n\n"
        "[night.scripted_model]\n"
        f'scripts = "{source / "agent_scripts"}"\nport = {port}\n',
        encoding="utf-8",
    )
    return config


def run_demo(ctx: Context) -> int:
    dest = ctx.args.dir.resolve()
    config_file = prepare(dest, port=_free_port())
    config, _ = load_config(config_file)
    assert config.store.path is not None
    progress = LineProgress(sys.stderr)
    progress.say(f"demo in {dest}: repository teamboard/, inbox/, overnight.toml")
    progress.say("images are built once (offline) on first use: about a minute")
    funnel = run_night(
        config.store.path,
        config,
        load_routines(dest / "routines.toml"),
        dest,
        config_file,
        report=progress.say,
        progress=progress.update,
        stop=threading.Event(),
        environ=dict(os.environ),
    )
    progress.close()
    print("\n" + funnel.render() + "\n")
    overnight = [sys.executable, "-m", "runner.cli", "--config", str(config_file)]
    subprocess.run([*overnight, "proposals"], check=False)
    review = f"overnight --config {config_file} review"
    if ctx.args.no_review or not sys.stdout.isatty():
        print(f"\nreview the night with: {review}")
        return 0
    return subprocess.run([*overnight, "review"], check=False).returncode
