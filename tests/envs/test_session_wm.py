"""envs/session.py: a session whose window manager will not start fails plainly."""

from __future__ import annotations

import os

import pytest

from envs import session


def test_an_openbox_that_keeps_exiting_is_retried_then_the_session_fails(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "openbox"
    fake.write_text(f"#!/bin/sh\necho started >> {tmp_path / 'starts'}\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.delenv("DISPLAY", raising=False)  # wmctrl -m finds no window manager
    log = tmp_path / "openbox.log"
    with pytest.raises(session.SessionError, match="openbox.*did not start"):
        session.start_openbox(None, log)
    assert (tmp_path / "starts").read_text().count("started") == session.WM_STARTS
    assert f"openbox start {session.WM_STARTS} of {session.WM_STARTS} failed (exit code 3)" in log.read_text()
