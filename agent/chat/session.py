"""`agent chat`: instructions one after another, each an episode folder like `agent run`'s.

    runs/chat-<time>/01-<words of the instruction>/   task.json ... traj.jsonl, result.json,
                                                      report.html, interventions.jsonl
    runs/chat-<time>/02-.../

The desktop, the models and the grounder are opened once for the session; each
instruction runs through the same pipeline as `agent run` (agent/episode.py), with a
person attached: the terminal's keys (agent/chat/console.py), or the web view, pause,
correct, stop and approve through one SessionControl. Without either (input from a pipe,
no --web) nobody can approve, so risky actions are refused.
"""

from __future__ import annotations

import contextlib
import re
import signal
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.console import Console

from agent.chat.console import TerminalKeys, read_instruction, show_change, show_decision
from agent.chat.control import SessionControl
from agent.config import AgentConfig
from agent.episode import EpisodeHooks, EpisodeInputError, EpisodePipeline, open_desktop
from agent.live import LiveView
from agent.trajectory import EpisodeResult, EpisodeWriter


@dataclass
class ChatOptions:
    desktop: str = "local"  # local | URL | this-screen
    token: str | None = None
    monitor: int | None = None  # this-screen only
    size: tuple[int, int] = (1920, 1080)
    out: Path | None = None  # the session folder
    web: bool = False
    keys: bool | None = None  # read keys from the terminal (None: when stdin is one)


def slug(text: str, limit: int = 40) -> str:
    words = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return words[:limit].rstrip("-") or "task"


@contextlib.contextmanager
def open_chat_desktop(opts: ChatOptions) -> Iterator[tuple[Any, bool, str]]:
    """(client, is it a sandbox, how to name it) for the session's desktop."""
    if opts.desktop == "this-screen":
        try:
            from envs.this_screen import ThisScreen
        except ImportError as exc:
            raise EpisodeInputError(f"--desktop this-screen is not available here: {exc}") from None
        with ThisScreen(monitor=opts.monitor) as screen:
            with screen.client() as client:
                monitor = getattr(screen, "monitor", None)
                where = f"this screen ({monitor.describe() if monitor else 'primary monitor'})"
                yield client, False, where
        return
    if opts.monitor is not None:
        raise EpisodeInputError("--monitor goes with --desktop this-screen")
    with open_desktop(opts.desktop, opts.token, opts.size) as client:
        # A LocalDesktop started here is a bubblewrap sandbox; a URL may be anybody's machine.
        yield client, opts.desktop == "local", getattr(client, "base_url", opts.desktop)


class ChatSession:
    def __init__(self, config: AgentConfig, opts: ChatOptions, console: Console) -> None:
        self.config = config
        self.opts = opts
        self.console = console
        self.keys = sys.stdin.isatty() if opts.keys is None else opts.keys
        # Someone can answer approvals at the terminal or on the web page; else refuse them.
        self.interactive = self.keys or opts.web
        self.folder = opts.out or Path("runs") / f"chat-{datetime.now().strftime('%Y%m%d-%H%M%S')}"
        self.control = SessionControl(on_change=self._on_change)
        self.web: Any = None
        self.episodes: list[tuple[Path, EpisodeResult]] = []

    def _on_change(self, kind: str, data: dict[str, Any]) -> None:
        show_change(self.console, kind, data)
        if self.web is not None:
            self.web.note(kind, data)

    def run(self) -> int:
        pipeline = EpisodePipeline(self.config)  # checks the policy and grounder spec first
        with open_chat_desktop(self.opts) as (client, sandbox, where), self._web_view() as web:
            self.web = web
            grounder = pipeline.grounder_for(client)
            who = (
                "you approve risky actions"
                if self.interactive
                else "no terminal or web view: risky actions are refused"
            )
            self.console.print(f"[bold]agent chat[/] on {where}; episodes in {self.folder}; {who}")
            if web is not None:
                self.console.print(f"web view: {web.url}")
            while True:
                try:
                    instruction = read_instruction(self.console)
                except KeyboardInterrupt:
                    self.console.print()
                    break
                if instruction is None:
                    break
                self.episode(instruction, client, pipeline, grounder, sandbox)
        self.console.print(f"[dim]{len(self.episodes)} episode(s) in {self.folder}[/]")
        return 0

    @contextlib.contextmanager
    def _web_view(self) -> Iterator[Any]:
        if not self.opts.web:
            yield None
            return
        from agent.chat.web import WebView

        with WebView(self.control) as web:
            yield web

    def episode(
        self, instruction: str, client: Any, pipeline: EpisodePipeline, grounder: Any, sandbox: bool
    ) -> EpisodeResult:
        number = len(self.episodes) + 1
        task_id = f"chat-{number:02d}"
        folder = self.folder / f"{number:02d}-{slug(instruction)}"
        view = LiveView(self.console, instruction, self.config.max_steps)

        def on_event(kind: str, data: dict) -> None:
            view.event(kind, data)
            if kind == "step":
                self.control.step = data["step_num"]
            elif kind == "approval":
                show_decision(self.console, data)
            if self.web is not None:
                self.web.event(kind, data)
            if kind == "node":
                self.control.checkpoint()  # a pause holds the graph here, between nodes

        def stopped(result: EpisodeResult) -> EpisodeResult:
            if result.status != "interrupted":
                return result
            return result.model_copy(
                update={"reason": f"stopped by the user after step {result.steps}", "stopped_by_user": True}
            )

        hooks = EpisodeHooks(
            on_event=on_event,
            approver=self.control if self.interactive else None,
            take_corrections=self.control.take_corrections,
            adjust_result=stopped,
        )
        record = {
            "id": task_id,
            "instruction": instruction,
            "source": "agent chat",
            "config": [],
            "evaluator": {},
        }
        self.control.begin(folder)
        if self.web is not None:
            self.web.begin(folder, instruction)
        keys = TerminalKeys(self.control, self.console) if self.keys else contextlib.nullcontext()

        def on_sigint(signum: int, frame: Any) -> None:  # Ctrl-C, or the stop key's signal
            if self.control.interrupt_once():
                raise KeyboardInterrupt

        previous = signal.signal(signal.SIGINT, on_sigint)
        result: EpisodeResult | None = None
        report: Path | None = None
        try:
            with keys:
                outcome = pipeline.run(
                    client,
                    folder,
                    instruction=instruction,
                    task_id=task_id,
                    record=record,
                    sandbox=sandbox,
                    score=False,
                    grounder=grounder,
                    hooks=hooks,
                )
                result, report = outcome.result, outcome.report
        except KeyboardInterrupt:
            pass  # the stop came as the graph was returning, after its own handler
        finally:
            self.control.end()
            signal.signal(signal.SIGINT, previous)
        if result is None:  # stopped between the graph and the finished folder: finish it here
            writer = EpisodeWriter(folder)
            result = stopped(
                EpisodeResult(
                    task_id=task_id,
                    instruction=instruction,
                    status="interrupted",
                    steps=writer.last_step_num(),
                )
            )
            report = writer.finish(result)
        view.summary(result, report)
        if self.web is not None:
            self.web.event("result", result.model_dump(mode="json"))
        self.episodes.append((folder, result))
        return result
