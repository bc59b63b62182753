"""QEMU desktops from the small test image, for real (TCG here; KVM where it works).

Boots take about 15-60 s each on a loaded 2-core machine under TCG; snapshot resets 1-2 s."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from envs.providers import Provider, ProviderError
from envs.providers.qemu import QemuProvider
from envs.providers.qemu_vm import QemuVM, _alive

from .vm_support import small_config

pytestmark = [pytest.mark.vm, pytest.mark.timeout(900)]
ROOT = Path(__file__).resolve().parents[3]


def state(lease) -> tuple[str, str, str]:
    """(the test file, the hostname, the screen colour setting) as the guest sees them."""
    with lease.client() as vm:
        out = vm.execute(
            "cat /root/note.txt 2>/dev/null; echo '|'; hostname; echo '|'; cat /etc/deskpilot/colour",
            shell=True,
        ).output
    note, host, colour = (part.strip() for part in out.split("|"))
    return note, host, colour


def test_boot_write_reset_and_everything_is_gone(tmp_path):
    provider = QemuProvider(small_config(), root=tmp_path)
    assert isinstance(provider, Provider)
    with provider:
        lease = provider.acquire()
        assert lease.can_reset and lease.url.startswith("http://127.0.0.1:")
        assert httpx.get(f"{lease.url}/health", timeout=5).status_code == 401  # a token is needed
        with lease.client() as vm:
            assert vm.health()["server"] == "deskpilot-vm-standin"
            clean_png = vm.screenshot()
            vm.upload_file("/root/note.txt", b"left by task 1")
            vm.execute("hostname dirty-after-task; echo ff0000 > /etc/deskpilot/colour", shell=True)
            assert vm.screenshot() != clean_png
        assert state(lease) == ("left by task 1", "dirty-after-task", "ff0000")
        folder = Path(lease.extra["folder"])
        assert (folder / "overlay.qcow2").exists()
        vm_proc = provider.vm(lease)
        pid = vm_proc.pid

        lease = provider.reset(lease)  # loadvm: the same QEMU
        assert provider.vm(lease).pid == pid
        assert state(lease) == ("", "deskpilot-vm", "282828")
        with lease.client() as vm:
            assert vm.screenshot() == clean_png

        with lease.client() as vm:  # dirty again, then a reboot reset
            vm.upload_file("/root/note.txt", b"left by task 2")
        lease = provider.reset(lease, mode="reboot")
        assert provider.vm(lease).pid != pid and not _alive(pid)
        assert state(lease) == ("", "deskpilot-vm", "282828")
        lease = provider.reset(lease)  # the reboot took a new snapshot
        assert state(lease)[0] == ""
        pid = provider.vm(lease).pid
    assert not _alive(pid) and not folder.exists()  # close(): QEMU and overlay gone
    assert [p for p in (tmp_path / "ports").iterdir() if p.name != ".lock"] == []


def test_two_vms_at_once_with_their_own_ports(tmp_path):
    with QemuProvider(small_config(count=2), root=tmp_path) as provider:
        leases: list = []
        threads = [threading.Thread(target=lambda: leases.append(provider.acquire())) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(leases) == 2
        a, b = leases
        ports_a = set(provider.vm(a).ports.values())
        ports_b = set(provider.vm(b).ports.values())
        assert len(ports_a) == 4 and not ports_a & ports_b
        assert a.token != b.token
        with a.client() as vm:
            vm.upload_file("/root/note.txt", b"only on a")
        assert state(a)[0] == "only on a" and state(b)[0] == ""
        with pytest.raises(ProviderError, match="all 2 QEMU desktops are in use"):
            provider.acquire(timeout=0.1)
        provider.release(b)
        assert not Path(b.extra["folder"]).exists()
        assert state(a)[0] == "only on a"


OWNER = """
import json, sys, time
from pathlib import Path
sys.path.insert(0, {root!r}); sys.path.insert(0, {tests!r})
from vm_support import small_config
from envs.providers.qemu import QemuProvider
provider = QemuProvider(small_config(), root=Path({dir!r}))
lease = provider.acquire()
vm = provider.vm(lease)
print(json.dumps({{"pid": vm.pid, "folder": str(vm.folder)}}), flush=True)
time.sleep(600)
"""


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT], ids=["killed", "ctrl-c"])
def test_killing_the_owner_leaves_no_qemu_behind(tmp_path, how):
    small_config()  # skips without the tools; builds the image here, not in the child
    script = OWNER.format(root=str(ROOT), tests=str(Path(__file__).parent), dir=str(tmp_path))
    owner = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        line = owner.stdout.readline()
        assert line, "the owner did not start a VM"
        info = json.loads(line)
        assert _alive(info["pid"]) and Path(info["folder"], "overlay.qcow2").exists()
    finally:
        # SIGKILL: no cleanup code of its own runs (the watchdog acts); SIGINT: Ctrl-C, the
        # KeyboardInterrupt ends the script and the provider closes at exit.
        owner.send_signal(how)
        owner.wait(timeout=60)
    deadline = time.monotonic() + 20
    while (_alive(info["pid"]) or Path(info["folder"]).exists()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(info["pid"]), "QEMU outlived its owner"
    assert not Path(info["folder"]).exists(), "the overlay outlived its owner"


def test_a_vm_whose_server_never_answers_is_reported_with_its_serial_console(tmp_path):
    config = small_config(append=small_config().append + " deskpilot.server=off", boot_timeout_s=60)
    provider = QemuProvider(config, root=tmp_path)
    with pytest.raises(ProviderError) as caught:
        provider.acquire()
    message = str(caught.value)
    assert "not healthy after 60 s" in message and "serial console" in message
    assert "deskpilot-init: server disabled" in message  # the guest's own words
    assert provider.vms == {} and [p for p in tmp_path.iterdir() if p.name != "ports"] == []


def test_a_detached_vm_is_found_again_by_name(tmp_path):
    vm = QemuVM(small_config(), "standalone", root=tmp_path, detach=True).start()
    try:
        again = QemuVM.attach("standalone", root=tmp_path)
        assert again.url == vm.url and again.token == vm.token and again.alive()
        with again.lease().client() as desktop:
            desktop.upload_file("/root/note.txt", b"x")
        again.reset()
        assert state(again.lease())[0] == ""
    finally:
        QemuVM.attach("standalone", root=tmp_path).stop()
    assert not vm.alive() and not (tmp_path / "standalone").exists()


def test_a_qemu_that_cannot_start_says_why_at_once(tmp_path):
    config = small_config(extra_args=["-no-such-option"])
    with pytest.raises(
        ProviderError, match=r"QEMU did not start for bad:\n.*-no-such-option: invalid option"
    ):
        QemuVM(config, "bad", root=tmp_path).start()
    assert [p.name for p in tmp_path.iterdir()] == ["ports"]


def test_a_port_taken_after_the_claim_gets_new_ports(tmp_path, monkeypatch):
    import socket

    from envs.providers import qemu_vm

    squatter = socket.socket()
    squatter.bind(("127.0.0.1", 0))
    squatter.listen()
    taken = squatter.getsockname()[1]
    real_claim, claims = qemu_vm.claim_ports, []

    def racing_claim(root, owner, names, **kwargs):
        ports = real_claim(root, owner, names, **kwargs)
        if not claims:  # someone else binds the server port in between
            ports["server"] = taken
        claims.append(ports)
        return ports

    monkeypatch.setattr(qemu_vm, "claim_ports", racing_claim)
    vm = QemuVM(small_config(boot_timeout_s=1), "race", root=tmp_path)
    with pytest.raises(ProviderError, match="not healthy after 1 s"):  # QEMU started, 2nd try
        vm.start()
    squatter.close()
    assert len(claims) == 2 and claims[1]["server"] != taken
