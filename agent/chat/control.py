"""What a person can do to a running episode, whatever they use to do it (keys, web page).

The episode runs in the main thread; the person acts from another (the key reader, the
web server). `SessionControl` is the meeting point, thread-safe:
- pause / resume: the graph stops between two nodes (`checkpoint()` blocks there);
- a correction: queued, taken by the planner at its next step;
- stop: a SIGINT to this process, the same path as Ctrl-C, so a model call or a desktop
  call in progress is cut short too, and run_graph ends the episode as "interrupted".
  A stop and the signal can both reach the main thread (a paused graph wakes up to the
  stop first): `interrupt_once` lets exactly one KeyboardInterrupt through per episode;
- approval: the main thread `ask()`s and waits; whoever the person uses `answer()`s.
Every one of these goes into the episode's interventions.jsonl.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable
from pathlib import Path

from agent import interventions as journal
from agent.approval import ApprovalAnswer, ApprovalRequest

POLL_S = 0.1  # waits wake this often, so a SIGINT is handled promptly in the main thread


class SessionControl:
    def __init__(self, on_change: Callable[[str, dict], None] = lambda kind, data: None) -> None:
        self._lock = threading.Condition()
        self._paused = False
        self._corrections: list[str] = []
        self._question: ApprovalRequest | None = None
        self._answer: ApprovalAnswer | None = None
        self._running = False
        self.stop_requested = False
        self._interrupted = False  # a KeyboardInterrupt went out for this episode
        self.folder: Path | None = None  # the current episode's folder
        self.step = 0  # steps finished in the current episode
        self.on_change = on_change  # for views: ("pause" | "resume" | "ask" | ..., data)

    # ------------------------------------------------------------------ episodes
    def begin(self, folder: Path) -> None:
        with self._lock:
            self.folder, self.step, self._running = folder, 0, True
            self._paused, self.stop_requested, self._interrupted = False, False, False
            self._corrections.clear()

    def end(self) -> None:
        with self._lock:
            self._running = False
            self._paused = False
            self._question = None
            self._lock.notify_all()

    @property
    def running(self) -> bool:
        return self._running

    def _log(self, kind: str, **data: object) -> None:
        if self.folder is not None:
            journal.append(self.folder, kind, after_step=self.step, **data)
        self.on_change(kind, dict(data))

    # ------------------------------------------------------------------ pause
    @property
    def paused(self) -> bool:
        return self._paused

    def pause(self) -> None:
        with self._lock:
            if self._paused or not self._running:
                return
            self._paused = True
        self._log("pause")

    def resume(self) -> None:
        with self._lock:
            if not self._paused:
                return
            self._paused = False
            self._lock.notify_all()
        self._log("resume")

    def toggle_pause(self) -> None:
        self.resume() if self._paused else self.pause()

    def checkpoint(self) -> None:
        """Called by the episode between nodes: blocks while paused; a stop ends it here."""
        with self._lock:
            holding = self._paused and self._running and not self.stop_requested
        if holding:
            self.on_change("holding", {"after_step": self.step})  # the graph is really still now
            with self._lock:
                while self._paused and self._running and not self.stop_requested:
                    self._lock.wait(POLL_S)
        self._stop_here()

    def _stop_here(self) -> None:
        """In the main thread: end the episode now if a stop was asked for."""
        if self.stop_requested and self.interrupt_once():
            raise KeyboardInterrupt

    def interrupt_once(self) -> bool:
        """True the first time in a running episode (main thread only: the SIGINT handler,
        checkpoint and ask run there, so they cannot race each other)."""
        if not self._running or self._interrupted:
            return False
        self._interrupted = True
        return True

    # ------------------------------------------------------------------ corrections
    def correct(self, text: str) -> None:
        text = text.strip()
        if not text:
            return
        with self._lock:
            self._corrections.append(text)
        self._log("correction", text=text)

    def take_corrections(self) -> list[str]:
        with self._lock:
            out, self._corrections = self._corrections, []
        return out

    # ------------------------------------------------------------------ stop
    def stop(self) -> None:
        """End the running episode now (between sessions it does nothing)."""
        with self._lock:
            if not self._running or self.stop_requested:
                return
            self.stop_requested = True
            self._lock.notify_all()
        self._log("stop")
        os.kill(os.getpid(), signal.SIGINT)

    # ------------------------------------------------------------------ approval
    @property
    def question(self) -> ApprovalRequest | None:
        return self._question

    def ask(self, request: ApprovalRequest) -> ApprovalAnswer:
        """The Approver interface: wait (in the main thread) until the person answers."""
        with self._lock:
            self._question, self._answer = request, None
        self.on_change("ask", request.model_dump(mode="json"))
        with self._lock:
            while self._answer is None and not self.stop_requested:
                self._lock.wait(POLL_S)
            answer, self._question, self._answer = self._answer, None, None
        self._stop_here()
        return answer or ApprovalAnswer(decision="deny", reason="the session was stopped")

    def answer(self, decision: str, reason: str = "") -> bool:
        """The person's answer to the open question; False when there is none."""
        with self._lock:
            if self._question is None or self._answer is not None:
                return False
            self._answer = ApprovalAnswer(
                decision="approve" if decision == "approve" else "deny", reason=reason.strip()
            )
            self._lock.notify_all()
        return True
