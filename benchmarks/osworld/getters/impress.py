"""Getters reading a slide of a presentation on the desktop: its background image
or its audio, copied out of the .pptx.

Written from the behaviour of OSWorld's `getters/impress.py`
(get_background_image_in_slide, get_audio_in_slide).
"""

from __future__ import annotations

import logging
import posixpath
import xml.etree.ElementTree as ET
import zipfile
from typing import Any

from benchmarks.osworld.getters.context import EvalContext, inside
from benchmarks.osworld.getters.files import copy_from_desktop

__all__ = ["audio_in_slide", "background_image_in_slide"]

log = logging.getLogger(__name__)


P = "{http://schemas.openxmlformats.org/presentationml/2006/main}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
R_EMBED = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed"
RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _deck(ctx: EvalContext, spec: dict[str, Any]) -> tuple[str | None, int, str]:
    """The desktop's `ppt_file_path` copied into the cache, the 0-based slide index, `dest`."""
    ppt_path = spec["ppt_file_path"]
    return (
        copy_from_desktop(ctx, ppt_path, posixpath.basename(ppt_path)),
        int(spec["slide_index"]),
        spec["dest"],
    )


def _copy_member(ctx: EvalContext, z: zipfile.ZipFile, target: str, dest: str) -> str | None:
    """The deck member a slide relationship's `target` names, copied into the cache as
    `dest` (None when it points outside the deck or is missing)."""
    member = posixpath.normpath(posixpath.join("ppt/slides", target))
    if member.startswith("..") or member not in z.namelist():
        return None
    out = inside(ctx.cache_dir, dest, "dest")
    out.write_bytes(z.read(member))
    return str(out)


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
        image_id = next(
            (
                blip.get(R_EMBED)
                for bg in root.iter(f"{P}bgPr")
                for blip in bg.iter(f"{A}blip")
                if blip.get(R_EMBED)
            ),
            None,
        )
        rels = f"ppt/slides/_rels/slide{index + 1}.xml.rels"
        if image_id is None or rels not in z.namelist():
            return None
        for rel in ET.fromstring(z.read(rels)).findall(f"{RELS}Relationship"):
            if "image" not in rel.get("Type", "") or rel.get("Id") != image_id:
                continue
            target = rel.get("Target", "")
            if target.startswith("file://"):  # a linked picture: read it from the desktop
                return copy_from_desktop(ctx, target[7:], dest)
            return _copy_member(ctx, z, target, dest)
    return None


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
            return copy_from_desktop(ctx, path, dest)
    return None
