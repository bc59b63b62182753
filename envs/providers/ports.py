"""Host ports for forwarded guest ports, handed out without races between parallel desktops.

A port is free when nothing listens on it and no live VM has claimed it. Claims are files
`<root>/ports/<port>` naming the VM folder that owns the port; they are taken under one file
lock (so two processes or threads starting desktops at once never pick the same port)
and given back when the VM stops. A claim whose VM folder is gone is stale and ignored.
"""

from __future__ import annotations

import fcntl
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

VNC_BASE = 5900  # QEMU's -vnc takes a display number: port - 5900


@contextmanager
def _locked(root: Path) -> Iterator[Path]:
    folder = root / "ports"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield folder


def _bindable(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _claimed(folder: Path, port: int) -> bool:
    claim = folder / str(port)
    try:
        owner = Path(claim.read_text().strip())
    except OSError:
        return False
    if owner.exists():
        return True
    claim.unlink(missing_ok=True)  # stale: its VM is gone
    return False


def claim_ports(
    root: Path, owner: Path, names: list[str], start: int = 20000, vnc: bool = True
) -> dict[str, int]:
    """Free ports for `names` (and "vnc" at or above 5900 when asked), claimed for `owner`."""
    wanted = list(names) + (["vnc"] if vnc else [])
    ports: dict[str, int] = {}
    with _locked(root) as folder:
        for name in wanted:
            port = VNC_BASE if name == "vnc" else start
            while port in ports.values() or _claimed(folder, port) or not _bindable(port):
                port += 1
                if port > 65535:
                    raise OSError("no free port left on 127.0.0.1")
            ports[name] = port
        for port in ports.values():
            (folder / str(port)).write_text(str(owner))
    return ports


def release_ports(root: Path, ports: dict[str, int], owner: Path) -> None:
    with _locked(root) as folder:
        for port in ports.values():
            claim = folder / str(port)
            try:
                if Path(claim.read_text().strip()) == owner:
                    claim.unlink()
            except OSError:
                pass
