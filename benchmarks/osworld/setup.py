"""Run a task's setup steps (and its evaluator's postconfig) against a desktop.

The step types that need nothing but the desktop's own protocol always run:
execute, command, launch, open, sleep, activate_window, close_window, and WAA's
create_folder and recycle_file. `download` runs when the runner has an
`AssetCache` (files missing from it raise `MissingAssets` before any step runs,
unless fetching is allowed); `chrome_open_tabs` and `chrome_close_tabs` run on a
desktop with `run_python` (DevTools over HTTP, from inside the desktop). Any other
type (googledrive, login, update_browse_history, ...) raises `UnsupportedSetupStep`
before a single step has run, so a task is never left half set up; `requirements`
says in words what such a task needs.

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

from benchmarks.osworld.assets import AssetCache, MissingAssets, download_urls
from benchmarks.osworld.chrome import (
    DEFAULT_DEBUG_PORT,
    ChromeDevTools,
    ChromeError,
    debug_port_in,
)
from benchmarks.osworld.tasks import SetupStep, Task
from envs.base import CommandOutput, DesktopError

__all__ = [
    "ASSET_STEPS",
    "CHROME_STEPS",
    "PLACEHOLDERS",
    "STEP_PARAMETERS",
    "SUPPORTED_STEPS",
    "MissingAssets",
    "SetupDesktop",
    "SetupRunner",
    "SetupStepError",
    "StepOutcome",
    "UnsupportedSetupStep",
    "as_flag",
    "requirements",
    "substitute",
    "unsupported_steps",
]

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
    "create_folder": ({"path"}, set()),  # WindowsAgentArena
    "recycle_file": ({"path"}, set()),  # WindowsAgentArena
    "download": ({"files"}, set()),
    "chrome_open_tabs": ({"urls_to_open"}, set()),
    "chrome_close_tabs": ({"urls_to_close"}, set()),
}
ASSET_STEPS = frozenset({"download"})  # need an AssetCache
CHROME_STEPS = frozenset({"chrome_open_tabs", "chrome_close_tabs"})  # need run_python
# What any runner can do with nothing but the desktop's protocol.
SUPPORTED_STEPS = frozenset(STEP_PARAMETERS) - ASSET_STEPS - CHROME_STEPS
_HINTS = {
    "download": "download needs SetupRunner(assets=AssetCache(...))",
    "chrome_open_tabs": "Chrome tab steps need a desktop with run_python",
    "chrome_close_tabs": "Chrome tab steps need a desktop with run_python",
}
# The placeholder names the OSWorld and WAA task files use (measured over all 523 files),
# plus the two full sizes OSWorld's controller also replaces. Other `{name}` text in
# commands is Python f-string code and must stay as it is.
PLACEHOLDERS = ("SCREEN_WIDTH", "SCREEN_HEIGHT", "SCREEN_WIDTH_HALF", "SCREEN_HEIGHT_HALF", "CLIENT_PASSWORD")
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
    def __init__(
        self, step_type: str, task_id: str | None = None, supported: Iterable[str] = SUPPORTED_STEPS
    ) -> None:
        self.step_type, self.task_id = step_type, task_id
        where = f" (task {task_id})" if task_id else ""
        hint = f" ({_HINTS[step_type]})" if step_type in _HINTS else ""
        super().__init__(
            f"setup step type {step_type!r} is not supported yet{where}{hint}; "
            f"supported: {', '.join(sorted(supported))}"
        )


class SetupStepError(RuntimeError):
    """A step that cannot run as written (bad parameters), or failed under strict=True."""


SETUP_FILE = "setup.json"  # the episode folder's record of its setup steps (agent/episode.py)
# Steps that make the task's starting state; the others (sleep, focusing or closing a
# window) failing leaves it as it was. A failed state step explains a 0 (the taxonomy).
STATE_STEPS = frozenset(
    {"execute", "command", "launch", "download", "open", "chrome_open_tabs", "create_folder", "recycle_file"}
)


@dataclass(frozen=True)
class StepOutcome:
    index: int
    type: str
    ok: bool
    detail: str = ""


def unsupported_steps(task: Task, runner: SetupRunner | None = None) -> list[str]:
    """Step types in the task's setup and postconfig that `runner` cannot run; without a
    runner, those that need more than the desktop's protocol (see SUPPORTED_STEPS).
    A runner with an asset cache runs `download` only when every file the task downloads
    is cached (or it may fetch): otherwise the task would stop at MissingAssets."""
    supported = runner.supported if runner is not None else SUPPORTED_STEPS
    steps = [*task.config, *task.evaluator.postconfig]
    if (
        runner is not None
        and runner.assets is not None
        and not runner.fetch_assets
        and runner.assets.missing(download_urls(steps))
    ):
        supported = supported - ASSET_STEPS
    seen: list[str] = []
    for step in steps:
        if step.type not in supported and step.type not in seen:
            seen.append(step.type)
    return seen


_LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1", "0.0.0.0")
# Getters that read a live web page (not a cached file) while evaluating.
_LIVE_WEB_GETTERS = ("info_from_website", "page_info", "pdf_from_url")


def _live(url: Any) -> bool:
    from urllib.parse import urlsplit

    if not isinstance(url, str):
        return False
    parts = urlsplit(url.strip())
    return parts.scheme in ("http", "https") and (parts.hostname or "") not in _LOCAL_HOSTS


def requirements(task: Task) -> list[str]:
    """What, beyond a desktop and the asset cache, the task needs, in words; [] if nothing.

    Google Drive (`googledrive` steps or getters), an account login (`login` steps), the
    live web (`proxy: true`, live URLs in `chrome_open_tabs`, getters that read web pages)
    and steps not implemented yet (`update_browse_history`).
    """
    needs: list[str] = []

    def need(text: str) -> None:
        if text not in needs:
            needs.append(text)

    steps = [*task.config, *task.evaluator.postconfig]
    for step in steps:
        params = step.parameters
        if step.type == "googledrive":
            need("Google Drive (a Drive account and its settings file)")
        elif step.type == "login":
            platform = params.get("platform")
            need(f"an account login{f' ({platform})' if platform else ''}")
        elif step.type in ("chrome_open_tabs", "chrome_close_tabs"):
            urls = params.get("urls_to_open") or params.get("urls_to_close") or []
            live = [u for u in urls if _live(u)]
            if live:
                need(f"the live web (opens {', '.join(live[:3])}{' ...' if len(live) > 3 else ''})")
        elif step.type in ("update_browse_history", "update_browse_history_edge"):
            need(f"browser history seeding ({step.type} is not implemented yet)")
    for spec in task.evaluator.getter_specs():
        if spec.type == "googledrive_file":
            need("Google Drive (a Drive account and its settings file)")
        elif spec.type in _LIVE_WEB_GETTERS:
            need(f"the live web (the {spec.type} getter reads a web page)")
    if task.proxy:
        need("the live web (the task runs through a proxy)")
    return needs


def substitute(value: Any, screen: tuple[int, int], password: str = "password") -> Any:
    """Replace the placeholders in a command (a string or a list of strings)."""
    width, height = screen
    values = {
        "SCREEN_WIDTH": str(width),
        "SCREEN_HEIGHT": str(height),
        "SCREEN_WIDTH_HALF": str(width // 2),
        "SCREEN_HEIGHT_HALF": str(height // 2),
        "CLIENT_PASSWORD": password,
    }
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
    def __init__(
        self,
        desktop: SetupDesktop,
        screen: tuple[int, int] | None = None,
        *,
        password: str = "password",
        cache_dir: Path | None = None,
        strict: bool = False,
        sleep: Callable[[float], None] = time.sleep,
        assets: AssetCache | None = None,
        fetch_assets: bool = False,
        chrome_port: int | None = None,
        chrome_timeout: float = 60.0,
    ) -> None:
        self.desktop = desktop
        self.assets = assets
        self.fetch_assets = fetch_assets  # download missing files instead of refusing
        # The DevTools port: a launch step's --remote-debugging-port, else this.
        self.chrome_port = chrome_port or DEFAULT_DEBUG_PORT
        self.chrome_timeout = chrome_timeout
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

    @property
    def supported(self) -> frozenset[str]:
        """The step types this runner can run, given its cache and its desktop."""
        extra: set[str] = set()
        if self.assets is not None and hasattr(self.desktop, "upload_file"):
            extra |= ASSET_STEPS
        if hasattr(self.desktop, "run_python"):
            extra |= CHROME_STEPS
        return SUPPORTED_STEPS | extra

    def setup_task(self, task: Task) -> list[StepOutcome]:
        return self.run(task.config, task_id=task.id)

    def run(
        self, steps: Iterable[SetupStep | dict[str, Any]], *, task_id: str | None = None
    ) -> list[StepOutcome]:
        parsed = [s if isinstance(s, SetupStep) else SetupStep.model_validate(s) for s in steps]
        supported = self.supported
        for step in parsed:  # all checked before any runs
            if step.type not in supported:
                raise UnsupportedSetupStep(step.type, task_id, supported)
        self._ensure_assets(download_urls(parsed), task_id)
        outcomes: list[StepOutcome] = []
        for index, step in enumerate(parsed):
            outcome = self._run_one(index, step, task_id)
            outcomes.append(outcome)
            if not outcome.ok:
                log.warning(
                    "setup step %d (%s) of %s failed: %s",
                    index,
                    step.type,
                    task_id or "steps",
                    outcome.detail,
                )
                if self.strict:
                    raise SetupStepError(
                        f"step {index} ({step.type}) of {task_id or 'steps'} failed: {outcome.detail}"
                    )
        return outcomes

    # --- the steps ------------------------------------------------------------------------
    def _run_one(self, index: int, step: SetupStep, task_id: str | None) -> StepOutcome:
        params = dict(step.parameters)
        required, optional = STEP_PARAMETERS[step.type]
        # Upstream calls `_<type>_setup(**parameters)`: a misspelt key is a TypeError there too.
        unexpected, missing = set(params) - required - optional, required - set(params)
        if unexpected or missing:
            problems = [
                f"{label}: {', '.join(sorted(keys))}"
                for label, keys in (("unexpected parameters", unexpected), ("missing parameters", missing))
                if keys
            ]
            raise SetupStepError(f"step {index} ({step.type}) of {task_id or 'steps'}: {'; '.join(problems)}")
        handler = getattr(self, f"_step_{'execute' if step.type == 'command' else step.type}")
        try:
            detail = handler(params)
        except (DesktopError, ChromeError) as exc:
            return StepOutcome(index, step.type, False, str(exc))
        except (TypeError, ValueError) as exc:
            raise SetupStepError(
                f"step {index} ({step.type}) of {task_id or 'steps'}: bad parameters {params!r}: {exc}"
            ) from exc
        if isinstance(detail, CommandOutput):
            text = (detail.error or detail.output).strip()[-300:]
            return StepOutcome(index, step.type, detail.ok, f"returncode {detail.returncode}: {text}")
        return StepOutcome(index, step.type, True, detail or "")

    def _command(self, params: dict[str, Any]) -> list[str] | str:
        command = params["command"]
        if not command:
            raise ValueError("empty command")
        return substitute(command, self.screen, self.password) if _has_placeholder(command) else command

    def _ensure_assets(self, urls: list[str], task_id: str | None) -> None:
        if not urls or self.assets is None:
            return
        missing = self.assets.missing(urls)
        if missing and self.fetch_assets:
            self.assets.fetch(missing)  # AssetFetchError lists what could not be fetched
            missing = self.assets.missing(urls)
        if missing:
            raise MissingAssets(missing, task_id, self.assets.folder)

    def _note_chrome_port(self, command: Any) -> None:
        port = debug_port_in(command)
        if port:
            self.chrome_port = port

    def _step_execute(self, params: dict[str, Any]) -> CommandOutput:
        command = self._command(params)
        self._note_chrome_port(command)
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
            return CommandOutput(
                out.returncode or 1,
                out.output,
                f"until {until} not met in {UNTIL_DEADLINE_S:.0f} s; {out.error}",
            )
        return out

    def _step_launch(self, params: dict[str, Any]) -> str:
        command = self._command(params)
        shell = as_flag(params.get("shell", False))
        if not shell and isinstance(command, str) and len(command.split()) > 1:
            command = command.split()  # as upstream does with a string that is not for a shell
        self._note_chrome_port(command)
        self.desktop.launch(command, shell=shell)
        return f"launched {command!r}"

    def _step_download(self, params: dict[str, Any]) -> str:
        assert self.assets is not None  # `supported` lets download through only with a cache
        files = params["files"]
        if not isinstance(files, list):
            raise TypeError("files must be a list of {url, path}")
        uploaded = []
        for entry in files:
            url, path = (entry.get("url"), entry.get("path")) if isinstance(entry, dict) else (None, None)
            if not url or not path:
                raise ValueError(f"download entry without url or path: {entry!r}")
            self.desktop.upload_file(path, self.assets.read(url))  # type: ignore[attr-defined]  # every desktop the runner hands in has uploads
            uploaded.append(path)
        return f"uploaded {', '.join(uploaded)}"

    def _chrome(self) -> ChromeDevTools:
        return ChromeDevTools(
            self.desktop,  # type: ignore[arg-type]  # DevTools needs run_python, which our desktops have
            self.chrome_port,
            ready_timeout=self.chrome_timeout,
        )

    def _step_chrome_open_tabs(self, params: dict[str, Any]) -> str:
        urls = params["urls_to_open"]
        if not isinstance(urls, list):
            raise TypeError("urls_to_open must be a list")
        opened = self._chrome().open_tabs(urls)
        return f"opened {len(opened)} tab(s) on port {self.chrome_port}"

    def _step_chrome_close_tabs(self, params: dict[str, Any]) -> str:
        urls = params["urls_to_close"]
        if not isinstance(urls, list):
            raise TypeError("urls_to_close must be a list")
        closed = self._chrome().close_tabs(urls)
        return f"closed {len(closed)} tab(s): {', '.join(closed)}"

    # WindowsAgentArena's steps: a Windows path runs through PowerShell in the desktop
    # (a WAA VM); a POSIX path is done the Linux way.
    def _step_create_folder(self, params: dict[str, Any]) -> CommandOutput:
        path = _path_param(params)
        if _windows_path(path):
            return self.desktop.execute(
                _powershell(f"New-Item -ItemType Directory -Force -Path {_ps_quote(path)} | Out-Null")
            )
        return self.desktop.execute(["mkdir", "-p", path])

    def _step_recycle_file(self, params: dict[str, Any]) -> CommandOutput:
        path = _path_param(params)
        if _windows_path(path):
            return self.desktop.execute(
                _powershell(
                    "Add-Type -AssemblyName Microsoft.VisualBasic; "
                    "[Microsoft.VisualBasic.FileIO.FileSystem]::DeleteFile("
                    f"{_ps_quote(path)}, 'OnlyErrorDialogs', 'SendToRecycleBin')"
                )
            )
        return self.desktop.execute(["gio", "trash", path])

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


def _path_param(params: dict[str, Any]) -> str:
    path = params["path"]
    if not isinstance(path, str) or not path:
        raise ValueError("empty path")
    return path


def _windows_path(path: str) -> bool:
    return bool(re.match(r"^[A-Za-z]:[\\/]", path)) or "\\" in path


def _ps_quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _powershell(script: str) -> list[str]:
    return ["powershell", "-NoProfile", "-NonInteractive", "-Command", script]


def _has_placeholder(command: str | Sequence[str]) -> bool:
    parts = [command] if isinstance(command, str) else command
    return any(isinstance(p, str) and _PLACEHOLDER.search(p) for p in parts)


def _until_met(out: CommandOutput, until: dict[str, Any]) -> bool:
    return (
        ("returncode" in until and out.returncode == until["returncode"])
        or ("stdout" in until and str(until["stdout"]) in out.output)
        or ("stderr" in until and str(until["stderr"]) in out.error)
    )
