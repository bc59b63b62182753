"""QEMU desktop descriptions, the command line they make, port claims and --desktops specs
(no VM booted here: test_qemu.py boots them)."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest

from envs.providers import ProviderError, ResetUnsupported
from envs.providers.ports import claim_ports, release_ports
from envs.providers.qemu_config import QemuConfig, load_config, parse_spec
from envs.providers.qemu_vm import QemuVM, choose_accel
from envs.providers.spec import from_spec
from envs.providers.static import StaticProvider


def test_specs_and_files(tmp_path):
    assert parse_spec("qemu:/data/Ubuntu.qcow2").count == 1
    config = parse_spec("qemu:/data/Ubuntu.qcow2x4")
    assert (config.image, config.count, config.os, config.probe_path) == (
        Path("/data/Ubuntu.qcow2"),
        4,
        "linux",
        "/screenshot",
    )
    (tmp_path / "waa.toml").write_text('image = "storage/data.img"\nos = "windows"\ncount = 2\n')
    waa = parse_spec(f"qemu:{tmp_path / 'waa.toml'}")
    assert waa.image == tmp_path / "storage" / "data.img"  # relative to the file
    assert (waa.probe_path, waa.disk_if, waa.nic_model) == ("/probe", "ide", "e1000")
    with pytest.raises(ProviderError, match="count must be at least 1"):
        parse_spec("qemu:a.qcow2x0")
    (tmp_path / "bad.toml").write_text('image = "a"\nmemroy_mb = 4\n')
    with pytest.raises(ProviderError, match="memroy_mb: Extra inputs"):
        load_config(tmp_path / "bad.toml")
    with pytest.raises(ProviderError, match="token = true needs kernel"):
        parse_spec_token(tmp_path)
    with pytest.raises(ProviderError, match="the image .*nowhere.qcow2 does not exist"):
        QemuConfig(image=tmp_path / "nowhere.qcow2").checked()


def parse_spec_token(tmp_path: Path) -> QemuConfig:
    (tmp_path / "t.toml").write_text('image = "a"\ntoken = true\n')
    return load_config(tmp_path / "t.toml")


def test_the_command_line_forwards_on_loopback_only(tmp_path):
    kernel = tmp_path / "vmlinuz"
    kernel.write_bytes(b"")
    vm = QemuVM(
        QemuConfig(
            image=tmp_path / "d.qcow2", kernel=kernel, append="console=ttyS0", token=True, memory_mb=512
        ),
        "x",
        root=tmp_path,
    )
    vm.accel, vm.ports = "tcg", {"server": 20001, "chrome": 20002, "vlc": 20003, "vnc": 5907}
    args = vm.command()
    netdev = args[args.index("-netdev") + 1]
    assert netdev == (
        "user,id=net0,hostfwd=tcp:127.0.0.1:20001-:5000,hostfwd=tcp:127.0.0.1:20002-:9222,"
        "hostfwd=tcp:127.0.0.1:20003-:8080"
    )
    assert args[args.index("-vnc") + 1] == "127.0.0.1:7"
    assert args[args.index("-append") + 1] == f"console=ttyS0 deskpilot.token={vm.token}"
    assert "accel=tcg" in args[args.index("-machine") + 1] and "-mem-prealloc" not in args
    assert "0.0.0.0" not in " ".join(args)


def test_accel_choice_warns_when_kvm_is_missing(monkeypatch, caplog):
    monkeypatch.delenv("DESKPILOT_QEMU_ACCEL", raising=False)
    monkeypatch.setattr("envs.providers.qemu_vm.kvm_usable", lambda: "/dev/kvm cannot be opened")
    with caplog.at_level(logging.WARNING):
        assert choose_accel("auto") == "tcg"
    assert "/dev/kvm cannot be opened: QEMU falls back to TCG" in caplog.text
    assert choose_accel("kvm") == "kvm"  # by name: as asked
    monkeypatch.setattr("envs.providers.qemu_vm.kvm_usable", lambda: None)
    assert choose_accel("auto") == "kvm"
    monkeypatch.setenv("DESKPILOT_QEMU_ACCEL", "tcg")
    assert choose_accel("auto") == "tcg"


def test_parallel_claims_never_share_a_port(tmp_path):
    owners = [tmp_path / f"vm{i}" for i in range(8)]
    got: dict[int, dict[str, int]] = {}  # by owner: threads finish in any order
    for owner in owners:
        owner.mkdir()

    def claim(i: int) -> None:
        got[i] = claim_ports(tmp_path, owners[i], ["server", "chrome", "vlc"])

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(len(owners))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [p for ports in got.values() for p in ports.values()]
    assert len(every) == 32 and len(set(every)) == 32
    assert all(ports["vnc"] >= 5900 for ports in got.values())
    release_ports(tmp_path, got[0], owners[0])  # given back: claimable again
    owners[1].rmdir()  # a VM folder gone: its claims are stale
    freed = {got[i][name] for i in (0, 1) for name in ("server", "chrome", "vlc")}
    # From the lowest freed port: the search must pass the live claims above it, and a
    # port outside this test that becomes bindable meanwhile cannot come first.
    again = claim_ports(tmp_path, tmp_path / "new", ["server"], start=min(freed), vnc=False)
    assert again["server"] in freed  # a port given back or gone stale is claimable again


def test_desktop_specs_pick_the_provider(tmp_path):
    provider, n = from_spec("qemu:/img/Ubuntu.qcow2x3")
    assert type(provider).__name__ == "QemuProvider" and n == 3
    static, n = from_spec("http://10.0.0.5:5000#tok")
    assert isinstance(static, StaticProvider) and n == 1 and static.desktops[0].token == "tok"
    assert type(from_spec("local")[0]).__name__ == "LocalProvider"
    assert from_spec("vmware:a.vmx,b.vmx")[1] == 2
    assert from_spec("virtualbox:Ubuntu0")[1] == 1
    assert from_spec("docker:deskpilot-desktopx2")[1] == 2
    (tmp_path / "vms.toml").write_text('image = "Ubuntu.qcow2"\ncount = 2\n')
    assert type(from_spec(str(tmp_path / "vms.toml"))[0]).__name__ == "QemuProvider"
    with pytest.raises(ProviderError, match="unknown desktops 'hyperv:x'"):
        from_spec("hyperv:x")


def test_a_bare_url_cannot_be_reset():
    provider = StaticProvider([{"url": "http://127.0.0.1:9", "probe": ""}])
    lease = provider.acquire()
    assert lease.can_reset is False
    with pytest.raises(ResetUnsupported, match="cannot be reset.*--no-reset"):
        provider.reset(lease)
