"""Serve the control protocol on this machine's display.

    python -m envs.server [--host 127.0.0.1] [--port 5000] [--token T] [--root DIR ...]

Binding beyond loopback is refused without a token. With --ready-file the
server writes {"port", "pid"} there once it listens (port 0 picks a free one).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import socket
import sys
from pathlib import Path

import uvicorn

from envs.server.app import create_app
from envs.server.config import ServerSettings, is_loopback


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m envs.server", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--token", default=os.environ.get("DESKPILOT_TOKEN") or None)
    parser.add_argument("--root", action="append", type=Path, default=None,
                        help="folder that /file, /setup/upload and /list_directory may touch "
                             "(repeatable; default: the home folder)")
    parser.add_argument("--ready-file", type=Path, default=None)
    parser.add_argument("--log-level", default="warning")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(name)s %(message)s")
    fields = {"host": args.host, "port": args.port, "token": args.token}
    if args.root:
        fields["roots"] = args.root
    if not is_loopback(args.host) and not args.token:
        print(f"error: refusing to listen on {args.host}: binding beyond loopback needs a token "
              "(--token or DESKPILOT_TOKEN); every request must then carry it", file=sys.stderr)
        return 2
    try:
        settings = ServerSettings(**fields)
    except ValueError as exc:
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
    config = uvicorn.Config(create_app(settings), log_level=args.log_level, access_log=False,
                            timeout_graceful_shutdown=2)
    uvicorn.Server(config).run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())
