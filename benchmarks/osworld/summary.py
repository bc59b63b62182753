"""A benchmark run's summary: one row per task of the split, scores over ALL of them.

Upstream OSWorld divides by the tasks that ran, so a crash or an unsupported task
raises the average. Here every task of the split has a row, and a task that was not
run, errored, timed out or is unsupported here scores 0 and is shown as such.

The folders under `out/<domain>/<task_id>/` are the source of truth: `load_results`
rebuilds the summary from them alone (for resuming, and for a report afterwards).

    result.txt   the evaluator's score: the task is finished (resume skips it)
    result.json  the EpisodeResult (steps, cost, wall time)
    runner.json  written by the runner when a task ended without a score
                 ({"status": "timeout" | "error" | "refused", "reason": ..., "wall_s": ...})
    desktop.json the state its desktop started in (clean_start.py): a run with a task
                 started on a desktop that was not reset is marked not comparable
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from benchmarks.osworld.tasks import Task

__all__ = [
    "DomainScore",
    "Summary",
    "TaskRow",
    "load_results",
    "row_from_folder",
    "task_domain",
    "task_entries",
    "unsupported_reason",
    "write_summary",
]

RowStatus = Literal["done", "fail", "error", "timeout", "refused", "unsupported", "not_run"]
STATUSES: tuple[str, ...] = ("done", "fail", "error", "timeout", "refused", "unsupported", "not_run")
RUNNER_FILE = "runner.json"
PASS = 1.0 - 1e-9  # a score at or above this is a pass ("done"); below it, "fail"

Tasks = Iterable[Task] | Mapping[str, Iterable[Task]]


@dataclass
class TaskRow:
    domain: str
    task_id: str
    status: RowStatus
    score: float = 0.0
    steps: int = 0
    cost_usd: float = 0.0
    wall_s: float = 0.0
    reason: str = ""
    label: str = ""  # the failure taxonomy's primary label (taxonomy.py); "" when not run


@dataclass
class DomainScore:
    tasks: int = 0
    score_sum: float = 0.0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))

    @property
    def score(self) -> float:
        """The mean score over every task, run or not."""
        return self.score_sum / self.tasks if self.tasks else 0.0

    @property
    def ran(self) -> int:
        return self.counts["done"] + self.counts["fail"]

    def add(self, row: TaskRow) -> None:
        self.tasks += 1
        self.score_sum += row.score
        self.counts[row.status] += 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "tasks": self.tasks,
            "scored": self.ran,
            "score_sum": round(self.score_sum, 4),
            "score": round(self.score, 4),
            "counts": dict(self.counts),
        }


@dataclass
class Summary:
    rows: list[TaskRow] = field(default_factory=list)
    not_comparable: list[str] = field(default_factory=list)  # tasks that started on a used desktop

    @property
    def comparable(self) -> bool:
        return not self.not_comparable

    @property
    def domains(self) -> dict[str, DomainScore]:
        out: dict[str, DomainScore] = {}
        for row in self.rows:
            out.setdefault(row.domain, DomainScore()).add(row)
        return out

    @property
    def overall(self) -> DomainScore:
        total = DomainScore()
        for row in self.rows:
            total.add(row)
        return total

    @property
    def score(self) -> float:
        return self.overall.score

    def row(self, task_id: str, domain: str | None = None) -> TaskRow:
        for row in self.rows:
            if row.task_id == task_id and (domain is None or row.domain == domain):
                return row
        raise KeyError(task_id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "overall": self.overall.to_dict(),
            "comparable": self.comparable,
            "not_comparable": list(self.not_comparable),
            "domains": {d: s.to_dict() for d, s in self.domains.items()},
            "tasks": [asdict(r) for r in self.rows],
        }

    def to_markdown(self) -> str:
        overall = self.overall
        lines = [
            "# Benchmark summary",
            "",
            (
                f"Score: **{overall.score:.2%}** ({overall.score_sum:g} of {overall.tasks} tasks; "
                "every task of the split counts, unrun ones as 0)"
            ),
            "",
            *_not_comparable_lines(self.not_comparable),
            "| domain | tasks | score | " + " | ".join(STATUSES) + " |",
            "|---|---:|---:|" + "---:|" * len(STATUSES),
        ]
        for name, d in [*self.domains.items(), ("**all**", overall)]:
            lines.append(
                f"| {name} | {d.tasks} | {d.score:.2%} | "
                + " | ".join(str(d.counts[s]) for s in STATUSES)
                + " |"
            )
        labels: dict[str, int] = {}
        for r in self.rows:
            if r.label:
                labels[r.label] = labels.get(r.label, 0) + 1
        if labels:
            lines += ["", "| why (failure taxonomy) | tasks |", "|---|---:|"]
            lines += [
                f"| {name} | {count} |" for name, count in sorted(labels.items(), key=lambda kv: -kv[1])
            ]
        lines += [
            "",
            "| domain | task | status | score | why | steps | cost $ | wall s | note |",
            "|---|---|---|---:|---|---:|---:|---:|---|",
        ]
        for r in self.rows:
            note = r.reason.replace("|", "\\|").replace("\n", " ")[:200]
            lines.append(
                f"| {r.domain} | {r.task_id} | {r.status} | {r.score:g} | {r.label} | {r.steps} | "
                f"{r.cost_usd:.4f} | {r.wall_s:.1f} | {note} |"
            )
        return "\n".join(lines) + "\n"


def _not_comparable_lines(notes: list[str]) -> list[str]:
    if not notes:
        return []
    shown = [f"- {n}" for n in notes[:20]]
    if len(notes) > 20:
        shown.append(f"- ... and {len(notes) - 20} more")
    return [
        f"**Not comparable** with published scores: {len(notes)} task(s) started on a desktop "
        "that was not reset (--no-reset), as the task before left it:",
        "",
        *shown,
        "",
    ]


def write_summary(summary: Summary, out: Path) -> tuple[Path, Path]:
    """Write out/summary.json and out/summary.md; returns both paths."""
    from agent.trajectory import write_atomic

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out / "summary.json", out / "summary.md"
    write_atomic(json_path, json.dumps(summary.to_dict(), indent=2) + "\n")
    write_atomic(md_path, summary.to_markdown())
    return json_path, md_path


# ---------------------------------------------------------------- tasks and folders


def task_domain(task: Task) -> str:
    """A task's domain: the folder its file sits in (examples/<domain>/<id>.json)."""
    return task.path.parent.name if task.path is not None else "default"


def task_entries(tasks: Tasks) -> list[tuple[str, Task]]:
    """(domain, task) pairs, from a list of tasks or load_split's {domain: [tasks]}."""
    if isinstance(tasks, Mapping):
        return [(domain, t) for domain, items in tasks.items() for t in items]
    return [(task_domain(t), t) for t in tasks]


def unsupported_reason(task: Task, assets: Any = None, fetch_assets: bool = False) -> str | None:
    """ "unsupported: <what>" when this runner cannot set up or score the task, else None.
    `assets` (an AssetCache): downloads and cloud_file getters whose files it holds run."""
    from benchmarks.osworld.coverage import missing_for, runner_view

    def words(key: str) -> str:
        kind, _, name = key.partition(":")
        if kind == "step":
            return f"setup step {name}"
        if kind == "asset":
            return f"asset files not cached ({name}; agent bench osworld assets --fetch)"
        return f"evaluator {key}"

    missing = missing_for(task, runner=runner_view(assets, fetch_assets=fetch_assets))
    return f"unsupported: {', '.join(words(m) for m in missing)}" if missing else None


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def row_from_folder(domain: str, task: Task, folder: Path) -> TaskRow:
    """The row a task's folder stands for (not_run when there is none), with the failure
    taxonomy's label, which is also written into the folder (taxonomy.json)."""
    row = _row_from_folder(domain, task, folder)
    if folder.is_dir() and row.status != "not_run":
        from benchmarks.osworld.taxonomy import is_infeasible, write_taxonomy

        infeasible = is_infeasible(task.model_dump(mode="json", exclude_unset=True))
        row.label = write_taxonomy(folder, infeasible=infeasible).label
    return row


def _row_from_folder(domain: str, task: Task, folder: Path) -> TaskRow:
    result = _read_json(folder / "result.json")
    base: dict[str, Any] = {
        "steps": int(result.get("steps", 0) or 0),
        "cost_usd": float(result.get("cost_usd", 0.0) or 0.0),
        "wall_s": float(result.get("wall_s", 0.0) or 0.0),
    }
    score_file = folder / "result.txt"
    if score_file.is_file():
        try:
            score = float(score_file.read_text().strip())
        except ValueError:
            return TaskRow(domain, task.id, "error", reason="result.txt does not hold a number", **base)
        return TaskRow(
            domain,
            task.id,
            "done" if score >= PASS else "fail",
            score,
            reason=str(result.get("reason", "")),
            **base,
        )
    runner = _read_json(folder / RUNNER_FILE)
    if runner.get("status") in ("timeout", "error", "refused"):
        if not result:
            base["wall_s"] = float(runner.get("wall_s", 0.0) or 0.0)
        return TaskRow(domain, task.id, runner["status"], reason=str(runner.get("reason", "")), **base)
    if result:
        why = f"{result.get('status', 'error')}: {result.get('reason', '')}".rstrip(": ")
        return TaskRow(domain, task.id, "error", reason=f"no score ({why})", **base)
    if folder.exists():
        return TaskRow(domain, task.id, "not_run", reason="partial folder (the run was cut short)")
    return TaskRow(domain, task.id, "not_run")


def load_results(out: Path, tasks: Tasks, assets: Any = None) -> Summary:
    """Rebuild the summary of a run from its folders; every task of `tasks` gets a row."""
    from benchmarks.osworld.clean_start import not_comparable

    rows: list[TaskRow] = []
    entries = task_entries(tasks)
    for domain, task in entries:
        folder = Path(out) / domain / task.id
        row = row_from_folder(domain, task, folder)
        if row.status == "not_run":
            why = unsupported_reason(task, assets)
            if why:
                row = TaskRow(domain, task.id, "unsupported", reason=why)
        rows.append(row)
    return Summary(rows, not_comparable(out, entries))
