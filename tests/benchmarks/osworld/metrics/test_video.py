"""compare_videos on short videos ffmpeg renders from its test pattern."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from benchmarks.osworld.metrics import METRICS
from benchmarks.osworld.metrics.video import frames

pytestmark = pytest.mark.skipif(
    shutil.which("ffmpeg") is None and not os.environ.get("CI"),
    reason="needs ffmpeg (scripts/install-debian-packages)",
)


def _video(path, seconds: float = 3, vf: str | None = None, crf: int = 23) -> str:
    command = [
        "ffmpeg",
        "-v",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=160x120:rate=10",
        "-t",
        str(seconds),
        "-pix_fmt",
        "yuv420p",
        "-crf",
        str(crf),
    ]
    subprocess.run(command + (["-vf", vf] if vf else []) + [str(path)], check=True, timeout=120)
    return str(path)


def test_compare_videos(tmp_path):
    gold = _video(tmp_path / "gold.mp4")
    f = METRICS["compare_videos"]
    assert f(_video(tmp_path / "reencoded.mp4", crf=30), gold) == 1.0  # same pictures, other quality
    assert f(_video(tmp_path / "flipped.mp4", vf="hflip"), gold) == 0.0
    assert f(_video(tmp_path / "short.mp4", seconds=2), gold) == 0.0  # ends first
    assert f(None, gold) == 0.0
    assert len(list(frames(gold, 100))) == 30
