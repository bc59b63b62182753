"""Slide getters on real .pptx files: a slide's background picture and its audio."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from lxml import etree
from PIL import Image
from pptx import Presentation

from benchmarks.osworld.getters import GETTERS, EvalContext

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
                rel = (
                    '<Relationship Id="rIdAudio1" Target="../media/media1.wav" Type="http://schemas.'
                    'openxmlformats.org/officeDocument/2006/relationships/audio"/></Relationships>'
                )
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
