"""Run a `vllm serve` command and wait, bounded, until its `/health` answers.

The process writes to a log file; if it dies before it is healthy (a bad flag, no GPU,
out of memory, a model that does not download) the error carries the end of that log,
which is where vLLM says why. vLLM is an optional extra: without it a clear message says
how to install it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

INSTALL_HINT = (
    "vLLM is not installed here: pip install 'deskpilot[serve]' (on a machine with "
    "a GPU), or run the command that --dry-run prints where vLLM is"
)


class ServeError(RuntimeError):
    """The server could not be started or did not become healthy; the message says why."""


class VllmMissing(ServeError):
    pass


def find_vllm() -> str:
    """The `vllm` executable: this Python's own bin folder first (a venv), then PATH."""
    beside = Path(sys.executable).parent / "vllm"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("vllm")
    if not found:
        raise VllmMissing(INSTALL_HINT)
    return found


def log_tail(path: Path, lines: int = 30) -> str:
    try:
        text = path.read_text(errors="replace").rstrip().splitlines()
    except OSError:
        return "(no log)"
    return "\n".join(text[-lines:]) or "(empty log)"


@dataclass
class RunningServer:
    proc: subprocess.Popen
    health_url: str
    log_path: Path

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM to the server's process group (vLLM starts worker processes), then SIGKILL."""
        if self.proc.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.proc.wait(timeout=wait)
                return
            except subprocess.TimeoutExpired:
                continue


def start(
    argv: list[str],
    *,
    port: int,
    log_path: Path,
    api_key: str | None = None,
    env: dict[str, str] | None = None,
) -> RunningServer:
    """Start `argv` (its first word "vllm" is resolved with find_vllm) in its own session."""
    if not argv:
        raise ServeError("empty command")
    command = list(argv)
    if command[0] == "vllm":
        command[0] = find_vllm()
    environment = dict(os.environ if env is None else env)
    if api_key:
        environment["VLLM_API_KEY"] = api_key  # not on the command line: `ps` would show it
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        try:
            proc = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=environment,
                start_new_session=True,
            )
        except OSError as exc:
            raise ServeError(f"cannot run {command[0]}: {exc}") from exc
    return RunningServer(proc, f"http://127.0.0.1:{port}/health", log_path)


def wait_healthy(server: RunningServer, timeout: float = 900.0, interval: float = 0.5) -> float:
    """Seconds it took until GET /health answered 200. Raises ServeError, with the log's
    tail, when the process exits first or the timeout passes (the process is then stopped)."""
    started = time.monotonic()
    deadline = started + timeout
    while True:
        code = server.proc.poll()
        if code is not None:
            raise ServeError(
                f"the server exited with code {code} before it was healthy; "
                f"the end of {server.log_path}:\n{log_tail(server.log_path)}"
            )
        try:
            if httpx.get(server.health_url, timeout=2.0).status_code == 200:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        if time.monotonic() >= deadline:
            server.stop()
            raise ServeError(
                f"the server was not healthy after {timeout:g} s (stopped it); "
                f"the end of {server.log_path}:\n{log_tail(server.log_path)}"
            )
        time.sleep(interval)
