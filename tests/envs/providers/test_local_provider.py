"""Local desktops through the Provider interface: a reset is a fresh desktop."""

from __future__ import annotations

import pytest

from envs.providers import Provider
from envs.providers.local import LocalProvider


@pytest.mark.desktop
def test_reset_gives_a_fresh_desktop_without_the_last_tasks_files(desktop_tools):
    with LocalProvider((800, 600)) as provider:
        assert isinstance(provider, Provider)
        lease = provider.acquire()
        assert lease.can_reset and lease.provider == "local"
        with lease.client() as desktop:
            desktop.upload_file("/home/user/left.txt", b"from task 1")
            assert desktop.read_file("/home/user/left.txt") == b"from task 1"
        old = provider.desktops[lease.handle]
        fresh = provider.reset(lease)
        assert fresh.name == lease.name and fresh.token != lease.token
        assert old.proc is None  # the old one was stopped
        with fresh.client() as desktop:
            out = desktop.execute("ls /home/user", shell=True).output
            assert "left.txt" not in out and desktop.screen_size() == (800, 600)
        desktop_obj = provider.desktops[fresh.handle]
    assert provider.desktops == {} and desktop_obj.proc is None
