"""`overnight doctor`'s check of the agent profiles: can each one's model be reached?"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import ExitStack

from runner.agents.models import check_endpoint
from runner.night.settings import NightSettings
from runner.routines import Routines


def check_profiles(
    routines: Routines, night: NightSettings, environ: Mapping[str, str]
) -> Iterator[tuple[str, str | None]]:
    """(what was checked, None or what is wrong) for each profile a routine dispatches to."""
    used = {r.profile for r in routines.routines if r.action == "dispatch" and r.profile}
    with ExitStack() as stack:
        if night.scripted_model is not None:
            from runner.agents.scripted import ScriptedModelServer

            stand_in = night.scripted_model
            stack.enter_context(ScriptedModelServer(stand_in.scripts, port=stand_in.port))
        for name in sorted(used):
            profile = routines.profiles[name]
            what = f"profile {name}: {profile.protocol} model {profile.model} at {profile.endpoint}"
            yield what, check_endpoint(profile.endpoint_settings(), environ)
