"""A scripted person at a pseudo-terminal: start `agent chat`, wait for text, press keys."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time
from pathlib import Path

import pytest

ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][A-Z0-9]|\r")
AGENT = [sys.executable, "-m", "agent.cli"]


class Terminal:
    """`agent chat` on a pty of its own (its controlling terminal: Ctrl-C works as for a person)."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path) -> None:
        pid, fd = pty.fork()
        if pid == 0:  # the child: become the command
            os.chdir(cwd)
            os.execvpe(AGENT[0], [*AGENT, *args], env)
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 220, 0, 0))
        self.text = ""  # everything it printed so far, without colours
        self.seen = 0  # expect() looks after this point
        self.status: int | None = None

    def _read(self, timeout: float) -> None:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if ready:
            try:
                data = os.read(self.fd, 65536)
            except OSError:  # the child exited and the pty closed
                data = b""
            if data:
                self.text += ANSI.sub("", data.decode("utf-8", "replace"))

    def expect(self, pattern: str, timeout: float = 30.0) -> re.Match:
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern)
        while True:
            found = regex.search(self.text, self.seen)
            if found:
                self.seen = found.end()
                return found
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"timed out after {timeout} s waiting for {pattern!r}; "
                    f"the terminal shows:\n{self.text[-3000:]}"
                )
            self._read(0.1)

    def send(self, keys: str) -> None:
        os.write(self.fd, keys.encode("utf-8"))

    def wait(self, timeout: float = 30.0) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._read(0.05)
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                self.status = os.waitstatus_to_exitcode(status)
                for _ in range(20):  # what was still in the pty
                    self._read(0.01)
                return self.status
        raise AssertionError(f"agent chat did not exit; it shows:\n{self.text[-3000:]}")

    def close(self) -> None:
        if self.status is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
        os.close(self.fd)


@pytest.fixture
def terminal():
    opened: list[Terminal] = []
    root = Path(__file__).resolve().parents[3]

    def start(args: list[str], **env: str) -> Terminal:
        environ = {**os.environ, "COLUMNS": "220", "TERM": "xterm", **env}
        term = Terminal(args, environ, root)
        opened.append(term)
        return term

    yield start
    for term in opened:
        term.close()
