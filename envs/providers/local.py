"""Local desktops (envs/local.py) behind the Provider interface.

    provider = LocalProvider(profile="osworld", size=(1920, 1080))
    lease = provider.acquire()          # an isolated Xvfb desktop, healthy
    lease = provider.reset(lease)       # a fresh desktop (about a second): nothing carries over
    provider.release(lease)

A reset is a new desktop with the same profile: the sandbox's /home/user and /tmp are new,
so files, settings and windows the last task left are gone.
"""

from __future__ import annotations

import threading
from typing import Any, Self

from envs.local import LocalDesktop
from envs.providers.base import DesktopLease, ProviderError


class LocalProvider:
    def __init__(
        self, size: tuple[int, int] = (1920, 1080), profile: str | None = None, **desktop_options: Any
    ) -> None:
        self.size = size
        self.profile = profile
        self.desktop_options = desktop_options
        self.desktops: dict[str, LocalDesktop] = {}
        self._lock = threading.Lock()
        self._count = 0

    def acquire(self, name: str | None = None) -> DesktopLease:
        with self._lock:
            self._count += 1
            name = name or f"local-{self._count}"
        desktop = LocalDesktop(*self.size, profile=self.profile, **self.desktop_options)
        try:
            desktop.start()
        except Exception as exc:  # DesktopStartError, an unknown profile: one error type for runners
            raise ProviderError(f"local desktop {name} did not start: {exc}") from exc
        with self._lock:
            self.desktops[name] = desktop
        return DesktopLease(
            desktop.url, desktop.token, name=name, provider="local", handle=name, can_reset=True
        )

    def reset(self, lease: DesktopLease) -> DesktopLease:
        self.release(lease)
        return self.acquire(lease.name)

    def release(self, lease: DesktopLease) -> None:
        with self._lock:
            desktop = self.desktops.pop(lease.handle, None)
        if desktop is not None:
            desktop.stop()

    def close(self) -> None:
        with self._lock:
            desktops, self.desktops = list(self.desktops.values()), {}
        for desktop in desktops:
            desktop.stop()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
