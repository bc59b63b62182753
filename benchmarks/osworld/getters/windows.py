"""What the Windows getters share: PowerShell through the desktop's command route,
the user's known folders, and reading files and folders without raising.

WindowsAgentArena's VM server answers several evaluator questions through its own
routes (`/desktop_path`, `/file_exists`, `/library_folders`, ...). Our protocol has
only the generic ones (`/execute`, `/file`, `/list_directory`), so each Windows
getter asks the same question with a PowerShell one-liner or by reading files and
parsing them here. Every task string that reaches a command goes through
`ps_quote` (a single-quoted PowerShell literal) and is never spliced in raw.
"""

from __future__ import annotations

import logging
import ntpath
from typing import Any

from benchmarks.osworld.getters.context import EvalContext
from benchmarks.osworld.setup import _powershell, _ps_quote
from envs.base import CommandOutput, DesktopError

__all__ = [
    "FOLDER_DEFAULTS",
    "as_bool_text",
    "children",
    "known_folder",
    "powershell",
    "ps_quote",
    "read_bytes",
    "read_text",
    "win_join",
]

log = logging.getLogger(__name__)

# WAA's image runs as user "Docker"; these are its folders, used when PowerShell fails.
FOLDER_DEFAULTS = {
    "Desktop": r"C:\Users\Docker\Desktop",
    "MyDocuments": r"C:\Users\Docker\Documents",
    "UserProfile": r"C:\Users\Docker",
    "LocalApplicationData": r"C:\Users\Docker\AppData\Local",
    "ApplicationData": r"C:\Users\Docker\AppData\Roaming",
}


def ps_quote(text: str) -> str:
    """`text` as a single-quoted PowerShell literal: nothing inside is expanded."""
    return _ps_quote(str(text))


def powershell(ctx: EvalContext, script: str) -> CommandOutput | None:
    """Run `script` with PowerShell on the desktop; None when the desktop refused."""
    try:
        return ctx.desktop.execute(_powershell(script))
    except DesktopError as exc:
        log.warning("PowerShell failed: %s", exc)
        return None


def known_folder(ctx: EvalContext, name: str) -> str:
    """A folder of the signed-in user (`Desktop`, `MyDocuments`, ...), as .NET's
    `Environment.GetFolderPath` names it; WAA's default when the desktop cannot say."""
    if name not in FOLDER_DEFAULTS:
        raise ValueError(f"unknown folder {name!r}")
    out = powershell(ctx, f"[Environment]::GetFolderPath({ps_quote(name)})")
    path = out.output.strip() if out is not None and out.returncode == 0 else ""
    return path or FOLDER_DEFAULTS[name]


def win_join(*parts: str) -> str:
    return ntpath.join(*parts)


def read_bytes(ctx: EvalContext, path: str) -> bytes | None:
    """The file's bytes, or None when the desktop has no such file (upstream's get_file)."""
    try:
        return ctx.desktop.read_file(path)
    except DesktopError as exc:
        log.info("no file %s: %s", path, exc)
        return None


def read_text(ctx: EvalContext, path: str) -> str | None:
    data = read_bytes(ctx, path)
    return None if data is None else data.decode("utf-8", errors="replace")


def children(ctx: EvalContext, path: str) -> list[dict[str, Any]] | None:
    """The entries of a folder (`{"type": "file"|"directory", "name", "children"?}`),
    or None when it is not a folder the desktop can list."""
    try:
        tree = ctx.desktop.list_directory(path)
    except DesktopError as exc:
        log.info("cannot list %s: %s", path, exc)
        return None
    if not isinstance(tree, dict) or "children" not in tree:
        return None
    return list(tree["children"])


def as_bool_text(value: bool) -> str:
    """WAA's getters answer "true"/"false" strings that tasks compare exactly."""
    return "true" if value else "false"
