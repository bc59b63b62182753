"""Our agent inside OSWorld's own runner: `predict(instruction, obs) -> (response, actions)`.

    from benchmarks.osworld.predict_adapter import DeskpilotAgent
    agent = DeskpilotAgent(AgentConfig(model="openai:gpt-4o", grounder="a11y"))
    agent.reset()                                   # before each task
    response, actions = agent.predict(instruction, obs)
    for action in actions:                          # OSWorld's lib_run_single does this
        obs, reward, done, info = env.step(action, sleep_after_execution)

`obs` is OSWorld's observation: `screenshot` (PNG bytes), `accessibility_tree` (XML or
None), `terminal`, `instruction`. `actions` holds one pyautogui code string, or one of
OSWorld's special actions "DONE" / "FAIL".

How: the whole graph (observe, gate, plan, loop breaker, ground, act, verify, ...) runs
as it does on our own desktops, in a thread of its own, against an `ObservationDesktop`.
That desktop answers screenshots and the accessibility tree from the latest `obs`; its
`act` compiles our typed ops to pyautogui code (envs/pyautogui_code.py, every model
string a literal, never model text passed through), hands the code to `predict` and
waits for the next `predict` call's observation. A finished episode becomes "FAIL" when
the planner gave up (its own word) and "DONE" otherwise — the verifier accepted, or a
budget or an error ended it, and OSWorld's evaluator judges the screen as it is.
What needs to own the desktop (the coding agent's /run_python, file reads) is refused
with a DesktopError, which those parts already report to the planner.

Our episode folder (traj.jsonl, screenshots, report) is written under `folder`
(default: a temporary folder per task), beside OSWorld's own result folder.
"""

from __future__ import annotations

import json
import logging
import queue
import struct
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from agent.config import AgentConfig
from agent.context import Models
from envs.actions import DesktopAction, SettleSpec
from envs.base import ActResult, CommandOutput, DesktopError, DesktopUnreachable
from envs.pyautogui_code import to_pyautogui

__all__ = ["EMPTY_TREE", "DeskpilotAgent", "ObservationDesktop", "png_size"]

log = logging.getLogger(__name__)
_CLOSED = object()  # handed to a waiting act(): OSWorld's runner will send no more observations


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from a PNG's header."""
    if len(png) < 24 or png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
        raise ValueError("obs['screenshot'] is not a PNG image")
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def _check_obs(obs: Any) -> dict[str, Any]:
    if not isinstance(obs, dict) or not isinstance(obs.get("screenshot"), (bytes, bytearray)):
        raise ValueError("obs must be OSWorld's observation dict with 'screenshot' as PNG bytes")
    png_size(bytes(obs["screenshot"]))
    return obs


class ObservationDesktop:
    """The desktop as the graph sees it inside OSWorld's runner (see the module's doc)."""

    def __init__(self, obs: dict[str, Any], step_timeout_s: float) -> None:
        self.obs = obs
        self.step_timeout_s = step_timeout_s
        self.outbox: queue.Queue[tuple[str, str]] = queue.Queue()  # ("action", code)
        self.inbox: queue.Queue[Any] = queue.Queue()  # next obs, or _CLOSED

    # --- what the graph reads
    def screenshot(self) -> bytes:
        return bytes(self.obs["screenshot"])

    def screen_size(self) -> tuple[int, int]:
        return png_size(self.screenshot())

    def accessibility_tree(self) -> str:
        tree = self.obs.get("accessibility_tree")
        if not tree:
            raise NotImplementedError("OSWorld's runner sent no accessibility tree")
        return str(tree)

    def terminal_output(self) -> str | None:
        return self.obs.get("terminal")

    # --- what the graph does
    def act(self, actions: Sequence[DesktopAction], settle: SettleSpec | None = None) -> ActResult:
        started = time.monotonic()
        self.outbox.put(("action", to_pyautogui(list(actions))))
        try:
            nxt = self.inbox.get(timeout=self.step_timeout_s)
        except queue.Empty:
            raise DesktopUnreachable(
                f"no observation from OSWorld's runner in {self.step_timeout_s:g} s"
            ) from None
        if nxt is _CLOSED:
            raise DesktopUnreachable("OSWorld's runner ended the episode")
        self.obs = nxt
        return ActResult(executed=len(actions), seconds=round(time.monotonic() - started, 3))

    def _refuse(self, path: str) -> Any:
        raise DesktopError(
            path,
            501,
            "not available inside OSWorld's runner (it owns the desktop; only GUI actions go back to it)",
        )

    def execute(self, command: list[str] | str, shell: bool = False) -> CommandOutput:
        return self._refuse("/execute")

    def run_python(self, code: str, timeout: float = 30) -> CommandOutput:
        return self._refuse("/run_python")

    def run_bash_script(
        self, script: str, timeout: float = 100, working_dir: str | None = None
    ) -> CommandOutput:
        return self._refuse("/run_bash_script")

    def launch(self, command: list[str] | str, shell: bool = False) -> None:
        self._refuse("/setup/launch")

    def upload_file(self, path: str, data: bytes) -> None:
        self._refuse("/setup/upload")

    def read_file(self, path: str) -> bytes:
        return self._refuse("/file")

    def list_directory(self, path: str) -> dict[str, Any]:
        return self._refuse("/list_directory")


class DeskpilotAgent:
    """OSWorld's agent interface (`reset`, `predict`) over our graph."""

    action_space = "pyautogui"

    def __init__(
        self,
        config: AgentConfig | None = None,
        *,
        models: Models | None = None,
        grounder: Any = None,
        folder: Path | str | None = None,
        step_timeout_s: float = 1800.0,
        sandbox: bool = True,
    ) -> None:
        self.config = config or AgentConfig()
        # OSWorld reverts its VM to a snapshot before every task: a disposable desktop, so
        # the approval policy may let its sandbox classes through (config.approval wins).
        self.sandbox = sandbox
        self._models, self._grounder = models, grounder
        self.folder = Path(folder) if folder is not None else None
        self.step_timeout_s = step_timeout_s  # how long a step may wait for the model(s)
        self._episodes = 0
        self._desktop: ObservationDesktop | None = None
        self._thread: threading.Thread | None = None
        self._decision: dict[str, Any] | None = None
        self._final: tuple[str, str] | None = None  # ("DONE" | "FAIL", reason)
        self.episode_folder: Path | None = None

    # --- OSWorld's interface
    def reset(self, *args: Any, **kwargs: Any) -> None:
        """A new task: the running episode (if any) is ended. OSWorld passes a logger and,
        in newer versions, vm_ip; neither is needed."""
        if self._desktop is not None:
            self._desktop.inbox.put(_CLOSED)
        if self._thread is not None:
            self._thread.join(timeout=30)
        self._desktop = self._thread = None
        self._decision = self._final = None

    def predict(self, instruction: str, obs: dict[str, Any]) -> tuple[str, list[str]]:
        obs = _check_obs(obs)
        if self._final is not None:  # the episode is over; OSWorld should have stopped
            return self._final[1], [self._final[0]]
        if self._desktop is None:
            self._start(instruction, obs)
        else:
            self._desktop.inbox.put(obs)
        return self._next()

    # --- the episode thread
    def _start(self, instruction: str, obs: dict[str, Any]) -> None:
        from agent.episode import EpisodeHooks, EpisodePipeline

        self._episodes += 1
        base = self.folder or Path(tempfile.mkdtemp(prefix="deskpilot-osworld-"))
        self.episode_folder = base / f"episode-{self._episodes:03d}"
        desktop = ObservationDesktop(obs, self.step_timeout_s)
        # Models per episode, as OSWorld builds its agent per task (a scripted model's
        # queue must not run on into the next task).
        pipeline = EpisodePipeline(self.config, models=self._models)
        # The tree a grounder reads comes from OSWorld's latest observation.
        grounder = self._grounder or pipeline.grounder_for(
            desktop, tree_source=lambda: str(desktop.obs.get("accessibility_tree") or EMPTY_TREE)
        )
        task_id = f"osworld-{self._episodes}"

        def run() -> None:
            try:
                outcome = pipeline.run(
                    desktop,
                    self.episode_folder,  # type: ignore[arg-type]  # set just above
                    instruction=instruction,
                    task_id=task_id,
                    sandbox=self.sandbox,
                    score=False,
                    grounder=grounder,
                    hooks=EpisodeHooks(on_event=self._on_event),
                )
                result = outcome.result
                # FAIL only when the planner said so: OSWorld scores FAIL on a feasible task
                # 0, so a budget or an error ends with DONE and its evaluator judges the screen.
                special = "FAIL" if result.status == "fail" else "DONE"
                desktop.outbox.put(("end", f"{special}:{result.status}: {result.reason}"))
            except BaseException as exc:  # noqa: BLE001 - predict() must hear of it, not hang
                log.exception("the episode failed")
                desktop.outbox.put(("end", f"DONE:error: {type(exc).__name__}: {exc}"))

        self._desktop = desktop
        self._thread = threading.Thread(target=run, name="deskpilot-episode", daemon=True)
        self._thread.start()

    def _on_event(self, kind: str, data: dict) -> None:
        if kind == "plan":
            self._decision = data.get("decision")

    def _next(self) -> tuple[str, list[str]]:
        assert self._desktop is not None
        try:
            kind, payload = self._desktop.outbox.get(timeout=self.step_timeout_s)
        except queue.Empty:
            self._final = ("FAIL", f"no action within {self.step_timeout_s:g} s")
            return self._final[1], ["FAIL"]
        if kind == "action":
            response = json.dumps(self._decision, ensure_ascii=False) if self._decision else ""
            return response, [payload]
        special, _, reason = payload.partition(":")
        self._final = (special, reason)
        return reason, [special]


# The tree a grounder reads when OSWorld sent none (observation type "screenshot"): an
# empty one, so an accessibility grounder finds nothing and says so, and the planner
# hears "not found" instead of the step failing.
EMPTY_TREE = "<desktop-frame/>"
