"""Screen recording with ffmpeg's x11grab, as OSWorld's /start_recording and /end_recording."""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path

START_TIMEOUT_S = 10.0  # ffmpeg and x264 starting on a busy machine


class RecordingError(RuntimeError):
    pass


class Recorder:
    def __init__(self, directory: Path) -> None:
        self._directory = directory
        self._proc: subprocess.Popen[bytes] | None = None
        self._path: Path | None = None

    @property
    def active(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self, width: int, height: int, *, x: int = 0, y: int = 0) -> None:
        if self.active:
            raise RecordingError("a recording is already running")
        fd, name = tempfile.mkstemp(prefix="recording-", suffix=".mp4", dir=self._directory)
        os.close(fd)
        self._path = Path(name)
        display = os.environ.get("DISPLAY", ":0")
        try:
            self._proc = subprocess.Popen(
                [
                    "ffmpeg",
                    "-y",
                    "-loglevel",
                    "error",
                    "-f",
                    "x11grab",
                    "-framerate",
                    "10",
                    "-video_size",
                    f"{width}x{height}",
                    "-i",
                    f"{display}+{x},{y}" if x or y else display,
                    "-c:v",
                    "libx264",
                    "-preset",
                    "ultrafast",
                    "-pix_fmt",
                    "yuv420p",
                    str(self._path),
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
        except FileNotFoundError as exc:
            raise RecordingError("ffmpeg is not installed on this desktop") from exc
        self._wait_started()

    def _wait_started(self, timeout: float = START_TIMEOUT_S) -> None:
        """Return once ffmpeg has written its header: a "q" sent before that (a short
        recording on a busy machine) ends ffmpeg before its first frame, with no file."""
        assert self._proc is not None and self._path is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                err = self._proc.stderr.read().decode(errors="replace") if self._proc.stderr else ""
                self._proc = None
                self._path.unlink(missing_ok=True)  # the empty file it never wrote to
                raise RecordingError(f"ffmpeg exited at start: {err.strip() or 'no message'}")
            if self._path.stat().st_size > 0:
                return
            time.sleep(0.05)

    def stop(self) -> Path:
        if self._proc is None or self._path is None:
            raise RecordingError("no recording is running")
        proc, path = self._proc, self._path
        self._proc = None
        if proc.poll() is None:
            try:  # "q" lets ffmpeg write the mp4 index; a signal would leave a broken file
                proc.communicate(b"q", timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        if not path.exists() or path.stat().st_size == 0:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            raise RecordingError(f"recording failed: {err.strip() or 'no output file'}")
        return path
