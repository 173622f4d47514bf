"""The history of a chaos run: every operation, fault and sample, one JSON object per line.

Each entry has `t` (wall-clock seconds; the nodes' event logs use the same clock) and `kind`:
`op` (a workload operation and its outcome), `fault` (what the nemesis did), `sample` (a
periodic observation: memory, children), `phase` (setup, faults, heal, quiet, final) and
`final` (the state collected from every node at the end).
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Iterator


class History:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.start = time.time()
        self._lock = threading.Lock()
        self._entries: list[dict] = []
        self._file = open(self.path, "a", buffering=1)

    def add(self, kind: str, **fields) -> dict:
        entry = {"t": round(time.time(), 6), "kind": kind, **fields}
        with self._lock:
            self._entries.append(entry)
            if not self._file.closed:
                self._file.write(json.dumps(entry, default=str) + "\n")
        return entry

    def entries(self, kind: str | None = None) -> list[dict]:
        with self._lock:
            return [e for e in self._entries if kind is None or e["kind"] == kind]

    def rel(self, t: float) -> float:
        """Seconds since the run started."""
        return round(t - self.start, 3)

    def close(self) -> None:
        with self._lock:
            self._file.close()


def read_events(paths: list[Path]) -> Iterator[dict]:
    """The chaos actors' event lines of every node (a torn last line is skipped)."""
    for p in paths:
        if not Path(p).exists():
            continue
        with open(p) as f:
            for line in f:
                try:
                    yield json.loads(line)
                except json.JSONDecodeError:
                    continue
