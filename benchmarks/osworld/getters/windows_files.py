"""WindowsAgentArena's file getters: files and folders on the Desktop, in Documents,
Downloads, archives, and the text the agent saved.

Written from the behaviour of WAA's `getters/fileexplorer.py` and `getters/file.py`
(their return values included: some answer "true"/"false" strings, some booleans,
one 1.0/0.0, and tasks compare them exactly). Where upstream asks its VM server's
own route (`/file_exists`, `/folder_exists`) we ask `Test-Path` with the name quoted;
where it runs Python with the task's paths spliced into the source
(`all_png_file_names`, `is_all_docx_in_archive`) we read and list the folders
through the protocol and decide here.
"""

from __future__ import annotations

import io
import json
import logging
from typing import Any

from benchmarks.osworld.getters.context import EvalContext
from benchmarks.osworld.getters.windows import (
    as_bool_text,
    children,
    known_folder,
    powershell,
    ps_quote,
    read_bytes,
    read_text,
    win_join,
)

__all__ = [
    "all_png_file_names",
    "is_all_docx_in_archive",
    "is_file_desktop",
    "is_file_saved_desktop",
    "is_files_moved_downloads",
    "test_path",
    "vm_file_exists_in_desktop",
    "vm_file_exists_in_vm_folder",
    "vm_folder_exists_in_documents",
    "zipped_folder_in_desktop",
]

log = logging.getLogger(__name__)


def test_path(ctx: EvalContext, path: str, kind: str) -> bool:
    """`Test-Path -PathType Leaf|Container` on the desktop: prints True or False."""
    out = powershell(ctx, f"Test-Path -LiteralPath {ps_quote(path)} -PathType {kind}")
    return out is not None and out.output.strip().lower() == "true"


def vm_file_exists_in_desktop(ctx: EvalContext, spec: dict[str, Any]) -> bool:
    """Whether `file_name` is a file on the user's Desktop."""
    return test_path(ctx, win_join(known_folder(ctx, "Desktop"), spec["file_name"]), "Leaf")


def vm_folder_exists_in_documents(ctx: EvalContext, spec: dict[str, Any]) -> bool:
    """Whether `folder_name` is a folder in the user's Documents."""
    return test_path(ctx, win_join(known_folder(ctx, "MyDocuments"), spec["folder_name"]), "Container")


def vm_file_exists_in_vm_folder(ctx: EvalContext, spec: dict[str, Any]) -> float:
    """1.0 when `folder_name`\\`file_name` can be read (upstream's get_file), else 0.0."""
    folder, name = spec.get("folder_name"), spec.get("file_name")
    if not folder or not name:
        return 0.0
    return 1.0 if read_bytes(ctx, win_join(folder, name)) else 0.0


def is_file_desktop(ctx: EvalContext, spec: dict[str, Any]) -> str:
    """ "true" when the Desktop file `filename` can be read."""
    path = win_join(known_folder(ctx, "Desktop"), spec["filename"])
    return as_bool_text(read_bytes(ctx, path) is not None)


def _normalise(text: Any) -> str:
    return str(text).replace("\r\n", "\n").replace("\r", "\n").strip()


def is_file_saved_desktop(ctx: EvalContext, spec: dict[str, Any]) -> str:
    """ "true" when the Desktop file `filename` contains `textcontent` (or, with
    `exact`, equals it apart from line endings and surrounding blanks)."""
    text = read_text(ctx, win_join(known_folder(ctx, "Desktop"), spec["filename"]))
    if text is None:
        return "false"
    expected = spec["textcontent"]
    if spec.get("exact", False):
        return as_bool_text(_normalise(text) == _normalise(expected))
    return as_bool_text(str(expected) in text)


def all_png_file_names(ctx: EvalContext, spec: dict[str, Any]) -> str:
    """ "true" when the lines of the text file `file_path` are exactly the names of
    the .png files in `folder_path` (as sets, case of the extension ignored)."""
    text = read_text(ctx, spec["file_path"])
    if text is None:
        log.info("all_png_file_names: %s does not exist", spec["file_path"])
        return "false"
    entries = children(ctx, spec["folder_path"])
    if entries is None:
        return "false"
    pngs = {e["name"] for e in entries if e.get("type") == "file" and e["name"].lower().endswith(".png")}
    listed = set(text.splitlines())  # upstream: f.read().splitlines(), blanks not dropped
    return as_bool_text(listed == pngs)


def _file_names(entries: list[dict[str, Any]]) -> list[str]:
    return [e["name"] for e in entries if e.get("type") == "file"]


def is_all_docx_in_archive(ctx: EvalContext, spec: dict[str, Any]) -> str:
    """ "true" when `folder_path`\\Archive holds files that are all .docx and no .docx
    is left directly in `folder_path` (an empty Archive fails, as upstream)."""
    folder = spec.get("folder_path")
    if not folder:
        return "false"
    entries = children(ctx, folder)
    if entries is None:
        return "false"
    archive = next((e for e in entries if e.get("type") == "directory" and e["name"] == "Archive"), None)
    if archive is None:
        return "false"
    archived = _file_names(archive.get("children") or [])
    if not archived or not all(n.lower().endswith(".docx") for n in archived):
        return "false"
    if any(n.lower().endswith(".docx") for n in _file_names(entries)):
        return "false"
    return "true"


def zipped_folder_in_desktop(ctx: EvalContext, spec: dict[str, Any]) -> str:
    """ "true" when the 7z archive `filename` is password-protected and, opened with
    `password`, holds OldProjects/example.txt (the one task that uses it)."""
    import py7zr  # only this getter needs it

    data = read_bytes(ctx, spec["filename"])
    if data is None:
        return "false"
    # py7zr's needs_password() is true whenever a password is passed, so first try
    # the archive without one: if it decompresses, it is not protected.
    try:
        with py7zr.SevenZipFile(io.BytesIO(data), mode="r") as archive:
            if archive.testzip() is None:
                return "false"
    except Exception as exc:  # noqa: BLE001 - encrypted content fails without the password
        log.info("zipped_folder_in_desktop: protected (%s)", type(exc).__name__)
    try:
        with py7zr.SevenZipFile(io.BytesIO(data), mode="r", password=spec.get("password")) as archive:
            if "OldProjects/example.txt" not in archive.getnames():
                return "false"
            # Upstream decrypts everything (readall); a wrong password fails there.
            return as_bool_text(archive.testzip() is None)
    except Exception as exc:  # noqa: BLE001 - a wrong password surfaces as LZMA/CRC errors
        log.info("zipped_folder_in_desktop: %s", exc)
        return "false"


def is_files_moved_downloads(ctx: EvalContext, spec: dict[str, Any]) -> str:
    """ "true" when Downloads no longer holds both `file_name` and `folder_name`, and
    OldDownloads\\`folder_name` holds `file_name`."""
    name, folder = spec["file_name"], spec["folder_name"]
    home = known_folder(ctx, "UserProfile")
    downloads = children(ctx, win_join(home, "Downloads"))
    # Upstream looks for both names anywhere in the JSON text of the Downloads tree.
    listing = json.dumps(downloads)
    if name in listing and folder in listing:
        return "false"
    for entry in children(ctx, win_join(home, "OldDownloads")) or []:
        if (
            entry.get("type") == "directory"
            and entry["name"] == folder
            and any(child["name"] == name for child in entry.get("children") or [])
        ):
            return "true"
    return "false"
