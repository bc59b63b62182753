"""grounding.synth: synthetic grounding pages rendered in headless Chromium.

The generated sets are checked against the pages themselves: each saved page is loaded
again at its viewport and every target's box centre must hit-test to the recorded element;
refusal items must name text that the page does not show.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

import pytest
from PIL import Image

from grounding.synth import ANNOTATIONS, CATEGORIES, SynthItem, generate, main
from grounding.synth.compose import compose_page
from grounding.synth.instructions import MAX_REFUSALS_PER_PAGE, RF, Candidate, draw
from grounding.synth.render import chromium_path, open_browser

OSWORLD_G_KEYS = {"id", "image_path", "image_size", "instruction", "box_type", "box_coordinates", "GUI_types"}

# The page's readable text, as a reader or a tool would find it (independent of the generator's own).
PAGE_TEXT_JS = """() => {
  const parts = [document.body.innerText];
  for (const el of document.querySelectorAll('input, textarea')) parts.push(el.value || '', el.placeholder || '');
  for (const el of document.querySelectorAll('[aria-label], [title]'))
    parts.push(el.getAttribute('aria-label') || '', el.getAttribute('title') || '');
  for (const o of document.querySelectorAll('option')) parts.push(o.textContent || '');
  return parts.join('\\n');
}"""

HIT_JS = """([id, x, y]) => {
  const el = document.querySelector(`[data-synth-id="${id}"]`);
  if (!el) return {found: false};
  const hit = document.elementFromPoint(x, y);
  const r = el.getBoundingClientRect();
  return {found: true, hit: !!hit && (hit === el || el.contains(hit)),
          rect: [r.left, r.top, r.width, r.height], what: hit ? hit.outerHTML.slice(0, 80) : null};
}"""

pytestmark = pytest.mark.skipif(chromium_path() is None, reason="no Chromium on this machine")


@pytest.fixture(scope="module")
def browser():
    with open_browser() as b:
        yield b


@pytest.fixture(scope="module")
def sets(browser, tmp_path_factory):
    root = tmp_path_factory.mktemp("synth")
    return {
        "a": generate(30, seed=7, out=root / "a", browser=browser),
        "b": generate(30, seed=7, out=root / "b", browser=browser),
        "c": generate(30, seed=8, out=root / "c", browser=browser),
        "prefix": generate(12, seed=7, out=root / "prefix", browser=browser),
        "mix": generate(120, seed=3, out=root / "mix", browser=browser),
    }


def rows_of(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))


def pixels(path: Path) -> bytes:
    with Image.open(path) as im:
        return im.convert("RGB").tobytes()


# --- determinism ---------------------------------------------------------------------------
def test_same_seed_gives_same_annotations_and_pixels(sets):
    a, b = sets["a"], sets["b"]
    assert a.read_bytes() == b.read_bytes()
    images = sorted({r["image_path"] for r in rows_of(a)})
    assert images
    for name in images:
        assert pixels(a.parent / name) == pixels(b.parent / name), name
        html = name.replace(".png", ".html")
        assert (a.parent / html).read_text() == (b.parent / html).read_text()


def test_different_seed_gives_different_set(sets):
    a, c = rows_of(sets["a"]), rows_of(sets["c"])
    assert [r["instruction"] for r in a] != [r["instruction"] for r in c]
    first_a = sets["a"].parent / a[0]["image_path"]
    first_c = sets["c"].parent / c[0]["image_path"]
    assert pixels(first_a) != pixels(first_c)


def test_smaller_n_is_a_prefix(sets):
    assert rows_of(sets["prefix"]) == rows_of(sets["a"])[:12]


def test_compose_is_deterministic():
    one, two = compose_page(random.Random(42)), compose_page(random.Random(42))
    assert one.html == two.html and (one.width, one.height) == (two.width, two.height)
    assert compose_page(random.Random(43)).html != one.html


# --- schema --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["a", "c", "mix"])
def test_rows_follow_the_osworld_g_schema(sets, name):
    path = sets[name]
    rows = rows_of(path)
    assert len(rows) == {"a": 30, "c": 30, "mix": 120}[name]
    assert len({r["id"] for r in rows}) == len(rows)
    for row in rows:
        item = SynthItem.model_validate(row)  # types, refusal box, box inside the image
        assert OSWORLD_G_KEYS <= row.keys()
        assert item.category in CATEGORIES and set(item.categories) <= set(CATEGORIES)
        w, h = item.image_size
        assert 1280 <= w <= 1920 and 800 <= h <= 1080
        image = path.parent / item.image_path
        with Image.open(image) as im:
            assert im.size == (w, h)  # device scale factor 1
        assert (path.parent / item.html_path).is_file()
        if item.box_type == "refusal":
            assert item.box_coordinates == [0, 0, 0, 0] and item.synth_id is None
            assert item.GUI_types
        else:
            assert item.GUI_types and item.element_kind and item.synth_id


def test_annotations_file_name(sets):
    assert sets["a"].name == ANNOTATIONS


# --- the boxes hit their elements ----------------------------------------------------------
@pytest.mark.parametrize("name", ["a", "mix"])
def test_box_centres_hit_test_to_their_elements(sets, browser, name):
    path = sets[name]
    by_page: dict[str, list[dict]] = {}
    for row in rows_of(path):
        if row["box_type"] == "bbox":
            by_page.setdefault(row["html_path"], []).append(row)
    page = browser.new_page(device_scale_factor=1)
    try:
        checked = 0
        for html_path, rows in by_page.items():
            w, h = rows[0]["image_size"]
            page.set_viewport_size({"width": w, "height": h})
            page.set_content((path.parent / html_path).read_text(encoding="utf-8"), wait_until="load")
            for row in rows:
                x, y, bw, bh = row["box_coordinates"]
                cx, cy = x + bw / 2, y + bh / 2
                got = page.evaluate(HIT_JS, [row["synth_id"], cx, cy])
                assert got["found"], row
                assert got["hit"], (row["instruction"], row["box_coordinates"], got)
                ex, ey, ew, eh = got["rect"]
                # the target element lies fully inside the viewport; the box centre inside the element
                assert ex >= 0 and ey >= 0 and ex + ew <= w and ey + eh <= h and ew > 0 and eh > 0
                assert ex - 0.5 <= cx <= ex + ew + 0.5 and ey - 0.5 <= cy <= ey + eh + 0.5
                checked += 1
        assert checked > 0
    finally:
        page.close()


# --- refusals ------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["a", "mix"])
def test_refusals_name_text_that_is_not_on_the_page(sets, browser, name):
    path = sets[name]
    refusals = [r for r in rows_of(path) if r["box_type"] == "refusal"]
    assert refusals
    page = browser.new_page(device_scale_factor=1)
    try:
        for row in refusals:
            w, h = row["image_size"]
            page.set_viewport_size({"width": w, "height": h})
            page.set_content((path.parent / row["html_path"]).read_text(encoding="utf-8"), wait_until="load")
            text = page.evaluate(PAGE_TEXT_JS).lower()
            absent = row["absent_text"]
            assert absent and absent in row["instruction"]
            assert absent.lower() not in text, row
            assert row["category"] == "refusal" and row["categories"] == ["refusal"]
    finally:
        page.close()


# --- the mix -------------------------------------------------------------------------------
def test_category_and_kind_mix(sets):
    rows = rows_of(sets["mix"])
    categories = Counter(r["category"] for r in rows)
    assert set(categories) == set(CATEGORIES), categories
    assert all(count >= 3 for count in categories.values()), categories
    kinds = Counter(r["element_kind"] for r in rows)
    assert len(kinds) >= 10, kinds
    assert {"button", "icon_button", "text_field", "checkbox", "link"} <= set(kinds), kinds
    pages = Counter(r["image_path"] for r in rows)
    assert max(pages.values()) <= 10 and len(pages) >= 12


def test_draw_uses_each_target_once_and_caps_refusals():
    def cand(category: str, sid: str | None, absent: str | None = None) -> Candidate:
        box = None if sid is None else (0, 0, 1, 1)
        return Candidate(
            categories=[category],
            kind="button",
            instruction="x",
            box=box,
            gui_types=["Button"],
            sid=sid,
            absent_text=absent,
        )

    pool = {c: [] for c in CATEGORIES}
    for i in range(3):
        pool["text_matching"].append(cand("text_matching", f"e{i}"))
        pool["layout_understanding"].append(cand("layout_understanding", f"e{i}"))
    pool[RF] = [cand(RF, None, f"absent {i}") for i in range(10)]
    picks = draw(pool, 20, random.Random(0))
    sids = [p.sid for p in picks if p.sid]
    assert len(sids) == len(set(sids)) == 3
    assert sum(p.category == RF for p in picks) == MAX_REFUSALS_PER_PAGE
    assert len(picks) == 3 + MAX_REFUSALS_PER_PAGE


def test_main_writes_a_set(tmp_path, capsys):
    assert main(["--n", "5", "--seed", "1", "--out", str(tmp_path / "cli")]) == 0
    rows = rows_of(tmp_path / "cli" / ANNOTATIONS)
    assert len(rows) == 5
    summary = json.loads(capsys.readouterr().out)
    assert summary["items"] == 5 and sum(summary["category"].values()) == 5


def test_generate_replaces_only_its_own_files(browser, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    (out / "page_09999.png").write_bytes(b"stale")
    generate(3, seed=2, out=out, browser=browser)
    assert (out / "notes.txt").read_text() == "keep me"
    assert not (out / "page_09999.png").exists()
