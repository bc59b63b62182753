"""A runner worker's desktop: a lease from a provider (envs/providers), put back into its
clean state before every task but the first.

    slot = DesktopSlot(provider, "qemu:Ubuntu.qcow2")
    client = slot.prepare()      # acquire() the first time, reset() before every later task
    ... run a task on client ...
    slot.release()

Every kind resets the same way: a local desktop is replaced by a fresh one, a QEMU VM
reverts to its snapshot (a reboot after it died), a container is recreated. A desktop that
cannot be reset (a bare URL) runs one task; a second one is refused (`DesktopRefused`)
unless the run says `--no-reset`, and then the task's start is recorded as "reused"
(clean_start.py), which marks the run not comparable. Used by the thread pool (pool.py)
and by each Ray actor (ray_backend.py).
"""

from __future__ import annotations

import inspect
import logging
import threading

from envs.base import DesktopError
from envs.client import DesktopClient
from envs.providers.base import DesktopLease, Provider, ResetUnsupported

__all__ = ["DesktopRefused", "DesktopSlot", "DesktopStartFailed"]

log = logging.getLogger(__name__)


class DesktopStartFailed(RuntimeError):
    """A worker could not get a desktop."""


class DesktopRefused(RuntimeError):
    """The desktop already ran a task, cannot be reset, and the run did not say --no-reset."""


class DesktopSlot:
    """One worker's desktop, leased from `provider` at the first task and reset before the others."""

    def __init__(
        self,
        provider: Provider,
        label: str = "",
        *,
        no_reset: bool = False,
        used_urls: frozenset[str] = frozenset(),
    ) -> None:
        self.provider, self.label, self.no_reset = provider, label, no_reset
        self.used_urls = used_urls  # URLs that cannot be reset and ran a task in an earlier run
        self.lease: DesktopLease | None = None
        self.client: DesktopClient | None = None
        self.used = False  # a task ran since acquire/reset: the next one needs a reset
        self.died = False  # the desktop died under a task: reset by a reboot where there is one
        self.start = ""  # how the current task's desktop started (clean_start.Start)
        self.why = ""  # for a "reused" start: why it was not reset
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self.lease.name if self.lease is not None else self.label

    def refusal(self) -> str | None:
        """Why this desktop must not take another task (None: it may). Asked before taking one."""
        lease = self.lease
        if lease is None or not self.used or self.no_reset or lease.can_reset:
            return None
        return self._refused(f"{lease.name} ({lease.url}) cannot be reset")

    def prepare(self) -> DesktopClient:
        """A client of a desktop in its clean state for the next task. Raises DesktopStartFailed
        (no desktop to be had) or DesktopRefused."""
        if self.lease is None:
            self._acquire()
            lease = self.lease
            assert lease is not None
            if not lease.can_reset and lease.url in self.used_urls:
                self._reuse(
                    f"{lease.name} ({lease.url}) cannot be reset (it ran a task of this "
                    "results folder in an earlier run)"
                )
        elif self.used:
            self._reset()
        self.used = True
        assert self.client is not None
        return self.client

    def _acquire(self, after: str = "") -> None:
        last: Exception | None = None
        for _ in range(2):  # one retry: a desktop that fails twice to start is not coming
            try:
                self._use(self.provider.acquire(), "acquired")
                return
            except Exception as exc:  # noqa: BLE001 - ProviderError, or a provider's own bug
                last = exc
        prefix = f"{after}; " if after else ""
        raise DesktopStartFailed(f"{prefix}desktop {self.label} did not start: {last}")

    def _reset(self) -> None:
        lease = self.lease
        assert lease is not None
        if not lease.can_reset:
            self._reuse(f"{lease.name} ({lease.url}) cannot be reset")
            return
        died, self.died = self.died, False
        try:
            if died and "mode" in inspect.signature(self.provider.reset).parameters:
                new = self.provider.reset(lease, mode="reboot")  # type: ignore[call-arg]  # QEMU's
            else:
                new = self.provider.reset(lease)
        except ResetUnsupported as exc:
            self._reuse(str(exc))
            return
        except Exception as exc:  # noqa: BLE001 - the desktop is lost: a new one instead
            log.warning("resetting %s failed (%s): a new desktop instead", lease.name, exc)
            self.release()
            self._acquire(after=f"resetting {lease.name} failed ({exc})")
            return
        self._use(new, "reset")

    def _reuse(self, why: str) -> None:
        if not self.no_reset:
            raise DesktopRefused(self._refused(why))
        assert self.lease is not None
        self._use(self.lease, "reused", why)

    def _refused(self, why: str) -> str:
        return (
            f"{why}, and it has run a task: the next one would start where that one left off. "
            "Run with --no-reset to reuse it anyway (the summary then marks the run not "
            "comparable), or give desktops that can be reset (local, qemu:IMAGE, ...)"
        )

    def _use(self, lease: DesktopLease, start: str, why: str = "") -> None:
        """Drive `lease` from now on, through a new client: one an abandoned task thread still
        holds is closed, so it cannot act on the next task's desktop."""
        with self._lock:
            old, self.client = self.client, lease.client()
            self.lease, self.start, self.why = lease, start, why
        if old is not None:
            _close_client(old)

    def alive(self) -> bool:
        """Whether the desktop's server still answers (any HTTP answer counts: OSWorld's and
        WAA's servers have no /health)."""
        lease = self.lease
        if lease is None:
            return False
        try:
            with DesktopClient(lease.url, token=lease.token, timeout=10, retries=0) as probe:
                probe.health()
        except DesktopError:
            return True
        except Exception:  # noqa: BLE001 - unreachable, or anything else: not alive
            return False
        return True

    def release(self) -> None:
        """Give the desktop back to its provider (safe to call twice)."""
        with self._lock:
            client, lease = self.client, self.lease
            self.client = self.lease = None
            self.used = self.died = False
        if client is not None:
            _close_client(client)
        if lease is not None:
            try:
                self.provider.release(lease)
            except Exception as exc:  # noqa: BLE001 - releasing is best effort
                log.warning("releasing %s: %s", lease.name, exc)


def _close_client(client: DesktopClient) -> None:
    try:
        client.close()
    except Exception as exc:  # noqa: BLE001 - closing is best effort
        log.debug("closing a desktop client: %s", exc)
