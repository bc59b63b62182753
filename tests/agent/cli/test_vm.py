"""`agent vm up | list | view | reset | down` with the small test image, for real."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from agent.cli import app
from envs.providers.qemu_vm import QemuVM

pytestmark = [pytest.mark.vm, pytest.mark.timeout(600)]


def test_vm_up_list_view_reset_down(tmp_path, monkeypatch):
    from tests.envs.providers.vm_support import vm_tools_missing

    if missing := vm_tools_missing():
        pytest.skip(missing)
    monkeypatch.setenv("DESKPILOT_VM_DIR", str(tmp_path))
    from agent.cli import vm as vm_cli

    monkeypatch.setattr(vm_cli.console, "width", 250)
    runner = CliRunner()
    up = runner.invoke(app, ["vm", "up", "--image", "small", "--name", "t1", "--memory", "384"])
    assert up.exit_code == 0, up.output
    url = re.search(r"URL:\s+(\S+)", up.output).group(1)
    token = re.search(r"token:\s+(\S+)", up.output).group(1)
    try:
        again = runner.invoke(app, ["vm", "up", "--image", "small", "--name", "t1"])
        assert again.exit_code == 1 and "already exists" in again.output
        listing = runner.invoke(app, ["vm", "list"])
        assert "t1" in listing.output and url in listing.output and "running" in listing.output
        view = runner.invoke(app, ["vm", "view", "t1"])
        assert re.fullmatch(r"vnc://127\.0\.0\.1:59\d\d\n", view.output)
        vm = QemuVM.attach("t1")
        with vm.lease().client() as desktop:
            assert vm.token == token
            desktop.upload_file("/root/note.txt", b"x")
        reset = runner.invoke(app, ["vm", "reset", "t1"])
        assert reset.exit_code == 0 and "clean again" in reset.output
        with vm.lease().client() as desktop:
            assert desktop.execute("ls /root", shell=True).output == ""
    finally:
        down = runner.invoke(app, ["vm", "down", "t1"])
    assert down.exit_code == 0 and not vm.alive() and not (tmp_path / "t1").exists()
    missing = runner.invoke(app, ["vm", "down", "t1"])
    assert missing.exit_code == 1 and "no VM named 't1'" in missing.output
