"""Run a grounder over a grounding benchmark and write report.json and report.md.

    python -m benchmarks.grounding --dataset DIR --grounder SPEC --out DIR [--limit N]

Each item's screenshot goes to `grounder.ground()` with the image's size as the
screen size; the call is timed (only the call, not reading the file). A
grounder that raises scores that item wrong (never as a refusal) and the run
goes on. Grounders with a `last_trace` (the cascade) also get per-tier figures:
how often each tier was asked, how often its answer was taken, how long it took.
"""

from __future__ import annotations

import argparse
import io
import logging
import math
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from benchmarks.grounding.datasets import DatasetError, GroundingItem, load_dataset
from benchmarks.grounding.scoring import Table, category_tables, declined, score_item
from grounding.base import Grounder, GroundingResult

__all__ = [
    "GrounderFactoryMissing",
    "ItemRecord",
    "Report",
    "TierStats",
    "Timing",
    "main",
    "percentile",
    "run_benchmark",
    "write_report",
]

log = logging.getLogger(__name__)
MISSES_SHOWN = 25

Outcome = Literal["correct", "wrong", "declined", "error"]


class GrounderFactoryMissing(RuntimeError):
    """`grounding.factory.make_grounder` is not there to build a grounder from a spec."""


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100), linear between closest ranks (numpy's default)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


class Timing(BaseModel):
    n: int
    total_s: float
    mean_s: float
    median_s: float
    p95_s: float
    max_s: float

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Timing:
        if not seconds:
            return cls(n=0, total_s=0.0, mean_s=0.0, median_s=0.0, p95_s=0.0, max_s=0.0)
        return cls(
            n=len(seconds),
            total_s=sum(seconds),
            mean_s=sum(seconds) / len(seconds),
            median_s=percentile(seconds, 50),
            p95_s=percentile(seconds, 95),
            max_s=max(seconds),
        )


class TierStats(BaseModel):
    """One cascade tier over the run."""

    name: str
    calls: int
    answered: int
    timing: Timing


class ItemRecord(BaseModel):
    id: str
    instruction: str
    target: str
    categories: list[str]
    outcome: Outcome
    correct: bool
    point: tuple[int, int] | None = None
    confidence: float | None = None
    answered_by: str | None = None
    seconds: float
    error: str | None = None
    trace: list[tuple[str, float, bool]] | None = None


class Report(BaseModel):
    dataset: str
    grounder: str
    started_at: str
    total: int
    correct: int
    accuracy: float | None
    declined: int  # declined on items that have a target
    errors: int  # the grounder raised
    timing: Timing
    tables: list[Table]
    tiers: list[TierStats]
    answered_by: dict[str, int]
    items: list[ItemRecord]

    def to_markdown(self) -> str:
        acc = "–" if self.accuracy is None else f"{100 * self.accuracy:.1f}%"
        t = self.timing
        lines = [
            f"# Grounding benchmark: {self.dataset}",
            "",
            f"- grounder: `{self.grounder}`",
            f"- started: {self.started_at}",
            f"- accuracy: **{acc}** ({self.correct}/{self.total})",
            f"- declined on items with a target: {self.declined}; grounder errors: {self.errors}",
            f"- time per item: median {t.median_s:.3f} s, p95 {t.p95_s:.3f} s, "
            f"mean {t.mean_s:.3f} s, max {t.max_s:.3f} s, total {t.total_s:.1f} s",
            "",
        ]
        for table in self.tables:
            lines.append(table.to_markdown())
        if self.tiers:
            lines += [
                "### Cascade tiers",
                "",
                "| tier | calls | answered | median s | p95 s | total s |",
                "| --- | --- | --- | --- | --- | --- |",
            ]
            for tier in self.tiers:
                lines.append(
                    f"| {tier.name} | {tier.calls} | {tier.answered} | "
                    f"{tier.timing.median_s:.3f} | {tier.timing.p95_s:.3f} | "
                    f"{tier.timing.total_s:.1f} |"
                )
            lines.append("")
        if self.answered_by:
            lines += ["### Answered by", "", "| grounder | items |", "| --- | --- |"]
            lines += [
                f"| {name} | {count} |"
                for name, count in sorted(self.answered_by.items(), key=lambda kv: -kv[1])
            ]
            lines.append("")
        misses = [r for r in self.items if not r.correct]
        if misses:
            lines += [
                f"### Misses (first {min(len(misses), MISSES_SHOWN)} of {len(misses)})",
                "",
                "| id | outcome | point | instruction |",
                "| --- | --- | --- | --- |",
            ]
            for r in misses[:MISSES_SHOWN]:
                point = "–" if r.point is None else f"{r.point[0]}, {r.point[1]}"
                why = r.outcome if r.error is None else f"error: {r.error}"
                text = r.instruction.replace("|", "\\|").replace("\n", " ")
                lines.append(f"| {r.id} | {why.replace('|', '/')} | {point} | {text} |")
            lines.append("")
        return "\n".join(lines)


def _png_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return data
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return buffer.getvalue()


def _progress(enabled: bool):
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        disable=not enabled,
        transient=False,
    )


def run_benchmark(
    items: Sequence[GroundingItem],
    grounder: Grounder,
    *,
    limit: int | None = None,
    progress: bool = True,
    out_dir: str | Path | None = None,
) -> Report:
    """Ground every item (the first `limit`), score it, and gather the report.

    With `out_dir`, the report is also written there (report.json, report.md).
    """
    chosen = list(items if limit is None else items[: max(limit, 0)])
    kinds = sorted({item.dataset for item in chosen})
    started = datetime.now(UTC).isoformat(timespec="seconds")
    records: list[ItemRecord] = []
    scored: list[tuple[GroundingItem, bool]] = []
    seconds: list[float] = []
    tier_seconds: dict[str, list[float]] = {}
    tier_answered: dict[str, int] = {}
    answered_by: dict[str, int] = {}
    correct = 0

    with _progress(progress) as bar:
        task = bar.add_task(f"{getattr(grounder, 'name', 'grounder')}", total=len(chosen))
        for item in chosen:
            screenshot = _png_bytes(item.image)
            result: GroundingResult | None = None
            error: str | None = None
            start = time.perf_counter()
            try:
                result = grounder.ground(screenshot, item.instruction, item.image_size)
                if result is not None and not isinstance(result, GroundingResult):
                    raise TypeError(
                        f"grounder returned {type(result).__name__}, not a GroundingResult or None"
                    )
            except Exception as exc:  # noqa: BLE001 - one bad item must not end the run
                result = None
                error = f"{type(exc).__name__}: {exc}"
                log.warning("grounder failed on %s", item.id, exc_info=True)
            elapsed = time.perf_counter() - start
            seconds.append(elapsed)

            trace_attr = getattr(grounder, "last_trace", None)
            trace = (
                [(str(n), float(s), bool(a)) for n, s, a in trace_attr]
                if isinstance(trace_attr, list)
                else None
            )
            for name, tier_s, answered in trace or []:
                tier_seconds.setdefault(name, []).append(tier_s)
                tier_answered[name] = tier_answered.get(name, 0) + int(answered)

            ok = error is None and score_item(item, result)
            if error is not None:
                outcome: Outcome = "error"
            elif ok:
                outcome = "correct"
            elif declined(result):
                outcome = "declined"
            else:
                outcome = "wrong"
            if result is not None and not declined(result):
                who = result.grounder or getattr(grounder, "name", "")
                answered_by[who] = answered_by.get(who, 0) + 1
            correct += ok
            scored.append((item, ok))
            records.append(
                ItemRecord(
                    id=item.id,
                    instruction=item.instruction,
                    target=item.target.kind,
                    categories=list(item.categories),
                    outcome=outcome,
                    correct=ok,
                    point=None if result is None else (result.x, result.y),
                    confidence=None if result is None else result.confidence,
                    answered_by=None if result is None else (result.grounder or None),
                    seconds=elapsed,
                    error=error,
                    trace=trace,
                )
            )
            bar.update(
                task,
                advance=1,
                description=f"{getattr(grounder, 'name', 'grounder')} {100 * correct / len(records):.1f}%",
            )

    report = Report(
        dataset="+".join(kinds) or "empty",
        grounder=str(getattr(grounder, "name", type(grounder).__name__)),
        started_at=started,
        total=len(records),
        correct=correct,
        accuracy=correct / len(records) if records else None,
        declined=sum(r.outcome == "declined" for r in records),
        errors=sum(r.outcome == "error" for r in records),
        timing=Timing.of(seconds),
        tables=category_tables(scored),
        tiers=[
            TierStats(name=name, calls=len(s), answered=tier_answered.get(name, 0), timing=Timing.of(s))
            for name, s in tier_seconds.items()
        ],
        answered_by=answered_by,
        items=records,
    )
    if out_dir is not None:
        write_report(report, out_dir)
    return report


def write_report(report: Report, out_dir: str | Path) -> tuple[Path, Path]:
    """report.json (everything, per item too) and report.md (the tables) in `out_dir`."""
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    json_path, md_path = folder / "report.json", folder / "report.md"
    json_path.write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")
    md_path.write_text(report.to_markdown(), encoding="utf-8")
    return json_path, md_path


def _make_grounder(spec: str) -> Grounder:
    try:
        from grounding.factory import make_grounder
    except ImportError as exc:
        raise GrounderFactoryMissing(
            f"cannot build grounder {spec!r}: grounding.factory.make_grounder is not available "
            f"({exc}); build the grounder in Python and call run_benchmark() instead"
        ) from exc
    return make_grounder(spec)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.grounding",
        description="Score a grounder on OSWorld-G, ScreenSpot-v2, ScreenSpot-Pro or our "
        "synthetic set; writes report.json and report.md.",
    )
    parser.add_argument("--dataset", required=True, type=Path, help="dataset folder (or annotation file)")
    parser.add_argument("--grounder", required=True, help="grounder spec, e.g. ocr or jedi@URL")
    parser.add_argument("--out", required=True, type=Path, help="folder for the reports")
    parser.add_argument(
        "--images", type=Path, default=None, help="image folder, when not where the dataset keeps it"
    )
    parser.add_argument("--limit", type=int, default=None, help="only the first N items")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from rich.console import Console

    console = Console(stderr=True, soft_wrap=True, highlight=False)
    try:
        kind, items = load_dataset(args.dataset, images_dir=args.images)
    except DatasetError as exc:
        console.print(f"dataset: {exc}", style="red", markup=False)
        return 2
    try:
        grounder = _make_grounder(args.grounder)  # GrounderFactoryMissing propagates, loudly
    except ValueError as exc:  # a bad spec (grounding.factory.GrounderSpecError)
        console.print(f"grounder: {exc}", style="red", markup=False)
        return 2
    console.print(f"{kind}: {len(items)} items from {args.dataset}; grounder {args.grounder}", markup=False)
    report = run_benchmark(items, grounder, limit=args.limit, progress=not args.no_progress)
    json_path, md_path = write_report(report, args.out)
    acc: Any = "–" if report.accuracy is None else f"{100 * report.accuracy:.1f}%"
    console.print(
        f"accuracy {acc} ({report.correct}/{report.total}); "
        f"median {report.timing.median_s:.3f} s, p95 {report.timing.p95_s:.3f} s "
        f"per item; wrote {json_path} and {md_path}",
        markup=False,
    )
    return 0
