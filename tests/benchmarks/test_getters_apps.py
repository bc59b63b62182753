"""App-state getters: a slide's background picture from a real .pptx, and the default
video player through real `xdg-mime` on a home with a mimeapps.list."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from lxml import etree
from PIL import Image
from pptx import Presentation

from benchmarks.osworld.getters import GETTERS, EvalContext
from envs.base import CommandOutput

P = "http://schemas.openxmlformats.org/presentationml/2006/main"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _deck_with_background(path: Path, picture: Path) -> bytes:
    """Two slides; the second has `picture` as its background fill, as Impress writes it."""
    prs = Presentation()
    for _ in range(2):
        prs.slides.add_slide(prs.slide_layouts[6])
    slide = prs.slides[1]
    _, rid = slide.part.get_or_add_image_part(str(picture))
    c_sld = slide._element.find(f"{{{P}}}cSld")
    bg = etree.Element(f"{{{P}}}bg")
    bg_pr = etree.SubElement(bg, f"{{{P}}}bgPr")
    blip_fill = etree.SubElement(bg_pr, f"{{{A}}}blipFill")
    etree.SubElement(blip_fill, f"{{{A}}}blip", {f"{{{R}}}embed": rid})
    etree.SubElement(etree.SubElement(blip_fill, f"{{{A}}}stretch"), f"{{{A}}}fillRect")
    etree.SubElement(bg_pr, f"{{{A}}}effectLst")
    c_sld.insert(0, bg)
    prs.save(path)
    return path.read_bytes()


def test_background_image_in_slide(recording_desktop, tmp_path):
    picture = tmp_path / "landscape.png"
    Image.fromarray(np.arange(48, dtype=np.uint8).reshape(4, 4, 3)).save(picture)
    deck = _deck_with_background(tmp_path / "deck.pptx", picture)
    desktop = recording_desktop(files={"/home/user/Desktop/deck.pptx": deck})
    ctx = EvalContext(desktop=desktop, cache_dir=tmp_path / "cache")
    spec = {"ppt_file_path": "/home/user/Desktop/deck.pptx", "slide_index": 1, "dest": "landscape.png"}
    got = GETTERS["background_image_in_slide"](ctx, spec)
    assert got and np.array_equal(np.asarray(Image.open(got)), np.asarray(Image.open(picture)))
    assert GETTERS["background_image_in_slide"](ctx, {**spec, "slide_index": 0}) is None  # no picture
    assert GETTERS["background_image_in_slide"](ctx, {**spec, "slide_index": 7}) is None  # no slide
    missing = {**spec, "ppt_file_path": "/home/user/Desktop/none.pptx"}
    assert GETTERS["background_image_in_slide"](ctx, missing) is None


@pytest.mark.skipif(shutil.which("xdg-mime") is None and not os.environ.get("CI"), reason="needs xdg-mime")
def test_default_video_player_with_real_xdg_mime(recording_desktop, tmp_path):
    home = tmp_path / "home"
    (home / ".config").mkdir(parents=True)

    def run(command, shell):  # the getter's command, run for real against `home`
        # Only this home's mimeapps.list counts: no system-wide defaults (XDG_DATA_DIRS).
        env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
               "XDG_DATA_HOME": str(home / ".local" / "share"), "XDG_DATA_DIRS": str(tmp_path / "nodata")}
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
        return CommandOutput(done.returncode, done.stdout, done.stderr)

    ctx = EvalContext(desktop=recording_desktop(on_execute=run), cache_dir=tmp_path / "cache")
    apps = home / ".local" / "share" / "applications"  # xdg-mime answers only installed apps
    apps.mkdir(parents=True)
    for name in ("vlc", "totem"):
        (apps / f"{name}.desktop").write_text(f"[Desktop Entry]\nType=Application\nName={name}\nExec={name} %U\n")
    (home / ".config" / "mimeapps.list").write_text(
        "[Default Applications]\nvideo/mp4=vlc.desktop\nvideo/x-matroska=vlc.desktop\nvideo/webm=totem.desktop\n")
    assert GETTERS["default_video_player"](ctx, {}) == "vlc.desktop"
    (home / ".config" / "mimeapps.list").write_text("[Default Applications]\n")
    assert GETTERS["default_video_player"](ctx, {}) == "unknown"


def _with_audio(src: bytes, dest: Path, audio: bytes, slide: int = 1) -> bytes:
    """The deck with `audio` stored as ppt/media/media1.wav and linked from `slide`, as
    Impress links an inserted sound."""
    import io
    import zipfile

    rels_name = f"ppt/slides/_rels/slide{slide}.xml.rels"
    with zipfile.ZipFile(io.BytesIO(src)) as zin, zipfile.ZipFile(dest, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == rels_name:
                rel = ('<Relationship Id="rIdAudio1" Target="../media/media1.wav" Type="http://schemas.'
                       'openxmlformats.org/officeDocument/2006/relationships/audio"/></Relationships>')
                data = data.replace(b"</Relationships>", rel.encode())
            zout.writestr(item, data)
        zout.writestr("ppt/media/media1.wav", audio)
    return dest.read_bytes()


def test_audio_in_slide(recording_desktop, tmp_path):
    picture = tmp_path / "p.png"
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(picture)
    deck = _deck_with_background(tmp_path / "deck.pptx", picture)
    sound = b"RIFF....WAVEfmt fake audio bytes"
    with_audio = _with_audio(deck, tmp_path / "audio.pptx", sound)
    desktop = recording_desktop(files={"/home/user/Desktop/audio.pptx": with_audio})
    ctx = EvalContext(desktop=desktop, cache_dir=tmp_path / "cache")
    spec = {"ppt_file_path": "/home/user/Desktop/audio.pptx", "slide_index": 0, "dest": "planet.wav"}
    got = GETTERS["audio_in_slide"](ctx, spec)
    assert got and Path(got).read_bytes() == sound
    assert GETTERS["audio_in_slide"](ctx, {**spec, "slide_index": 1}) is None  # no sound there
