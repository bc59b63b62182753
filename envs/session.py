"""Bring up one desktop session, then become its control server.

Runs inside the desktop's sandbox (see envs/local.py), where /home/user and
/tmp are the desktop's own. Starts Xvfb (which picks a free display itself),
a private session D-Bus (AT-SPI rides on it), and openbox, then execs the
control server. The server is thus the session's last process: when it dies,
the sandbox's PID namespace ends and takes every process of the desktop along.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

XDG_DIRS = ("Desktop", "Documents", "Downloads", "Music", "Pictures", "Public", "Templates", "Videos")
GTK_SETTINGS = "[Settings]\ngtk-cursor-blink = false\ngtk-enable-animations = false\n"


class SessionError(RuntimeError):
    pass


def prepare_home(home: Path) -> None:
    for name in XDG_DIRS:
        (home / name).mkdir(parents=True, exist_ok=True)
    (home / ".Xauthority").touch()  # python-xlib (pyautogui) refuses to start without it
    gtk = home / ".config" / "gtk-3.0"
    gtk.mkdir(parents=True, exist_ok=True)
    # A blinking caret would keep "wait until the screen settles" from ever settling.
    (gtk / "settings.ini").write_text(GTK_SETTINGS)


def start_xvfb(width: int, height: int, log: Path) -> tuple[subprocess.Popen, str]:
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        [
            "Xvfb",
            "-displayfd",
            str(write_fd),
            "-screen",
            "0",
            f"{width}x{height}x24",
            "-nolisten",
            "tcp",
            "-dpi",
            "96",
            "+extension",
            "XFIXES",
        ],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=log.open("ab"),
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        number = pipe.readline().strip()
    if not number:
        raise SessionError(f"Xvfb did not start (see {log})")
    return proc, f":{number}"


def add_xauth(home: Path, display: str) -> None:
    """An entry for the display in ~/.Xauthority, as a real login has: Xvfb checks no
    cookie, but python-xlib (pyautogui) warns on every start when it finds none."""
    import secrets

    subprocess.run(
        ["xauth", "-f", str(home / ".Xauthority"), "add", display, ".", secrets.token_hex(16)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )


def start_dbus(log: Path, address: str | None = None) -> tuple[subprocess.Popen, str]:
    command = ["dbus-daemon", "--session", "--nofork", "--nopidfile", "--print-address"]
    if address:  # a fixed socket, e.g. unix:path=/run/user/1000/bus (the osworld profile)
        command.append(f"--address={address}")
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log.open("ab"), text=True)
    address = proc.stdout.readline().strip() if proc.stdout else ""
    if not address:
        raise SessionError(f"dbus-daemon did not start (see {log})")
    return proc, address


def wait_for_wm(proc: subprocess.Popen | None = None, timeout: float = 15.0) -> bool:
    """Whether a window manager answers within `timeout` (False at once if `proc` exited)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if subprocess.run(["wmctrl", "-m"], capture_output=True).returncode == 0:
            return True
        if proc is not None and proc.poll() is not None:
            return False
        time.sleep(0.05)
    return False


WM_STARTS = 3


def start_openbox(config: str | None, log: Path) -> subprocess.Popen:
    """openbox, up and managing the screen. Now and then it exits at start-up with nothing in
    its log; a desktop without it has no keybindings (Ctrl+Alt+T does nothing) and no
    focus handling, so it is started again, and a session that cannot get one fails."""
    command = ["openbox"] + (["--config-file", config] if config else [])
    for attempt in range(1, WM_STARTS + 1):
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log.open("ab"))
        if wait_for_wm(proc):
            return proc
        code = proc.poll()
        if code is None:
            proc.kill()
        with log.open("a") as f:
            f.write(f"deskpilot: openbox start {attempt} of {WM_STARTS} failed (exit code {code})\n")
    raise SessionError(f"the window manager (openbox) did not start (see {log})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m envs.session")
    parser.add_argument("--width", type=int, default=1920)
    parser.add_argument("--height", type=int, default=1080)
    parser.add_argument("--run-dir", type=Path, required=True, help="logs and ready files")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: any free port (a container: 5000)")
    parser.add_argument("--token", default=None)
    parser.add_argument("--root", action="append", type=Path, default=[])
    parser.add_argument("--bus-address", default=None, help="the session bus's address")
    parser.add_argument("--openbox-config", default=None, help="openbox rc.xml to use")
    parser.add_argument("--pulseaudio", default=None, help="start PulseAudio with this .pa script")
    parser.add_argument("--xauth", action="store_true", help="a cookie for the display in ~/.Xauthority")
    parser.add_argument(
        "--private-network",
        action="store_true",
        help="a network namespace of its own; the server is reached through a forwarder",
    )
    args = parser.parse_args(argv)

    home = Path(os.environ["HOME"])
    prepare_home(home)
    listener = None
    if args.private_network:  # first: a process must be single-threaded and childless to move
        import socket

        from envs.profiles.network import enter_private_network

        listener = socket.create_server((args.host, args.port))  # stays in the host's namespace
        enter_private_network()
    runtime = Path(os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp/runtime-user"))
    runtime.mkdir(mode=0o700, parents=True, exist_ok=True)

    _, display = start_xvfb(args.width, args.height, args.run_dir / "xvfb.log")
    os.environ["DISPLAY"] = display
    if args.xauth:
        add_xauth(home, display)
    _, bus = start_dbus(args.run_dir / "dbus.log", args.bus_address)
    os.environ["DBUS_SESSION_BUS_ADDRESS"] = bus
    if args.pulseaudio:  # not waited for: nothing in start-up needs sound
        subprocess.Popen(
            [
                "pulseaudio",
                "--daemonize=no",
                "--exit-idle-time=-1",
                "-n",
                "-F",
                args.pulseaudio,
                "--log-target=stderr",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=(args.run_dir / "pulseaudio.log").open("ab"),
        )
    start_openbox(args.openbox_config, args.run_dir / "openbox.log")
    (args.run_dir / "session.json").write_text(json.dumps({"display": display, "dbus": bus}))

    ready = args.run_dir / "server.json"
    if listener is not None:  # LocalDesktop waits for server.json: the forwarder writes it
        inner = args.run_dir / "server-inner.json"
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "envs.profiles.network",
                "--fd",
                str(listener.fileno()),
                "--inner-ready",
                str(inner),
                "--ready-file",
                str(ready),
            ],
            pass_fds=(listener.fileno(),),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=(args.run_dir / "forward.log").open("ab"),
        )
        listener.close()
        ready, args.port = inner, 0
    server = [
        sys.executable,
        "-m",
        "envs.server",
        "--host",
        args.host,
        "--port",
        str(args.port),
        "--ready-file",
        str(ready),
    ]
    for root in args.root or [home]:
        server += ["--root", str(root)]
    if args.token:
        os.environ["DESKPILOT_TOKEN"] = args.token  # not on the command line: ps would show it
    sys.stdout.flush()
    os.execv(sys.executable, server)


if __name__ == "__main__":
    sys.exit(main())
