"""`agent bench osworld --repeats N`: the split N times, into out/rep-1/, out/rep-2/, ...

Each repeat is an ordinary resumable run (runner.run_split), so a rerun after an
interruption skips every finished task of every repeat and goes on where it stopped.
With the fault-injecting policy (`faulty:` specs) each repeat draws its own faults
(`rep=k` joins the spec); any other model is simply asked again.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from agent.config import AgentConfig
from benchmarks.osworld.summary import Summary, Tasks

__all__ = ["rep_folder", "run_repeats"]


def rep_folder(out: Path, rep: int) -> Path:
    return Path(out) / f"rep-{rep}"


def _for_repeat(config: AgentConfig, rep: int) -> AgentConfig:
    model = config.model
    if not model.startswith("faulty:") or "rep=" in model:
        return config
    path, _, role = model.partition("#")
    joined = f"{path}{'&' if '?' in path else '?'}rep={rep}" + (f"#{role}" if role else "")
    return config.model_copy(update={"model": joined})


def run_repeats(
    tasks: Tasks, *, repeats: int, config: AgentConfig, out: Path, run_split: Any = None, **kwargs: Any
) -> list[Summary]:
    """Run the split `repeats` times (rep-1/ ... rep-N/ under `out`); the summaries in order.
    `kwargs` go to run_split (desktops, task_timeout_s, ...)."""
    if repeats < 1:
        raise ValueError(f"repeats: at least 1, not {repeats}")
    if run_split is None:
        from benchmarks.osworld.runner import run_split
    if isinstance(tasks, Mapping):
        tasks = {d: list(ts) for d, ts in tasks.items()}
    else:
        tasks = list(tasks)  # iterated once per repeat
    return [
        run_split(tasks, config=_for_repeat(config, rep), out=rep_folder(out, rep), **kwargs)
        for rep in range(1, repeats + 1)
    ]
