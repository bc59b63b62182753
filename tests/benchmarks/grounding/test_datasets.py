"""Loaders on tiny fixture datasets in each public layout, and format detection."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.grounding.datasets import (
    BoxTarget,
    DatasetError,
    MissingImagesError,
    PolygonTarget,
    RefusalTarget,
    detect_format,
    load_dataset,
    load_osworld_g,
)


def test_osworld_g(osworld_g_dir: Path):
    kind, items = load_dataset(osworld_g_dir)
    assert kind == "osworld-g"
    box, poly, refuse = items
    assert box.id == "g-box" and box.instruction == "Click OK"
    assert box.target == BoxTarget(box=(10, 20, 40, 60))  # [x, y, w, h] -> corners
    assert box.image == osworld_g_dir / "images" / "a.png" and box.image.is_file()
    assert box.image_size == (200, 100)
    assert box.categories == ("text_matching", "element_recognition")
    assert box.metadata["gui_types"] == ["Button"] and box.metadata["box_type"] == "bbox"
    assert poly.target == PolygonTarget(points=((100, 10), (120, 10), (120, 30), (100, 30)))
    assert poly.categories == ("element_recognition",)
    assert refuse.target == RefusalTarget() and refuse.categories == ("refusal",)
    assert refuse.image.name == "b.png"
    assert load_dataset(osworld_g_dir / "OSWorld-G.json") == (kind, items)


def test_osworld_g_without_classification_still_marks_refusals(osworld_g_dir: Path):
    (osworld_g_dir / "classification_result.json").unlink()
    _, items = load_dataset(osworld_g_dir)
    assert [i.categories for i in items] == [(), (), ("refusal",)]


def test_synthetic_rows_carry_their_own_category(tmp_path: Path, files):
    rows = [
        {
            "id": "s-0",
            "image_path": "shots/0.png",
            "image_size": [40, 30],
            "instruction": "Click the Save button",
            "box_type": "bbox",
            "box_coordinates": [1, 2, 3, 4],
            "GUI_types": ["button"],
            "category": "button",
            "style": "dark",
        },
        {
            "id": "s-1",
            "image_path": "shots/0.png",
            "image_size": [40, 30],
            "instruction": "Tick 'remember me'",
            "box_type": "bbox",
            "box_coordinates": [5, 5, 2, 2],
            "GUI_types": ["checkbox"],
            "category": ["checkbox", "text_matching"],
        },
    ]
    root = tmp_path / "synth"
    (root / "items.jsonl").parent.mkdir(parents=True)
    (root / "items.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    files.write_png(root / "shots" / "0.png", 40, 30)
    kind, items = load_dataset(root)
    assert kind == "osworld-g"
    assert [i.categories for i in items] == [("button",), ("checkbox", "text_matching")]
    assert items[0].metadata["style"] == "dark"
    assert items[0].image == root / "shots" / "0.png"
    assert items[1].target == BoxTarget(box=(5, 5, 7, 7))


def test_image_size_is_read_from_the_image_when_absent(tmp_path: Path, files):
    files.write_json(
        tmp_path / "set.json",
        [
            {
                "id": "x",
                "image_path": "x.png",
                "instruction": "here",
                "box_type": "bbox",
                "box_coordinates": [0, 0, 1, 1],
            }
        ],
    )
    files.write_png(tmp_path / "images" / "x.png", 33, 22)
    (item,) = load_osworld_g(tmp_path / "set.json")
    assert item.image_size == (33, 22)


def test_screenspot_v2(screenspot_v2_dir: Path):
    kind, items = load_dataset(screenspot_v2_dir)
    assert kind == "screenspot-v2"
    assert len(items) == 6
    assert [i.metadata["platform"] for i in items] == ["mobile"] * 2 + ["desktop"] * 2 + ["web"] * 2
    first = items[0]
    assert first.target == BoxTarget(box=(5, 6, 15, 14))
    assert first.image == screenspot_v2_dir / "screenspotv2_image" / "mobile_1.png"
    assert first.image_size == (30, 60)  # read from the PNG
    assert first.metadata["data_type"] == "text" and first.metadata["data_source"] == "ios"
    assert items[3].metadata["data_type"] == "icon" and items[3].image_size == (64, 48)
    assert len({i.id for i in items}) == 6
    kind, one = load_dataset(screenspot_v2_dir / "screenspot_web_v2.json")
    assert kind == "screenspot-v2" and [i.metadata["platform"] for i in one] == ["web", "web"]


def test_screenspot_pro(screenspot_pro_dir: Path):
    kind, items = load_dataset(screenspot_pro_dir)
    assert kind == "screenspot-pro"
    assert [i.id for i in items] == ["excel_1", "vscode_1", "vscode_2"]  # files in name order
    vscode = items[1]
    assert vscode.target == BoxTarget(box=(10, 10, 30, 20))  # already corners
    assert vscode.image_size == (3840, 2160)  # from img_size
    assert vscode.image == screenspot_pro_dir / "images" / "vscode_macos" / "shot1.png"
    assert vscode.metadata["group"] == "Dev" and vscode.metadata["application"] == "vscode"
    assert vscode.metadata["ui_type"] == "icon" and vscode.metadata["platform"] == "macos"
    assert vscode.metadata["instruction_cn"] == "打开资源管理器"


def test_missing_images_are_listed_before_anything_runs(screenspot_pro_dir: Path, files):
    rows = [
        {
            "img_filename": f"lost/{n}.png",
            "bbox": [0, 0, 1, 1],
            "instruction": "x",
            "img_size": [10, 10],
            "ui_type": "text",
            "group": "OS",
            "application": "lost",
        }
        for n in range(8)
    ]
    files.write_json(screenspot_pro_dir / "annotations" / "lost.json", rows)
    with pytest.raises(MissingImagesError) as caught:
        load_dataset(screenspot_pro_dir)
    err = caught.value
    assert err.missing == [f"lost/{n}.png" for n in range(8)]
    assert err.total == 10
    message = str(err)
    assert message.startswith("8 of 10 images missing under ")
    assert str(screenspot_pro_dir / "images") in message
    assert "lost/0.png, lost/1.png, lost/2.png, lost/3.png, lost/4.png and 3 more" in message
    assert "lost/5.png" not in message


def test_missing_images_in_osworld_g(osworld_g_dir: Path):
    (osworld_g_dir / "images" / "b.png").unlink()
    with pytest.raises(MissingImagesError, match=r"1 of 2 images missing .*: b\.png"):
        load_dataset(osworld_g_dir)


def test_images_folder_can_be_given(osworld_g_dir: Path, tmp_path: Path):
    moved = tmp_path / "elsewhere"
    (osworld_g_dir / "images").rename(moved)
    with pytest.raises(MissingImagesError):
        load_dataset(osworld_g_dir)
    _, items = load_dataset(osworld_g_dir, images_dir=moved)
    assert items[0].image == moved / "a.png"


def test_detect_format(osworld_g_dir, screenspot_v2_dir, screenspot_pro_dir, tmp_path):
    assert detect_format(osworld_g_dir) == "osworld-g"
    assert detect_format(screenspot_v2_dir) == "screenspot-v2"
    assert detect_format(screenspot_pro_dir) == "screenspot-pro"
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError, match="cannot tell the format"):
        detect_format(tmp_path / "empty")
    with pytest.raises(DatasetError, match="no dataset at"):
        load_dataset(tmp_path / "nowhere")


@pytest.mark.parametrize(
    "row, message",
    [
        ({"box_type": "circle", "box_coordinates": [1, 2, 3]}, "unknown box_type 'circle'"),
        ({"box_type": "bbox", "box_coordinates": [1, 2, 3]}, r"bbox must be \[x, y, w, h\]"),
        ({"box_type": "polygon", "box_coordinates": [1, 2, 3, 4, 5]}, "at least 3 points"),
        ({"box_type": "bbox", "box_coordinates": [1, 2, "a", 4]}, "list of numbers"),
    ],
)
def test_malformed_rows_say_which_item(tmp_path: Path, files, row, message):
    good = {
        "id": "ok",
        "image_path": "a.png",
        "image_size": [10, 10],
        "instruction": "x",
        "box_type": "bbox",
        "box_coordinates": [0, 0, 1, 1],
    }
    files.write_json(tmp_path / "OSWorld-G.json", [good, {**good, "id": "bad", **row}])
    files.write_png(tmp_path / "images" / "a.png", 10, 10)
    with pytest.raises(DatasetError, match=f"OSWorld-G.json item 1: .*{message}"):
        load_dataset(tmp_path)
