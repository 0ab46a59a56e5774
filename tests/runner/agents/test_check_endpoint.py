"""`check_endpoint`, for `overnight doctor`: None when fine, else one line saying what is wrong."""

from __future__ import annotations

import socket

from runner.agents.models import check_endpoint
from runner.agents.scripted import ScriptedModelServer
from tests.runner.agents.support import ENVIRON, KEY_ENV, SECRET, MakeEndpoint


def test_a_working_endpoint_is_fine(
    server: ScriptedModelServer, endpoint: MakeEndpoint, protocol: str
) -> None:
    assert check_endpoint(endpoint(), ENVIRON) is None
    methods = [r.method for r in server.received]
    # openai: the free model list suffices when it names the model; anthropic: a 1-token request.
    assert methods == (["GET"] if protocol == "openai" else ["POST"])
    if protocol == "anthropic":
        assert server.requests[0]["max_tokens"] == 1


def test_an_unlisted_model_is_tried_before_it_is_called_unknown(
    server: ScriptedModelServer, endpoint: MakeEndpoint, protocol: str
) -> None:
    # The server answers any name but lists only "scripted" (as llama.cpp does): still fine.
    assert check_endpoint(endpoint(model="whatever-is-loaded"), ENVIRON) is None
    server.models = ["scripted"]
    problem = check_endpoint(endpoint(model="gpt-nope"), ENVIRON)
    assert problem is not None and "does not know the model 'gpt-nope'" in problem


def test_each_failure_is_one_line(server: ScriptedModelServer, endpoint: MakeEndpoint) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    problems = {
        "no variable": check_endpoint(endpoint(), {}),
        "nothing there": check_endpoint(endpoint(base_url=closed), ENVIRON),
        "wrong base": check_endpoint(endpoint(base_url=f"{server.url}/wrong"), ENVIRON),
    }
    server.api_key = "another"
    problems["refused"] = check_endpoint(endpoint(), ENVIRON)
    assert KEY_ENV in (problems["no variable"] or "")
    assert "refused the connection" in (problems["nothing there"] or "")
    assert "check base_url" in (problems["wrong base"] or "")
    assert "401" in (problems["refused"] or "")
    for line in problems.values():
        assert line and "\n" not in line and SECRET not in line
