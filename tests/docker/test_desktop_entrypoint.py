"""docker/desktop-entrypoint.sh refuses an open server; the whole start-up is exercised
by tests/envs/providers/test_docker.py (a real desktop behind the docker provider)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ENTRYPOINT = Path(__file__).resolve().parents[2] / "docker" / "desktop-entrypoint.sh"


def run(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    base = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "DESKPILOT_RUN_DIR": str(tmp_path / "run")}
    return subprocess.run(
        [str(ENTRYPOINT)], check=False, env={**base, **env}, capture_output=True, text=True, timeout=30
    )


def test_it_is_an_executable_posix_script():
    assert os.access(ENTRYPOINT, os.X_OK)
    assert subprocess.run(["sh", "-n", str(ENTRYPOINT)], check=False).returncode == 0


def test_beyond_loopback_without_a_token_it_refuses_before_starting_anything(tmp_path):
    for env in ({}, {"DESKPILOT_HOST": "0.0.0.0"}, {"DESKPILOT_HOST": "10.0.0.2", "DESKPILOT_TOKEN": ""}):
        result = run(env, tmp_path)
        assert result.returncode == 64
        assert "refusing to serve" in result.stderr and "DESKPILOT_TOKEN" in result.stderr
        assert not (tmp_path / "run").exists()  # nothing was started
