"""Hostile inbox files: every bad record is explained and quarantined, its neighbours stored."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
import sqlite_utils
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import runner.ingest
from runner.ingest import ingest_paths
from runner.sources.records import BadRecord, decode_json
from store import open_db
from store.signal import MAX_TEXT, MAX_TITLE
from store.signals import count_signals, iter_signals, list_quarantine

GOOD = {
    "kind": "feedback",
    "text": "the export button does nothing",
    "route": "/export",
}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)

bad_lines = st.one_of(
    # Malformed JSON: cut-off documents and plain garbage.
    st.text(min_size=1, max_size=80)
    .filter(lambda t: t.strip() != "" and "\n" not in t)
    .map(lambda t: ("{" + t).encode()),
    # Valid JSON of the wrong shape or types.
    json_values.filter(lambda v: not isinstance(v, dict)).map(lambda v: json.dumps(v).encode()),
    st.sampled_from(
        [
            {"kind": "error", "error": {"type": 5, "frames": "none"}},
            {"kind": "feedback", "text": ["not", "text"]},
            {"kind": "error", "occurred_at": "yesterday-ish"},
            {"kind": "error", "unknown_field": 1},
            {"kind": "error", "error": {"type": "X", "frames": [{"line": "ten"}]}},
            {"exception": {"values": "nope"}, "event_id": "abc"},
            {"event_id": "not-hex", "message": "m"},
            {"comments": "", "event_id": "0" * 32},
        ]
    ).map(lambda v: json.dumps(v).encode()),
    # Invalid UTF-8.
    st.binary(min_size=1, max_size=40).map(lambda b: b"\xff\xfe" + b.replace(b"\n", b"")),
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(bad=st.lists(bad_lines, min_size=1, max_size=6), good_count=st.integers(1, 4))
def test_bad_lines_are_quarantined_and_good_ones_stored(
    tmp_path_factory: object, bad: list[bytes], good_count: int
) -> None:
    folder = Path(tmp_path_factory.mktemp("inbox"))  # type: ignore[attr-defined]
    goods = [
        json.dumps({**GOOD, "text": f"{GOOD['text']} #{n}"}).encode() for n in range(good_count)
    ]
    lines = [line for pair in zip(goods, bad, strict=False) for line in pair]
    lines += goods[len(bad) :] + bad[len(goods) :]
    (folder / "mixed.ndjson").write_bytes(b"\n".join(lines) + b"\n")
    db = open_db(folder / "store.db")
    report = ingest_paths(db, [folder / "mixed.ndjson"])
    assert count_signals(db) == good_count
    assert report.rejected == len(bad)
    rejected = list_quarantine(db)
    assert len(rejected) == len({r.id for r in rejected})
    for row in rejected:
        assert row.reason and len(row.reason) < 500
        assert row.raw in lines or row.raw.rstrip(b"\n") in lines


def test_truncated_gzip_keeps_what_came_before(tmp_path: Path) -> None:
    records = [json.dumps({**GOOD, "text": f"message {n}"}) for n in range(200)]
    packed = gzip.compress(("\n".join(records) + "\n").encode())
    path = tmp_path / "cut.ndjson.gz"
    path.write_bytes(packed[: len(packed) * 2 // 3])
    db: sqlite_utils.Database = open_db(tmp_path / "store.db")
    report = ingest_paths(db, [path])
    assert 0 < count_signals(db) < 200
    [damage] = list_quarantine(db)
    assert "compressed stream is damaged" in damage.reason
    assert report.rejected == 1


def test_a_long_report_is_cut_to_what_a_signal_holds_and_kept_whole(tmp_path: Path) -> None:
    # A pasted log makes a long report, not a malformed one: the words are cut, the payload
    # is kept as it came.
    text = "the export is empty\n" + "log: sync step done\n" * 20_000
    title = "Export " * 200
    line = json.dumps({"kind": "feedback", "title": title, "text": text, "route": "/export"})
    (tmp_path / "long.ndjson").write_text(line + "\n", encoding="utf-8")
    db = open_db(tmp_path / "store.db")
    report = ingest_paths(db, [tmp_path / "long.ndjson"])
    assert (report.new, report.rejected) == (1, 0)
    (signal,) = list(iter_signals(db))
    assert signal.text is not None and len(signal.text) == MAX_TEXT
    assert signal.text.startswith("the export is empty") and len(signal.title) == MAX_TITLE
    assert signal.raw == line


@pytest.mark.parametrize("in_pool", [True, False])
@pytest.mark.parametrize(
    ("line", "reason"),
    [
        # Valid JSON that `json` cannot read: an integer past its 4,300 digits, nesting past
        # the recursion limit. Each stopped the whole file.
        (b"1" * 5_000, "malformed JSON: Exceeds the limit (4300 digits)"),
        (b"[" * 100_000 + b"]" * 100_000, "malformed JSON: nested too deeply"),
        # A lone surrogate escape decodes, but no text holding it can be written as UTF-8.
        (b'{"kind": "feedback", "text": "caf\\u00e9 \\ud800"}', "surrogates not allowed"),
    ],
)
def test_a_line_that_cannot_become_a_stored_signal_fails_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, line: bytes, reason: str, in_pool: bool
) -> None:
    if in_pool:
        monkeypatch.setattr(runner.ingest, "PARALLEL_MIN_BYTES", 0)
    goods = [json.dumps({**GOOD, "text": f"report {n}"}).encode() for n in range(2)]
    (tmp_path / "night.ndjson").write_bytes(b"\n".join([goods[0], line, goods[1]]) + b"\n")
    db = open_db(tmp_path / "store.db")
    report = ingest_paths(db, [tmp_path / "night.ndjson"])
    assert (report.new, report.rejected) == (2, 1)
    [rejected] = list_quarantine(db)
    assert reason in rejected.reason and len(rejected.reason) < 500
    assert rejected.raw.rstrip(b"\n") == line


@settings(max_examples=300, deadline=None)
@given(value=json_values | st.just(float("nan")), ascii_only=st.booleans())
def test_json_is_read_as_json_reads_it(value: object, ascii_only: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only)
    assert repr(decode_json(text)) == repr(json.loads(text))
    for bad in (text[:-1] + "}x", "{" + text, text + ","):
        with pytest.raises(BadRecord) as caught:
            decode_json(bad)
        with pytest.raises(json.JSONDecodeError) as expected:
            json.loads(bad)
        assert str(caught.value).startswith(f"malformed JSON: {expected.value.msg} at line")


@pytest.mark.parametrize("in_pool", [False, True])
def test_a_file_that_begins_with_a_utf8_mark_is_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_pool: bool
) -> None:
    # Windows PowerShell 5's `Out-File -Encoding utf8` and Notepad's "UTF-8 with BOM" begin a
    # file with the byte order mark, and write CRLF line ends. The first record of such an
    # NDJSON file, a whole JSON file, were rejected; a text file's words began with the mark.
    if in_pool:
        monkeypatch.setattr(runner.ingest, "PARALLEL_MIN_BYTES", 0)
    mark = b"\xef\xbb\xbf"
    lines = [json.dumps({**GOOD, "text": f"report {n}"}).encode() for n in range(3)]
    (tmp_path / "export.ndjson").write_bytes(mark + b"\r\n".join(lines) + b"\r\n")
    (tmp_path / "one.json").write_bytes(mark + json.dumps({**GOOD, "text": "one"}).encode())
    (tmp_path / "note.txt").write_bytes(mark + b"the dashboard froze")
    db = open_db(tmp_path / "store.db")
    report = ingest_paths(db, [tmp_path])
    assert (report.new, report.rejected) == (5, 0)
    texts = {s.text for s in iter_signals(db)}
    assert texts == {"report 0", "report 1", "report 2", "one", "the dashboard froze"}
