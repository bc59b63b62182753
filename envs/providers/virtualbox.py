"""VirtualBox VMs through `VBoxManage`, reset by restoring a snapshot.

    provider = VirtualBoxProvider(["Ubuntu0", "Ubuntu1"])      # VM names (already imported)
    lease = provider.acquire()       # headless start, forwards, server answers, snapshot once
    lease = provider.reset(lease)    # poweroff, snapshot restore init_state, start, wait
    provider.release(lease)          # poweroff

With `network="nat"` (the default) the guest's 5000, 9222 and 8080 are forwarded to free
ports on 127.0.0.1 (`controlvm natpf1`), so neither a bridged adapter nor Guest Additions
are needed, which is what upstream's VirtualBox users trip over. `network="bridged"` reads
the IP from the Guest Additions property, as upstream does. The snapshot is taken live
(with the machine state), so a restore resumes a running desktop instead of booting.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from pathlib import Path

from envs.providers.base import DesktopLease, ProviderError, wait_healthy
from envs.providers.cli_tool import run_tool
from envs.providers.ports import claim_ports, release_ports
from envs.providers.qemu_vm import vm_root

GUEST = {"server": 5000, "chrome": 9222, "vlc": 8080}


class VirtualBoxProvider:
    def __init__(
        self,
        vms: Sequence[str],
        *,
        vboxmanage: str = "VBoxManage",
        snapshot: str = "init_state",
        network: str = "nat",
        probe: str = "/screenshot",
        server_port: int = 5000,
        boot_timeout: float = 300.0,
        root: Path | None = None,
    ) -> None:
        if not vms:
            raise ProviderError("virtualbox: no VM names given")
        if network not in ("nat", "bridged"):
            raise ProviderError(f"virtualbox: network is nat or bridged, not {network!r}")
        self.vms = list(vms)
        self.tool, self.snapshot, self.network = vboxmanage, snapshot, network
        self.probe, self.server_port, self.boot_timeout = probe, server_port, boot_timeout
        self.root = root or vm_root()
        self._free = list(self.vms)
        self._lock = threading.Lock()
        self.leased: dict[str, DesktopLease] = {}
        self.ports: dict[str, dict[str, int]] = {}

    def _run(self, *args: str, check: bool = True) -> str:
        return run_tool([self.tool, *args], check=check)

    def acquire(self) -> DesktopLease:
        with self._lock:
            if not self._free:
                raise ProviderError(f"all {len(self.vms)} VirtualBox VMs are in use")
            name = self._free.pop(0)
        try:
            if self.network == "nat":
                self.ports[name] = claim_ports(self.root, self._owner(name), list(GUEST), vnc=False)
            lease = self._start(name)
            listing = self._run("snapshot", name, "list", "--machinereadable", check=False)
            if f'="{self.snapshot}"' not in listing:
                self._run("snapshot", name, "take", self.snapshot, "--live")
        except BaseException:
            self._give_back(name)
            raise
        self.leased[name] = lease
        return lease

    def _owner(self, name: str) -> Path:
        owner = self.root / f"virtualbox-{name}"
        owner.mkdir(parents=True, exist_ok=True)  # the port claims' owner, while leased
        return owner

    def _start(self, name: str) -> DesktopLease:
        self._run("startvm", name, "--type", "headless")
        extra: dict[str, str] = {}
        if self.network == "nat":
            ports = self.ports[name]
            for key, guest in GUEST.items():  # after a restore too: the snapshot has old rules
                rule = f"deskpilot-{key}"
                self._run("controlvm", name, "natpf1", "delete", rule, check=False)
                self._run("controlvm", name, "natpf1", f"{rule},tcp,127.0.0.1,{ports[key]},,{guest}")
            url = f"http://127.0.0.1:{ports['server']}"
            extra = {k: f"http://127.0.0.1:{ports[k]}" for k in ("chrome", "vlc")}
        else:
            out = self._run(
                "guestproperty",
                "wait",
                name,
                "/VirtualBox/GuestInfo/Net/0/V4/IP",
                "--timeout",
                str(int(self.boot_timeout * 1000)),
                check=False,
            )
            out = out or self._run("guestproperty", "get", name, "/VirtualBox/GuestInfo/Net/0/V4/IP")
            found = re.search(r"value:?\s*([0-9.]+)", out, re.IGNORECASE)
            if not found:
                raise ProviderError(
                    f"{name}: no IP from Guest Additions ({out.strip() or 'no value'}); "
                    "install them or use network='nat'"
                )
            url = f"http://{found.group(1)}:{self.server_port}"
        if self.probe:
            wait_healthy(url, None, timeout=self.boot_timeout, path=self.probe)
        return DesktopLease(
            url, None, name=name, provider="virtualbox", handle=name, extra=extra, can_reset=True
        )

    def reset(self, lease: DesktopLease) -> DesktopLease:
        self._run("controlvm", lease.handle, "poweroff", check=False)
        self._run("snapshot", lease.handle, "restore", self.snapshot)
        fresh = self._start(lease.handle)
        self.leased[lease.handle] = fresh
        return fresh

    def release(self, lease: DesktopLease) -> None:
        if self.leased.pop(lease.handle, None) is None:
            return
        try:
            self._run("controlvm", lease.handle, "poweroff", check=False)
        finally:
            self._give_back(lease.handle)

    def _give_back(self, name: str) -> None:
        ports = self.ports.pop(name, None)
        if ports:
            owner = self._owner(name)
            release_ports(self.root, ports, owner)
            owner.rmdir()
        with self._lock:
            self._free.append(name)

    def close(self) -> None:
        for lease in list(self.leased.values()):
            self.release(lease)
