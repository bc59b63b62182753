"""The runner's desktops: one slot per worker (a LocalDesktop it starts, or a client of a
remote one), and the `--desktops` specs that name them.

A local slot is closed after every task, so the next task gets a fresh desktop; a remote
one is kept. Used by the thread pool (runner.py) and by each Ray actor (ray_backend.py).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from envs.client import DesktopClient

__all__ = ["DesktopSlot", "DesktopStartFailed", "desktop_specs"]

log = logging.getLogger(__name__)


class DesktopStartFailed(RuntimeError):
    """A worker could not get a desktop."""


class DesktopSlot:
    """One worker's desktop: a LocalDesktop it started, or a client of a remote one."""

    def __init__(self, spec: str, size: tuple[int, int], profile: str | None = None) -> None:
        self.spec, self.size = spec, size
        self.profile = profile  # a local desktop's profile (envs/profiles): None or "osworld"
        self.local: Any = None
        self.client: Any = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return self.spec.partition("#")[0]

    @property
    def token(self) -> str | None:
        return self.spec.partition("#")[2] or None

    def open(self) -> Any:
        last: Exception | None = None
        for _ in range(2):  # one retry: a desktop that fails twice to start is not coming
            try:
                with self._lock:
                    if self.spec == "local":
                        from envs.local import LocalDesktop

                        self.local = LocalDesktop(*self.size, profile=self.profile).start()  # waits for /health
                        self.client = self.local.client()
                    else:
                        self.client = DesktopClient(self.url, token=self.token)
                return self.client
            except Exception as exc:  # noqa: BLE001 - reported below
                last = exc
                self.close()
        raise DesktopStartFailed(f"desktop {self.spec.partition('#')[0]} did not start: {last}")

    def alive(self) -> bool:
        if self.spec == "local":
            proc = self.local.proc if self.local is not None else None
            return proc is not None and proc.poll() is None
        try:  # a quick probe: no retries with back-off
            with DesktopClient(self.url, token=self.token, timeout=10, retries=0) as probe:
                probe.health()
            return True
        except Exception:  # noqa: BLE001
            return False

    def close(self) -> None:
        with self._lock:
            client, local = self.client, self.local
            self.client = self.local = None
        if client is not None:
            try:
                client.close()
            except Exception as exc:  # noqa: BLE001 - closing is best effort
                log.debug("closing the client of %s: %s", self.url, exc)
        if local is not None:
            local.stop()


def desktop_specs(desktops: int | list[str]) -> list[str]:
    if isinstance(desktops, int):
        if desktops < 1:
            raise ValueError("desktops: at least one")
        return ["local"] * desktops
    specs = list(desktops)
    if not specs:
        raise ValueError("desktops: at least one")
    for spec in specs:
        if spec != "local" and not spec.startswith(("http://", "https://")):
            raise ValueError(f"desktops: 'local' or a URL (optionally URL#TOKEN), not {spec!r}")
    return specs


