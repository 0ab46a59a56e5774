"""Write `expected_groups.jsonl` from `inbox/` and `labels.json`, so the two never drift.

    .venv/bin/python sample_signals/build_expected.py

One line per signal: `{"id", "group", "event"}`, where `event` is the record as its source
delivers it and `runner.sources.records.parse_record` accepts it:
  .ndjson / .json   the line or array element itself (Overnight envelope, Sentry event, or
                    feedback record)
  .envelope         the JSON payload of the event, feedback or user_report item
  .eml / .txt       the equivalent feedback record (`body`, `from`, `subject`, `date`, and the
                    e-mail's Message-ID as `id`, so both give the same signal id)
  .xml              an Overnight envelope of kind `regression` built from the parsed test case
Each event is checked: it must parse to the same id and kind as the inbox file gives.
"""

from __future__ import annotations

import email
import email.policy
import json
import sys
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from runner.sources.files import FILE_READERS  # noqa: E402
from runner.sources.records import parse_record  # noqa: E402
from runner.sources.sentry_envelope import SIGNAL_ITEM_TYPES, parse_envelope  # noqa: E402
from store.signal import Signal  # noqa: E402

INBOX = HERE / "inbox"


def events_of(path: Path, labels: list[dict]) -> list[dict[str, Any]]:
    """The records of one inbox file, in the order its reader yields signals."""
    suffix = path.suffix.lower()
    if suffix in (".ndjson", ".jsonl"):
        lines = path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]
    if suffix == ".json":
        document = json.loads(path.read_text(encoding="utf-8"))
        return document if isinstance(document, list) else [document]
    if suffix == ".envelope":
        events = []
        for item in parse_envelope(path.read_bytes()).items:
            if item.type in SIGNAL_ITEM_TYPES:
                payload = json.loads(item.payload)
                if item.type == "feedback":
                    payload.setdefault("type", "feedback")
                events.append(payload)
        return events
    if suffix == ".eml":
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        return [
            {
                "id": str(message["Message-ID"]),
                "body": body.get_content(),
                "from": str(message["From"]),
                "subject": str(message["Subject"]),
                "date": parsedate_to_datetime(str(message["Date"])).isoformat(),
            }
        ]
    if suffix == ".txt":
        return [{"body": path.read_text(encoding="utf-8"), "date": labels[0]["date"]}]
    if suffix == ".xml":
        return [regression_envelope(s) for s in FILE_READERS[".xml"](path) if isinstance(s, Signal)]
    raise SystemExit(f"{path}: no reader for {suffix}")


def regression_envelope(signal: Signal) -> dict[str, Any]:
    return {
        "kind": "regression",
        "id": signal.id,
        "source": signal.source,
        "occurred_at": signal.occurred_at.isoformat(),
        "title": signal.title,
        "test_id": signal.test_id,
        "error": signal.error.model_dump() if signal.error else None,
        "text": signal.text,
    }


def main() -> None:
    labels = json.loads((HERE / "labels.json").read_text())
    by_file: dict[str, list[dict]] = {}
    for label in labels:
        by_file.setdefault(label["file"], []).append(label)
    on_disk = {p.name for p in INBOX.iterdir() if p.suffix.lower() in FILE_READERS}
    if on_disk != set(by_file):
        raise SystemExit(f"labels and inbox differ: {sorted(on_disk ^ set(by_file))}")
    lines = []
    for name in sorted(by_file):
        path, file_labels = INBOX / name, sorted(by_file[name], key=lambda la: la["index"])
        ingested = [s for s in FILE_READERS[path.suffix.lower()](path) if isinstance(s, Signal)]
        events = events_of(path, file_labels)
        if not len(ingested) == len(events) == len(file_labels):
            raise SystemExit(
                f"{name}: {len(ingested)} signals, {len(events)} records, {len(file_labels)} labels"
            )
        for label, event, stored in zip(file_labels, events, ingested, strict=True):
            parsed = parse_record(event, json.dumps(event), "inbox")
            if (parsed.id, parsed.kind) != (stored.id, stored.kind):
                raise SystemExit(
                    f"{name}[{label['index']}]: event parses to {parsed.id}/"
                    f"{parsed.kind}, the file gives {stored.id}/{stored.kind}"
                )
            lines.append({"id": stored.id, "group": label["group"], "event": event})
    out = HERE / "expected_groups.jsonl"
    out.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines))
    groups = {line["group"] for line in lines}
    print(
        f"{len(lines)} signals, {len(groups)} groups, "
        f"{1 - len(groups) / len(lines):.0%} duplicates -> {out.name}"
    )


if __name__ == "__main__":
    main()
