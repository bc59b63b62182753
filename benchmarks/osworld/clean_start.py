"""Which state each task's desktop started in, and whether a run's scores are comparable.

The runner writes `desktop.json` into every task folder it ran:

    {"desktop": "qemu-1a2b3c-1", "provider": "qemu", "start": "reset", "why": ""}

`start` is "acquired" (a new desktop), "reset" (put back into its clean state after an
earlier task) or "reused": a desktop that cannot be reset (a bare URL) running another
task under `--no-reset`, so the task began where the last one left off. One reused start
makes the run not comparable with published scores; the summary says so and names the
tasks (`not_comparable`). Folders without the file (older runs) count as clean.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from agent.trajectory import write_atomic

START_FILE = "desktop.json"
Start = Literal["acquired", "reset", "reused"]


def write_start(folder: Path, *, desktop: str, provider: str, start: Start, why: str = "") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    write_atomic(folder / START_FILE, json.dumps({"desktop": desktop, "provider": provider,
                                                  "start": start, "why": why}) + "\n")


def read_start(folder: Path) -> dict[str, Any]:
    try:
        data = json.loads((folder / START_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def not_comparable(out: Path, entries: Iterable[tuple[str, Any]]) -> list[str]:
    """'domain/task: why' for each task of `entries` ((domain, task) pairs) that started on a
    desktop left as the previous task left it."""
    notes: list[str] = []
    for domain, task in entries:
        start = read_start(Path(out) / domain / task.id)
        if start.get("start") == "reused":
            notes.append(f"{domain}/{task.id}: started on {start.get('desktop', '?')} as the task "
                         f"before left it (--no-reset; {start.get('why') or 'it cannot be reset'})")
    return notes
