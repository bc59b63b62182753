"""Grounding benchmarks read into one item model.

Three public layouts (OSWorld-G, ScreenSpot-v2, ScreenSpot-Pro, as their releases ship them) and our synthetic set:

- OSWorld-G: a JSON list (`OSWorld-G.json`) of `{id, image_path, image_size,
  instruction, box_type, box_coordinates, GUI_types}`; `bbox` is `[x, y, w, h]`,
  `polygon` a flat `[x1, y1, x2, y2, ...]`, `refusal` has no target. Categories
  (multi-label) come from `classification_result.json` beside it
  (`{"classified": {category: [{"id": ...}, ...]}}`) when present. Images sit in
  `images/` (or beside the JSON). Our synthetic set (grounding/synth) writes
  the same rows plus a `category` field (a string or a list), JSON or JSONL.
- ScreenSpot-v2: `screenspot_{desktop,mobile,web}_v2.json`, rows
  `{img_filename, bbox [x, y, w, h], instruction, data_type, data_source}`;
  images in `screenspotv2_image/` (the published archive), `images/` or beside.
- ScreenSpot-Pro: `annotations/*.json`, rows `{img_filename, bbox [x1, y1, x2, y2],
  instruction, ui_type, group, application, platform, img_size, ...}`; images in
  `images/`.

`load_dataset(path)` tells them apart and returns `(kind, items)`. Every
loader checks that the images are there and fails with the first few missing
names rather than part-way through a benchmark run.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "BoxTarget",
    "DatasetError",
    "GroundingItem",
    "MissingImagesError",
    "OSWORLD_G",
    "OSWORLD_G_CATEGORIES",
    "PolygonTarget",
    "RefusalTarget",
    "SCREENSPOT_PRO",
    "SCREENSPOT_V2",
    "Target",
    "detect_format",
    "load_dataset",
    "load_osworld_g",
    "load_screenspot_pro",
    "load_screenspot_v2",
]

OSWORLD_G = "osworld-g"
SCREENSPOT_V2 = "screenspot-v2"
SCREENSPOT_PRO = "screenspot-pro"
KINDS = (OSWORLD_G, SCREENSPOT_V2, SCREENSPOT_PRO)

OSWORLD_G_CATEGORIES = (
    "text_matching",
    "element_recognition",
    "layout_understanding",
    "fine_grained_manipulation",
    "refusal",
)
SCREENSPOT_V2_PLATFORMS = ("mobile", "desktop", "web")
OSWORLD_G_FILES = ("OSWorld-G.json", "OSWorld-G_refined.json")
CLASSIFICATION_FILE = "classification_result.json"
MISSING_SHOWN = 5


class DatasetError(ValueError):
    """The dataset is not in a format we read, or a row is malformed."""


class MissingImagesError(DatasetError):
    """Some images the annotations name are not in the image folder."""

    def __init__(self, folder: Path, missing: Sequence[str], total: int) -> None:
        shown = ", ".join(missing[:MISSING_SHOWN])
        more = f" and {len(missing) - MISSING_SHOWN} more" if len(missing) > MISSING_SHOWN else ""
        super().__init__(
            f"{len(missing)} of {total} images missing under {folder}: {shown}{more}"
            " (is the image archive unpacked there? --images DIR points elsewhere)"
        )
        self.folder = folder
        self.missing = list(missing)
        self.total = total


# ── targets ────────────────────────────────────────────────────────────────


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class BoxTarget(_Frozen):
    """An axis-aligned box in image pixels, edges included."""

    kind: Literal["box"] = "box"
    box: tuple[float, float, float, float]  # x1, y1, x2, y2


class PolygonTarget(_Frozen):
    """A simple polygon in image pixels, its boundary included."""

    kind: Literal["polygon"] = "polygon"
    points: tuple[tuple[float, float], ...]


class RefusalTarget(_Frozen):
    """The described element is not on screen: the right answer is to decline."""

    kind: Literal["refusal"] = "refusal"


Target = Annotated[BoxTarget | PolygonTarget | RefusalTarget, Field(discriminator="kind")]


class GroundingItem(BaseModel):
    """One benchmark question: find `instruction` in the image at `image`."""

    model_config = ConfigDict(frozen=True)

    id: str
    dataset: str  # one of KINDS
    image: Path
    image_size: tuple[int, int]  # width, height
    instruction: str
    target: Target
    categories: tuple[str, ...] = ()  # OSWorld-G / synthetic categories (multi-label)
    metadata: dict[str, Any] = Field(default_factory=dict)  # data_type, platform, group, ...


# ── helpers ────────────────────────────────────────────────────────────────


def _read_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DatasetError(f"cannot read {path}: {exc}") from exc
    try:
        if path.suffix == ".jsonl":
            return [json.loads(line) for line in text.splitlines() if line.strip()]
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DatasetError(f"{path} is not valid JSON: {exc}") from exc


def _rows(path: Path) -> list[dict[str, Any]]:
    data = _read_json(path)
    if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
        raise DatasetError(f"{path} must hold a list of objects (one per item)")
    return data


def _field(row: dict[str, Any], key: str, where: str) -> Any:
    if key not in row:
        raise DatasetError(f"{where}: missing field {key!r}")
    return row[key]


def _numbers(value: Any, where: str, what: str) -> list[float]:
    if not isinstance(value, (list, tuple)) or not all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in value
    ):
        raise DatasetError(f"{where}: {what} must be a list of numbers, got {value!r}")
    return [float(v) for v in value]


def _size(value: Any, where: str) -> tuple[int, int] | None:
    if value is None:
        return None
    numbers = _numbers(value, where, "image size")
    if len(numbers) != 2 or numbers[0] <= 0 or numbers[1] <= 0:
        raise DatasetError(f"{where}: image size must be [width, height], got {value!r}")
    return int(numbers[0]), int(numbers[1])


def _xywh(value: Any, where: str) -> BoxTarget:
    numbers = _numbers(value, where, "bbox")
    if len(numbers) != 4:
        raise DatasetError(f"{where}: bbox must be [x, y, w, h], got {value!r}")
    x, y, w, h = numbers
    if w < 0 or h < 0:
        raise DatasetError(f"{where}: bbox has a negative size: {value!r}")
    return BoxTarget(box=(x, y, x + w, y + h))


def _xyxy(value: Any, where: str) -> BoxTarget:
    numbers = _numbers(value, where, "bbox")
    if len(numbers) != 4:
        raise DatasetError(f"{where}: bbox must be [x1, y1, x2, y2], got {value!r}")
    x1, y1, x2, y2 = numbers
    if x2 < x1 or y2 < y1:
        raise DatasetError(f"{where}: bbox corners are out of order: {value!r}")
    return BoxTarget(box=(x1, y1, x2, y2))


def _polygon(value: Any, where: str) -> PolygonTarget:
    numbers = _numbers(value, where, "polygon")
    if len(numbers) % 2 or len(numbers) < 6:
        raise DatasetError(
            f"{where}: polygon must be a flat [x1, y1, x2, y2, ...] list of at "
            f"least 3 points, got {len(numbers)} numbers"
        )
    return PolygonTarget(points=tuple(zip(numbers[0::2], numbers[1::2])))


def _pick_image_dir(candidates: Iterable[Path], names: Sequence[str]) -> Path:
    """The first folder holding the first image; else the first folder that exists."""
    folders = [c for c in dict.fromkeys(candidates)]
    existing = [f for f in folders if f.is_dir()]
    if names:
        for folder in existing:
            if (folder / names[0]).is_file():
                return folder
    if existing:
        return existing[0]
    return folders[0]


def _check_images(folder: Path, names: Sequence[str]) -> None:
    missing = [n for n in dict.fromkeys(names) if not (folder / n).is_file()]
    if missing:
        raise MissingImagesError(folder, missing, len(set(names)))


def _image_size(path: Path) -> tuple[int, int]:
    from PIL import Image

    try:
        with Image.open(path) as image:
            return image.size
    except OSError as exc:
        raise DatasetError(f"cannot read image {path}: {exc}") from exc


# ── OSWorld-G (and our synthetic set) ──────────────────────────────────────


def _is_osworld_g_rows(data: Any) -> bool:
    return (
        isinstance(data, list)
        and bool(data)
        and isinstance(data[0], dict)
        and "box_type" in data[0]
        and "box_coordinates" in data[0]
    )


def _find_osworld_g_file(folder: Path) -> Path | None:
    for name in OSWORLD_G_FILES:
        if (folder / name).is_file():
            return folder / name
    candidates = []
    for path in sorted([*folder.glob("*.json"), *folder.glob("*.jsonl")]):
        if path.name == CLASSIFICATION_FILE:
            continue
        try:
            data = _read_json(path)
        except DatasetError:
            continue
        if _is_osworld_g_rows(data):
            candidates.append(path)
    if len(candidates) > 1:
        raise DatasetError(
            f"{folder} holds several OSWorld-G style files "
            f"({', '.join(p.name for p in candidates)}): pass the one to use"
        )
    return candidates[0] if candidates else None


def _classification(path: Path) -> dict[str, list[str]]:
    """`classification_result.json` -> {item id: [categories]} in file order."""
    data = _read_json(path)
    classified = data.get("classified") if isinstance(data, dict) else None
    if not isinstance(classified, dict):
        raise DatasetError(f'{path}: expected {{"classified": {{category: [items]}}}}')
    by_id: dict[str, list[str]] = {}
    for category, entries in classified.items():
        if not isinstance(entries, list):
            raise DatasetError(f"{path}: category {category!r} must list items")
        for entry in entries:
            item_id = entry.get("id") if isinstance(entry, dict) else entry
            if item_id is None:
                continue
            cats = by_id.setdefault(str(item_id), [])
            if category not in cats:
                cats.append(category)
    return by_id


def _row_categories(row: dict[str, Any], where: str) -> list[str]:
    found: list[str] = []
    for key in ("category", "categories"):
        value = row.get(key)
        if value is None:
            continue
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise DatasetError(f"{where}: {key!r} must be a string or a list of strings")
        found += [v for v in values if v not in found]
    return found


def load_osworld_g(
    path: str | Path, *, images_dir: str | Path | None = None, classification: str | Path | None = None
) -> list[GroundingItem]:
    """OSWorld-G rows (or our synthetic set) from a JSON/JSONL file or a folder holding one."""
    path = Path(path)
    if path.is_dir():
        found = _find_osworld_g_file(path)
        if found is None:
            raise DatasetError(f"no OSWorld-G style JSON (rows with box_type and box_coordinates) in {path}")
        path = found
    root = path.parent
    rows = _rows(path)
    if classification is None and (root / CLASSIFICATION_FILE).is_file():
        classification = root / CLASSIFICATION_FILE
    by_id = _classification(Path(classification)) if classification is not None else {}

    names = [str(_field(row, "image_path", f"{path.name} item {i}")) for i, row in enumerate(rows)]
    candidates = [Path(images_dir)] if images_dir is not None else [root / "images", root]
    folder = _pick_image_dir(candidates, names)
    _check_images(folder, names)

    items = []
    for i, row in enumerate(rows):
        where = f"{path.name} item {i}"
        item_id = str(row.get("id", f"{path.stem}-{i}"))
        box_type = _field(row, "box_type", where)
        coords = _field(row, "box_coordinates", where)
        target: BoxTarget | PolygonTarget | RefusalTarget
        if box_type == "bbox":
            target = _xywh(coords, where)
        elif box_type == "polygon":
            target = _polygon(coords, where)
        elif box_type == "refusal":
            target = RefusalTarget()
        else:
            raise DatasetError(f"{where}: unknown box_type {box_type!r} (expected bbox, polygon or refusal)")
        categories = _row_categories(row, where)
        categories += [c for c in by_id.get(item_id, []) if c not in categories]
        if box_type == "refusal" and "refusal" not in categories:
            categories.append("refusal")
        image = folder / names[i]
        size = _size(row.get("image_size"), where) or _image_size(image)
        known = {
            "id",
            "image_path",
            "image_size",
            "instruction",
            "box_type",
            "box_coordinates",
            "GUI_types",
            "category",
            "categories",
        }
        metadata = {
            "box_type": box_type,
            "gui_types": list(row.get("GUI_types") or []),
            **{k: v for k, v in row.items() if k not in known},
        }
        items.append(
            GroundingItem(
                id=item_id,
                dataset=OSWORLD_G,
                image=image,
                image_size=size,
                instruction=str(_field(row, "instruction", where)),
                target=target,
                categories=tuple(categories),
                metadata=metadata,
            )
        )
    return items


# ── ScreenSpot-v2 ──────────────────────────────────────────────────────────


def _screenspot_v2_files(folder: Path) -> dict[str, Path]:
    files = {}
    for platform in SCREENSPOT_V2_PLATFORMS:
        path = folder / f"screenspot_{platform}_v2.json"
        if path.is_file():
            files[platform] = path
    return files


def load_screenspot_v2(path: str | Path, *, images_dir: str | Path | None = None) -> list[GroundingItem]:
    """ScreenSpot-v2 from its folder (all three platforms) or one `screenspot_*_v2.json`."""
    path = Path(path)
    if path.is_dir():
        files = _screenspot_v2_files(path)
        root = path
    else:
        platform = path.name.removeprefix("screenspot_").removesuffix("_v2.json")
        if platform not in SCREENSPOT_V2_PLATFORMS:
            raise DatasetError(
                f"{path.name} is not a ScreenSpot-v2 file (screenspot_{{desktop,mobile,web}}_v2.json)"
            )
        files = {platform: path}
        root = path.parent
    if not files:
        raise DatasetError(f"no screenspot_{{desktop,mobile,web}}_v2.json in {path}")

    loaded = [(platform, file, _rows(file)) for platform, file in files.items()]
    names = [
        str(_field(row, "img_filename", f"{file.name} item {i}"))
        for _, file, rows in loaded
        for i, row in enumerate(rows)
    ]
    candidates = (
        [Path(images_dir)] if images_dir is not None else [root / "screenspotv2_image", root / "images", root]
    )
    folder = _pick_image_dir(candidates, names)
    _check_images(folder, names)

    sizes: dict[str, tuple[int, int]] = {}
    items = []
    for platform, file, rows in loaded:
        for i, row in enumerate(rows):
            where = f"{file.name} item {i}"
            name = str(row["img_filename"])
            if name not in sizes:
                sizes[name] = _image_size(folder / name)
            data_type = str(_field(row, "data_type", where))
            known = {"img_filename", "bbox", "instruction", "data_type", "data_source"}
            items.append(
                GroundingItem(
                    id=str(row.get("id", f"{platform}-{i}")),
                    dataset=SCREENSPOT_V2,
                    image=folder / name,
                    image_size=sizes[name],
                    instruction=str(_field(row, "instruction", where)),
                    target=_xywh(_field(row, "bbox", where), where),
                    metadata={
                        "platform": platform,
                        "data_type": data_type,
                        "data_source": row.get("data_source"),
                        **{k: v for k, v in row.items() if k not in known},
                    },
                )
            )
    return items


# ── ScreenSpot-Pro ─────────────────────────────────────────────────────────


def load_screenspot_pro(path: str | Path, *, images_dir: str | Path | None = None) -> list[GroundingItem]:
    """ScreenSpot-Pro from its folder (`annotations/*.json` + `images/`) or one annotation file."""
    path = Path(path)
    if path.is_dir():
        folder = path / "annotations" if (path / "annotations").is_dir() else path
        files = sorted(folder.glob("*.json"))
        root = folder.parent if folder.name == "annotations" else folder
    else:
        files = [path]
        root = path.parent.parent if path.parent.name == "annotations" else path.parent
    if not files:
        raise DatasetError(f"no ScreenSpot-Pro annotation files (annotations/*.json) in {path}")

    loaded = [(file, _rows(file)) for file in files]
    names = [
        str(_field(row, "img_filename", f"{file.name} item {i}"))
        for file, rows in loaded
        for i, row in enumerate(rows)
    ]
    candidates = [Path(images_dir)] if images_dir is not None else [root / "images", root]
    image_folder = _pick_image_dir(candidates, names)
    _check_images(image_folder, names)

    items = []
    for file, rows in loaded:
        for i, row in enumerate(rows):
            where = f"{file.name} item {i}"
            name = str(row["img_filename"])
            image = image_folder / name
            size = _size(row.get("img_size"), where) or _image_size(image)
            negative = row.get("gt_type") == "negative"
            target = RefusalTarget() if negative else _xyxy(_field(row, "bbox", where), where)
            known = {"img_filename", "bbox", "instruction", "img_size", "id"}
            items.append(
                GroundingItem(
                    id=str(row.get("id", f"{file.stem}-{i}")),
                    dataset=SCREENSPOT_PRO,
                    image=image,
                    image_size=size,
                    instruction=str(_field(row, "instruction", where)),
                    target=target,
                    metadata={
                        "annotation_file": file.name,
                        **{k: v for k, v in row.items() if k not in known},
                    },
                )
            )
    return items


# ── format detection ───────────────────────────────────────────────────────


def detect_format(path: str | Path) -> str:
    """Which of KINDS the file or folder at `path` holds."""
    path = Path(path)
    if not path.exists():
        raise DatasetError(f"no dataset at {path}")
    if path.is_dir():
        if _screenspot_v2_files(path):
            return SCREENSPOT_V2
        if (path / "annotations").is_dir() and any((path / "annotations").glob("*.json")):
            return SCREENSPOT_PRO
        if _find_osworld_g_file(path) is not None:
            return OSWORLD_G
        raise DatasetError(
            f"cannot tell the format of {path}: expected OSWorld-G.json (or rows with box_type "
            "and box_coordinates), screenspot_{desktop,mobile,web}_v2.json, or annotations/*.json"
        )
    if path.name.startswith("screenspot_") and path.name.endswith("_v2.json"):
        return SCREENSPOT_V2
    data = _read_json(path)
    if _is_osworld_g_rows(data):
        return OSWORLD_G
    if isinstance(data, list) and data and isinstance(data[0], dict) and "img_filename" in data[0]:
        return SCREENSPOT_PRO if "img_size" in data[0] or "ui_type" in data[0] else SCREENSPOT_V2
    raise DatasetError(
        f"cannot tell the format of {path}: not OSWorld-G, ScreenSpot-v2 or ScreenSpot-Pro rows"
    )


LOADERS = {OSWORLD_G: load_osworld_g, SCREENSPOT_V2: load_screenspot_v2, SCREENSPOT_PRO: load_screenspot_pro}


def load_dataset(
    path: str | Path, *, images_dir: str | Path | None = None, kind: str | None = None
) -> tuple[str, list[GroundingItem]]:
    """`(kind, items)` from a dataset folder or file, the format detected unless given."""
    kind = kind or detect_format(path)
    if kind not in LOADERS:
        raise DatasetError(f"unknown dataset kind {kind!r}: one of {', '.join(KINDS)}")
    items = LOADERS[kind](path, images_dir=images_dir)
    if not items:
        raise DatasetError(f"{path} holds no items")
    return kind, items
