"""Recorder: ffmpeg that cannot start is a clear error, and leaves no file behind."""

from __future__ import annotations

import os
import shutil

import pytest

from envs.server.recording import Recorder, RecordingError


def test_ffmpeg_exiting_at_start_is_a_clear_error_and_leaves_no_file(tmp_path, monkeypatch):
    if not shutil.which("ffmpeg"):
        message = "needs ffmpeg (scripts/install-debian-packages)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    monkeypatch.setenv("DISPLAY", ":4095")  # no X server there: x11grab fails at once
    recorder = Recorder(tmp_path)
    with pytest.raises(RecordingError, match="ffmpeg exited at start"):
        recorder.start(320, 240)
    assert list(tmp_path.iterdir()) == [] and not recorder.active
    with pytest.raises(RecordingError, match="no recording is running"):
        recorder.stop()
