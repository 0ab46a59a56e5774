"""The inbox's file formats: which reader turns a file into signals, by its suffix."""

from __future__ import annotations

from runner.sources import FileReader, feedback, inbox, junit

FILE_READERS: dict[str, FileReader] = {
    ".json": inbox.read_json_file,
    ".ndjson": inbox.read_ndjson_file,
    ".jsonl": inbox.read_ndjson_file,
    ".gz": inbox.read_gzip_ndjson_file,
    ".envelope": inbox.read_envelope_file,
    ".eml": feedback.read_eml_file,
    ".txt": feedback.read_text_file,
    ".xml": junit.read_junit_file,
}
