"""QEMU/KVM desktops behind the Provider interface, reset by snapshot.

    provider = QemuProvider(parse_spec("qemu:Ubuntu.qcow2x4"))   # or a TOML file, qemu_config.py
    lease = provider.acquire()          # boots a VM on its own overlay; snapshot when healthy
    lease = provider.reset(lease)       # loadvm + wait for the server: seconds, not a boot
    provider.release(lease)             # QEMU killed, overlay deleted
    provider.close()                    # every VM this provider started

At most `config.count` VMs at once (acquire waits for a release beyond that). VMs are
removed on close(), at interpreter exit, and by their watchdogs if this process is killed.
"""

from __future__ import annotations

import atexit
import secrets
import threading
import weakref
from pathlib import Path
from typing import Self

from envs.providers.base import DesktopLease, ProviderError
from envs.providers.qemu_config import QemuConfig, parse_spec
from envs.providers.qemu_vm import QemuVM, vm_root

_open: weakref.WeakSet[QemuProvider] = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    for provider in list(_open):
        provider.close()


class QemuProvider:
    def __init__(self, config: QemuConfig | str, root: Path | None = None, name_prefix: str = "qemu") -> None:
        self.config = parse_spec(config) if isinstance(config, str) else config
        self.root = root or vm_root()
        self.name_prefix = name_prefix
        self.run_id = secrets.token_hex(3)
        self.vms: dict[str, QemuVM] = {}
        self._slots = threading.BoundedSemaphore(self.config.count)
        self._lock = threading.Lock()
        self._count = 0
        _open.add(self)

    def acquire(self, timeout: float | None = None) -> DesktopLease:
        if not self._slots.acquire(timeout=timeout):
            raise ProviderError(f"all {self.config.count} QEMU desktops are in use")
        with self._lock:
            self._count += 1
            name = f"{self.name_prefix}-{self.run_id}-{self._count}"
        vm = QemuVM(self.config, name, self.root)
        try:
            vm.start()
        except BaseException:
            self._slots.release()
            raise
        with self._lock:
            self.vms[name] = vm
        return vm.lease()

    def vm(self, lease: DesktopLease) -> QemuVM:
        vm = self.vms.get(lease.handle)
        if vm is None:
            raise ProviderError(f"{lease.name} is not a VM of this provider (released already?)")
        return vm

    def reset(self, lease: DesktopLease, mode: str = "snapshot") -> DesktopLease:
        """Snapshot revert (the fallback and `mode="reboot"`: a fresh boot on a new overlay)."""
        vm = self.vm(lease)
        try:
            vm.reset(mode)
        except BaseException:
            self._forget(vm)  # a VM that failed to come back was removed by reboot()
            raise
        return vm.lease()

    def release(self, lease: DesktopLease) -> None:
        vm = self._forget_name(lease.handle)
        if vm is not None:
            vm.stop()

    def close(self) -> None:
        with self._lock:
            names = list(self.vms)
        for name in names:
            vm = self._forget_name(name)
            if vm is not None:
                vm.stop()

    def _forget(self, vm: QemuVM) -> None:
        self._forget_name(vm.name)

    def _forget_name(self, name: str) -> QemuVM | None:
        with self._lock:
            vm = self.vms.pop(name, None)
        if vm is not None:
            self._slots.release()
        return vm

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
