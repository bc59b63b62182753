"""The live view of `agent run`: one line per step as it ends, a summary at the end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from agent.trajectory import EpisodeResult

NODE_STYLE = {
    "act": "cyan",
    "code": "magenta",
    "search": "blue",
    "verify": "green",
    "loop_breaker": "yellow",
    "ground": "yellow",
    "fail": "red",
    "approve": "red",
}


def action_words(action: Any) -> str:
    if not isinstance(action, dict):
        return str(action)[:80]
    kind = action.get("type", "?")
    target = action.get("target") or action.get("source") or {}
    if isinstance(target, dict) and target.get("description"):
        where = f" {target['description']!r}"
        if target.get("x") is not None:
            where += f" @({target['x']},{target['y']})"
    else:
        where = ""
    extra = action.get("text") or action.get("keys") or action.get("query") or action.get("task") or ""
    return f"{kind}{where} {str(extra)[:60]}".strip()


class LiveView:
    def __init__(self, console: Console, instruction: str, max_steps: int) -> None:
        self.console = console
        self.max_steps = max_steps
        self.cost = 0.0
        self.tokens = 0
        self.console.rule(f"[bold]{escape(instruction[:100])}")

    def __enter__(self) -> LiveView:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def event(self, kind: str, data: dict[str, Any]) -> None:
        if kind == "gate" and data.get("criteria"):
            for i, c in enumerate(data["criteria"]):
                self.console.print(f"  [dim]criterion {i}:[/] {escape(c['text'])}")
        elif kind == "step":
            self.cost += data.get("cost_usd", 0.0)
            self.tokens += sum(data.get("tokens", {}).get(k, 0) for k in ("input", "output"))
            node = data.get("node", "")
            style = NODE_STYLE.get(node, "white")
            note = ""
            if data.get("loop_breaker"):
                note = f" [yellow]VETO tier {data['loop_breaker'].get('tier')}[/]"
            if data.get("verifier"):
                ok = data["verifier"].get("complete")
                note = (
                    " [green]accepted[/]"
                    if ok
                    else f" [red]rejected: {escape(data['verifier'].get('reason', '')[:80])}[/]"
                )
            if data.get("error"):
                note += f" [red]{escape(data['error'][:80])}[/]"
            self.console.print(
                f"step {data['step_num']:>3}/{self.max_steps} [{style}]{node:<12}[/] "
                f"{escape(action_words(data.get('action')))}{note}  "
                f"[dim]{self.tokens:,} tok ${self.cost:.4f}[/]"
            )

    def summary(self, result: EpisodeResult, report: Path | None) -> None:
        table = Table(show_header=False)
        table.add_row("status", f"{result.status}: {escape(result.reason[:200])}")
        table.add_row("score", "not scored" if result.score is None else f"{result.score:g}")
        table.add_row("steps", f"{result.steps} ({result.wasted_steps} wasted)")
        table.add_row(
            "tokens", f"{result.tokens.get('input', 0):,} in / {result.tokens.get('output', 0):,} out"
        )
        table.add_row("cost", f"${result.cost_usd:.4f}")
        table.add_row("wall time", f"{result.wall_s:.1f} s")
        if report is not None:
            table.add_row("report", str(report))
        self.console.print(table)
