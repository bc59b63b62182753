"""How much of an OSWorld split we can run: per domain, the tasks whose every getter and
metric we have ("evaluable"), the tasks that run end to end here ("ready": every setup
step runnable and every file they download in the asset cache too), and what is
missing most.

The runner's view of a desktop is the protocol client's (files upload, Python runs
inside, so Chrome tab steps work); `download` steps and `cloud_file` getters count as
runnable only when an asset cache holds all their files. Missing pieces are named
`step:<type>`, `getter:<type>`, `metric:<name>`, and `asset:download` /
`asset:cloud_file` (files not in the cache, or no cache given).

`python -m benchmarks.osworld.coverage [split.json [examples_dir [asset_cache_dir]]]`
prints the table for OSWorld's test_all.json (benchmarks/osworld/task_data.py) by default.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.osworld.assets import AssetCache, cloud_file_urls
from benchmarks.osworld.evaluate import unsupported_evaluator
from benchmarks.osworld.setup import SetupRunner, unsupported_steps
from benchmarks.osworld.task_data import osworld_data
from benchmarks.osworld.tasks import Task, load_split

__all__ = ["DomainCoverage", "coverage", "format_coverage", "main", "missing_for", "runner_view"]


class _ClientCapabilities:
    """What a protocol client can do, for asking a SetupRunner what it supports; never called."""

    def upload_file(self, path: str, data: bytes) -> None:
        raise NotImplementedError

    def run_python(self, code: str, timeout: float = 30) -> Any:
        raise NotImplementedError


def runner_view(assets: AssetCache | None = None, *, fetch_assets: bool = False) -> SetupRunner:
    """A SetupRunner shaped like the one the split runner builds over a DesktopClient."""
    return SetupRunner(
        _ClientCapabilities(),  # type: ignore[arg-type]  # a capability-only stand-in, never driven
        (1920, 1080),
        assets=assets,
        fetch_assets=fetch_assets,
    )


@dataclass
class DomainCoverage:
    domain: str
    total: int = 0
    supported: int = 0  # ready: runs end to end here
    evaluable: int = 0  # every getter and metric exists
    missing: Counter[str] = field(default_factory=Counter)  # "step:x" / "getter:x" / ... -> tasks


def missing_for(
    task: Task, assets: AssetCache | None = None, *, runner: SetupRunner | None = None
) -> list[str]:
    """Everything `task` needs that we lack: `step:<type>`, `asset:download`,
    `asset:cloud_file`, `getter:<type>`, `metric:<name>`."""
    runner = runner or runner_view(assets)
    out: list[str] = []
    for step in unsupported_steps(task, runner):
        # With a cache, a download that is refused is one whose files are not cached.
        out.append("asset:download" if step == "download" and runner.assets is not None else f"step:{step}")
    evaluator = unsupported_evaluator(task)
    if not task.infeasible:
        urls = cloud_file_urls(task)
        if urls and (runner.assets is None or (not runner.fetch_assets and runner.assets.missing(urls))):
            out.append("asset:cloud_file")
    return out + evaluator


def coverage(
    tasks: Mapping[str, Iterable[Task]] | Iterable[Task], assets: AssetCache | None = None
) -> dict[str, DomainCoverage]:
    """Per domain (a split's `{domain: tasks}`, or one "all" domain for a plain list),
    with an "all" row totalling them. Each missing piece counts once per task."""
    groups = tasks.items() if isinstance(tasks, Mapping) else [("all", tasks)]
    runner = runner_view(assets)
    out: dict[str, DomainCoverage] = {}
    total = DomainCoverage("all")
    for domain, items in groups:
        row = out.setdefault(domain, DomainCoverage(domain))
        for task in items:
            missing = missing_for(task, runner=runner)
            evaluable = not unsupported_evaluator(task)
            for r in (row, total) if domain != "all" else (row,):
                r.total += 1
                r.supported += not missing
                r.evaluable += evaluable
                r.missing.update(missing)
    if "all" not in out:
        out["all"] = total
    return out


def format_coverage(table: Mapping[str, DomainCoverage], top: int = 3) -> str:
    lines = [f"{'domain':<22}{'tasks':>6}{'eval':>6}{'ready':>7}{'%':>6}  most missing (tasks)"]
    for row in table.values():
        pct = 100 * row.supported / row.total if row.total else 0.0
        worst = ", ".join(f"{k} {n}" for k, n in row.missing.most_common(top))
        lines.append(
            f"{row.domain:<22}{row.total:>6}{row.evaluable:>6}{row.supported:>7}{pct:>6.1f}  {worst}"
        )
    lines.append("(eval: every getter and metric exists; ready: runs end to end here, assets included)")
    overall = table.get("all")
    if overall is not None and overall.missing:
        lines.append("")
        lines.append("missing most, over all tasks:")
        lines += [f"  {n:>4}  {k}" for k, n in overall.missing.most_common(15)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    split = Path(args[0]) if args else osworld_data() / "test_all.json"
    examples = Path(args[1]) if len(args) > 1 else split.parent / "examples"
    assets = AssetCache(args[2]) if len(args) > 2 else None
    print(format_coverage(coverage(load_split(split, examples), assets)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
