"""gimp_config_file: a file of GIMP 2.10's config folder on the desktop, for the
settings metrics (`metrics/config.py`)."""

from __future__ import annotations

from typing import Any

from benchmarks.osworld.getters.context import HOME, EvalContext
from benchmarks.osworld.getters.files import copy_from_desktop

__all__ = ["gimp_config_file"]


def gimp_config_file(ctx: EvalContext, spec: dict[str, Any]) -> str | None:
    """A file of GIMP 2.10's config folder (`file_name`), copied as `dest`."""
    name = spec["file_name"]
    if "/" in name or name in ("", ".", ".."):
        raise ValueError(f"gimp_config_file: file_name {name!r} must be a plain file name")
    return copy_from_desktop(ctx, f"{HOME}/.config/GIMP/2.10/{name}", spec.get("dest", name))
