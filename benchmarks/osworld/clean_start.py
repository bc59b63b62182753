"""Which state each task's desktop started in, and whether a run's scores are comparable.

The runner writes `desktop.json` into every task folder it ran:

    {"desktop": "qemu-1a2b3c-1", "provider": "qemu", "start": "reset", "why": "",
     "url": "http://127.0.0.1:20000", "can_reset": true}

`start` is "acquired" (a new desktop), "reset" (put back into its clean state after an
earlier task) or "reused": a desktop that cannot be reset (a bare URL) running another
task under `--no-reset`, so the task began where the last one left off. One reused start
makes the run not comparable with published scores; the summary says so and names the
tasks (`not_comparable`). A URL that cannot be reset and already ran a task of this
results folder (in an earlier, resumed run) counts as used: `used_urls` tells the runner.
Folders without the file (older runs) count as clean.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from agent.trajectory import write_atomic

START_FILE = "desktop.json"
Start = Literal["acquired", "reset", "reused"]


def write_start(
    folder: Path,
    *,
    desktop: str,
    provider: str,
    start: Start,
    why: str = "",
    url: str = "",
    can_reset: bool = True,
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    write_atomic(
        folder / START_FILE,
        json.dumps(
            {
                "desktop": desktop,
                "provider": provider,
                "start": start,
                "why": why,
                "url": url,
                "can_reset": can_reset,
            }
        )
        + "\n",
    )


def used_urls(out: Path) -> set[str]:
    """URLs of desktops that cannot be reset and already ran a task under `out`: a resumed
    run must not start another task on them as if they were clean."""
    used: set[str] = set()
    for path in Path(out).glob(f"*/*/{START_FILE}"):
        start = read_start(path.parent)
        if start.get("can_reset") is False and start.get("url"):
            used.add(str(start["url"]))
    return used


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
            notes.append(
                f"{domain}/{task.id}: started on {start.get('desktop', '?')} as the task "
                f"before left it (--no-reset; {start.get('why') or 'it cannot be reset'})"
            )
    return notes
