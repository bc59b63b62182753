"""WindowsAgentArena's File Explorer getters: hidden files, folder permissions, photo
tags, libraries, the view mode and sort order of an open Explorer window, the
active window's title.

Upstream answers most of these in its VM server (`/is_directory_read_only_for_user`,
`/are_all_images_tagged`, `/library_folders`, `/is_details_view`,
`/are_files_sorted_by_modified_time`, through pywinauto and helper modules); here the
same questions go to PowerShell (ACLs, the Shell.Application view of open Explorer
windows) or are decided from files read through the protocol (JPEG tags, the
`.library-ms` XML). Return types follow upstream's getters: booleans, except
`is_file_hidden` ("true"/"false") and `vm_library_folders` (a list, None when the
library does not exist).
"""

from __future__ import annotations

import io
import json
import logging
import ntpath
import re
from typing import Any
from xml.etree import ElementTree

from benchmarks.osworld.getters.context import EvalContext
from benchmarks.osworld.getters.windows import (
    as_bool_text,
    children,
    known_folder,
    powershell,
    ps_quote,
    read_bytes,
    win_join,
)

__all__ = [
    "are_all_images_tagged",
    "are_files_sorted_by_modified_time",
    "image_tags",
    "is_details_view",
    "is_directory_read_only_for_user",
    "is_file_hidden",
    "read_only_from_acl",
    "vm_active_window_title",
    "vm_library_folders",
]

log = logging.getLogger(__name__)

FVM_DETAILS = 4  # Shell's FOLDERVIEWMODE for the Details view


def is_file_hidden(ctx: EvalContext, spec: dict[str, Any]) -> str:
    """ "true" when the file's name starts with a dot or its Hidden attribute is set."""
    path = (spec or {}).get("file_path")
    if not path:
        return "false"
    out = powershell(
        ctx,
        (
            f"$i = Get-Item -LiteralPath {ps_quote(path)} -Force -ErrorAction Stop; "
            "if ($i.Name.StartsWith('.') -or ($i.Attributes -band [IO.FileAttributes]::Hidden)) { 1 } else { 0 }"
        ),
    )
    return as_bool_text(out is not None and out.returncode == 0 and out.output.strip() == "1")


_WRITE_RIGHTS = (
    "FullControl",
    "Modify",
    "Write",
    "CreateFiles",
    "AppendData",
    "WriteData",
    "CreateDirectories",
    "Delete",
    "ChangePermissions",
    "TakeOwnership",
)
_READ_RIGHTS = ("Read", "ReadAndExecute", "ListDirectory", "ReadData", "FullControl", "Modify")


def _rights(text: str) -> set[str]:
    return {r.strip() for r in text.split(",") if r.strip()}


def read_only_from_acl(entries: list[dict[str, str]], user: str) -> bool:
    """From `Get-Acl` access entries (`Identity`, `Rights`, `Type`): the user may read
    and has no write right that a Deny entry does not take back."""

    def mine(entry: dict[str, str]) -> bool:
        return str(entry.get("Identity", "")).rsplit("\\", 1)[-1].lower() == user.lower()

    allowed: set[str] = set()
    denied: set[str] = set()
    for entry in filter(mine, entries):
        (allowed if entry.get("Type") == "Allow" else denied).update(_rights(str(entry.get("Rights", ""))))
    can_read = bool(allowed & set(_READ_RIGHTS)) and not (denied & {"Read", "ReadAndExecute", "FullControl"})
    can_write = bool(allowed & set(_WRITE_RIGHTS)) and not (denied & {"Write", "Modify", "FullControl"})
    return can_read and not can_write


def is_directory_read_only_for_user(ctx: EvalContext, spec: dict[str, Any]) -> bool:
    """Whether `user` may read `directory` but not write to it (its NTFS ACL)."""
    directory, user = spec.get("directory"), spec.get("user")
    if not directory:
        raise ValueError("directory is required")
    if not user:
        raise ValueError("user is required")
    out = powershell(
        ctx,
        (
            f"(Get-Acl -LiteralPath {ps_quote(directory)}).Access | ForEach-Object {{ [pscustomobject]@{{ "
            "Identity = $_.IdentityReference.Value; Rights = $_.FileSystemRights.ToString(); "
            "Type = $_.AccessControlType.ToString() } } | ConvertTo-Json -Compress"
        ),
    )
    if out is None or out.returncode != 0 or not out.output.strip():
        return False
    data = json.loads(out.output)
    return read_only_from_acl(data if isinstance(data, list) else [data], str(user))


def image_tags(data: bytes) -> set[str]:
    """The tags File Explorer shows for a photo: EXIF XPKeywords (UTF-16, `;`-separated)
    and the XMP `dc:subject` list, which Explorer writes both of."""
    from PIL import Image

    tags: set[str] = set()
    try:
        with Image.open(io.BytesIO(data)) as image:
            raw = image.getexif().get(0x9C9E)
    except (OSError, ValueError):
        raw = None
    if raw is not None:
        text = bytes(raw).decode("utf-16-le", errors="ignore") if not isinstance(raw, str) else raw
        tags.update(t.strip() for t in text.rstrip("\x00").split(";") if t.strip())
    for block in re.findall(rb"<dc:subject>(.*?)</dc:subject>", data, re.DOTALL):
        tags.update(
            t.decode("utf-8", "replace").strip()
            for t in re.findall(rb"<rdf:li>(.*?)</rdf:li>", block, re.DOTALL)
        )
    return tags


def are_all_images_tagged(ctx: EvalContext, spec: dict[str, Any]) -> bool:
    """Whether every .jpg/.jpeg/.tiff in `directory` carries `tag` (no images: True)."""
    directory, tag = spec.get("directory"), spec.get("tag")
    if not directory:
        raise ValueError("directory is required")
    if not tag:
        raise ValueError("tag is required")
    entries = children(ctx, directory)
    if entries is None:
        return False
    for entry in entries:
        name = entry["name"]
        if entry.get("type") != "file" or not name.lower().endswith(("jpg", "jpeg", "tiff")):
            continue
        data = read_bytes(ctx, win_join(directory, name))
        if data is None or tag not in image_tags(data):
            log.info("are_all_images_tagged: %s lacks tag %r", name, tag)
            return False
    return True


_LIBRARY_NS = {"l": "http://schemas.microsoft.com/windows/2009/library"}


def vm_library_folders(ctx: EvalContext, spec: dict[str, Any]) -> list[str] | None:
    """The folders of the File Explorer library `library_name`, in the order of its
    `.library-ms` file (None when there is no such library)."""
    if "library_name" not in spec:
        raise ValueError("library_name is required")
    name = str(spec["library_name"])
    if not name or re.search(r'[\\/:*?"<>|]', name):
        raise ValueError(f"not a library name: {name!r}")
    path = win_join(
        known_folder(ctx, "ApplicationData"), "Microsoft", "Windows", "Libraries", f"{name}.library-ms"
    )
    data = read_bytes(ctx, path)
    if data is None:
        return None
    root = ElementTree.fromstring(data)
    urls = root.findall(".//l:searchConnectorDescription/l:simpleLocation/l:url", _LIBRARY_NS)
    return [u.text.strip() for u in urls if u.text]


def _explorer_windows(ctx: EvalContext, folder: str, what: str) -> list[str]:
    """`what` (a property of the Shell folder view) for every open Explorer window
    showing `folder`, one line each."""
    want = ntpath.normpath(folder.replace("/", "\\"))
    out = powershell(
        ctx,
        (
            f"$want = {ps_quote(want)}; "
            "foreach ($w in (New-Object -ComObject Shell.Application).Windows()) { "
            f"try {{ if ($w.Document.Folder.Self.Path -eq $want) {{ $w.Document.{what} }} }} catch {{}} }}"
        ),
    )
    if out is None or out.returncode != 0:
        return []
    return [line.strip() for line in out.output.splitlines() if line.strip()]


def is_details_view(ctx: EvalContext, spec: dict[str, Any]) -> bool:
    """Whether an Explorer window on `folder_path` shows the Details view."""
    folder = spec.get("folder_path")
    if not folder:
        return False
    return any(mode == str(FVM_DETAILS) for mode in _explorer_windows(ctx, folder, "CurrentViewMode"))


def are_files_sorted_by_modified_time(ctx: EvalContext, spec: dict[str, Any]) -> bool:
    """Whether an Explorer window on `directory` sorts first by Date modified (either
    direction); its `SortColumns` reads like `prop:-System.DateModified;`."""
    directory = spec.get("directory")
    if not directory:
        return False
    for columns in _explorer_windows(ctx, directory, "SortColumns"):
        first = columns.removeprefix("prop:").split(";")[0].lstrip("+-")
        if first == "System.DateModified":
            return True
    return False


def vm_active_window_title(ctx: EvalContext, spec: dict[str, Any]) -> str:
    """The foreground window's title, asked of pyautogui in the VM as upstream does."""
    out = ctx.desktop.execute(["python", "-c", "import pyautogui; print(pyautogui.getActiveWindowTitle())"])
    return out.output.strip()
