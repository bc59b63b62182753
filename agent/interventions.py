"""interventions.jsonl: every human or policy decision in an episode, one JSON line each.

Approvals and refusals (by a person or by the policy), corrections, pauses, resumes and
stops land here as they happen, fsynced like traj.jsonl, so a stopped or killed episode
keeps its record. The steps they touched also carry them (traj.jsonl `approval`,
`corrections`).
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

JOURNAL_FILE = "interventions.jsonl"


def append(folder: Path, kind: str, **data: Any) -> dict[str, Any]:
    entry = {"at": datetime.now(UTC).isoformat(timespec="milliseconds"), "kind": kind, **data}
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / JOURNAL_FILE).open("ab") as f:
        f.write((json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8"))
        f.flush()
        os.fsync(f.fileno())
    return entry


def read(folder: Path) -> list[dict[str, Any]]:
    path = folder / JOURNAL_FILE
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:  # a line cut by a kill: the rest is still good
            continue
    return out
