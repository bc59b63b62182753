"""The server's one desktop: started when first needed, replaced by new_desktop / reset_desktop.

    local        an isolated Xvfb desktop (bubblewrap sandbox) this server starts and stops
    http(s)://   a desktop already serving the control protocol (ours, OSWorld's, WAA's)
    this-screen  the person's own screen: only when named, never a sandbox

Tools run in worker threads; a lock keeps two of them from starting or swapping the
desktop at once.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass, field
from typing import Any

from envs.client import DesktopClient


class DesktopSpecError(ValueError):
    """--desktop is none of local, a URL, this-screen."""


def check_spec(spec: str) -> str:
    if spec in ("local", "this-screen") or spec.startswith(("http://", "https://")):
        return spec
    raise DesktopSpecError(f"--desktop must be 'local', 'this-screen' or a URL, not {spec!r}")


@dataclass
class DesktopHolder:
    spec: str
    token: str | None = None
    size: tuple[int, int] = (1280, 800)
    profile: str | None = None
    monitor: int | str | None = None  # this-screen: which monitor (None: the primary)
    # The settings' word on whether this is a sandbox (approval.sandbox); None: as opened.
    sandbox_said: bool | None = None
    _client: DesktopClient | None = field(default=None, init=False)
    _owned: Any = field(default=None, init=False)  # the LocalDesktop / ThisScreen we started
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        check_spec(self.spec)

    @property
    def sandbox(self) -> bool:
        """A LocalDesktop this server started is a sandbox; a URL may be anybody's machine."""
        return self.spec == "local" if self.sandbox_said is None else self.sandbox_said

    @property
    def started(self) -> bool:
        return self._client is not None

    def client(self) -> DesktopClient:
        with self._lock:
            if self._client is None:
                self._open()
            assert self._client is not None
            return self._client

    def describe(self) -> dict[str, Any]:
        where = {"local": "an isolated local desktop", "this-screen": "the person's own screen"}
        out: dict[str, Any] = {"desktop": where.get(self.spec, self.spec), "sandbox": self.sandbox}
        if self.profile:
            out["profile"] = self.profile
        return out

    def _open(self) -> None:
        if self.spec == "local":
            from envs.local import LocalDesktop

            desktop = LocalDesktop(*self.size, profile=self.profile).start()
            self._owned, self._client = desktop, desktop.client()
        elif self.spec == "this-screen":
            from envs.this_screen import ThisScreen

            screen = ThisScreen(monitor=self.monitor).start()
            self._owned, self._client = screen, screen.client()
        else:
            client = DesktopClient(self.spec, token=self.token)
            try:
                client.screen_size()  # fail now, clearly, if nothing answers there
            except BaseException:
                client.close()
                raise
            self._client = client

    def _close(self) -> None:
        if self._client is not None:
            self._client.close()
        if self._owned is not None:
            with contextlib.suppress(Exception):
                self._owned.stop()
        self._client, self._owned = None, None

    def replace_with_local(
        self, size: tuple[int, int] | None = None, profile: str | None = None
    ) -> DesktopClient:
        """A fresh isolated local desktop in place of the current one (which is stopped if
        this server started it; a URL desktop is only let go of)."""
        with self._lock:
            self._close()
            self.spec = "local"
            self.size = size or self.size
            self.profile = profile if profile is not None else self.profile
            self._open()
            assert self._client is not None
            return self._client

    def close(self) -> None:
        with self._lock:
            self._close()
