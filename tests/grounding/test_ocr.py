"""The OCR grounder on real renderings: a Chromium page and a Pillow image, real tesseract."""

from __future__ import annotations

import importlib.util
import io
import os
import shutil

import pytest
from PIL import Image, ImageDraw, ImageFont

from grounding import ocr
from grounding.base import Grounder
from grounding.ocr import OcrGrounder, OcrUnavailable, OcrWord, group_lines, match_phrase, ocr_target

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def need(path_or_tool: str) -> None:
    found = os.path.exists(path_or_tool) if path_or_tool.startswith("/") else shutil.which(path_or_tool)
    if not found:
        message = f"{path_or_tool} missing (scripts/install-debian-packages)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def inside(point: tuple[int, int], box: tuple[float, float, float, float], slack: float = 0) -> bool:
    x, y = point
    return box[0] - slack <= x <= box[0] + box[2] + slack and box[1] - slack <= y <= box[1] + box[3] + slack


# ---------------------------------------------------------------- pure matching, no OCR


def word(text: str, x: int, y: int, w: int | None = None, h: int = 12, conf: float = 0.95) -> OcrWord:
    from grounding.text_match import normalize

    return OcrWord(text, (x, y, w or 8 * len(text), h), conf, normalize(text))


def test_lines_split_where_words_stand_apart():
    words = [
        word("Cancel", 300, 10),
        word("Submit", 100, 11),
        word("order", 156, 10),
        word("Terms", 100, 60),
        word("of", 148, 61),
        word("service", 168, 60),
    ]
    phrases = [" ".join(w.text for w in p) for p in group_lines(words)]
    assert phrases == ["Submit order", "Cancel", "Terms of service"]


def test_match_phrase_prefers_the_whole_label_and_tolerates_ocr_slips():
    words = [
        word("Please", 10, 10),
        word("cancel", 66, 10),
        word("now", 122, 10),
        word("Cancel", 400, 10),
        word("Subm1t", 10, 50),
        word("order", 66, 50),
    ]
    phrases = group_lines(words)
    best = match_phrase(phrases, "Cancel")[0]
    assert best.box[0] == 400 and best.isolated  # the button, not the sentence
    slip = match_phrase(phrases, "submit order")[0]
    assert slip.text == "Subm1t order" and slip.similarity > 0.85


def test_numbers_must_match_and_repeats_lower_the_confidence():
    phrases = group_lines(
        [word("Order", 10, 10), word("17", 60, 10), word("Order", 10, 40), word("18", 60, 40)]
    )
    assert match_phrase(phrases, "Order 18")[0].box[1] == 40
    assert match_phrase(phrases, "Order 19")[0].similarity <= 0.5


def test_targets_come_from_quotes_or_from_the_words_that_are_not_roles():
    assert ocr_target('the "Submit order" button') == ["Submit order"]
    assert ocr_target("the Cancel button in the dialog") == ["cancel"]
    assert ocr_target("Save for later") == ["save for later"]
    assert ocr_target("") == []


def test_rapidocr_is_optional_and_says_so_clearly():
    if importlib.util.find_spec("rapidocr_onnxruntime") is None:
        with pytest.raises(OcrUnavailable, match="rapidocr-onnxruntime"):
            OcrGrounder(backend="rapidocr")
    with pytest.raises(ValueError, match="unknown OCR backend"):
        OcrGrounder(backend="magic")  # type: ignore[arg-type]


# ---------------------------------------------------------------- a Chromium page

PAGE = """<!doctype html><html><body style="font-family:sans-serif;font-size:14px;margin:24px">
<h2 id="title">Checkout</h2>
<p id="intro">Review your items before placing the order. Shipping is free over 50 euros.</p>
<div style="display:flex;gap:16px;margin:20px 0">
  <button id="submit" style="padding:6px 14px">Submit order</button>
  <button id="cancel" style="padding:6px 14px">Cancel</button>
  <button id="later" style="padding:6px 14px">Save for later</button>
  <button id="coupon" style="padding:6px 14px;background:#1a73e8;color:white;border:0">Apply coupon</button>
</div>
<label id="gift">Gift message <input value="Happy birthday"></label>
<ul><li id="terms">Terms of service</li><li id="privacy">Privacy policy</li></ul>
<a id="signout" href="#" style="position:absolute;right:40px;top:30px;font-size:12px">Sign out</a>
<div id="footer" style="position:absolute;left:24px;bottom:20px;background:#222;color:#eee;padding:8px">Dark footer link</div>
</body></html>"""
IDS = ["title", "submit", "cancel", "later", "coupon", "terms", "privacy", "signout", "footer"]


@pytest.fixture(scope="module")
def page_shot():
    """(screenshot PNG, {id: (x, y, w, h)}) of PAGE at 1280x800."""
    need(CHROMIUM)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.set_content(PAGE)
        boxes = page.evaluate(
            """ids => Object.fromEntries(ids.map(id => {
            const r = document.getElementById(id).getBoundingClientRect();
            return [id, [r.x, r.y, r.width, r.height]]; }))""",
            IDS,
        )
        png = page.screenshot()
        browser.close()
    return png, boxes


@pytest.fixture(scope="module")
def grounder():
    need("tesseract")
    return OcrGrounder()


def test_is_a_grounder(grounder):
    assert isinstance(grounder, Grounder) and grounder.name == "ocr"


@pytest.mark.parametrize(
    "description, element_id",
    [
        ('the "Submit order" button', "submit"),
        ("Cancel", "cancel"),
        ("the Save for later button", "later"),
        ("Apply coupon", "coupon"),  # white on blue
        ("Dark footer link", "footer"),  # light on dark
        ("Sign out", "signout"),  # 12 px
        ("the Checkout heading", "title"),
        ('"Privacy policy"', "privacy"),
    ],
)
def test_page_phrases_land_inside_their_elements(grounder, page_shot, description, element_id):
    png, boxes = page_shot
    result = grounder.ground(png, description, (1280, 800))
    assert result is not None, (description, grounder.lines(png))
    assert inside((result.x, result.y), boxes[element_id]), (description, result, boxes[element_id])
    assert result.confidence >= 0.8 and result.grounder == "ocr"


def test_absent_phrases_answer_none(grounder, page_shot):
    png, _ = page_shot
    assert grounder.ground(png, 'the "Delete account" button', (1280, 800)) is None
    assert grounder.ground(png, "Place order", (1280, 800)) is None
    assert grounder.ground(png, "the button", (1280, 800)) is None  # no words to look for


def test_points_scale_to_the_screen_size(grounder, page_shot):
    png, _ = page_shot
    half = grounder.ground(png, "Cancel", (640, 400))  # a screenshot at twice the screen's pixels
    full = grounder.ground(png, "Cancel", (1280, 800))
    assert abs(half.x * 2 - full.x) <= 2 and abs(half.y * 2 - full.y) <= 2


def test_one_screenshot_is_read_once(grounder, page_shot, monkeypatch):
    png, _ = page_shot
    fresh = png + b"\0"  # other bytes, the same picture: a new cache entry
    calls = []
    real = ocr._tesseract_words
    monkeypatch.setattr(ocr, "_tesseract_words", lambda *a, **k: calls.append(1) or real(*a, **k))
    for description in ("Cancel", "Submit order", "Sign out", "Nothing like this"):
        grounder.ground(fresh, description, (1280, 800))
    assert len(calls) == 1


# ---------------------------------------------------------------- a Pillow image


def test_pillow_rendered_labels(grounder):
    need(FONT)
    image = Image.new("RGB", (900, 300), "#f4f4f4")
    draw = ImageDraw.Draw(image)
    labels = {
        "Open file": (40, 40, 15),
        "Export as PDF": (300, 40, 15),
        "Preferences": (620, 44, 13),
        "Quit": (40, 200, 18),
        "Check for updates": (300, 205, 14),
    }
    boxes = {}
    for text, (x, y, size) in labels.items():
        font = ImageFont.truetype(FONT, size)
        draw.rectangle((x - 8, y - 6, x + draw.textlength(text, font=font) + 8, y + size + 8), outline="#888")
        draw.text((x, y), text, fill="#111", font=font)
        left, top, right, bottom = draw.textbbox((x, y), text, font=font)
        boxes[text] = (left, top, right - left, bottom - top)
    draw.rectangle((600, 190, 860, 240), fill="#2a2a2a")
    font = ImageFont.truetype(FONT, 14)
    draw.text((620, 205), "Night mode", fill="#f0f0f0", font=font)
    left, top, right, bottom = draw.textbbox((620, 205), "Night mode", font=font)
    boxes["Night mode"] = (left, top, right - left, bottom - top)
    buf = io.BytesIO()
    image.save(buf, "PNG")
    png = buf.getvalue()
    for text, box in boxes.items():
        result = grounder.ground(png, f'the "{text}" button', (900, 300))
        assert result is not None, (text, grounder.lines(png))
        assert inside((result.x, result.y), box, slack=3), (text, result, box)
    assert grounder.ground(png, "Print preview", (900, 300)) is None
