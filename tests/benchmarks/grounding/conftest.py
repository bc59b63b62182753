"""Tiny grounding datasets written by the tests, in each public layout."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest


def png(width: int, height: int, color: str = "white") -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, format="PNG")
    return buffer.getvalue()


def write_png(path: Path, width: int = 40, height: int = 30) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png(width, height))
    return path


def write_json(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


OSWORLD_G_ROWS = [
    {
        "id": "g-box",
        "image_path": "a.png",
        "image_size": [200, 100],
        "instruction": "Click OK",
        "box_type": "bbox",
        "box_coordinates": [10, 20, 30, 40],
        "GUI_types": ["Button"],
    },
    {
        "id": "g-poly",
        "image_path": "a.png",
        "image_size": [200, 100],
        "instruction": "Drag the handle",
        "box_type": "polygon",
        "box_coordinates": [100, 10, 120, 10, 120, 30, 100, 30],
        "GUI_types": [],
    },
    {
        "id": "g-refuse",
        "image_path": "b.png",
        "image_size": [200, 100],
        "instruction": "Click the purple unicorn",
        "box_type": "refusal",
        "box_coordinates": [0, 0, 0, 0],
        "GUI_types": [],
    },
]

CLASSIFICATION = {
    "classified": {
        "text_matching": [{"id": "g-box"}],
        "element_recognition": [{"id": "g-box"}, {"id": "g-poly"}],
        "refusal": [{"id": "g-refuse"}],
    }
}


@pytest.fixture
def osworld_g_dir(tmp_path: Path) -> Path:
    root = tmp_path / "OSWorld-G"
    write_json(root / "OSWorld-G.json", OSWORLD_G_ROWS)
    write_json(root / "classification_result.json", CLASSIFICATION)
    write_png(root / "images" / "a.png", 200, 100)
    write_png(root / "images" / "b.png", 200, 100)
    return root


@pytest.fixture
def screenspot_v2_dir(tmp_path: Path) -> Path:
    root = tmp_path / "ScreenSpot-v2"
    sizes = {"desktop": (64, 48), "mobile": (30, 60), "web": (80, 40)}
    for platform, (w, h) in sizes.items():
        rows = [
            {
                "img_filename": f"{platform}_1.png",
                "bbox": [5, 6, 10, 8],
                "instruction": f"{platform} text target",
                "data_type": "text",
                "data_source": {"desktop": "windows", "mobile": "ios", "web": "shop"}[platform],
            },
            {
                "img_filename": f"{platform}_1.png",
                "bbox": [20, 20, 4, 4],
                "instruction": f"{platform} icon target",
                "data_type": "icon",
                "data_source": "macos",
            },
        ]
        write_json(root / f"screenspot_{platform}_v2.json", rows)
        write_png(root / "screenspotv2_image" / f"{platform}_1.png", w, h)
    return root


@pytest.fixture
def screenspot_pro_dir(tmp_path: Path) -> Path:
    root = tmp_path / "ScreenSpot-Pro"
    vscode = [
        {
            "img_filename": "vscode_macos/shot1.png",
            "bbox": [10, 10, 30, 20],
            "instruction": "open the explorer",
            "id": "vscode_1",
            "application": "vscode",
            "platform": "macos",
            "img_size": [3840, 2160],
            "ui_type": "icon",
            "group": "Dev",
            "instruction_cn": "打开资源管理器",
        },
        {
            "img_filename": "vscode_macos/shot1.png",
            "bbox": [40, 10, 90, 20],
            "instruction": "click Terminal",
            "id": "vscode_2",
            "application": "vscode",
            "platform": "macos",
            "img_size": [3840, 2160],
            "ui_type": "text",
            "group": "Dev",
        },
    ]
    excel = [
        {
            "img_filename": "excel_windows/shot2.png",
            "bbox": [0, 0, 50, 50],
            "instruction": "bold",
            "id": "excel_1",
            "application": "excel",
            "platform": "windows",
            "img_size": [2560, 1440],
            "ui_type": "icon",
            "group": "Office",
        },
    ]
    write_json(root / "annotations" / "vscode_macos.json", vscode)
    write_json(root / "annotations" / "excel_windows.json", excel)
    write_png(root / "images" / "vscode_macos" / "shot1.png", 96, 54)
    write_png(root / "images" / "excel_windows" / "shot2.png", 64, 36)
    return root


@pytest.fixture
def files():
    """`files.png(w, h)`, `files.write_png(path, w, h)`, `files.write_json(path, data)`."""
    from types import SimpleNamespace

    return SimpleNamespace(png=png, write_png=write_png, write_json=write_json)
