"""A VM dies with the process that started it, however that process ends.

Normal exit and Ctrl-C are handled by the provider itself (close() in `finally`, atexit);
SIGKILL and crashes are not. For those, each VM gets a small watchdog process holding the
read end of a pipe whose write end only the owner holds (not inherited by QEMU or any other
child). When the owner dies, the kernel closes its end, the watchdog reads EOF, kills
QEMU and deletes the VM's folder (overlay included). A VM stopped normally has no folder
any more by then; and an owner that stops or reboots a VM itself dismisses its watchdog
with one byte down the pipe.

Unlike a parent-death signal (prctl PR_SET_PDEATHSIG), this does not fire when the *thread*
that started QEMU ends: a pool may start VMs from worker threads that come and go.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

# Runs as `python -c WATCHDOG FD QEMU_PID FOLDER`, on the standard library alone.
WATCHDOG = r"""
import os, shutil, signal, sys, time
signal.signal(signal.SIGINT, signal.SIG_IGN)
fd, pid, folder = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
if os.read(fd, 1):        # a byte: dismissed by the owner, who cleans up itself
    sys.exit(0)
if os.path.isdir(folder):  # EOF: the owner died
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    shutil.rmtree(folder, ignore_errors=True)
"""


class Watchdog:
    def __init__(self, qemu_pid: int, folder: Path) -> None:
        read_end, self._write_end = os.pipe()  # both close-on-exec: QEMU inherits neither
        self.proc = subprocess.Popen(
            [sys.executable, "-c", WATCHDOG, str(read_end), str(qemu_pid), str(folder)],
            pass_fds=(read_end,),
            start_new_session=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(read_end)

    def dismiss(self) -> None:
        """The owner stopped the VM itself: let the watchdog go."""
        if self._write_end >= 0:
            os.write(self._write_end, b"x")
            os.close(self._write_end)
            self._write_end = -1
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
