"""Configuration: defaults, overridden by an optional INI file named in `TEAMBOARD_CONFIG`.

Sections such as `[integrations]` and `[sso]` are optional: they exist only when configured.
"""

from __future__ import annotations

import configparser
import os

DEFAULTS: dict[str, dict[str, str]] = {
    "app": {"name": "Teamboard", "per_page": "20", "locale": "en-US"},
    "dashboard": {"refresh_timeout": "30", "poll_interval": "0.25", "cache_ttl": "600"},
    "notifications": {"smtp_host": "127.0.0.1", "smtp_port": "2525", "digest_hour": "7"},
}

CONFIG: dict[str, dict[str, str]] = {}


def load(path: str | None = None) -> dict[str, dict[str, str]]:
    """Merge the INI file over the defaults; every value stays a string, as INI gives it."""
    merged = {section: dict(values) for section, values in DEFAULTS.items()}
    path = path or os.environ.get("TEAMBOARD_CONFIG")
    if path:
        parser = configparser.ConfigParser()
        with open(path, encoding="utf-8") as handle:
            parser.read_file(handle)
        for section in parser.sections():
            merged.setdefault(section, {}).update(parser[section])
    CONFIG.clear()
    CONFIG.update(merged)
    return CONFIG


def get(key: str, default: str | None = None) -> str | None:
    """`get("section.name", default)`: a setting, or `default` when it is not configured."""
    if not CONFIG:
        load()
    section, _, name = key.partition(".")
    return CONFIG[section].get(name, default)


def get_float(key: str, default: float) -> float:
    value = get(key)
    return default if value is None else float(value)
