"""VMware Workstation / Fusion VMs through `vmrun`, reset by reverting to a snapshot.

    provider = VmwareProvider(["~/vms/Ubuntu0/Ubuntu0.vmx", "~/vms/Ubuntu1/Ubuntu1.vmx"])
    lease = provider.acquire()       # start, wait for the guest's IP and server, snapshot once
    lease = provider.reset(lease)    # vmrun revertToSnapshot X.vmx init_state, start, wait
    provider.release(lease)          # vmrun stop

As upstream OSWorld does it (`vmrun -T ws|fusion`, snapshot `init_state`), but readiness
is the server's answer rather than fixed sleeps, and an IP that reads "unknown" (a guest
whose tools have not reported yet) is asked again instead of used.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from envs.providers.base import DesktopLease, ProviderError, wait_healthy
from envs.providers.cli_tool import run_tool


class VmwareProvider:
    def __init__(
        self,
        vmx: Sequence[str | Path],
        *,
        vmrun: str = "vmrun",
        host_type: str | None = None,
        snapshot: str = "init_state",
        probe: str = "/screenshot",
        server_port: int = 5000,
        boot_timeout: float = 300.0,
    ) -> None:
        self.vmx = [str(Path(p).expanduser()) for p in vmx]
        if not self.vmx:
            raise ProviderError("vmware: no .vmx files given")
        self.vmrun = vmrun
        self.host_type = host_type or ("fusion" if sys.platform == "darwin" else "ws")
        self.snapshot, self.probe, self.server_port = snapshot, probe, server_port
        self.boot_timeout = boot_timeout
        self._free = list(self.vmx)
        self._lock = threading.Lock()
        self.leased: dict[str, DesktopLease] = {}

    def _run(self, *args: str, timeout: float = 600.0) -> str:
        return run_tool([self.vmrun, "-T", self.host_type, *args], timeout=timeout)

    def acquire(self) -> DesktopLease:
        with self._lock:
            if not self._free:
                raise ProviderError(f"all {len(self.vmx)} VMware VMs are in use")
            vmx = self._free.pop(0)
        try:
            lease = self._start(vmx)
            snapshots = self._run("listSnapshots", vmx).splitlines()[1:]  # first line: "Total snapshots: N"
            if self.snapshot not in (s.strip() for s in snapshots):
                self._run("snapshot", vmx, self.snapshot)  # the clean state, taken once
        except BaseException:
            with self._lock:
                self._free.append(vmx)
            raise
        self.leased[vmx] = lease
        return lease

    def _start(self, vmx: str) -> DesktopLease:
        self._run("start", vmx, "nogui")
        deadline = time.monotonic() + self.boot_timeout
        ip = ""
        while time.monotonic() < deadline:
            ip = self._run("getGuestIPAddress", vmx, "-wait", timeout=self.boot_timeout).strip()
            if ip and ip.lower() != "unknown" and not ip.lower().startswith("error"):
                break
            time.sleep(2)
        else:
            raise ProviderError(
                f"{vmx}: the guest reported no IP address in {self.boot_timeout:g} s (last: {ip!r})"
            )
        url = f"http://{ip}:{self.server_port}"
        wait_healthy(url, None, timeout=max(1.0, deadline - time.monotonic()), path=self.probe)
        return DesktopLease(url, None, name=Path(vmx).stem, provider="vmware", handle=vmx, can_reset=True)

    def reset(self, lease: DesktopLease) -> DesktopLease:
        self._run("revertToSnapshot", lease.handle, self.snapshot)
        fresh = self._start(lease.handle)
        self.leased[lease.handle] = fresh
        return fresh

    def release(self, lease: DesktopLease) -> None:
        if self.leased.pop(lease.handle, None) is None:
            return
        try:
            self._run("stop", lease.handle, "hard")
        finally:
            with self._lock:
                self._free.append(lease.handle)

    def close(self) -> None:
        for lease in list(self.leased.values()):
            self.release(lease)
