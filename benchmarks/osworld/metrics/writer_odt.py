"""Writer metrics on OpenDocument text (.odt), read from content.xml with lxml.

Written from the behaviour of OSWorld's `metrics/docs.py`, which reads .odt with
odfpy: a paragraph's text is its own text nodes plus those directly inside its
<text:span> children (other elements, such as <text:s/> spaces, add nothing).
"""

from __future__ import annotations

import logging
import re
import zipfile

from lxml import etree

log = logging.getLogger(__name__)


TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
FO = "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"


def _content(path: str) -> etree._Element:
    with zipfile.ZipFile(path) as z:
        return etree.fromstring(z.read("content.xml"))


def _direct_text(element: etree._Element) -> str:
    """The element's own text nodes: its text and the tails of its children."""
    return (element.text or "") + "".join(child.tail or "" for child in element)


def odt_paragraphs(path: str) -> list[str]:
    out = []
    for p in _content(path).iter(f"{{{TEXT}}}p"):
        parts = [p.text or ""]
        for child in p:
            if child.tag == f"{{{TEXT}}}span":
                parts.append(_direct_text(child))
            parts.append(child.tail or "")
        out.append("".join(parts))
    return out


def same_odt_text(file1: str, file2: str) -> bool:
    """compare_docx_files on two .odt files with its defaults (blanks collapsed)."""
    t1 = re.sub(r"\s+", " ", "\n".join(odt_paragraphs(file1))).strip()
    t2 = re.sub(r"\s+", " ", "\n".join(odt_paragraphs(file2))).strip()
    return t1 == t2


def check_highlighted_words(file_path1: str | None, file_path2: str | None) -> float:
    """Same text as the gold, and no span uses an automatic style with a yellow
    (#ffff00) background: the highlighting was removed."""
    if not file_path1 or not file_path2:
        return 0.0
    if not (file_path1.endswith(".odt") and file_path2.endswith(".odt")):
        return 0.0  # upstream's text comparison reads .docx pairs or .odt pairs; this task is .odt
    try:
        if not same_odt_text(file_path1, file_path2):
            return 0.0
        root = _content(file_path1)
    except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError) as exc:
        log.error("check_highlighted_words: %s", exc)
        return 0.0
    yellow = set()
    for auto in root.iter(f"{{{OFFICE}}}automatic-styles"):
        for style in auto:
            if any(prop.get(f"{{{FO}}}background-color") == "#ffff00" for prop in style):
                yellow.add(style.get(f"{{{STYLE}}}name"))
    yellow.discard(None)
    highlighted = any(span.get(f"{{{TEXT}}}style-name") in yellow for span in root.iter(f"{{{TEXT}}}span"))
    return 0.0 if highlighted else 1.0
