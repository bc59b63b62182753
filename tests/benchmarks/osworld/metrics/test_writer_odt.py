"""The .odt metric on OpenDocument files the test writes (mimetype, manifest, content.xml)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from benchmarks.osworld.metrics import METRICS
from benchmarks.osworld.metrics.writer_odt import odt_paragraphs

CONTENT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" office:version="1.3">
<office:automatic-styles>
 <style:style style:name="T1" style:family="text"><style:text-properties fo:background-color="{colour}"/></style:style>
 <style:style style:name="T2" style:family="text"><style:text-properties fo:font-weight="bold"/></style:style>
</office:automatic-styles>
<office:body><office:text>
 <text:p>Hello, this is <text:span text:style-name="T1">{word}</text:span> calling.</text:p>
 <text:p>Thanks<text:s/>for <text:span text:style-name="T2">your</text:span> time.</text:p>
</office:text></office:body></office:document-content>
"""
MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">
 <manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>
"""


def _odt(path: Path, colour: str, word: str = "Anna") -> str:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text", compress_type=zipfile.ZIP_STORED)
        z.writestr("META-INF/manifest.xml", MANIFEST)
        z.writestr("content.xml", CONTENT.format(colour=colour, word=word))
    return str(path)


def test_odt_paragraph_text_as_odfpy_reads_it(tmp_path):
    paragraphs = odt_paragraphs(_odt(tmp_path / "a.odt", "#ffff00"))
    assert paragraphs == ["Hello, this is Anna calling.", "Thanksfor your time."]  # <text:s/> adds nothing


def test_check_highlighted_words(tmp_path):
    gold = _odt(tmp_path / "gold.odt", "transparent")
    f = METRICS["check_highlighted_words"]
    assert f(_odt(tmp_path / "clean.odt", "transparent"), gold) == 1.0
    assert f(_odt(tmp_path / "yellow.odt", "#ffff00"), gold) == 0.0
    assert f(_odt(tmp_path / "text.odt", "transparent", word="Bob"), gold) == 0.0  # text changed
    assert f(None, gold) == 0.0
