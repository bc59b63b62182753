"""Serve the control protocol on this machine's display.

    python -m envs.server [--host 127.0.0.1] [--port 5000] [--token T] [--root DIR ...]
                          [--monitor N|NAME|primary] [--scale F]

Binding beyond loopback is refused without a token. With --ready-file the
server writes {"port", "pid"} there once it listens (port 0 picks a free one).
--monitor restricts screenshots and /act to one RandR monitor, in its own
coordinates and scale (HiDPI); see envs/server/view.py.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import socket
import sys
import threading
import time
from pathlib import Path

import uvicorn

from envs.server.app import create_app
from envs.server.config import ServerSettings, is_loopback
from envs.server.monitors import MonitorError
from envs.xauth import with_xauthority


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m envs.server",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--token", default=os.environ.get("DESKPILOT_TOKEN") or None)
    parser.add_argument(
        "--root",
        action="append",
        type=Path,
        default=None,
        help="folder that /file, /setup/upload and /list_directory may touch "
        "(repeatable; default: the home folder)",
    )
    # No environment defaults for these two: desktops started by LocalDesktop inherit
    # the caller's environment, and a monitor meant for the person's screen must not
    # restrict them (`agent desktop serve` reads DESKPILOT_MONITOR / DESKPILOT_SCALE).
    parser.add_argument(
        "--monitor",
        default=None,
        help="act on one monitor only: its index, name or 'primary' (agent desktop monitors lists them)",
    )
    parser.add_argument(
        "--scale",
        type=float,
        default=None,
        help="physical pixels per protocol pixel (default: GDK_SCALE or Xft.dpi/96 with --monitor, else 1)",
    )
    parser.add_argument("--ready-file", type=Path, default=None)
    parser.add_argument(
        "--exit-with-parent",
        action="store_true",
        help="stop when the process that started this one dies (ThisScreen: "
        "a server left driving a person's screen would outlive its session)",
    )
    parser.add_argument("--log-level", default="warning")
    return parser.parse_args(argv)


def _exit_with_parent() -> None:
    """SIGTERM ourselves (uvicorn's graceful stop) once our parent is gone, by any death.
    A polling thread rather than PR_SET_PDEATHSIG, which fires when the spawning *thread*
    ends, and ThisScreen may well be started from a worker thread."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # The code /execute runs imports pyautogui (python-xlib), which cannot connect without
    # an Xauthority file even to a display that needs no cookie: give it an empty one.
    with_xauthority(os.environ)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(name)s %(message)s")
    fields = {
        "host": args.host,
        "port": args.port,
        "token": args.token,
        "monitor": args.monitor,
        "scale": args.scale,
    }
    if args.root:
        fields["roots"] = args.root
    if not is_loopback(args.host) and not args.token:
        print(
            f"error: refusing to listen on {args.host}: binding beyond loopback needs a token "
            "(--token or DESKPILOT_TOKEN); every request must then carry it",
            file=sys.stderr,
        )
        return 2
    try:
        settings = ServerSettings(**fields)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        app = create_app(settings)
    except MonitorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on accepted sockets whose
    # proto says TCP, and without it every keep-alive reply waits ~40 ms (Nagle + delayed ACK).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((settings.host, settings.port))
    except OSError as exc:
        print(f"error: cannot listen on {settings.host}:{settings.port}: {exc}", file=sys.stderr)
        return 2
    sock.listen(128)
    port = sock.getsockname()[1]
    if args.ready_file:
        tmp = args.ready_file.with_suffix(".tmp")
        tmp.write_text(json.dumps({"port": port, "pid": os.getpid()}))
        tmp.replace(args.ready_file)
    if args.exit_with_parent:
        _exit_with_parent()
    config = uvicorn.Config(app, log_level=args.log_level, access_log=False, timeout_graceful_shutdown=2)
    uvicorn.Server(config).run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())
