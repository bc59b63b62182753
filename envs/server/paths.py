"""Confine file access to configured roots, refusing `..` and symlink escapes."""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import HTTPException


def confine(raw: str, roots: list[Path], *, must_exist: bool = False) -> Path:
    """Resolve `raw` and return it only if it lies under one of `roots`.

    The path is resolved with symlinks followed (strict=False so that a file
    about to be uploaded may not exist yet), so both `../../etc/passwd` and a
    link pointing outside a root are caught by the same prefix check.
    """
    if not raw or "\x00" in raw:
        raise HTTPException(400, "a non-empty file path without NUL bytes is required")
    path = Path(os.path.expanduser(raw))
    if not path.is_absolute():
        path = roots[0] / path
    resolved = path.resolve(strict=False)
    if not any(resolved == root or root in resolved.parents for root in roots):
        allowed = ", ".join(str(r) for r in roots)
        raise HTTPException(403, f"path {raw!r} is outside the allowed roots ({allowed})")
    if must_exist and not resolved.exists():
        raise HTTPException(404, f"no such file: {raw}")
    return resolved
