"""compare_videos: the first 100 frames of two videos look the same (perceptual hash).

Written from the behaviour of OSWorld's `metrics/vlc.py`, which reads frames with
OpenCV and hashes them with imagehash's `phash`. Here ffmpeg (already a system
dependency, for recording) decodes the frames to RGB and `image.phash` hashes
them; two frames differ by the number of unequal bits.
"""

from __future__ import annotations

import subprocess
from collections.abc import Generator

import numpy as np
from PIL import Image

from benchmarks.osworld.metrics.image import phash

__all__ = ["compare_videos", "frames"]


def _size(path: str) -> tuple[int, int]:
    out = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=width,height",
            "-of",
            "csv=p=0",
            path,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    width, height = out.strip().splitlines()[0].split(",")[:2]
    return int(width), int(height)


def frames(path: str, limit: int) -> Generator[Image.Image, None, None]:
    """Up to `limit` decoded frames, one at a time (a video's frames can be large)."""
    width, height = _size(path)
    size = width * height * 3
    proc = subprocess.Popen(
        [
            "ffmpeg",
            "-v",
            "error",
            "-nostdin",
            "-i",
            path,
            "-frames:v",
            str(limit),
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert proc.stdout is not None
    try:
        while True:
            data = proc.stdout.read(size)
            if len(data) < size:
                return
            yield Image.frombytes("RGB", (width, height), data)
    finally:
        proc.stdout.close()
        proc.kill()
        proc.wait()


def compare_videos(
    video_path1: str | None, video_path2: str | None, max_frames_to_check: int = 100, threshold: int = 5
) -> float:
    """Frame by frame (up to `max_frames_to_check`): more than `threshold` frames whose
    hashes differ by more than `threshold` bits score 0; one video ending before
    the other scores 0; otherwise 1."""
    if not video_path1 or not video_path2:
        return 0.0
    a, b = frames(video_path1, max_frames_to_check), frames(video_path2, max_frames_to_check)
    try:
        mismatches = 0
        for _ in range(max_frames_to_check):
            f1, f2 = next(a, None), next(b, None)
            if f1 is None or f2 is None:
                return float((f1 is None) == (f2 is None))
            if int(np.count_nonzero(phash(f1) != phash(f2))) > threshold:
                mismatches += 1
                if mismatches > threshold:
                    return 0.0
        return 1.0
    finally:  # stop both decoders now, not when the generators are collected
        a.close()
        b.close()
