"""The scripted model: a loopback stand-in for both model APIs, playing back TOML scripts.
See README.md beside this file for the script format."""

from runner.agents.scripted.scripts import Script, ScriptError, Turn, load_scripts
from runner.agents.scripted.server import ReceivedRequest, ScriptedModelServer

__all__ = [
    "ReceivedRequest",
    "Script",
    "ScriptError",
    "ScriptedModelServer",
    "Turn",
    "load_scripts",
]
