"""ThisScreen: the person's own X display, driven by our control server, one monitor at a time.

    from envs.this_screen import ThisScreen, list_monitors

    for m in list_monitors():            # Monitor(index, name, x, y, width, height, primary, scale)
        print(m.describe())
    with ThisScreen(monitor=1) as screen:   # None: the primary monitor
        client = screen.client()            # a DesktopClient carrying the token
        client.screenshot()                 # PNG of monitor 1 only, in logical pixels
        screen.monitor                      # the Monitor it is restricted to
        screen.url, screen.token            # http://127.0.0.1:<free port>, a fresh token

Unlike LocalDesktop there is no sandbox: the server runs as the person, on their
display ($DISPLAY or `display=`), with their session bus (so the accessibility
tree works) and their home folder as the file routes' root. Because it drives a
real person's screen it ALWAYS binds 127.0.0.1 and demands a fresh random token,
even on loopback: any other local program could otherwise click on their behalf.
The server is a child process; leaving the `with` block (or stop()) ends it,
and it stops by itself if this process dies without doing so.

Coordinates: /screenshot, /act, /cursor_position, /screen_size and the
accessibility tree are the monitor's own ((0, 0) = its top-left, scaled by
`monitor.scale`); points off it are refused. /execute runs OSWorld-style
pyautogui code as given, in X screen coordinates (see docs/this-screen.md).
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from envs.client import DesktopClient
from envs.server.monitors import Monitor, MonitorError, choose_monitor, list_monitors
from envs.xauth import with_xauthority

__all__ = ["ThisScreen", "ThisScreenError", "Monitor", "MonitorError", "list_monitors"]


class ThisScreenError(RuntimeError):
    """The control server for this screen did not come up; the message says why."""


class ThisScreen:
    def __init__(
        self,
        monitor: int | str | None = None,
        display: str | None = None,
        *,
        scale: float | None = None,
        roots: list[Path] | None = None,
        start_timeout: float = 20.0,
    ) -> None:
        self._display_from_env = display is None
        self.display = display or os.environ.get("DISPLAY") or None
        self.requested = monitor
        self.scale = scale
        self.roots = [Path(r) for r in roots] if roots else None
        self.start_timeout = start_timeout
        self.token = secrets.token_urlsafe(24)
        self.host = "127.0.0.1"  # never anything else: this is a person's real screen
        self.port: int | None = None
        self.monitor: Monitor | None = None
        self.proc: subprocess.Popen | None = None
        self._run_dir: Path | None = None

    @property
    def url(self) -> str:
        if self.port is None:
            raise RuntimeError("this screen's server has not been started")
        return f"http://{self.host}:{self.port}"

    def client(self, **kwargs: object) -> DesktopClient:
        return DesktopClient(self.url, token=self.token, **kwargs)  # type: ignore[arg-type]  # client options pass through

    def __enter__(self) -> ThisScreen:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> ThisScreen:
        if not self.display:
            raise ThisScreenError(
                "no X display to drive: DISPLAY is not set (a Wayland-only "
                "session has none; log in to an X11 session)"
            )
        if self._display_from_env and _wayland_session():
            # $DISPLAY is then XWayland, whose screenshots show native Wayland windows
            # as black: the agent would act blind.
            raise ThisScreenError(
                "this is a Wayland session: its X display (XWayland) cannot "
                "see Wayland windows; log in to an X11 session, or pass "
                "display= explicitly to drive that X display anyway"
            )
        try:  # fail here, with the list of monitors, rather than in the child's log
            self.monitor = choose_monitor(self.requested, self.display, self.scale)
        except MonitorError as exc:
            raise ThisScreenError(str(exc)) from exc
        self._run_dir = Path(tempfile.mkdtemp(prefix="deskpilot-this-screen-"))
        ready = self._run_dir / "server.json"
        command = [
            sys.executable,
            "-m",
            "envs.server",
            "--host",
            self.host,
            "--port",
            "0",
            "--ready-file",
            str(ready),
            "--monitor",
            str(self.monitor.index),
            "--scale",
            repr(self.monitor.scale),
            "--exit-with-parent",
        ]
        for root in self.roots or []:
            command += ["--root", str(root)]
        env = dict(os.environ, DISPLAY=self.display, DESKPILOT_TOKEN=self.token)  # not in argv: ps shows it
        with_xauthority(env)  # a session without ~/.Xauthority: envs/xauth.py
        env.setdefault("PYTHONPATH", "")
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_source_root(), env["PYTHONPATH"]) if p)
        log = (self._run_dir / "server.log").open("ab")
        self.proc = subprocess.Popen(
            command,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        try:
            self._wait_ready(ready)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self, ready: Path) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ThisScreenError(
                    f"the control server exited during start-up "
                    f"(code {self.proc.returncode}):\n{self.log_tail()}"
                )
            if self.port is None and ready.exists():
                self.port = json.loads(ready.read_text())["port"]
            if self.port is not None:
                try:
                    reply = httpx.get(
                        f"{self.url}/health", timeout=2, headers={"Authorization": f"Bearer {self.token}"}
                    )
                    if reply.status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
            time.sleep(0.05)
        raise ThisScreenError(
            f"the control server was not ready after {self.start_timeout:g} s:\n{self.log_tail()}"
        )

    def log_tail(self, lines: int = 20) -> str:
        log = self._run_dir / "server.log" if self._run_dir else None
        if log is None or not log.exists():
            return "(no log)"
        return "\n".join(log.read_text(errors="replace").strip().splitlines()[-lines:]) or "(empty log)"

    def stop(self) -> None:
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.terminate()  # uvicorn shuts down gracefully on SIGTERM
                try:
                    self.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
            self.proc = None
        self.port = None
        if self._run_dir is not None:
            for child in self._run_dir.iterdir():
                child.unlink(missing_ok=True)
            self._run_dir.rmdir()
            self._run_dir = None


def _wayland_session() -> bool:
    return os.environ.get("XDG_SESSION_TYPE") == "wayland" or bool(os.environ.get("WAYLAND_DISPLAY"))


def _source_root() -> str:
    """The folder holding the `envs` package, so the child finds it from any cwd."""
    import envs

    return str(Path(envs.__file__).resolve().parent.parent)
