"""VMware (vmrun) and VirtualBox (VBoxManage) providers against fake executables that record
their calls, with a real HTTP server standing in for the guest's control server."""

from __future__ import annotations

import pytest

from envs.providers import Provider, ProviderError
from envs.providers.virtualbox import VirtualBoxProvider
from envs.providers.vmware import VmwareProvider

from .fake_tools import FakeTool
from .test_static import Server


@pytest.fixture
def guest():
    server = Server(None, paths=("/screenshot",))  # OSWorld's server: no token, no /health
    yield server
    server.close()


def port_of(server: Server) -> int:
    return int(server.url.rsplit(":", 1)[1])


def test_vmware_starts_snapshots_once_and_resets_by_revert(tmp_path, guest):
    vmrun = FakeTool(tmp_path / "bin", "vmrun")
    vmrun.state(ip_unknown=1)  # the first answer is upstream's "unknown"
    provider = VmwareProvider(
        [tmp_path / "Ubuntu0.vmx"],
        vmrun=str(vmrun.path),
        host_type="ws",
        server_port=port_of(guest),
        boot_timeout=30,
    )
    assert isinstance(provider, Provider)
    vmx = str(tmp_path / "Ubuntu0.vmx")
    lease = provider.acquire()
    assert lease.url == guest.url and lease.can_reset and lease.name == "Ubuntu0"
    assert vmrun.calls == [
        ["-T", "ws", "start", vmx, "nogui"],
        ["-T", "ws", "getGuestIPAddress", vmx, "-wait"],
        ["-T", "ws", "getGuestIPAddress", vmx, "-wait"],
        ["-T", "ws", "listSnapshots", vmx],
        ["-T", "ws", "snapshot", vmx, "init_state"],
    ]
    assert guest.hits == ["/screenshot"]
    with pytest.raises(ProviderError, match="all 1 VMware VMs are in use"):
        provider.acquire()
    before = len(vmrun.calls)
    lease = provider.reset(lease)
    assert vmrun.calls[before : before + 2] == [
        ["-T", "ws", "revertToSnapshot", vmx, "init_state"],
        ["-T", "ws", "start", vmx, "nogui"],
    ]
    provider.close()
    assert vmrun.calls[-1] == ["-T", "ws", "stop", vmx, "hard"]
    provider.acquire()  # free again; the snapshot is not retaken
    assert [c for c in vmrun.calls if c[2] == "snapshot"] == [["-T", "ws", "snapshot", vmx, "init_state"]]


def test_vmware_errors_carry_vmrun_output(tmp_path, guest):
    vmrun = FakeTool(tmp_path / "bin", "vmrun")
    provider = VmwareProvider(["a.vmx"], vmrun=str(vmrun.path), server_port=port_of(guest))
    lease = provider.acquire()
    vmrun.state(snapshots=[])  # someone deleted the snapshot
    with pytest.raises(ProviderError, match="revertToSnapshot .*exit 255.*does not exist"):
        provider.reset(lease)
    with pytest.raises(ProviderError, match="not installed"):
        VmwareProvider(["a.vmx"], vmrun="no-such-vmrun").acquire()


def test_virtualbox_nat_forwards_live_snapshot_and_restore(tmp_path):
    tool = FakeTool(tmp_path / "bin", "VBoxManage")
    provider = VirtualBoxProvider(["Ubuntu0"], vboxmanage=str(tool.path), probe="", root=tmp_path / "vms")
    lease = provider.acquire()
    assert lease.can_reset and lease.url.startswith("http://127.0.0.1:")
    port = lease.url.rsplit(":", 1)[1]
    calls = tool.calls
    assert calls[0] == ["startvm", "Ubuntu0", "--type", "headless"]
    assert ["controlvm", "Ubuntu0", "natpf1", f"deskpilot-server,tcp,127.0.0.1,{port},,5000"] in calls
    assert any(c[:3] == ["controlvm", "Ubuntu0", "natpf1"] and c[3].endswith(",,9222") for c in calls)
    assert calls[-1] == ["snapshot", "Ubuntu0", "take", "init_state", "--live"]
    before = len(tool.calls)
    lease = provider.reset(lease)
    assert tool.calls[before : before + 3] == [
        ["controlvm", "Ubuntu0", "poweroff"],
        ["snapshot", "Ubuntu0", "restore", "init_state"],
        ["startvm", "Ubuntu0", "--type", "headless"],
    ]
    assert lease.url.endswith(f":{port}")  # the forwards are set again after a restore
    provider.close()
    assert tool.calls[-1] == ["controlvm", "Ubuntu0", "poweroff"]
    assert [p.name for p in (tmp_path / "vms" / "ports").iterdir() if p.name != ".lock"] == []


def test_virtualbox_bridged_reads_the_guest_additions_ip(tmp_path, guest):
    tool = FakeTool(tmp_path / "bin", "VBoxManage")
    tool.state(snapshots=["init_state"])
    provider = VirtualBoxProvider(
        ["Win"],
        vboxmanage=str(tool.path),
        network="bridged",
        server_port=port_of(guest),
        root=tmp_path / "vms",
    )
    lease = provider.acquire()
    assert lease.url == guest.url and guest.hits == ["/screenshot"]
    assert not any(c[1:2] == ["take"] for c in tool.calls)  # the snapshot exists already
    with pytest.raises(ProviderError, match="nat or bridged"):
        VirtualBoxProvider(["x"], network="host-only")
