"""Deriving grounding items from a captured screen's tree: boxes, categories,
determinism, LibreOffice's shifted extents, and the loader reading the written set."""

from __future__ import annotations

import io
import json
import random

from PIL import Image

from grounding.a11y_shift import corrected, estimate_shift, shown_words
from grounding.a11y_tree import parse_osworld_tree
from grounding.capture.derive import derive, verb_forms
from grounding.capture.run import ScreenRecord, items_for, read_tree, write_tree
from grounding.ocr import OcrWord

NS = (
    'xmlns:st="https://accessibility.ubuntu.example.org/ns/state" '
    'xmlns:cp="https://accessibility.ubuntu.example.org/ns/component"'
)


def el(tag: str, name: str, box: tuple[int, int, int, int], body: str = "", extra: str = "") -> str:
    return (
        f'<{tag} name="{name}" st:visible="true" st:showing="true" {extra} '
        f'cp:screencoord="({box[0]}, {box[1]})" cp:size="({box[2]}, {box[3]})">{body}</{tag}>'
    )


def tree(app: str = "Form - Browser") -> str:
    return f"""<desktop-frame {NS}><application name="app">
{
        el(
            "frame",
            app,
            (0, 0, 1920, 1080),
            extra='st:active="true"',
            body=el("push-button", "Back", (10, 50, 34, 34))
            + el("push-button", "Reload", (50, 50, 34, 34))
            + el("label", "Full name", (20, 200, 100, 20))
            + el("entry", "", (150, 198, 200, 24))
            + el("label", "Email address", (20, 240, 120, 20))
            + el("entry", "", (150, 238, 200, 24))
            + el("check-box", "Send me the newsletter", (20, 300, 13, 13))
            + el("push-button", "Create account", (20, 400, 140, 28))
            + el("push-button", "Cancel", (180, 400, 80, 28)),
        )
    }
</application></desktop-frame>"""


def words_for(xml: str, dy: int = 0) -> list[OcrWord]:
    """OCR words where the tree's text elements are drawn (shifted by dy)."""
    out = []
    for e in parse_osworld_tree(xml, (1920, 1080)):
        text = shown_words(e)
        if not text or e.role not in ("label", "push-button", "check-box", "table-cell", "page-tab"):
            continue
        x, y, _, h = e.box
        for i, word in enumerate(text.split()):
            out.append(OcrWord(word, (x + 2 + 40 * i, y + dy + 3, 30, h - 6), 0.9, word.lower()))
    return out


def test_items_have_the_elements_boxes_and_all_categories():
    xml = tree()
    items = derive(xml, (1920, 1080), random.Random(1), words_for(xml))
    cats = {d.category for d in items}
    assert {"text_matching", "element_recognition", "layout_understanding", "refusal"} <= cats
    boxes = {e.name or e.text: e.box for e in parse_osworld_tree(xml, (1920, 1080))}
    for d in items:
        if d.category == "text_matching" or d.category == "element_recognition":
            assert d.box == boxes[d.name], d
        if d.category == "refusal":
            assert d.box is None and d.name not in boxes
    icon = [d for d in items if d.category == "element_recognition"]
    assert {d.name for d in icon} <= {"Back", "Reload"}
    assert all(d.name.lower() not in d.instruction.lower() for d in icon)  # said by function
    spatial = [d for d in items if d.category == "layout_understanding"]
    assert any(
        d.role == "entry" and d.box == (150, 198, 200, 24) and "Full name" in d.instruction for d in spatial
    ) or any(d.role == "entry" for d in spatial)


def test_text_items_need_the_words_on_screen():
    xml = tree()
    nowhere = derive(xml, (1920, 1080), random.Random(1), words=[])
    assert not [d for d in nowhere if d.category == "text_matching"]


def test_same_seed_same_items_other_seed_other_wording():
    xml = tree()
    a = derive(xml, (1920, 1080), random.Random(7), words_for(xml))
    b = derive(xml, (1920, 1080), random.Random(7), words_for(xml))
    c = derive(xml, (1920, 1080), random.Random(8), words_for(xml))
    assert a == b
    assert [d.instruction for d in a] != [d.instruction for d in c]


def test_libreoffice_shift_is_measured_and_undone():
    cells = "".join(
        el("table-cell", f"A{r}", (40, 100 + 20 * r, 80, 20), body=f"Item{r}") for r in range(1, 6)
    )
    xml = f"""<desktop-frame {NS}><application name="soffice">
{
        el(
            "frame",
            "sheet.xlsx - LibreOffice Calc",
            (0, 0, 1920, 1080),
            extra='st:active="true"',
            body=el("menu", "File", (0, 0, 40, 20)) + el("push-button", "Save", (90, 30, 33, 35)) + cells,
        )
    }
</application></desktop-frame>"""
    els = parse_osworld_tree(xml, (1920, 1080))
    words = words_for(xml, dy=24)
    words = [w for w in words if not w.text.startswith("File")] + [
        OcrWord("File", (5, 3, 25, 14), 0.9, "file")
    ]
    assert estimate_shift(els, words, shown_words) == 24
    fixed = {e.name: e.box for e in corrected(els, words, (1920, 1080))}
    assert fixed["File"] == (0, 0, 40, 20)  # a native GTK menu: left alone
    assert fixed["Save"] == (90, 54, 33, 35)  # a VCL toolbar button: moved
    assert fixed["A3"] == (40, 184, 80, 20)
    items = derive(xml, (1920, 1080), random.Random(0), words, shifted=True)
    cells_items = [d for d in items if d.role == "table-cell"]
    assert cells_items and all(d.box[1] >= 124 for d in cells_items)


def test_verb_forms():
    assert verb_forms("save the file") == ("save the file", "saves the file", "saving the file")
    assert verb_forms("copy it")[1] == "copies it"
    assert verb_forms("push the paragraph")[1:] == ("pushes the paragraph", "pushing the paragraph")


def test_written_set_loads_with_the_benchmark_loader(tmp_path, monkeypatch):
    from benchmarks.grounding.datasets import load_dataset

    xml = tree()
    (tmp_path / "images").mkdir()
    (tmp_path / "a11y").mkdir()
    buf = io.BytesIO()
    Image.new("RGB", (1920, 1080), "white").save(buf, "PNG")
    (tmp_path / "images" / "form.png").write_bytes(buf.getvalue())
    write_tree(tmp_path / "a11y" / "form.xml.gz", xml)
    assert read_tree(tmp_path / "a11y" / "form.xml.gz") == xml
    record = ScreenRecord(
        scene="chrome-signup",
        app="Chromium",
        state="a form",
        split="untouched",
        seed=0,
        version="1",
        image_path="form.png",
        a11y_path="a11y/form.xml.gz",
        files={},
        window="x",
    )
    from grounding.capture import run

    monkeypatch.setattr(run, "_ocr_words", lambda png: words_for(xml))  # a blank PNG shows no words
    rows = items_for(record, xml, buf.getvalue(), random.Random(0))
    (tmp_path / "items.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (tmp_path / "screens.jsonl").write_text(record.model_dump_json() + "\n")
    kind, items = load_dataset(tmp_path)
    assert kind == "osworld-g" and len(items) == len(rows)
    assert {i.metadata["split"] for i in items} == {"untouched"}
    refusals = [i for i in items if "refusal" in i.categories]
    assert refusals and all(i.target.kind == "refusal" for i in refusals)
    boxed = [i for i in items if i.target.kind == "box"]
    assert boxed and all(i.metadata["a11y_path"] == "a11y/form.xml.gz" for i in boxed)
