import json

from demo_app.app import App


def call(path, query=""):
    seen = {}
    body = App(error_hooks=[])(
        {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query},
        lambda status, headers: seen.update(status=status),
    )
    return seen["status"], b"".join(body).decode()


def test_index_lists_routes():
    status, body = call("/")
    assert status == "200 OK" and "/dashboard/refresh" in body


def test_team_summary_api():
    status, body = call("/api/teams/1/summary")
    assert status == "200 OK" and json.loads(body)["done"] == 2


def test_unknown_route_is_404():
    assert call("/nope")[0] == "404 Not Found"
