"""Grounding benchmarks: OSWorld-G (and our synthetic set in its schema), ScreenSpot-v2,
ScreenSpot-Pro. Load with `load_dataset`, score with `run_benchmark`, or from a shell:
`python -m benchmarks.grounding --dataset DIR --grounder SPEC --out DIR`."""

from benchmarks.grounding.datasets import (
    BoxTarget,
    DatasetError,
    GroundingItem,
    MissingImagesError,
    PolygonTarget,
    RefusalTarget,
    load_dataset,
)
from benchmarks.grounding.run import Report, run_benchmark, write_report
from benchmarks.grounding.scoring import category_tables, score_item

__all__ = [
    "BoxTarget",
    "DatasetError",
    "GroundingItem",
    "MissingImagesError",
    "PolygonTarget",
    "RefusalTarget",
    "Report",
    "category_tables",
    "load_dataset",
    "run_benchmark",
    "score_item",
    "write_report",
]
