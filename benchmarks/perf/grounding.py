"""Offline grounders on the synthetic set and the real-application set: accuracy,
latency, per category (prints figures).

    .venv/bin/python -m benchmarks.perf.grounding [--n 300] [--seed 0] [--out DIR]
        [--real benchmarks/grounding/data/real] [--model SPEC]

The real-application set (grounding/capture, `agent grounding capture`) is scored per
split: `tune` (the screens looked at while tuning) and `untouched` (never looked at
item by item). Its accessibility grounder reads the tree saved with each screen.
`--model jedi@http://...` adds a model grounder (and a cascade ending in it).
Targets on the untouched part: cascade >= 40% on element_recognition (icon/function),
>= 50% on layout_understanding (spatial), >= 95% on text_matching, >= 90% refusals.

Renders the synthetic set (grounding/synth, seed 0), then for each page reloads
its HTML in Chromium so the accessibility grounder can read the live page's
tree, and scores the accessibility, OCR and cascade (accessibility, then OCR)
grounders with the benchmark's own scoring. Targets on a 2-core machine: cascade
>= 70% on non-refusal items and >= 90% on visible-text items, >= 80% correct
refusals, median <= 1.5 s per item.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from benchmarks.grounding.datasets import GroundingItem, load_dataset
from benchmarks.grounding.scoring import score_item
from grounding.a11y import BrowserA11yGrounder
from grounding.base import Grounder
from grounding.cascade import CascadeGrounder
from grounding.factory import CASCADE_THRESHOLDS
from grounding.ocr import OcrGrounder
from grounding.synth import generate
from grounding.synth.render import open_browser

GROUNDERS = ("a11y", "ocr", "cascade")
REAL_SET = Path(__file__).resolve().parents[1] / "grounding" / "data" / "real"
Rows = dict[str, list[tuple[GroundingItem, bool, float]]]


def run(items: list[GroundingItem], folder: Path) -> Rows:
    results: dict[str, list[tuple[GroundingItem, bool, float]]] = defaultdict(list)
    pages: dict[str, list[GroundingItem]] = defaultdict(list)
    for item in items:
        pages[item.metadata["html_path"]].append(item)
    ocr = OcrGrounder()
    with open_browser() as browser:
        for html, page_items in pages.items():
            width, height = page_items[0].image_size
            page = browser.new_page(viewport={"width": width, "height": height}, device_scale_factor=1)
            page.goto((folder / html).resolve().as_uri())
            a11y = BrowserA11yGrounder(page)
            cascade = CascadeGrounder([(a11y, CASCADE_THRESHOLDS["a11y"]), (ocr, CASCADE_THRESHOLDS["ocr"])])
            png = page_items[0].image.read_bytes()
            for item in page_items:
                for name, grounder in (("a11y", a11y), ("ocr", ocr), ("cascade", cascade)):
                    start = time.perf_counter()
                    answer = grounder.ground(png, item.instruction, (width, height))
                    seconds = time.perf_counter() - start
                    results[name].append((item, score_item(item, answer), seconds))
            page.close()
    return results


def run_real(items: list[GroundingItem], model: str | None = None) -> Rows:
    """Score the grounders on captured screens; the a11y tier reads each screen's saved tree."""
    from grounding.a11y import A11yGrounder
    from grounding.capture.run import read_tree
    from grounding.factory import make_one

    results: Rows = defaultdict(list)
    ocr = OcrGrounder()
    model_grounder = make_one(model, None) if model else None
    xml_now = {"xml": ""}
    a11y = A11yGrounder(lambda: xml_now["xml"], min_confidence=CASCADE_THRESHOLDS["a11y"])
    tiers: list[tuple[Grounder, float]] = [
        (a11y, CASCADE_THRESHOLDS["a11y"]),
        (ocr, CASCADE_THRESHOLDS["ocr"]),
    ]
    grounders: dict[str, Grounder] = {"a11y": a11y, "ocr": ocr, "cascade": CascadeGrounder(tiers)}
    if model_grounder is not None:
        grounders["model"] = model_grounder
        grounders["cascade+model"] = CascadeGrounder([*tiers, (model_grounder, 0.0)])
    for item in items:
        root = (
            item.image.parent.parent
            if (item.image.parent.parent / item.metadata["a11y_path"]).is_file()
            else item.image.parent
        )
        xml_now["xml"] = read_tree(root / item.metadata["a11y_path"])
        png = item.image.read_bytes()
        for name, grounder in grounders.items():
            start = time.perf_counter()
            answer = grounder.ground(png, item.instruction, item.image_size)
            results[name].append((item, score_item(item, answer), time.perf_counter() - start))
    return results


def table(title: str, items: list[GroundingItem], results: Rows) -> None:
    names = [g for g in results if results[g]]
    print(title)
    categories = sorted({c for item in items for c in item.categories})
    print(f"{'category':28}" + "".join(f"{g:>18}" for g in names))
    for category in categories + ["non-refusal", "all"]:
        row = f"{category:28}"
        for name in names:
            rows = results[name]
            if category == "non-refusal":
                rows = [r for r in rows if "refusal" not in r[0].categories]
            elif category != "all":
                rows = [r for r in rows if category in r[0].categories]
            row += f"{pct(rows):>18}"
        print(row)
    print(
        f"{'median / p95 seconds':28}"
        + "".join(
            f"{statistics.median(s for *_, s in results[g]):>9.3f} /{sorted(s for *_, s in results[g])[int(0.95 * (len(results[g]) - 1))]:>6.2f}"
            for g in names
        )
    )


def pct(rows: list[tuple[GroundingItem, bool, float]]) -> str:
    return f"{100 * sum(ok for _, ok, _ in rows) / len(rows):5.1f}% ({len(rows)})" if rows else "    -"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None, help="keep the set here (default: a temp folder)")
    parser.add_argument("--real", type=Path, default=REAL_SET, help="the real-application set's folder")
    parser.add_argument(
        "--model", default=None, help="a model grounder spec, e.g. jedi@http://127.0.0.1:8000/v1"
    )
    parser.add_argument("--skip-synth", action="store_true", help="only the real-application set")
    args = parser.parse_args()
    if args.real is not None and args.real.is_dir():
        _, real = load_dataset(args.real)
        for split in ("tune", "untouched"):
            part = [i for i in real if i.metadata.get("split") == split]
            if part:
                table(
                    f"real-application set, {split} part: {len(part)} items, "
                    f"{len({i.metadata['scene'] for i in part})} screens ({args.real})",
                    part,
                    run_real(part, args.model),
                )
                print()
    if args.skip_synth:
        return
    folder = args.out or Path(tempfile.mkdtemp(prefix="deskpilot-synth-"))
    start = time.perf_counter()
    generate(args.n, args.seed, folder)
    made = time.perf_counter() - start
    _, items = load_dataset(folder)
    results = run(items, folder)

    table(
        f"synthetic set: {len(items)} items, seed {args.seed}, rendered in {made:.1f} s ({folder})",
        items,
        results,
    )


if __name__ == "__main__":
    main()
