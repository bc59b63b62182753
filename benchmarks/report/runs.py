"""Reading benchmark runs back: one row per task folder, from the folders alone.

A RUN is a runner output folder (`<domain>/<task_id>/` episode folders, summary.json) or a
repeats folder holding `rep-1/`, `rep-2/`, ... of such runs (`agent bench osworld
--repeats N`). Tasks the summary lists without a folder (unsupported, not run) get a row
too, scoring 0, as the summary counts them.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.osworld.taxonomy import TAXONOMY_FILE, classify

__all__ = ["Episode", "Run", "load_run"]

REP = re.compile(r"^rep-(\d+)$")
PASS = 1.0 - 1e-9


@dataclass
class Episode:
    domain: str
    task_id: str
    rep: int
    status: str  # the summary's row status: done | fail | error | ...
    score: float = 0.0
    label: str = "not_run"
    steps: int = 0
    wall_s: float = 0.0
    tokens: int = 0
    cost_usd: float = 0.0
    folder: str | None = None  # the episode folder, when there is one
    what_if: bool = False  # played by the faulty policy with its simulated verifier

    @property
    def success(self) -> bool:
        return self.score >= PASS

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "success": self.success}


@dataclass
class Run:
    """One configuration: its name, and its episodes over every repeat."""

    name: str
    path: Path
    episodes: list[Episode] = field(default_factory=list)

    @property
    def reps(self) -> list[int]:
        return sorted({e.rep for e in self.episodes})

    @property
    def what_if(self) -> bool:
        return any(e.what_if for e in self.episodes)


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _episode(domain: str, task_id: str, rep: int, folder: Path, row: dict[str, Any]) -> Episode:
    result = _read(folder / "result.json")
    tax = _read(folder / TAXONOMY_FILE) or (classify(folder).model_dump() if folder.is_dir() else {})
    tokens = result.get("tokens") or {}
    models = " ".join(str(v) for v in (result.get("models") or {}).values())
    score = row.get("score")
    if score is None:
        try:
            score = float((folder / "result.txt").read_text().strip())
        except (OSError, ValueError):
            score = 0.0
    status = str(row.get("status") or ("done" if float(score) >= PASS else "fail" if result else "not_run"))
    return Episode(
        domain=domain,
        task_id=task_id,
        rep=rep,
        status=status,
        score=float(score),
        label=str(
            row.get("label")
            or tax.get("label")
            or ("not_run" if status in ("not_run", "unsupported") else "infrastructure")
        ),
        steps=int(result.get("steps") or row.get("steps") or 0),
        wall_s=float(result.get("wall_s") or row.get("wall_s") or 0.0),
        tokens=int(tokens.get("input", 0)) + int(tokens.get("output", 0)),
        cost_usd=float(result.get("cost_usd") or row.get("cost_usd") or 0.0),
        folder=str(folder) if folder.is_dir() else None,
        what_if="faulty:" in models,
    )


def _one(path: Path, rep: int) -> list[Episode]:
    rows = {(r["domain"], r["task_id"]): r for r in _read(path / "summary.json").get("tasks", [])}
    found = {
        (f.parent.parent.name, f.parent.name)
        for name in ("result.json", "runner.json")
        for f in path.glob(f"*/*/{name}")
    }
    keys = list(rows) + sorted(found - set(rows))
    return [_episode(d, t, rep, path / d / t, rows.get((d, t), {})) for d, t in keys]


def load_run(path: Path, name: str | None = None) -> Run:
    """A run folder, or a folder of rep-N runs. ValueError when it holds neither."""
    path = Path(path)
    if not path.is_dir():
        raise ValueError(f"{path}: no such run folder")
    reps = sorted((int(m[1]), p) for p in path.iterdir() if p.is_dir() and (m := REP.match(p.name)))
    episodes: list[Episode] = []
    for rep, folder in reps or [(1, path)]:
        episodes += _one(folder, rep)
    if not episodes:
        raise ValueError(f"{path}: no task folders or summary.json (is it a run's --out folder?)")
    return Run(name or path.name, path, episodes)
