"""What every getter receives: the evaluation context and the desktop it reads.

A getter is `getter(ctx, spec) -> value`, where `spec` is the evaluator's
`result` or `expected` dict, as in OSWorld's `get_<type>(env, config)`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from envs.base import CommandOutput

if TYPE_CHECKING:
    from benchmarks.osworld.assets import AssetCache

__all__ = ["HOME", "EvalContext", "EvalDesktop", "Getter", "inside"]

HOME = "/home/user"  # the OSWorld VM's user, and our desktops' home


class EvalDesktop(Protocol):
    """What the getters need from a desktop; `envs.client.DesktopClient` has all of it."""

    def execute(self, command: list[str] | str, shell: bool = False) -> CommandOutput: ...

    def read_file(self, path: str) -> bytes: ...

    def list_directory(self, path: str) -> dict[str, Any]: ...

    def terminal_output(self) -> str | None: ...


@dataclass
class EvalContext:
    desktop: EvalDesktop
    cache_dir: Path  # files fetched for the metrics land here
    task_dir: Path | None = None  # the task file's folder, for files shipped beside it
    assets: AssetCache | None = None  # where cloud_file (files.py) finds its URLs
    fetch_assets: bool = False  # download what the cache lacks (needs a network)
    clock: Callable[[], datetime] | None = None  # "now" for rule_relativeTime (tests)


Getter = Callable[[EvalContext, dict[str, Any]], Any]


def inside(base: Path, name: str, what: str) -> Path:
    """`base / name`, refusing names that climb out of `base` (task files are data)."""
    path = (base / name).resolve()
    if path != base.resolve() and base.resolve() not in path.parents:
        raise ValueError(f"{what} {name!r} lies outside {base}")
    return path
