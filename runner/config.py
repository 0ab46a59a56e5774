"""`overnight.toml`: one file, validated by pydantic, every field documented.

Looked for at `--config`, then `$OVERNIGHT_CONFIG`, then `./overnight.toml`; absent means
defaults. A wrong key or value is reported with the file, the key and what is expected.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from runner.containers.settings import ContainerSettings
from runner.errors import UserError
from runner.night.settings import NightSettings
from runner.triage.settings import TriageSettings


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StoreSettings(Section):
    path: Path | None = None
    """The SQLite file. Default: `$OVERNIGHT_DB`, else the XDG data directory."""


class InboxSettings(Section):
    path: Path = Path("inbox")
    """The folder `overnight ingest` reads when given no paths; processed files move to `done/`."""


class ServeSettings(Section):
    host: str = "127.0.0.1"
    """Where the Sentry-compatible endpoint listens. Loopback unless you mean otherwise."""
    port: int = Field(default=8765, ge=0, le=65535)
    """Its port; 0 picks a free one."""
    project: str = "1"
    """The project id in the DSN (`http://KEY@HOST:PORT/PROJECT`)."""
    key: str | None = None
    """The public key SDKs must send. Default: `$OVERNIGHT_INGEST_KEY`, else one is generated
    and kept beside the database, so the DSN stays the same across restarts."""
    max_body_bytes: int = Field(default=50 * 1_048_576, gt=0)
    """Largest request body accepted, as sent (compressed). A mobile SDK sends a crash with its
    screenshot and logs in one envelope: refusing the envelope would lose the crash too."""
    max_inflated_bytes: int = Field(default=100 * 1_048_576, gt=0)
    """Largest body after decompression (Relay's envelope limit); past it the request gets
    413 and inflating stops."""
    allow_remote: bool = False
    """Listen on a non-loopback `host`. Off by default: anyone who can reach the port and knows
    the key can write signals, and the traffic is plain HTTP."""


class SentryApiSettings(Section):
    base_url: str = "https://sentry.io/api/0/"
    """The Web API root; for self-hosted Sentry, `https://HOST/api/0/`."""
    organization: str
    """Organisation slug."""
    project: str
    """Project slug."""
    token_env: str = "SENTRY_AUTH_TOKEN"
    """The environment variable holding the auth token; the token never goes in this file."""
    query: str = "is:unresolved"
    """The issue search query."""
    max_pages: int = Field(default=100, gt=0)
    """Stop after this many pages in one pull; the next pull resumes from the saved cursor."""
    max_retry_after_s: float = Field(default=60.0, ge=0)
    """Longest wait honoured from a 429's `Retry-After`; longer asks are cut to this."""


class PullSettings(Section):
    sentry_api: list[SentryApiSettings] = []
    """Sentry projects to pull issues and their latest events from."""


class Config(Section):
    """The whole `overnight.toml`."""

    store: StoreSettings = StoreSettings()
    inbox: InboxSettings = InboxSettings()
    serve: ServeSettings = ServeSettings()
    pull: PullSettings = PullSettings()
    triage: TriageSettings = TriageSettings()
    """De-duplication thresholds and the routines file (`overnight triage`)."""
    containers: ContainerSettings = ContainerSettings()
    """Podman connections, images, checkouts and run limits (`overnight doctor`)."""
    night: NightSettings = NightSettings()
    """The repository agents work on, the runner's check, the window and the budget."""


def config_path(explicit: Path | None) -> Path:
    return explicit or Path(os.environ.get("OVERNIGHT_CONFIG") or "overnight.toml")


def load_config(explicit: Path | None = None) -> tuple[Config, Path | None]:
    """The configuration and the file it came from (None when running on defaults)."""
    path = config_path(explicit)
    if not path.exists():
        if explicit is not None:
            raise UserError(f"config file {path} does not exist (write one with `overnight init`)")
        return Config(), None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: not valid TOML: {exc}") from exc
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise UserError(f"{path}: {describe_config_error(exc)}") from exc
    base = path.parent
    # Relative paths in the file mean relative to the file, not to wherever the command ran.
    if config.store.path and not config.store.path.is_absolute():
        config.store.path = base / config.store.path
    if not config.inbox.path.is_absolute():
        config.inbox.path = base / config.inbox.path
    night = config.night
    if night.repository and not night.repository.is_absolute():
        night.repository = base / night.repository
    if night.scripted_model and not night.scripted_model.scripts.is_absolute():
        night.scripted_model.scripts = base / night.scripted_model.scripts
    return config, path


def describe_config_error(error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        key = ".".join(str(p) for p in item["loc"])
        if item["type"] == "extra_forbidden":
            lines.append(f"unknown key '{key}'")
        else:
            lines.append(f"key '{key}': {item['msg']} (got {item.get('input')!r})")
    return "; ".join(lines)
