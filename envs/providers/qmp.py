"""A small synchronous QMP client (QEMU's JSON monitor) over a unix socket.

    with Qmp(Path("qmp.sock")) as qmp:
        qmp.command("query-status")              # {"status": "running", ...}
        qmp.hmp("savevm clean")                  # human monitor commands, through QMP

Only what the provider needs: the greeting, capabilities negotiation, commands with their
replies (events in between are skipped), and HMP passthrough for savevm/loadvm, which
answer synchronously (QEMU 7.2 also has job-based snapshot-save; HMP is simpler and as fast).
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Self


class QmpError(RuntimeError):
    """QEMU answered with an error, or the monitor could not be reached."""


class Qmp:
    def __init__(self, path: Path, timeout: float = 10.0) -> None:
        self.path = path
        self.timeout = timeout
        self._sock: socket.socket | None = None
        self._buffer = b""

    def connect(self, wait: float = 0.0, alive: Callable[[], bool] | None = None) -> Self:
        """Connect (retrying up to `wait` seconds while QEMU creates the socket, unless
        `alive()` says QEMU is gone) and negotiate."""
        deadline = time.monotonic() + wait
        while True:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(self.timeout)
            try:
                sock.connect(str(self.path))
                break
            except OSError as exc:
                sock.close()
                if time.monotonic() >= deadline or (alive is not None and not alive()):
                    raise QmpError(f"cannot reach QEMU's monitor at {self.path}: {exc}") from exc
                time.sleep(0.05)
        self._sock = sock
        greeting = self._read()
        if "QMP" not in greeting:
            raise QmpError(f"not a QMP greeting: {greeting}")
        self.command("qmp_capabilities")
        return self

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def __enter__(self) -> Self:
        return self if self._sock is not None else self.connect()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def command(self, name: str, timeout: float | None = None, **arguments: Any) -> Any:
        if self._sock is None:
            self.connect()
        assert self._sock is not None
        message: dict[str, Any] = {"execute": name}
        if arguments:
            message["arguments"] = arguments
        self._sock.settimeout(timeout or self.timeout)
        self._sock.sendall(json.dumps(message).encode() + b"\n")
        while True:
            reply = self._read()
            if "event" in reply:
                continue
            if "error" in reply:
                raise QmpError(f"{name}: {reply['error'].get('desc', reply['error'])}")
            return reply.get("return")

    def hmp(self, line: str, timeout: float = 120.0) -> str:
        """A human monitor command; its text output (savevm/loadvm print only on failure)."""
        out = self.command("human-monitor-command", timeout=timeout, **{"command-line": line})
        return str(out or "")

    def _read(self) -> dict[str, Any]:
        assert self._sock is not None
        while b"\n" not in self._buffer:
            try:
                chunk = self._sock.recv(65536)
            except OSError as exc:
                raise QmpError(f"QEMU's monitor did not answer: {exc}") from exc
            if not chunk:
                raise QmpError("QEMU closed its monitor (it exited)")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return json.loads(line)
