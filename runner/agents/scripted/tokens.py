"""Plausible, deterministic token counts for the scripted model, prompt caching included.

About four characters a token. The prompt is seen as a sequence of blocks (tools, system,
messages); caching follows each API's rules closely enough for cost code to be tested:
OpenAI reads the longest prefix that was an earlier request's whole prompt (in steps of 128
tokens, from 1,024); Anthropic caches up to the last `cache_control` marker, reading the
longest prefix it wrote before and writing the rest (nothing below 1,024 tokens).
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
from typing import Any

MIN_CACHED = 1024


def count(text: str) -> int:
    return max(1, math.ceil(len(text) / 4)) if text else 0


def block(value: Any) -> str:
    """A block's canonical text, its cache marker left out (markers do not change a prefix)."""
    if isinstance(value, dict):
        value = {k: v for k, v in value.items() if k != "cache_control"}
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


class PromptCache:
    """The prefixes seen so far, by hash."""

    def __init__(self) -> None:
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    @staticmethod
    def _hashes(blocks: list[str]) -> list[str]:
        running, out = hashlib.sha256(), []
        for text in blocks:
            running.update(text.encode())
            running.update(b"\0")
            out.append(running.copy().hexdigest())
        return out

    def automatic(self, blocks: list[str]) -> int:
        """OpenAI: tokens read from cache for this prompt; the whole prompt is remembered."""
        hashes = self._hashes(blocks)
        with self._lock:
            hit = next((j for j in range(len(blocks) - 1, 0, -1) if hashes[j - 1] in self._seen), 0)
            if hashes:
                self._seen.add(hashes[-1])
        cached = count("".join(blocks[:hit]))
        return cached // 128 * 128 if cached >= MIN_CACHED else 0

    def marked(self, blocks: list[str], last_marker: int | None) -> tuple[int, int]:
        """Anthropic: (read, written) tokens for a prompt whose last marked block is
        `last_marker` (an index into `blocks`), or (0, 0) without markers."""
        if last_marker is None:
            return 0, 0
        prefix = blocks[: last_marker + 1]
        total = count("".join(prefix))
        if total < MIN_CACHED:
            return 0, 0
        hashes = self._hashes(prefix)
        with self._lock:
            hit = next((j for j in range(len(prefix), 0, -1) if hashes[j - 1] in self._seen), 0)
            self._seen.add(hashes[-1])
        read = count("".join(prefix[:hit])) if hit else 0
        return read, total - read
