"""Run commands for the protocol with timeouts, killing the whole process group on expiry."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
from dataclasses import dataclass


@dataclass(frozen=True)
class CommandResult:
    returncode: int
    output: str
    error: str
    timed_out: bool = False


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n[... {len(text) - limit} more characters cut]"


def normalise(command: list[str] | str, shell: bool) -> list[str] | str:
    """OSWorld accepts a string without shell=True and splits it itself."""
    if isinstance(command, str) and not shell:
        return shlex.split(command)
    if isinstance(command, list) and shell:
        return shlex.join(command)
    return command


def run(
    command: list[str] | str,
    *,
    shell: bool = False,
    timeout: float,
    cwd: str | None = None,
    max_chars: int = 1_000_000,
    stdin: str | None = None,
) -> CommandResult:
    command = normalise(command, shell)
    if not command:
        return CommandResult(returncode=-1, output="", error="empty command")
    try:
        proc = subprocess.Popen(
            command,
            shell=shell,
            cwd=cwd,
            text=True,
            errors="replace",
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except (FileNotFoundError, PermissionError, NotADirectoryError) as exc:
        return CommandResult(returncode=127, output="", error=str(exc))
    try:
        out, err = proc.communicate(input=stdin, timeout=timeout)
        return CommandResult(proc.returncode, _cut(out, max_chars), _cut(err, max_chars))
    except subprocess.TimeoutExpired:
        kill_group(proc.pid)
        out, err = proc.communicate()
        msg = f"command timed out after {timeout:g} s and was killed"
        return CommandResult(-9, _cut(out or "", max_chars), _cut((err or "") + msg, max_chars), True)


def launch(command: list[str] | str, *, shell: bool = False, cwd: str | None = None) -> int:
    """Start a program and return at once; it lives in its own process group."""
    command = normalise(command, shell)
    proc = subprocess.Popen(
        command,
        shell=shell,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    return proc.pid


def kill_group(pid: int, sig: int = signal.SIGKILL) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass
