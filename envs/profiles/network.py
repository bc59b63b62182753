"""A private network for a desktop session, and the forwarder that keeps its server reachable.

OSWorld's tasks use fixed loopback ports (`google-chrome --remote-debugging-port=1337`,
`socat tcp-listen:9222,...`): two desktops sharing the machine's loopback would fight
over them, and each would reach the other's browser. So an osworld session moves into
a network namespace of its own (with a user namespace that maps its uid to itself,
which an unprivileged process may create), where only `lo` exists.

The control server then listens on that private loopback, out of the host's reach. A
listening socket made *before* the move stays in the host's namespace; the forwarder
(`python -m envs.profiles.network`, started after the move) accepts on it and connects
to the server inside, byte for byte, and writes the ready file LocalDesktop waits for
once the server's own ready file appears.
"""

from __future__ import annotations

import argparse
import ctypes
import fcntl
import json
import os
import socket
import struct
import sys
import threading
import time
from pathlib import Path

__all__ = ["enter_private_network", "forward", "main"]

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1


def enter_private_network() -> None:
    """Move this (single-threaded) process into new user and network namespaces, keeping
    its uid and gid, and bring `lo` up. Children inherit both; nothing else changes."""
    uid, gid = os.getuid(), os.getgid()
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"cannot make a private network namespace: {os.strerror(err)}")
    Path("/proc/self/setgroups").write_text("deny")
    Path("/proc/self/uid_map").write_text(f"{uid} {uid} 1")
    Path("/proc/self/gid_map").write_text(f"{gid} {gid} 1")
    # Until the next exec this process holds every capability in its new namespaces:
    # the one moment `lo` can be brought up (an `ip` child would have none).
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH14s", b"lo", 0, b"")
        flags = struct.unpack("16sH14s", fcntl.ioctl(sock, SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack("16sH14s", b"lo", flags | IFF_UP, b""))


def _pump(src: socket.socket, dst: socket.socket) -> None:
    try:
        while data := src.recv(1 << 20):
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for sock, how in ((dst, socket.SHUT_WR), (src, socket.SHUT_RD)):
            try:
                sock.shutdown(how)
            except OSError:
                pass


def _serve_one(client: socket.socket, port: int) -> None:
    try:
        upstream = socket.create_connection(("127.0.0.1", port), timeout=10)
    except OSError:
        client.close()
        return
    upstream.settimeout(None)
    upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no 40 ms Nagle waits
    back = threading.Thread(target=_pump, args=(upstream, client), daemon=True)
    back.start()
    _pump(client, upstream)
    back.join()
    client.close()
    upstream.close()


def forward(listener: socket.socket, port: int) -> None:
    """Accept on `listener` forever; each connection is piped to 127.0.0.1:`port` here."""
    while True:
        client, _ = listener.accept()
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=_serve_one, args=(client, port), daemon=True).start()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m envs.profiles.network")
    parser.add_argument("--fd", type=int, required=True, help="the listening socket, inherited")
    parser.add_argument("--inner-ready", type=Path, required=True, help="the server's own ready file")
    parser.add_argument("--ready-file", type=Path, required=True, help="written with the outer port")
    args = parser.parse_args(argv)
    listener = socket.socket(fileno=args.fd)
    inner: dict = {}
    while "port" not in inner:  # the session dies, and this with it, if it never comes
        try:
            inner = json.loads(args.inner_ready.read_text())
        except (OSError, ValueError):  # not there yet, or half written
            time.sleep(0.02)
    outer = listener.getsockname()[1]
    tmp = args.ready_file.with_suffix(".tmp")
    tmp.write_text(json.dumps({"port": outer, "inner_port": inner["port"], "pid": os.getpid()}))
    tmp.rename(args.ready_file)
    forward(listener, int(inner["port"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
