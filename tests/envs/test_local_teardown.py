"""A desktop leaves no process behind when its owner is interrupted (Ctrl-C) or killed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

OWNER = textwrap.dedent("""
    import json, time
    from envs.local import LocalDesktop
    with LocalDesktop(640, 480) as desktop:
        desktop.client().launch(["xterm"])
        time.sleep(0.5)
        print(json.dumps({"pids": desktop.pids(), "state": str(desktop.state_dir)}), flush=True)
        time.sleep(120)
""")


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "crash"])
def test_owner_interrupted_or_killed_leaves_nothing(how, desktop_tools, until, alive):
    owner = subprocess.Popen([sys.executable, "-c", OWNER], stdout=subprocess.PIPE, text=True)
    try:
        info = json.loads(owner.stdout.readline())
        pids = info["pids"]
        assert len(alive(pids)) >= 5  # bwrap, session/server, Xvfb, dbus, openbox, xterm...
        os.kill(owner.pid, how)
        owner.wait(timeout=30)
        until(lambda: alive(pids) == [], timeout=15, what="every desktop process to exit")
        if how == signal.SIGINT:  # a clean exit also removes the desktop's files
            assert not Path(info["state"]).exists()
    finally:
        owner.kill()
        owner.wait()
