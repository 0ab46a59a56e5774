"""Request bodies for the Sentry endpoint: reading them with a cap, and inflating them with a cap.

A body is untrusted twice over: its declared size may be a lie, and a small gzip body may inflate
to gigabytes. Both are bounded here; nothing ever holds more than the cap plus one chunk.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from typing import Protocol

import brotli

CHUNK = 64 * 1024


class Readable(Protocol):
    def read(self, size: int, /) -> bytes: ...
    def readline(self, size: int, /) -> bytes: ...


class BodyError(Exception):
    """A body that cannot be read or decoded; `status` is the HTTP answer it deserves."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def read_chunked(stream: Readable, limit: int) -> bytes:
    """A `Transfer-Encoding: chunked` body, refused with 413 as soon as it passes `limit`."""
    parts: list[bytes] = []
    total = 0
    while True:
        line = stream.readline(1024)
        if not line.endswith(b"\n"):
            raise BodyError(400, "chunked body ended early or has an over-long chunk header")
        try:
            size = int(line.split(b";", 1)[0].strip(), 16)
        except ValueError as exc:
            raise BodyError(400, "chunked body has a chunk size that is not hexadecimal") from exc
        if size < 0:
            raise BodyError(400, "chunked body has a negative chunk size")
        if size == 0:
            # Trailers, if any, end with an empty line.
            while stream.readline(1024) not in (b"\r\n", b"\n", b""):
                pass
            return b"".join(parts)
        total += size
        if total > limit:
            raise BodyError(413, f"request body is larger than the {limit:,}-byte limit")
        data = stream.read(size)
        if len(data) != size:
            raise BodyError(400, "chunked body ended in the middle of a chunk")
        parts.append(data)
        stream.readline(1024)  # the CRLF after each chunk


def decode_body(body: bytes, encoding: str | None, limit: int) -> bytes:
    """Undo `Content-Encoding` (gzip, deflate, br, identity); past `limit` bytes, 413 and stop.
    sentry-python sends brotli whenever the application can import the brotli module."""
    names = [part.strip().lower() for part in (encoding or "").split(",") if part.strip()]
    # Encodings are listed in the order they were applied, so they are undone in reverse.
    for name in reversed(names):
        if name == "identity":
            continue
        if name in ("gzip", "x-gzip"):
            body = _inflate(body, zlib.MAX_WBITS | 16, "gzip", limit)
        elif name == "deflate":
            # RFC 9110 deflate is zlib-wrapped; some clients send raw deflate. The zlib header's
            # low nibble is 8 (the deflate method), which raw deflate data rarely starts with.
            wbits = zlib.MAX_WBITS if body[:1] and body[0] & 0x0F == 8 else -zlib.MAX_WBITS
            body = _inflate(body, wbits, "deflate", limit)
        elif name == "br":
            body = _unbrotli(body, limit)
        else:
            raise BodyError(
                415,
                f"Content-Encoding {name[:40]!r} is not supported; use gzip, deflate or br",
            )
    if len(body) > limit:
        raise BodyError(413, f"request body is larger than the {limit:,}-byte limit")
    return body


def legacy_store_body(body: bytes, limit: int) -> bytes:
    """A `/store/` body as Relay reads it: JSON as it is, else base64, of JSON or of
    zlib-compressed JSON (what the old Raven clients send)."""
    if body.lstrip()[:1] in (b"{", b"["):
        return body
    try:
        decoded = base64.b64decode(body.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BodyError(400, "store body is neither JSON nor base64") from exc
    if decoded.lstrip()[:1] == b"{":
        return decoded
    return _inflate(decoded, zlib.MAX_WBITS, "zlib", limit)


def _unbrotli(data: bytes, limit: int) -> bytes:
    """Decompress a brotli body without producing more than one byte past `limit`."""
    decompressor = brotli.Decompressor()
    try:
        body: bytes = decompressor.process(data, output_buffer_limit=limit + 1)
    except brotli.error as exc:
        raise BodyError(400, f"br body is corrupt ({exc})") from exc
    if len(body) > limit or not decompressor.can_accept_more_data():
        raise BodyError(413, f"br body inflates past the {limit:,}-byte limit; not decompressed")
    if not decompressor.is_finished():
        raise BodyError(400, "br body is truncated (the compressed stream does not end)")
    return body


def _inflate(data: bytes, wbits: int, name: str, limit: int) -> bytes:
    """Stream-decompress `data` (concatenated gzip members allowed) without passing `limit`."""
    out: list[bytes] = []
    produced = 0
    pending = data
    while True:
        inflater = zlib.decompressobj(wbits)
        while True:
            try:
                # max_length bounds each step, so a bomb never gets more than CHUNK past the cap.
                piece = inflater.decompress(pending, CHUNK)
            except zlib.error as exc:
                raise BodyError(400, f"{name} body is corrupt ({exc})") from exc
            produced += len(piece)
            if produced > limit:
                raise BodyError(
                    413, f"{name} body inflates past the {limit:,}-byte limit; not decompressed"
                )
            out.append(piece)
            pending = inflater.unconsumed_tail
            if inflater.eof or (not pending and not piece):
                break
        if not inflater.eof:
            raise BodyError(400, f"{name} body is truncated (the compressed stream does not end)")
        pending = inflater.unused_data
        if not pending.strip(b"\x00"):
            return b"".join(out)
        if name != "gzip":
            raise BodyError(400, f"{name} body has data after the end of the compressed stream")
