"""Desktops that already run somewhere: a list of URLs handed out one at a time.

    provider = StaticProvider.from_file(Path("desktops.toml"))
    lease = provider.acquire()            # a free desktop that answers its probe
    ...
    provider.release(lease)

The file (TOML or JSON) lists `desktops`, each with `url`, and `token` or `token_env` (the
name of an environment variable holding it, so the file itself holds no secret), an
optional `name`, and `probe`: the path to check before handing it out ("/health" on our
server; OSWorld's and WAA's servers have no /health: "/screenshot" there, or "" to skip).

    [[desktops]]
    url = "http://10.0.0.5:5000"
    token_env = "VM1_TOKEN"

    [[desktops]]
    url = "http://10.0.0.6:5000"        # an OSWorld VM
    probe = "/screenshot"
"""

from __future__ import annotations

import json
import os
import threading
import time
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from envs.providers.base import DesktopLease, ProviderError, ResetUnsupported, wait_healthy


class StaticDesktop(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str
    token: str | None = None
    token_env: str | None = None
    name: str | None = None
    probe: str = "/health"

    @field_validator("url")
    @classmethod
    def _http(cls, url: str) -> str:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"a desktop URL starts with http:// or https://, not {url!r}")
        return url.rstrip("/")

    @model_validator(mode="after")
    def _one_token(self) -> StaticDesktop:
        if self.token and self.token_env:
            raise ValueError("give token or token_env, not both")
        return self

    def resolved_token(self) -> str | None:
        if self.token_env is None:
            return self.token
        value = os.environ.get(self.token_env)
        if not value:
            raise ProviderError(f"desktop {self.url}: environment variable {self.token_env} is not set")
        return value


class StaticProvider:
    def __init__(
        self, desktops: Iterable[StaticDesktop | str | dict[str, Any]], probe_timeout: float = 5.0
    ) -> None:
        items: list[StaticDesktop] = []
        for i, entry in enumerate(desktops):
            try:
                desktop = (
                    entry
                    if isinstance(entry, StaticDesktop)
                    else (StaticDesktop(url=entry) if isinstance(entry, str) else StaticDesktop(**entry))
                )
            except ValidationError as exc:
                reasons = "; ".join(
                    f"{'.'.join(map(str, e['loc'])) or 'entry'}: {e['msg']}" for e in exc.errors()
                )
                raise ProviderError(f"desktop {i + 1}: {reasons}") from None
            except TypeError as exc:  # not a table
                raise ProviderError(f"desktop {i + 1}: {exc}") from None
            items.append(desktop)
        if not items:
            raise ProviderError("no desktops given")
        names = [d.name or f"desktop-{i + 1}" for i, d in enumerate(items)]
        if len(set(names)) != len(names):
            raise ProviderError(f"desktop names must be unique: {names}")
        self.desktops = items
        self.names = names
        self.probe_timeout = probe_timeout
        self._free = list(range(len(items)))
        self._cond = threading.Condition()

    @classmethod
    def from_file(cls, path: Path, **kwargs: Any) -> StaticProvider:
        text = path.read_text(encoding="utf-8")
        try:
            data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
        except (ValueError, tomllib.TOMLDecodeError) as exc:
            raise ProviderError(f"{path}: {exc}") from exc
        desktops = data.get("desktops") if isinstance(data, dict) else data
        if not isinstance(desktops, list):
            raise ProviderError(f"{path}: expected a list `desktops` of {{url, token...}} tables")
        return cls(desktops, **kwargs)

    def __len__(self) -> int:
        return len(self.desktops)

    @property
    def available(self) -> int:
        with self._cond:
            return len(self._free)

    def acquire(self, timeout: float | None = None) -> DesktopLease:
        """A free desktop that answers its probe. Waits up to `timeout` seconds (None: for
        ever) while all are leased; raises ProviderError when none free one answers."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while not self._free:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    raise ProviderError(f"all {len(self.desktops)} desktops are in use")
                self._cond.wait(left)
            candidates, self._free = self._free, []
        failures: list[str] = []
        chosen: int | None = None
        try:
            for index in candidates:
                desktop = self.desktops[index]
                try:
                    token = desktop.resolved_token()
                    if desktop.probe:
                        wait_healthy(desktop.url, token, timeout=self.probe_timeout, path=desktop.probe)
                except ProviderError as exc:
                    failures.append(f"{self.names[index]}: {exc}")
                    continue
                chosen = index
                return DesktopLease(
                    desktop.url, token, name=self.names[index], provider="static", handle=str(index)
                )
            raise ProviderError("no desktop answered:\n" + "\n".join(failures))
        finally:
            with self._cond:  # the others go back, in their order
                self._free = sorted(self._free + [i for i in candidates if i != chosen])
                self._cond.notify_all()

    def reset(self, lease: DesktopLease) -> DesktopLease:
        """A bare URL cannot be put back into a clean state: what one task leaves behind is
        the next one's start. The runner refuses a second task on it unless told not to."""
        raise ResetUnsupported(
            f"{lease.name} ({lease.url}) is a bare URL and cannot be reset; "
            "give a provider that can (qemu:IMAGE, docker, ...) or run with --no-reset"
        )

    def release(self, lease: DesktopLease) -> None:
        index = int(lease.handle)
        with self._cond:
            if index in self._free:
                raise ProviderError(f"{lease.name} was not leased")
            self._free.append(index)
            self._free.sort()
            self._cond.notify_all()

    def close(self) -> None:
        """Nothing to stop: these desktops belong to someone else."""
