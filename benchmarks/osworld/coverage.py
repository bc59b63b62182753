"""How much of an OSWorld split we can run: per domain, the tasks whose every setup
step, getter and metric we support, and what is missing most.

`python -m benchmarks.osworld.coverage [split.json [examples_dir]]` prints the table
for /work/shared/data/osworld's test_all.json by default.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.osworld.evaluate import unsupported_evaluator
from benchmarks.osworld.setup import unsupported_steps
from benchmarks.osworld.tasks import Task, load_split

__all__ = ["DomainCoverage", "coverage", "format_coverage", "main", "missing_for"]

DEFAULT_DATA = Path("/work/shared/data/osworld")


@dataclass
class DomainCoverage:
    domain: str
    total: int = 0
    supported: int = 0
    missing: Counter[str] = field(default_factory=Counter)  # "step:x" / "getter:x" / "metric:x" -> tasks


def missing_for(task: Task) -> list[str]:
    """Everything `task` needs that we lack: `step:<type>`, `getter:<type>`, `metric:<name>`."""
    return [f"step:{s}" for s in unsupported_steps(task)] + unsupported_evaluator(task)


def coverage(tasks: Mapping[str, Iterable[Task]] | Iterable[Task]) -> dict[str, DomainCoverage]:
    """Per domain (a split's `{domain: tasks}`, or one "all" domain for a plain list),
    with an "all" row totalling them. Each missing piece counts once per task."""
    groups = tasks.items() if isinstance(tasks, Mapping) else [("all", tasks)]
    out: dict[str, DomainCoverage] = {}
    total = DomainCoverage("all")
    for domain, items in groups:
        row = out.setdefault(domain, DomainCoverage(domain))
        for task in items:
            missing = missing_for(task)
            for r in (row, total) if domain != "all" else (row,):
                r.total += 1
                r.supported += not missing
                r.missing.update(missing)
    if "all" not in out:
        out["all"] = total
    return out


def format_coverage(table: Mapping[str, DomainCoverage], top: int = 3) -> str:
    lines = [f"{'domain':<22}{'tasks':>6}{'ready':>7}{'%':>6}  most missing (tasks)"]
    for row in table.values():
        pct = 100 * row.supported / row.total if row.total else 0.0
        worst = ", ".join(f"{k} {n}" for k, n in row.missing.most_common(top))
        lines.append(f"{row.domain:<22}{row.total:>6}{row.supported:>7}{pct:>6.1f}  {worst}")
    overall = table.get("all")
    if overall is not None and overall.missing:
        lines.append("")
        lines.append("missing most, over all tasks:")
        lines += [f"  {n:>4}  {k}" for k, n in overall.missing.most_common(15)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    split = Path(args[0]) if args else DEFAULT_DATA / "test_all.json"
    examples = Path(args[1]) if len(args) > 1 else split.parent / "examples"
    print(format_coverage(coverage(load_split(split, examples))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
