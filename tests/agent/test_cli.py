"""`agent desktop up | list | down` on a real desktop."""

from __future__ import annotations

import json

import httpx
import psutil
from typer.testing import CliRunner

from agent.cli import app


def test_desktop_up_list_down(desktop_tools, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    runner = CliRunner()
    up = runner.invoke(app, ["desktop", "up", "--name", "t1", "--width", "800", "--height", "600"])
    record = tmp_path / "deskpilot" / "desktops" / "t1.json"
    info = json.loads(record.read_text()) if record.exists() else None
    try:
        assert up.exit_code == 0, up.output
        assert info["url"] in up.output and info["token"] in up.output
        assert oct(record.stat().st_mode & 0o777) == "0o600"  # it holds the token
        reply = httpx.get(info["url"] + "/screen_size", headers={"Authorization": f"Bearer {info['token']}"})
        assert reply.json() == {"width": 800, "height": 600}
        assert httpx.get(info["url"] + "/screen_size").status_code == 401
        again = runner.invoke(app, ["desktop", "up", "--name", "t1"])
        assert again.exit_code == 1 and "already up" in again.output
        listing = runner.invoke(app, ["desktop", "list"])
        assert "t1" in listing.output
        procs = [psutil.Process(info["pid"])] + psutil.Process(info["pid"]).children(recursive=True)
        down = runner.invoke(app, ["desktop", "down", "--name", "t1"])
        assert down.exit_code == 0, down.output
        gone, still = psutil.wait_procs(procs, timeout=10)
        assert [p for p in still if p.status() != psutil.STATUS_ZOMBIE] == []
        assert not record.exists()
        missing = runner.invoke(app, ["desktop", "down", "--name", "t1"])
        assert missing.exit_code == 1 and "no desktop named" in missing.output
    finally:
        if record.exists():
            runner.invoke(app, ["desktop", "down", "--name", "t1"])
