"""The SQLite record of everything Overnight does. Knows nothing of Textual or Podman."""

from store.db import default_db_path, open_db
from store.migrations import NewerSchemaError
from store.signal import Action, Actor, ErrorDetail, Frame, Signal

__all__ = [
    "Action",
    "Actor",
    "ErrorDetail",
    "Frame",
    "NewerSchemaError",
    "Signal",
    "default_db_path",
    "open_db",
]
