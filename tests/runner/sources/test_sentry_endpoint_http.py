"""`overnight serve` over real HTTP: auth, routes, size caps, encodings, malformed and mixed bodies.

The `served` endpoint (conftest) serves project 42 with a 256 KiB body cap and a 1 MiB inflate cap.
Decided and checked here: 401/403/404/413 store nothing; 400 and 415 keep the body in the
quarantine with the reason, and the reply names the quarantine row.
"""

from __future__ import annotations

import base64
import gzip
import http.client
import json
import socket
import time
import uuid
import zlib
from typing import Any

import brotli
import pytest

from runner.sources.http_body import BodyError, decode_body


def signal_ids(served: Any) -> set[str]:
    return {r[0] for r in served.rows("SELECT id FROM signals")}


def quarantine_reason(served: Any, row_id: str) -> str:
    found = served.rows("SELECT reason FROM quarantine WHERE id = ?", row_id)
    assert found, f"no quarantine row {row_id}"
    return str(found[0][0])


def count(served: Any, table: str) -> int:
    return int(served.rows(f"SELECT COUNT(*) FROM {table}")[0][0])


def read_until_closed(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def test_sdk_capture_round_trip_with_gzip(served: Any, tools: Any) -> None:
    event_id = uuid.uuid4().hex
    status, body = served.post(tools.envelope(tools.event_item(event_id)), gzipped=True)
    assert (status, body) == (200, {"id": body["id"]})
    assert event_id in signal_ids(served)


@pytest.mark.parametrize("key", [None, "wrong-key-123"])
def test_missing_or_wrong_key_is_401_and_stores_nothing(
    served: Any, tools: Any, key: str | None
) -> None:
    before = (count(served, "signals"), count(served, "quarantine"))
    status, body = served.post(tools.envelope(tools.event_item()), key=key)
    assert status == 401 and "sentry_key" in body["error"]
    status, body = served.post(b"{not json", key=key)
    assert status == 401
    assert (count(served, "signals"), count(served, "quarantine")) == before


def test_key_in_query_string_and_in_envelope_dsn(served: Any, tools: Any) -> None:
    first, second = uuid.uuid4().hex, uuid.uuid4().hex
    path = f"/api/42/envelope?sentry_key={served.key}&sentry_version=7"  # no trailing slash
    assert served.post(tools.envelope(tools.event_item(first)), path=path, key=None)[0] == 200
    header = {"event_id": second, "dsn": served.dsn}
    status, _ = served.post(tools.envelope(tools.event_item(second), header=header), key=None)
    assert status == 200
    assert {first, second} <= signal_ids(served)
    other = {"event_id": uuid.uuid4().hex, "dsn": f"http://{served.key}@127.0.0.1:1/7"}
    assert served.post(tools.envelope(tools.event_item(), header=other), key=None)[0] == 403
    wrong = {"event_id": uuid.uuid4().hex, "dsn": "http://nope-nope-nope@127.0.0.1:1/42"}
    assert served.post(tools.envelope(tools.event_item(), header=wrong), key=None)[0] == 401


def test_unknown_project_and_path(served: Any, tools: Any) -> None:
    status, body = served.post(tools.envelope(tools.event_item()), path="/api/7/envelope/")
    assert status == 404 and "unknown project" in body["error"]
    assert served.post(b"{}", path="/api/42/minidump/")[0] == 404
    connection = http.client.HTTPConnection(served.host, served.port, timeout=5)
    connection.request("GET", "/api/42/envelope/")
    assert connection.getresponse().status == 405
    connection.close()


def test_legacy_store_endpoint(served: Any, tools: Any) -> None:
    event_id = uuid.uuid4().hex
    event = json.loads(tools.event_item(event_id)[1])
    status, body = served.post(json.dumps(event).encode(), path="/api/42/store/", gzipped=True)
    assert (status, body) == (200, {"id": event_id})
    assert event_id in signal_ids(served)


def test_body_over_the_cap_is_413_without_reading_it(served: Any) -> None:
    # Headers only: the server must answer from Content-Length alone.
    with socket.create_connection((served.host, served.port), timeout=5) as sock:
        sock.sendall(
            b"POST /api/42/envelope/ HTTP/1.1\r\nHost: x\r\nContent-Length: 50000000\r\n"
            b"X-Sentry-Auth: Sentry sentry_key=" + served.key.encode() + b"\r\n\r\n"
        )
        reply = read_until_closed(sock)
    assert reply.startswith(b"HTTP/1.1 413") and b"limit" in reply
    # With `Expect: 100-continue` (curl does this) the body is refused before it is sent.
    with socket.create_connection((served.host, served.port), timeout=5) as sock:
        sock.sendall(
            b"POST /api/42/envelope/ HTTP/1.1\r\nHost: x\r\nContent-Length: 300000\r\n"
            b"Expect: 100-continue\r\n\r\n"
        )
        assert read_until_closed(sock).startswith(b"HTTP/1.1 413")
    # A client that sends it all anyway still reads the 413 (the server lingers, then closes).
    status, body = served.post(b"x" * 400_000)
    assert status == 413 and "262,144-byte limit" in body["error"]


def test_gzip_bomb_is_413_and_inflation_stops(served: Any) -> None:
    bomb = gzip.compress(b"\0" * 50_000_000, 9)  # ~50 KB on the wire, 50 MB inflated
    before = count(served, "quarantine")
    status, body = served.post(bomb, headers={"Content-Encoding": "gzip"})
    assert status == 413 and "inflates past" in body["error"]
    assert count(served, "quarantine") == before


def test_decode_body_never_holds_more_than_the_cap() -> None:
    bomb = gzip.compress(b"\0" * 60_000_000, 9)
    started = time.perf_counter()
    with pytest.raises(BodyError) as raised:
        decode_body(bomb, "gzip", 1_000_000)
    assert raised.value.status == 413
    assert time.perf_counter() - started < 0.5  # stopped near the cap, not after 60 MB
    multi = gzip.compress(b"a\n") + gzip.compress(b"b\n")  # concatenated members are legal
    assert decode_body(multi, "gzip", 100) == b"a\nb\n"
    assert decode_body(zlib.compress(b"zz"), "deflate", 100) == b"zz"


def test_deflate_raw_and_zlib_and_chunked(served: Any, tools: Any) -> None:
    ids = [uuid.uuid4().hex for _ in range(3)]
    raw = zlib.compressobj(wbits=-15)
    body = raw.compress(tools.envelope(tools.event_item(ids[0]))) + raw.flush()
    assert served.post(body, headers={"Content-Encoding": "deflate"})[0] == 200
    body = zlib.compress(tools.envelope(tools.event_item(ids[1])))
    assert served.post(body, headers={"Content-Encoding": "deflate"})[0] == 200
    connection = http.client.HTTPConnection(served.host, served.port, timeout=5)
    parts = iter([tools.envelope(tools.event_item(ids[2]))])
    auth = {"X-Sentry-Auth": f"Sentry sentry_key={served.key}"}
    connection.request("POST", "/api/42/envelope/", parts, auth, encode_chunked=True)
    assert connection.getresponse().status == 200
    connection.close()
    assert set(ids) <= signal_ids(served)


def test_a_browser_sdk_is_answered_as_relay_answers_it(served: Any, tools: Any) -> None:
    # A browser SDK in the application being developed posts from its page's origin, as text
    # (a simple request, no preflight), with the key in the query; other requests preflight.
    page = {"Origin": "http://localhost:3000"}
    connection = http.client.HTTPConnection(served.host, served.port, timeout=5)
    connection.request("OPTIONS", "/api/42/envelope/", headers=page)
    preflight = connection.getresponse()
    preflight.read()
    assert preflight.status == 200
    assert preflight.getheader("Access-Control-Allow-Origin") == "*"
    assert preflight.getheader("Access-Control-Allow-Methods") == "POST"
    assert "x-sentry-auth" in preflight.getheader("Access-Control-Allow-Headers", "")
    event_id = uuid.uuid4().hex
    path = f"/api/42/envelope/?sentry_key={served.key}&sentry_version=7"
    body = tools.envelope(tools.event_item(event_id))
    sent = {**page, "Content-Type": "text/plain;charset=UTF-8"}
    connection.request("POST", path, body, sent)
    reply = connection.getresponse()
    reply.read()
    assert reply.status == 200 and reply.getheader("Access-Control-Allow-Origin") == "*"
    assert "x-sentry-rate-limits" in reply.getheader("Access-Control-Expose-Headers", "")
    assert event_id in signal_ids(served)
    # A refusal says why in the header SDKs log, too.
    connection.request("POST", "/api/42/envelope/?sentry_key=wrong", body, sent)
    refused = connection.getresponse()
    refused.read()
    assert refused.status == 401 and "wrong sentry_key" in refused.getheader("X-Sentry-Error", "")
    connection.close()


def test_a_wrong_key_is_refused_before_the_body_is_read(served: Any) -> None:
    # The key in the headers is wrong: the reply comes at once, while most of the declared
    # body has not even been sent (before, the endpoint waited for all of it).
    with socket.create_connection((served.host, served.port), timeout=3) as sock:
        sock.sendall(
            b"POST /api/42/envelope/ HTTP/1.1\r\nHost: x\r\nContent-Length: 200000\r\n"
            b"X-Sentry-Auth: Sentry sentry_key=wrong, sentry_version=7\r\n\r\n" + b"{" * 1000
        )
        reply = read_until_closed(sock)
    assert reply.startswith(b"HTTP/1.1 401") and b"wrong sentry_key" in reply


def test_brotli_bombs_and_broken_brotli_are_refused_and_an_unknown_encoding_is_415(
    served: Any,
) -> None:
    bomb = brotli.compress(b"\0" * 50_000_000, quality=5)  # a few KB, 50 MB inflated
    started = time.perf_counter()
    with pytest.raises(BodyError) as raised:
        decode_body(bomb, "br", 1_000_000)
    assert raised.value.status == 413 and "inflates past" in str(raised.value)
    assert time.perf_counter() - started < 0.5  # stopped near the cap, not after 50 MB
    assert decode_body(brotli.compress(b"fine"), "br", 100) == b"fine"
    with pytest.raises(BodyError, match="truncated"):
        decode_body(brotli.compress(b"x" * 5_000)[:-3], "br", 100_000)
    status, body = served.post(b"\x8b\x02\x80hello", headers={"Content-Encoding": "br"})
    assert status == 400 and "br body is" in body["error"]
    status, body = served.post(b"(\xb5/\xfd", headers={"Content-Encoding": "zstd"})
    assert status == 415 and "'zstd' is not supported" in body["error"] and "br" in body["error"]
    assert "not supported" in quarantine_reason(served, body["quarantined"])


@pytest.mark.parametrize(
    ("body", "gzipped", "expected"),
    [
        (b"{not json at all", False, "envelope header is not valid JSON"),
        (b'["a list"]\n', False, "should be a JSON object"),
        (b'{"event_id": "x"}\n{"type": "event", "length": 900}\n{}', False, "only"),
        (gzip.compress(b'{"event_id": "0"}\n' * 200)[:-30], False, "truncated"),
    ],
)
def test_malformed_bodies_are_400_and_quarantined(
    served: Any, body: bytes, gzipped: bool, expected: str
) -> None:
    headers = {"Content-Encoding": "gzip"} if body[:2] == b"\x1f\x8b" else {}
    status, reply = served.post(body, headers=headers, gzipped=gzipped)
    assert status == 400 and expected in reply["error"]
    assert expected in quarantine_reason(served, reply["quarantined"])


def test_mixed_envelope_stores_the_good_items(served: Any, tools: Any) -> None:
    good, feedback_id = uuid.uuid4().hex, uuid.uuid4().hex
    feedback = {"event_id": feedback_id, "contexts": {"feedback": {"message": "slow page"}}}
    body = tools.envelope(
        tools.event_item(good),
        # A malformed id is what Sentry's ingestion refuses (bad `tags` it would drop).
        ({"type": "event"}, b'{"event_id": "12345", "tags": 5}'),
        ({"type": "transaction"}, b'{"type": "transaction", "spans": []}'),
        ({"type": "attachment", "filename": "log.txt"}, b"\x00\xffbinary"),
        ({"type": "feedback"}, json.dumps(feedback).encode()),
        ({"type": "user_report"}, b"\xff\xfe not utf-8"),
    )
    status, reply = served.post(body, gzipped=True)
    assert status == 200
    assert [r["item"] for r in reply["rejected"]] == [2, 6]
    assert "event_id '12345'" in quarantine_reason(served, reply["rejected"][0]["quarantined"])
    assert "not UTF-8" in quarantine_reason(served, reply["rejected"][1]["quarantined"])
    assert {good, feedback_id} <= signal_ids(served)


def test_an_event_that_cannot_be_written_as_json_fails_alone(served: Any, tools: Any) -> None:
    # A lone surrogate escape decodes, but no text holding it is UTF-8: once it failed the
    # whole group commit, and every request retried with it; now it is quarantined alone.
    good, bad = uuid.uuid4().hex, uuid.uuid4().hex
    item_header, payload = tools.event_item(bad, message="caf\u00e9")
    poisoned = (item_header, payload.replace(b"caf\\u00e9", b"caf\\ud800"))
    status, _reply = served.post(tools.envelope(tools.event_item(good), poisoned))
    assert status == 200
    assert good in signal_ids(served) and bad not in signal_ids(served)
    [(reason,)] = served.rows("SELECT reason FROM quarantine WHERE origin LIKE ?", f"%{bad}")
    assert "surrogates not allowed" in reason


def test_envelope_whose_only_item_is_bad_is_400(served: Any, tools: Any) -> None:
    body = tools.envelope(({"type": "event"}, b'{"event_id": "' + b"a" * 32 + b'", "contexts": 1'))
    status, reply = served.post(body)
    assert status == 400 and "malformed JSON" in reply["error"]
    assert reply["rejected"][0]["quarantined"]


def test_other_item_types_are_counted_and_ignored(served: Any, tools: Any) -> None:
    body = tools.envelope(
        ({"type": "session"}, b'{"sid": "1"}'), ({"type": "client_report"}, b"{}")
    )
    before = count(served, "signals"), count(served, "quarantine")
    assert served.post(body)[0] == 200
    assert (count(served, "signals"), count(served, "quarantine")) == before


def test_legacy_store_bodies_of_old_raven_clients(served: Any, tools: Any) -> None:
    # Relay reads a /store/ body that is not JSON as base64, of JSON or of zlib'd JSON.
    for pack in (lambda b: base64.b64encode(zlib.compress(b)), base64.b64encode):
        event_id = uuid.uuid4().hex
        event = json.loads(tools.event_item(event_id)[1])
        status, body = served.post(pack(json.dumps(event).encode()), path="/api/42/store/")
        assert (status, body) == (200, {"id": event_id})
        assert event_id in signal_ids(served)
    status, reply = served.post(b"not json at all", path="/api/42/store/")
    assert status == 400 and "neither JSON nor base64" in reply["error"]
    assert "neither JSON nor base64" in quarantine_reason(served, reply["quarantined"])
