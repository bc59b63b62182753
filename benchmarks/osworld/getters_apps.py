"""Getters reading app state: a slide's background image or audio, the default
video player.

Written from the behaviour of OSWorld's `getters/impress.py`
(get_background_image_in_slide, get_audio_in_slide) and `getters/vlc.py`
(get_default_video_player).
"""

from __future__ import annotations

import logging
import posixpath
import shlex
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter
from typing import Any

from benchmarks.osworld.getters import EvalContext, _inside, getter, vm_file
from envs.base import DesktopError

log = logging.getLogger(__name__)

P = "{http://schemas.openxmlformats.org/presentationml/2006/main}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
R_EMBED = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed"
RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _deck(ctx: EvalContext, spec: dict[str, Any]) -> tuple[str | None, int, str]:
    """The desktop's `ppt_file_path` copied into the cache, the 0-based slide index, `dest`."""
    ppt_path = spec["ppt_file_path"]
    local = vm_file(ctx, {"path": ppt_path, "dest": posixpath.basename(ppt_path)})
    return (local if isinstance(local, str) else None), int(spec["slide_index"]), spec["dest"]


def _copy_member(ctx: EvalContext, z: zipfile.ZipFile, target: str, dest: str) -> str | None:
    """The deck member a slide relationship's `target` names, copied into the cache as
    `dest` (None when it points outside the deck or is missing)."""
    member = posixpath.normpath(posixpath.join("ppt/slides", target))
    if member.startswith("..") or member not in z.namelist():
        return None
    out = _inside(ctx.cache_dir, dest, "dest")
    out.write_bytes(z.read(member))
    return str(out)


@getter("background_image_in_slide")
def background_image_in_slide(ctx: EvalContext, spec: dict[str, Any]) -> str | None:
    """The picture filling slide `slide_index` (0-based) of the desktop's
    `ppt_file_path`, copied into the cache as `dest` (None when it has none)."""
    local, index, dest = _deck(ctx, spec)
    if local is None:
        return None
    with zipfile.ZipFile(local) as z:
        slide = f"ppt/slides/slide{index + 1}.xml"
        if slide not in z.namelist():
            return None
        root = ET.fromstring(z.read(slide))
        image_id = next((blip.get(R_EMBED) for bg in root.iter(f"{P}bgPr")
                         for blip in bg.iter(f"{A}blip") if blip.get(R_EMBED)), None)
        rels = f"ppt/slides/_rels/slide{index + 1}.xml.rels"
        if image_id is None or rels not in z.namelist():
            return None
        for rel in ET.fromstring(z.read(rels)).findall(f"{RELS}Relationship"):
            if "image" not in rel.get("Type", "") or rel.get("Id") != image_id:
                continue
            target = rel.get("Target", "")
            if target.startswith("file://"):  # a linked picture: read it from the desktop
                return vm_file(ctx, {"path": target[7:], "dest": dest})  # type: ignore[return-value]
            return _copy_member(ctx, z, target, dest)
    return None


@getter("audio_in_slide")
def audio_in_slide(ctx: EvalContext, spec: dict[str, Any]) -> str | None:
    """The first audio file slide `slide_index` (0-based) of the desktop's
    `ppt_file_path` links to, copied into the cache as `dest` (None when none)."""
    local, index, dest = _deck(ctx, spec)
    if local is None:
        return None
    with zipfile.ZipFile(local) as z:
        rels = f"ppt/slides/_rels/slide{index + 1}.xml.rels"
        if rels not in z.namelist():
            return None
        for rel in ET.fromstring(z.read(rels)).findall(f"{RELS}Relationship"):
            if "audio" not in rel.get("Type", ""):
                continue
            target = rel.get("Target", "")
            if target.startswith(".."):
                return _copy_member(ctx, z, target, dest)
            # A linked file: a file:// URL or a path on the desktop.
            path = target[7:] if target.startswith("file://") else target
            return vm_file(ctx, {"path": path, "dest": dest})  # type: ignore[return-value]
    return None


# Upstream's list, duplicates included: they weigh the vote the same way.
VIDEO_TYPES = [t for t in (
    "3gp 3gpp 3gpp2 avi divx dv fli flv mp2t mp4 mp4v-es mpeg mpeg-system msvideo ogg quicktime "
    "vnd.divx vnd.mpegurl vnd.rn-realvideo webm x-anim x-avi x-flc x-fli x-flv x-m4v x-matroska "
    "x-mpeg x-mpeg-system x-mpeg2 x-ms-asf x-ms-asf-plugin x-ms-asx x-ms-wm x-ms-wmv x-ms-wmx "
    "x-ms-wvx x-msvideo x-nsv x-ogm x-theora x-theora+ogg").split() for _ in (0, 1)] + ["x-ogm+ogg"]


@getter("default_video_player")
def default_video_player(ctx: EvalContext, spec: dict[str, Any]) -> str:
    """The desktop file most video MIME types open with (`xdg-mime query default`),
    or "unknown"."""
    # One round trip: a line per type, empty where the type has no default.
    script = "; ".join(f'printf "%s\\n" "$(xdg-mime query default {shlex.quote("video/" + t)} 2>/dev/null)"'
                       for t in VIDEO_TYPES)
    try:
        out = ctx.desktop.execute(["sh", "-c", script])
    except DesktopError as exc:
        log.warning("default_video_player: %s", exc)
        return "unknown"
    apps = [line.strip() for line in out.output.splitlines() if line.strip()]
    return Counter(apps).most_common(1)[0][0] if apps else "unknown"
