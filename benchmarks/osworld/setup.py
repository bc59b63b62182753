"""Run a task's setup steps (and its evaluator's postconfig) against a desktop.

Only the step types that need nothing but the desktop's own protocol are here:
execute, command, launch, open, sleep, activate_window, close_window. Any other
type (download, chrome_open_tabs, googledrive, ...) raises `UnsupportedSetupStep`
before a single step has run, so a task is never left half set up.

Like OSWorld's SetupController, a step the desktop answers with an error (a
command that fails, a window that is not there) is logged and the setup goes on:
upstream tasks rely on that. `strict=True` turns those into `SetupStepError`.
An unreachable desktop always raises.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from benchmarks.osworld.tasks import SetupStep, Task
from envs.base import CommandOutput, DesktopError

__all__ = ["PLACEHOLDERS", "STEP_PARAMETERS", "SUPPORTED_STEPS", "SetupDesktop", "SetupRunner",
           "SetupStepError", "StepOutcome", "UnsupportedSetupStep", "as_flag", "substitute",
           "unsupported_steps"]

log = logging.getLogger(__name__)

# type -> (required, optional) parameters, as OSWorld's `_<type>_setup(**parameters)` take them.
_WINDOW = ({"window_name"}, {"strict", "by_class"})
STEP_PARAMETERS: dict[str, tuple[set[str], set[str]]] = {
    "execute": ({"command"}, {"shell", "stdout", "stderr", "until"}),
    "command": ({"command"}, {"shell", "stdout", "stderr", "until"}),
    "launch": ({"command"}, {"shell"}),
    "open": ({"path"}, set()),
    "sleep": ({"seconds"}, set()),
    "activate_window": _WINDOW,
    "close_window": _WINDOW,
}
SUPPORTED_STEPS = frozenset(STEP_PARAMETERS)
# The placeholder names the OSWorld and WAA task files use (measured over all 523 files),
# plus the two full sizes OSWorld's controller also replaces. Other `{name}` text in
# commands is Python f-string code and must stay as it is.
PLACEHOLDERS = ("SCREEN_WIDTH", "SCREEN_HEIGHT", "SCREEN_WIDTH_HALF", "SCREEN_HEIGHT_HALF",
                "CLIENT_PASSWORD")
_PLACEHOLDER = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")
UNTIL_DEADLINE_S = 60.0  # upstream retries an `until` command forever; we give up


class SetupDesktop(Protocol):
    """What setup needs from a desktop; `envs.client.DesktopClient` has all of it."""

    def execute(self, command: list[str] | str, shell: bool = False) -> CommandOutput: ...

    def launch(self, command: list[str] | str, shell: bool = False) -> None: ...

    def open_file(self, path: str) -> None: ...

    def activate_window(self, window_name: str, strict: bool = False, by_class: bool = False) -> None: ...

    def close_window(self, window_name: str, strict: bool = False, by_class: bool = False) -> None: ...

    def screen_size(self) -> tuple[int, int]: ...


class UnsupportedSetupStep(NotImplementedError):
    def __init__(self, step_type: str, task_id: str | None = None) -> None:
        self.step_type, self.task_id = step_type, task_id
        where = f" (task {task_id})" if task_id else ""
        super().__init__(f"setup step type {step_type!r} is not supported yet{where}; "
                         f"supported: {', '.join(sorted(SUPPORTED_STEPS))}")


class SetupStepError(RuntimeError):
    """A step that cannot run as written (bad parameters), or failed under strict=True."""


@dataclass(frozen=True)
class StepOutcome:
    index: int
    type: str
    ok: bool
    detail: str = ""


def unsupported_steps(task: Task) -> list[str]:
    """Step types in the task's setup and postconfig that `SetupRunner` cannot run."""
    seen: list[str] = []
    for step in [*task.config, *task.evaluator.postconfig]:
        if step.type not in SUPPORTED_STEPS and step.type not in seen:
            seen.append(step.type)
    return seen


def substitute(value: Any, screen: tuple[int, int], password: str = "password") -> Any:
    """Replace the placeholders in a command (a string or a list of strings)."""
    width, height = screen
    values = {"SCREEN_WIDTH": str(width), "SCREEN_HEIGHT": str(height),
              "SCREEN_WIDTH_HALF": str(width // 2), "SCREEN_HEIGHT_HALF": str(height // 2),
              "CLIENT_PASSWORD": password}
    if isinstance(value, str):
        return _PLACEHOLDER.sub(lambda m: values[m.group(1)], value)
    if isinstance(value, list):
        return [substitute(item, screen, password) for item in value]
    return value


def as_flag(value: Any) -> bool:
    # WAA files write "shell": "true"; upstream servers take any truthy JSON value.
    if isinstance(value, str):
        return value.strip().lower() not in ("", "false", "0", "no")
    return bool(value)


class SetupRunner:
    def __init__(self, desktop: SetupDesktop, screen: tuple[int, int] | None = None, *,
                 password: str = "password", cache_dir: Path | None = None, strict: bool = False,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.desktop = desktop
        self._screen = screen
        self.password = password  # OSWorld VMs: "password" (AWS images use another)
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self.strict = strict
        self.sleep = sleep

    @property
    def screen(self) -> tuple[int, int]:
        if self._screen is None:  # asked once, only when a command needs it
            self._screen = self.desktop.screen_size()
        return self._screen

    def setup_task(self, task: Task) -> list[StepOutcome]:
        return self.run(task.config, task_id=task.id)

    def run(self, steps: Iterable[SetupStep | dict[str, Any]], *,
            task_id: str | None = None) -> list[StepOutcome]:
        parsed = [s if isinstance(s, SetupStep) else SetupStep.model_validate(s) for s in steps]
        for step in parsed:  # all checked before any runs
            if step.type not in SUPPORTED_STEPS:
                raise UnsupportedSetupStep(step.type, task_id)
        outcomes: list[StepOutcome] = []
        for index, step in enumerate(parsed):
            outcome = self._run_one(index, step, task_id)
            outcomes.append(outcome)
            if not outcome.ok:
                log.warning("setup step %d (%s) of %s failed: %s", index, step.type,
                            task_id or "steps", outcome.detail)
                if self.strict:
                    raise SetupStepError(f"step {index} ({step.type}) of {task_id or 'steps'} "
                                         f"failed: {outcome.detail}")
        return outcomes

    # --- the steps ------------------------------------------------------------------------
    def _run_one(self, index: int, step: SetupStep, task_id: str | None) -> StepOutcome:
        params = dict(step.parameters)
        required, optional = STEP_PARAMETERS[step.type]
        # Upstream calls `_<type>_setup(**parameters)`: a misspelt key is a TypeError there too.
        unexpected, missing = set(params) - required - optional, required - set(params)
        if unexpected or missing:
            problems = [f"{label}: {', '.join(sorted(keys))}" for label, keys in
                        (("unexpected parameters", unexpected), ("missing parameters", missing)) if keys]
            raise SetupStepError(f"step {index} ({step.type}) of {task_id or 'steps'}: "
                                 f"{'; '.join(problems)}")
        handler = getattr(self, f"_step_{'execute' if step.type == 'command' else step.type}")
        try:
            detail = handler(params)
        except DesktopError as exc:
            return StepOutcome(index, step.type, False, str(exc))
        except (TypeError, ValueError) as exc:
            raise SetupStepError(f"step {index} ({step.type}) of {task_id or 'steps'}: "
                                 f"bad parameters {params!r}: {exc}") from exc
        if isinstance(detail, CommandOutput):
            text = (detail.error or detail.output).strip()[-300:]
            return StepOutcome(index, step.type, detail.ok, f"returncode {detail.returncode}: {text}")
        return StepOutcome(index, step.type, True, detail or "")

    def _command(self, params: dict[str, Any]) -> list[str] | str:
        command = params["command"]
        if not command:
            raise ValueError("empty command")
        return substitute(command, self.screen, self.password) if _has_placeholder(command) else command

    def _step_execute(self, params: dict[str, Any]) -> CommandOutput:
        command = self._command(params)
        shell = as_flag(params.get("shell", False))
        stdout, stderr = params.get("stdout", ""), params.get("stderr", "")
        until: dict[str, Any] = params.get("until") or {}
        deadline = time.monotonic() + UNTIL_DEADLINE_S
        while True:
            out = self.desktop.execute(command, shell=shell)
            if not until or _until_met(out, until) or time.monotonic() > deadline:
                break
            self.sleep(0.3)
        # Upstream saves a command's output in the task's cache for getters to read later.
        for name, text in ((stdout, out.output), (stderr, out.error)):
            if name:
                self._cache_path(name).write_text(text, encoding="utf-8")
        if until and not _until_met(out, until):
            return CommandOutput(out.returncode or 1, out.output, f"until {until} not met in "
                                 f"{UNTIL_DEADLINE_S:.0f} s; {out.error}")
        return out

    def _step_launch(self, params: dict[str, Any]) -> str:
        command = self._command(params)
        shell = as_flag(params.get("shell", False))
        if not shell and isinstance(command, str) and len(command.split()) > 1:
            command = command.split()  # as upstream does with a string that is not for a shell
        self.desktop.launch(command, shell=shell)
        return f"launched {command!r}"

    def _step_open(self, params: dict[str, Any]) -> str:
        path = params["path"]
        if not path:
            raise ValueError("empty path")
        self.desktop.open_file(path)
        return f"opened {path}"

    def _step_sleep(self, params: dict[str, Any]) -> str:
        seconds = float(params["seconds"])
        self.sleep(seconds)
        return f"slept {seconds} s"

    def _window(self, params: dict[str, Any]) -> tuple[str, bool, bool]:
        name = params["window_name"]
        strict, by_class = as_flag(params.get("strict", False)), as_flag(params.get("by_class", False))
        if not name:
            raise ValueError("empty window_name")
        return name, strict, by_class

    def _step_activate_window(self, params: dict[str, Any]) -> str:
        name, strict, by_class = self._window(params)
        self.desktop.activate_window(name, strict=strict, by_class=by_class)
        return f"activated {name!r}"

    def _step_close_window(self, params: dict[str, Any]) -> str:
        name, strict, by_class = self._window(params)
        self.desktop.close_window(name, strict=strict, by_class=by_class)
        return f"closed {name!r}"

    def _cache_path(self, name: str) -> Path:
        if self.cache_dir is None:
            raise ValueError(f"the step saves output to {name!r} but the runner has no cache_dir")
        path = (self.cache_dir / name).resolve()
        if self.cache_dir.resolve() not in path.parents:
            raise ValueError(f"output file {name!r} lies outside the cache folder")
        path.parent.mkdir(parents=True, exist_ok=True)
        return path


def _has_placeholder(command: str | Sequence[str]) -> bool:
    parts = [command] if isinstance(command, str) else command
    return any(isinstance(p, str) and _PLACEHOLDER.search(p) for p in parts)


def _until_met(out: CommandOutput, until: dict[str, Any]) -> bool:
    return (("returncode" in until and out.returncode == until["returncode"])
            or ("stdout" in until and str(until["stdout"]) in out.output)
            or ("stderr" in until and str(until["stderr"]) in out.error))

