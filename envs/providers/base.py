"""What the desktop providers share: the `Provider` interface, a lease (URL + token) and a
bounded health wait.

Every provider hands out desktops the same way, so a runner drives them all alike:

    lease = provider.acquire()            # a healthy desktop
    for task in tasks:
        lease = provider.reset(lease)     # back to the clean state a task starts from
        ... run the task on lease.url / lease.token ...
    provider.release(lease)
    provider.close()                      # everything this provider started is gone

`reset` may hand back a different lease (a fresh container or local desktop has a new URL
and token): use the one it returns. A provider that cannot reset (a bare URL) raises
`ResetUnsupported`, and its leases say `can_reset=False`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, TypedDict, Unpack, runtime_checkable

import httpx

from envs.client import DesktopClient


class ProviderError(RuntimeError):
    """A desktop could not be provided; the message says why (with logs when there are any)."""


class ResetUnsupported(ProviderError):
    """This desktop cannot be put back into a clean state (a bare URL)."""


class ClientOptions(TypedDict, total=False):
    """DesktopClient's keyword options, passed through by DesktopLease.client()."""

    timeout: float
    retries: int
    backoff: float
    fallback_pause: float


@dataclass(frozen=True)
class DesktopLease:
    """A desktop to drive: `url` and `token` go to DesktopClient / `agent run --desktop`."""

    url: str
    token: str | None
    name: str
    provider: str
    handle: str = ""  # the provider's own id (a container id, a list index)
    extra: dict[str, str] = field(default_factory=dict)  # other forwarded ports: chrome, vlc, vnc URLs
    can_reset: bool = False  # whether provider.reset(lease) gives a clean desktop

    def client(self, **kwargs: Unpack[ClientOptions]) -> DesktopClient:
        return DesktopClient(self.url, token=self.token, **kwargs)

    def __repr__(self) -> str:  # never print the token
        return f"DesktopLease(url={self.url!r}, name={self.name!r}, provider={self.provider!r})"


Lease = DesktopLease


@runtime_checkable
class Provider(Protocol):
    """Hands out desktops and puts them back into their clean state."""

    def acquire(self) -> DesktopLease:
        """A desktop that answers its server, in the clean state."""
        ...

    def reset(self, lease: DesktopLease) -> DesktopLease:
        """Back to the clean state a task starts from (files, settings, windows of the last
        task gone); returns the lease to use from now on (it may differ from `lease`)."""
        ...

    def release(self, lease: DesktopLease) -> None:
        """Done with this desktop: stop it (or hand it back to its pool)."""
        ...

    def close(self) -> None:
        """Stop everything this provider started; safe to call twice."""
        ...


def wait_healthy(
    url: str,
    token: str | None,
    timeout: float = 120.0,
    interval: float = 0.25,
    dead: Callable[[], str | None] | None = None,
    path: str = "/health",
) -> float:
    """Seconds until GET {url}{path} answers 200 (with the token; OSWorld's and WAA's servers
    have no /health: probe another path there, such as /screenshot). `dead()` is asked between
    tries and returns a reason when the desktop can no longer come up (its container
    exited); raises ProviderError with that reason, or when the timeout passes."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    started = time.monotonic()
    last = "no answer yet"
    while True:
        try:
            reply = httpx.get(f"{url.rstrip('/')}{path}", headers=headers, timeout=3.0)
            if reply.status_code == 200:
                return time.monotonic() - started
            last = f"HTTP {reply.status_code}"
            if reply.status_code in (401, 403):
                raise ProviderError(f"{url} refused the token (HTTP {reply.status_code})")
        except httpx.HTTPError as exc:
            last = f"{type(exc).__name__}"
        if dead is not None and (reason := dead()):
            raise ProviderError(reason)
        if time.monotonic() - started >= timeout:
            raise ProviderError(f"{url} was not healthy after {timeout:g} s (last: {last})")
        time.sleep(interval)
