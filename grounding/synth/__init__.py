"""Synthetic grounding data, after Jedi's recipe: HTML pages rendered in headless Chromium.

Pages are composed from components (buttons, icon buttons, labelled text fields,
checkboxes, radios, selects, sliders, tabs, menus with an open dropdown, tables, dialogs,
links, toolbars) under random themes and viewports (1280x800 to 1920x1080, device scale
factor 1). Each element's box comes from `getBoundingClientRect()`; only elements fully
inside the viewport, visible, and not covered (`elementFromPoint` at the centre, and four
more points, reach the element) become targets. Instructions come from templates (data
files) in OSWorld-G's categories, and the rows follow OSWorld-G's schema, so the same
scorer applies:

    generate(300, seed=0, out=Path("synth"))   # -> synth/annotations.json
    python -m grounding.synth --n 500 --seed 0 --out DIR

The output folder holds `annotations.json`, one `page_<k>.png` screenshot per page
(several items per page) and the page's HTML as `page_<k>.html`, which renders the same
boxes again at the same viewport. The same seed gives the same rows and images; the rows
of a smaller n are a prefix of those of a larger n.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from grounding.synth.compose import compose_page
from grounding.synth.instructions import CATEGORIES, Candidate, candidates, draw
from grounding.synth.render import Renderer, open_browser
from grounding.synth.schema import SynthItem

__all__ = ["ANNOTATIONS", "CATEGORIES", "SynthItem", "generate", "main", "summarize"]

ANNOTATIONS = "annotations.json"
_OUR_FILES = re.compile(r"^page_\d{5,}\.(png|html)$")


def generate(n: int, seed: int, out: Path, *, items_per_page: int = 10, browser: Any = None) -> Path:
    """Write n items (annotations.json, page_<k>.png, page_<k>.html) to out; return the annotations path.

    `browser` is a Playwright `Browser` to use (one is launched and closed when None).
    Files this function wrote into `out` before (page_<k>.png/.html, annotations.json)
    are replaced; nothing else there is touched.
    """
    if n < 0 or items_per_page < 1:
        raise ValueError("n must be >= 0 and items_per_page >= 1")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.iterdir():
        if _OUR_FILES.match(old.name) or old.name == ANNOTATIONS:
            old.unlink()
    if browser is None:
        rows = _with_own_browser(lambda own: _generate(n, seed, out, items_per_page, own))
    else:
        rows = _generate(n, seed, out, items_per_page, browser)
    path = out / ANNOTATIONS
    path.write_text(json.dumps(rows, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def _with_own_browser(job: Callable[[Any], Any]) -> Any:
    """Run job(browser) with a browser of its own. Playwright's sync API refuses to start
    where an asyncio loop runs (async code, notebooks, another sync Playwright session), so
    there the job runs in a worker thread."""

    def run() -> Any:
        with open_browser() as own:
            return job(own)

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return run()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="synth") as pool:
        return pool.submit(run).result()


def _generate(n: int, seed: int, out: Path, items_per_page: int, browser: Any) -> list[dict[str, Any]]:
    master = random.Random(seed)
    renderer = Renderer(browser)
    rows: list[dict[str, Any]] = []
    page_no = 0
    try:
        while len(rows) < n:
            if page_no > 20 + 2 * n:
                raise RuntimeError(f"only {len(rows)} of {n} items after {page_no} pages")
            rng = random.Random(master.getrandbits(64))
            spec = compose_page(rng)
            renderer.load(spec.html, spec.width, spec.height)
            measured = renderer.measure(
                carets=[el.sid for el in spec.elements if el.kind == "text_field" and el.value],
                words=[el.sid for el in spec.elements if el.kind == "word"],
            )
            picks = draw(candidates(spec, measured, rng), items_per_page, rng)
            picks = _hit_checked(renderer, picks)
            if picks:
                stem = f"page_{page_no:05d}"
                (out / f"{stem}.png").write_bytes(renderer.screenshot())
                (out / f"{stem}.html").write_text(spec.html, encoding="utf-8")
                for j, pick in enumerate(picks):
                    row = _row(pick, f"synth-s{seed}-p{page_no:05d}-{j:02d}", stem, spec.width, spec.height)
                    rows.append(SynthItem.model_validate(row).model_dump())
            page_no += 1
    finally:
        renderer.close()
    return rows[:n]


def _rounded(box: tuple[float, float, float, float]) -> list[float]:
    return [round(v, 2) for v in box]


def _hit_checked(renderer: Renderer, picks: list[Candidate]) -> list[Candidate]:
    """Keep refusals and the items whose box centre lands on the target element."""
    points: list[tuple[str, float, float]] = []
    for pick in picks:
        if pick.box is not None and pick.sid is not None:
            x, y, w, h = _rounded(pick.box)
            points.append((pick.sid, x + w / 2, y + h / 2))
    verdicts = iter(renderer.hit(points))
    return [pick for pick in picks if pick.box is None or (pick.sid is not None and next(verdicts))]


def _row(pick: Candidate, item_id: str, stem: str, width: int, height: int) -> dict[str, Any]:
    refusal = pick.box is None
    return {
        "id": item_id,
        "image_path": f"{stem}.png",
        "image_size": [width, height],
        "instruction": pick.instruction,
        "box_type": "refusal" if refusal else "bbox",
        "box_coordinates": [0, 0, 0, 0] if pick.box is None else _rounded(pick.box),
        "GUI_types": pick.gui_types,
        "category": pick.category,
        "categories": pick.categories,
        "element_kind": pick.kind,
        "synth_id": pick.sid,
        "html_path": f"{stem}.html",
        "absent_text": pick.absent_text,
    }


def summarize(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Counts by main category, by every category a row carries, by element kind; pages."""
    return {
        "items": len(rows),
        "pages": len({r["image_path"] for r in rows}),
        "category": dict(Counter(r["category"] for r in rows).most_common()),
        "categories_multi": dict(Counter(c for r in rows for c in r["categories"]).most_common()),
        "element_kind": dict(Counter(r["element_kind"] for r in rows).most_common()),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m grounding.synth",
        description="Render a synthetic GUI grounding set (OSWorld-G schema).",
    )
    parser.add_argument("--n", type=int, default=500, help="number of items (default 500)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--items-per-page", type=int, default=10, help="items per screenshot (default 10)")
    args = parser.parse_args(argv)
    start = time.monotonic()
    path = generate(args.n, args.seed, args.out, items_per_page=args.items_per_page)
    elapsed = time.monotonic() - start
    rows = json.loads(path.read_text(encoding="utf-8"))
    summary = summarize(rows)
    summary["seconds"] = round(elapsed, 1)
    summary["annotations"] = str(path)
    print(json.dumps(summary, indent=1))
    return 0
