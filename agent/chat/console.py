"""The terminal side of `agent chat`: instructions in, keys while the agent works.

Between episodes the terminal is in its normal line mode and the person types the next
instruction. While an episode runs, a thread reads single keys (cbreak mode: no echo,
no line buffering, but Ctrl-C still raises SIGINT):

    p / space   pause or resume (the agent stops between two steps)
    c           type a correction (the agent pauses while you type; Enter sends it,
                Esc cancels); it reaches the planner at its next step
    s           stop this episode now (so does Ctrl-C); the folder is kept whole
    a / d / r   when asked to approve: approve, deny, deny with a reason
    h / ?       this help
"""

from __future__ import annotations

import codecs
import os
import select
import sys
import termios
import threading
import tty
from typing import Any

from rich.console import Console
from rich.markup import escape

from agent.chat.control import SessionControl
from agent.live import action_words

HELP = "[dim]keys: [b]p[/b] pause/resume · [b]c[/b] correct · [b]s[/b] stop (or Ctrl-C) · [b]h[/b] help[/]"
ASK_KEYS = "[b]a[/b] approve · [b]d[/b] deny · [b]r[/b] deny with a reason"
ENTER, BACKSPACE, ESC, CTRL_U = ("\r", "\n"), ("\x7f", "\x08"), "\x1b", "\x15"


def read_instruction(console: Console, prompt: str = "instruction> ") -> str | None:
    """The next instruction; None at end of input or on /quit. Ctrl-C propagates."""
    while True:
        try:
            console.file.write(prompt)
            console.file.flush()
            line = sys.stdin.readline()
        except EOFError:
            return None
        if not line:
            return None
        text = line.strip()
        if text in ("/quit", "/exit", "/q"):
            return None
        if text:
            return text


def asked_action(action: dict[str, Any], lines: int = 12) -> str:
    """The action in words; a coding-agent block shows its code (what would run)."""
    if action.get("type") != "code_block":
        return action_words(action)
    code = str(action.get("code", "")).splitlines()
    more = f"\n    … {len(code) - lines} more lines" if len(code) > lines else ""
    return (
        f"the coding agent wants to run this {action.get('language', '')} block:\n"
        + "\n".join(f"    {line}" for line in code[:lines])
        + more
    )


def show_change(console: Console, kind: str, data: dict[str, Any]) -> None:
    """How the terminal shows what the person (or the policy) just did."""
    if kind == "pause":
        console.print("[yellow]|| paused[/] — [b]p[/b] resumes, [b]c[/b] corrects, [b]s[/b] stops")
    elif kind == "holding":
        console.print(f"[yellow]|| holding after step {data['after_step']}[/]")
    elif kind == "resume":
        console.print("[green]>> resumed[/]")
    elif kind == "correction":
        console.print(f"[cyan]correction queued for the next step:[/] {escape(data['text'])}")
    elif kind == "stop":
        console.print("[red]stopping…[/]")
    elif kind == "ask":
        risk = data["risk"]
        matched = f' ("{escape(risk["matched"])}")' if risk.get("matched") else ""
        console.print(
            f"[bold red]APPROVAL NEEDED[/] step {data['step']}: "
            f"{escape(asked_action(data['action']))}\n  {escape(risk['risk_class'])}: "
            f"{escape(risk['why'])}{matched}\n  {ASK_KEYS}"
        )


def show_decision(console: Console, data: dict[str, Any]) -> None:
    """An approval decision, as the approve node reports it."""
    style = {"approved": "green", "allowed": "green", "denied": "red"}.get(data["decision"], "white")
    reason = f": {escape(data['reason'])}" if data.get("reason") else ""
    console.print(f"  [{style}]{data['decision']} by {data['by']}[/]{reason}")


class TerminalKeys:
    """Reads keys from a terminal in a thread while an episode runs (a context manager)."""

    def __init__(self, control: SessionControl, console: Console, fd: int | None = None) -> None:
        self.control = control
        self.console = console
        self.fd = sys.stdin.fileno() if fd is None else fd
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._saved: list | None = None
        self._line: list[str] | None = None  # the text being typed, in line mode
        self._line_for = ""  # "correction" | "reason"
        self._was_paused = False

    def __enter__(self) -> TerminalKeys:
        self._saved = termios.tcgetattr(self.fd)
        tty.setcbreak(self.fd, termios.TCSANOW)  # ISIG stays on: Ctrl-C is still SIGINT
        self._thread = threading.Thread(target=self._run, name="chat-keys", daemon=True)
        self._thread.start()
        self.console.print(HELP)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        if self._saved is not None:
            termios.tcsetattr(self.fd, termios.TCSADRAIN, self._saved)

    # ------------------------------------------------------------------ reading
    def _run(self) -> None:
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        while not self._stop.is_set():
            ready, _, _ = select.select([self.fd], [], [], 0.1)
            if not ready:
                continue
            try:
                data = os.read(self.fd, 256)
            except OSError:
                return
            if not data:
                return
            for char in decoder.decode(data):
                try:
                    self.key(char)
                except Exception as exc:  # a key must never kill the reader
                    self.console.print(f"[red]key {char!r}: {escape(str(exc))}[/]")

    def _echo(self, text: str) -> None:
        self.console.file.write(text)
        self.console.file.flush()

    def key(self, char: str) -> None:
        """One key press (public so the key handling can be driven without a terminal)."""
        if self._line is not None:
            self._line_key(char)
        elif self.control.question is not None:
            self._ask_key(char)
        elif char in ("p", " "):
            self.control.toggle_pause()
        elif char == "c":
            self._was_paused = self.control.paused
            self.control.pause()
            self._start_line("correction", "correction> ")
        elif char == "s":
            self.control.stop()
        elif char in ("h", "?"):
            self.console.print(HELP)

    def _ask_key(self, char: str) -> None:
        if char in ("a", "y"):
            self.control.answer("approve")
        elif char in ("d", "n"):
            self.control.answer("deny")
        elif char == "r":
            self._start_line("reason", "reason> ")
        elif char == "s":
            self.control.stop()

    def _start_line(self, purpose: str, prompt: str) -> None:
        self._line, self._line_for = [], purpose
        self._echo(prompt)

    def _line_key(self, char: str) -> None:
        assert self._line is not None
        if char in ENTER:
            text = "".join(self._line)
            self._line = None
            self._echo("\n")
            self._finish_line(text)
        elif char in BACKSPACE:
            if self._line:
                self._line.pop()
                self._echo("\b \b")
        elif char == CTRL_U:
            self._echo("\b \b" * len(self._line))
            self._line.clear()
        elif char == ESC:
            self._line = None
            self._echo("  [cancelled]\n")
            if self._line_for == "correction" and not self._was_paused:
                self.control.resume()
        elif char.isprintable():
            self._line.append(char)
            self._echo(char)

    def _finish_line(self, text: str) -> None:
        if self._line_for == "reason":
            self.control.answer("deny", text)
            return
        self.control.correct(text)
        if not self._was_paused:
            self.control.resume()
