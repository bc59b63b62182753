"""`--desktop this-screen`: the person's own display (here a bare Xvfb standing in for it) is
driven only when named, is never a sandbox, and run_command is refused there by default."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import anyio
import pytest

from tests.agent.mcp.conftest import stdio_client
from tests.agent.mcp.test_desktop_tools import png_of, text_of


@pytest.fixture
def own_display():
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb missing (scripts/install-debian-packages)")
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "900x700x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        name = f":{pipe.readline().strip()}"
    try:
        yield name
    finally:
        xvfb.terminate()
        xvfb.wait(timeout=10)


@pytest.mark.parametrize("allow", [False, True])
def test_this_screen_is_not_a_sandbox(own_display, tmp_path, allow):
    args = ["--desktop", "this-screen", "--runs", str(tmp_path / "runs")]
    if allow:
        args.append("--allow-commands")
    marker = tmp_path / "ran"
    xauthority = tmp_path / "Xauthority"  # the stand-in display needs no cookie
    xauthority.touch()

    async def scenario():
        async with stdio_client(*args, env={"DISPLAY": own_display, "XAUTHORITY": str(xauthority)}) as client:
            shot = await client.call_tool("screenshot", {})
            assert not shot.is_error, text_of(shot)
            assert png_of(shot).size == (900, 700)
            assert json.loads(text_of(shot))["sandbox"] is False
            out = await client.call_tool("run_command", {"command": f"touch {marker}"})
            if allow:
                assert not out.is_error, text_of(out)
            else:
                assert out.is_error and "only on a sandbox desktop" in text_of(out)
            reset = await client.call_tool("reset_desktop", {})
            assert reset.is_error and "the person's own screen" in text_of(reset)

    anyio.run(scenario)
    assert marker.exists() is allow
