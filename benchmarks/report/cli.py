"""`agent bench report RUN [RUN ...]`: the implementation behind the typer command."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks.report.page import build_report


def report_main(runs: list[Path], out: Path | None, names: list[str] | None, console: Any) -> int:
    if out is None:
        out = Path(runs[0]) / "report" if len(runs) == 1 else Path("bench-report")
    try:
        html, data = build_report([Path(r) for r in runs], out, names or None)
    except ValueError as exc:
        console.print(f"[red]{exc}[/]")
        return 2
    for run in data["runs"]:
        o = run["overall"]
        console.print(
            f"{run['name']}: {o['solved']}/{o['episodes']} = {o['rate']:.1%} "
            f"(95% CI {o['ci95'][0]:.1%}-{o['ci95'][1]:.1%})"
        )
    for c in data["comparisons"]:
        console.print(
            f"{c['a']} vs {c['b']}: only A {len(c['only_a'])}, only B {len(c['only_b'])}, "
            f"exact McNemar p = {c['mcnemar_exact_p']:.4g}"
        )
    if data.get("what_if"):
        console.print(f"[yellow]{data['what_if']}[/]")
    console.print(f"wrote {html} and {html.with_suffix('.json')}")
    return 0
