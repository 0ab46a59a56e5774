"""Grouping in the manner of Sentry's: strategies per part of an event build a component
tree; variants (checksum, custom, app, system, message) in precedence give the hash.

`group(signal)` is the entry point; `Grouping.trees` is "why these group".
"""

from runner.triage.grouping.component import Component
from runner.triage.grouping.variants import GROUPING_VERSION, Grouping, group, loose_hash

__all__ = ["GROUPING_VERSION", "Component", "Grouping", "group", "loose_hash"]
