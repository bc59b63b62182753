"""Offline grounders on a synthetic set: accuracy, latency, per category (prints figures).

    .venv/bin/python -m benchmarks.perf.grounding [--n 300] [--seed 0] [--out DIR]

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
from grounding.cascade import CascadeGrounder
from grounding.factory import CASCADE_THRESHOLDS
from grounding.ocr import OcrGrounder
from grounding.synth import generate
from grounding.synth.render import open_browser

GROUNDERS = ("a11y", "ocr", "cascade")


def run(items: list[GroundingItem], folder: Path) -> dict[str, list[tuple[GroundingItem, bool, float]]]:
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


def pct(rows: list[tuple[GroundingItem, bool, float]]) -> str:
    return f"{100 * sum(ok for _, ok, _ in rows) / len(rows):5.1f}% ({len(rows)})" if rows else "    -"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None, help="keep the set here (default: a temp folder)")
    args = parser.parse_args()
    folder = args.out or Path(tempfile.mkdtemp(prefix="deskpilot-synth-"))
    start = time.perf_counter()
    generate(args.n, args.seed, folder)
    made = time.perf_counter() - start
    _, items = load_dataset(folder)
    results = run(items, folder)

    print(f"synthetic set: {len(items)} items, seed {args.seed}, rendered in {made:.1f} s ({folder})")
    categories = sorted({c for item in items for c in item.categories})
    print(f"{'category':28}" + "".join(f"{g:>18}" for g in GROUNDERS))
    for category in categories + ["non-refusal", "all"]:
        row = f"{category:28}"
        for name in GROUNDERS:
            rows = results[name]
            if category == "non-refusal":
                rows = [r for r in rows if "refusal" not in r[0].categories]
            elif category != "all":
                rows = [r for r in rows if category in r[0].categories]
            row += f"{pct(rows):>18}"
        print(row)
    print(f"{'median / p95 seconds':28}" + "".join(
        f"{statistics.median(s for *_, s in results[g]):>9.3f} /{sorted(s for *_, s in results[g])[int(0.95 * (len(results[g]) - 1))]:>6.2f}"
        for g in GROUNDERS))


if __name__ == "__main__":
    main()
