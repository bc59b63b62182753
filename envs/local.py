"""LocalDesktop: an isolated virtual desktop on this machine, driven over the protocol.

    with LocalDesktop(width=1920, height=1080) as desktop:
        client = desktop.client()
        client.screenshot()

Each desktop runs in a bubblewrap sandbox with its own PID namespace, its own
/home/user and /tmp (OSWorld tasks hard-code both), a read-only view of the
rest of the file system, its own Xvfb display, session D-Bus and window
manager, and a control server on a free loopback port with a fresh token.
Teardown kills the sandbox's first process, which ends the PID namespace and
every process in it, on exit, Ctrl-C or crash alike.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil

from envs.client import DesktopClient
from envs.profiles import DesktopProfile, get_profile

DESKTOP_HOME = "/home/user"
RUN_DIR = "/run/deskpilot"
# Folders the sandbox replaces with the desktop's own (or empty ones).
OVERLAID = ("/tmp", "/home", "/run", "/var/tmp", "/dev/shm")


class DesktopStartError(RuntimeError):
    """The desktop did not come up; the message carries the end of its logs."""


def sandbox_available() -> bool:
    return shutil.which("bwrap") is not None


class LocalDesktop:
    def __init__(
        self,
        width: int = 1920,
        height: int = 1080,
        *,
        isolate: bool = True,
        token: str | None = None,
        host: str = "127.0.0.1",
        state_dir: Path | None = None,
        start_timeout: float = 30.0,
        keep_files: bool = False,
        detach: bool = False,
        profile: str | DesktopProfile | None = None,
    ) -> None:
        self.width, self.height = width, height
        # "osworld": what the OSWorld VM image provides (envs/profiles/osworld.py).
        self.profile = get_profile(profile)
        if self.profile.needs_isolation and not isolate:
            raise ValueError(f"the {self.profile.name!r} profile needs the sandbox (isolate=True)")
        self.isolate = isolate
        self.token = token or secrets.token_urlsafe(24)
        self.host = host
        self.start_timeout = start_timeout
        self.keep_files = keep_files
        self.detach = detach  # outlive this Python process (agent desktop up)
        self.state_dir = Path(state_dir) if state_dir else None
        self.proc: subprocess.Popen | None = None
        self.port: int | None = None

    # --- where things are, seen from the host -------------------------------------------
    @property
    def home(self) -> Path:
        """The desktop's /home/user, as a host path."""
        return self._state / "home"

    @property
    def tmp(self) -> Path:
        return self._state / "tmp"

    @property
    def run_dir(self) -> Path:
        return self._state / "run"

    @property
    def _state(self) -> Path:
        if self.state_dir is None:
            raise RuntimeError("the desktop has not been started")
        return self.state_dir

    @property
    def url(self) -> str:
        if self.port is None:
            raise RuntimeError("the desktop has not been started")
        return f"http://{self.host}:{self.port}"

    def client(self, **kwargs: object) -> DesktopClient:
        return DesktopClient(self.url, token=self.token, **kwargs)  # type: ignore[arg-type]  # client options pass through

    # --- life cycle ----------------------------------------------------------------------
    def __enter__(self) -> LocalDesktop:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> LocalDesktop:
        if self.state_dir is None:
            self.state_dir = Path(tempfile.mkdtemp(prefix="deskpilot-desktop-"))
        for sub in ("home", "tmp", "run"):
            (self._state / sub).mkdir(parents=True, exist_ok=True)
        (self._state / "tmp").chmod(0o1777)
        self.profile.prepare(self._state, self.home)
        self.proc = subprocess.Popen(
            self._command(),
            env=self._environment(),
            cwd="/",
            stdin=subprocess.DEVNULL,
            stdout=(self.run_dir / "session.log").open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _session_args(self, home: str, run_dir: str) -> list[str]:
        args = [
            sys.executable,
            "-m",
            "envs.session",
            "--width",
            str(self.width),
            "--height",
            str(self.height),
            "--run-dir",
            run_dir,
            "--host",
            self.host,
            "--root",
            home,
            "--root",
            "/tmp" if self.isolate else str(self.tmp),
        ]
        return args + self.profile.session_args()

    def _command(self) -> list[str]:
        if not self.isolate:
            return self._session_args(str(self.home), str(self.run_dir))
        if not sandbox_available():
            raise DesktopStartError(
                "bubblewrap (bwrap) is not installed: install the Debian "
                "package 'bubblewrap', or pass isolate=False"
            )
        sandbox = [
            "bwrap",
            "--unshare-pid",
            "--unshare-ipc",
            "--ro-bind",
            "/",
            "/",
            "--dev-bind",
            "/dev",
            "/dev",
            "--proc",
            "/proc",
            "--tmpfs",
            "/dev/shm",
            "--tmpfs",
            "/run",
            "--tmpfs",
            "/var/tmp",
            "--tmpfs",
            "/home",
            "--bind",
            str(self.home),
            DESKTOP_HOME,
            "--bind",
            str(self.tmp),
            "/tmp",
            "--bind",
            str(self.run_dir),
            RUN_DIR,
        ]
        for path in code_paths_hidden_by(OVERLAID):
            sandbox += ["--ro-bind", str(path), str(path)]
        sandbox += self.profile.sandbox_args(self._state)
        sandbox += ["--chdir", DESKTOP_HOME]
        if not self.detach:
            sandbox.append("--die-with-parent")  # the desktop ends with whoever started it
        return sandbox + ["--"] + self._session_args(DESKTOP_HOME, RUN_DIR)

    def _environment(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DISPLAY", "DBUS_", "XDG_", "WAYLAND", "XAUTHORITY"))
        }
        home = DESKTOP_HOME if self.isolate else str(self.home)
        tmp = "/tmp" if self.isolate else str(self.tmp)
        bin_dir = os.path.dirname(sys.executable)  # `python` with pyautogui, as OSWorld expects
        env.update(
            {
                "HOME": home,
                "USER": "user",
                "LOGNAME": "user",
                "TMPDIR": tmp,
                "XDG_RUNTIME_DIR": f"{tmp}/runtime-user",
                "XDG_SESSION_TYPE": "x11",
                "PATH": bin_dir + os.pathsep + env.get("PATH", "/usr/bin:/bin"),
                "LANG": env.get("LANG", "C.UTF-8"),
                "ACCESSIBILITY_ENABLED": "1",
                "GTK_A11Y": "atspi",
                "SAL_USE_VCLPLUGIN": "gtk3",
                "OMP_THREAD_LIMIT": "1",
                "DESKPILOT_TOKEN": self.token,
                "PYTHONDONTWRITEBYTECODE": "1",
            }
        )
        env.pop("NO_AT_BRIDGE", None)
        self.profile.environment(env)
        return env

    def _wait_ready(self) -> None:
        assert self.proc is not None
        ready = self.run_dir / "server.json"
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise DesktopStartError(
                    f"the desktop exited during start-up (code {self.proc.returncode}):\n{self.log_tail()}"
                )
            if ready.exists() and self.port is None:
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
        raise DesktopStartError(
            f"the desktop was not ready after {self.start_timeout:g} s:\n{self.log_tail()}"
        )

    def log_tail(self, lines: int = 20) -> str:
        out = []
        for log in sorted(self.run_dir.glob("*.log")):
            text = log.read_text(errors="replace").strip().splitlines()[-lines:]
            if text:
                out.append(f"--- {log.name}\n" + "\n".join(text))
        return "\n".join(out) or "(no logs)"

    def pids(self) -> list[int]:
        """Host PIDs of every process of this desktop (the sandbox and all inside it)."""
        if self.proc is None:
            return []
        try:
            root = psutil.Process(self.proc.pid)
            return [root.pid] + [p.pid for p in root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def stop(self) -> None:
        if self.proc is not None:
            kill_tree(self.proc.pid)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
            self.proc = None
        self.port = None
        if self.state_dir is not None and not self.keep_files:
            shutil.rmtree(self.state_dir, ignore_errors=True)


def code_paths_hidden_by(overlaid: tuple[str, ...]) -> list[Path]:
    """The interpreter, venv and source folders that an overlay would hide.

    A checkout or venv under /tmp or /home (CI clones, a user's home) must stay
    visible inside the sandbox, read-only, or the session could not even start.
    """
    import envs

    wanted = {
        Path(sys.prefix),
        Path(sys.base_prefix),
        Path(sys.executable).resolve().parent,
        Path(envs.__file__).resolve().parent.parent,
    }
    hidden = sorted(p.resolve() for p in wanted if any(p.resolve().is_relative_to(root) for root in overlaid))
    kept: list[Path] = []
    for path in hidden:  # parents first: a nested path is covered by its parent's bind
        if not any(path.is_relative_to(k) for k in kept):
            kept.append(path)
    return kept


def kill_tree(pid: int, timeout: float = 5.0) -> None:
    """SIGKILL a process, its group and all its descendants, and wait until they are gone."""
    try:
        root = psutil.Process(pid)
        procs = [root] + root.children(recursive=True)
    except psutil.NoSuchProcess:
        return
    for proc in reversed(procs):  # children first: none gets re-parented mid-way
        try:
            proc.send_signal(signal.SIGKILL)
        except psutil.NoSuchProcess:
            pass
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    psutil.wait_procs(procs, timeout=timeout)
