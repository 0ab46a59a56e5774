"""Keeping command output to a size: the head and the tail, with a marker where it was cut."""

from __future__ import annotations

from collections import deque


class CappedBuffer:
    """Collects a stream, keeping at most `cap` bytes: half from the start, half from the end
    (a test run's verdict is at its end, the first error near its start)."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.total = 0
        self._head = bytearray()
        self._tail: deque[bytes] = deque()
        self._tail_size = 0

    def write(self, data: bytes) -> None:
        self.total += len(data)
        room = self.cap // 2 - len(self._head)
        if room > 0:
            self._head += data[:room]
            data = data[room:]
        if not data:
            return
        self._tail.append(data)
        self._tail_size += len(data)
        while self._tail_size - len(self._tail[0]) >= self.cap // 2:
            self._tail_size -= len(self._tail.popleft())

    @property
    def cut(self) -> int:
        """Bytes left out."""
        return max(0, self.total - self.cap)

    def text(self) -> str:
        tail = b"".join(self._tail)
        if self.total <= self.cap:
            return (bytes(self._head) + tail).decode("utf-8", "replace")
        keep = self.cap - len(self._head)
        tail = tail[len(tail) - keep :] if keep > 0 else b""
        marker = f"\n[... {self.cut} bytes cut by overnight ...]\n"
        return (
            bytes(self._head).decode("utf-8", "replace") + marker + tail.decode("utf-8", "replace")
        )
