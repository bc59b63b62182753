"""Where the OSWorld and WindowsAgentArena task files live: the one setting.

    task_data_dir() -> .../benchmarks/data           (holds osworld/ and waa/)
    osworld_data()  -> .../benchmarks/data/osworld   (examples/, test_all.json, test_small.json, ...)

The task files ship inside the package (benchmarks/data/, with their licence notices), so a
clone or an installed wheel has them. DESKPILOT_TASK_DATA names another folder of the same
shape (a newer OSWorld checkout's copy, say): it holds `osworld/` and/or `waa/`.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["ENV", "PACKAGED", "osworld_data", "split_file", "task_data_dir", "waa_data"]

ENV = "DESKPILOT_TASK_DATA"
PACKAGED = Path(__file__).resolve().parents[1] / "data"


def task_data_dir() -> Path:
    """The folder holding `osworld/` and `waa/`: $DESKPILOT_TASK_DATA, else the packaged one."""
    named = os.environ.get(ENV, "").strip()
    return Path(named).expanduser() if named else PACKAGED


def osworld_data() -> Path:
    return task_data_dir() / "osworld"


def waa_data() -> Path:
    return task_data_dir() / "waa"


def split_file(name: str, benchmark: str = "osworld") -> Path:
    """A split by name (test_all, test_small, ...) of osworld or waa; the file need not exist."""
    if benchmark not in ("osworld", "waa"):
        raise ValueError(f"benchmark: osworld or waa, not {benchmark!r}")
    return task_data_dir() / benchmark / f"{name}.json"
