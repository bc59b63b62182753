"""Loading the generator's data files (grounding/synth/data/)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"


@cache
def load_json(name: str) -> Any:
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


@cache
def load_text(name: str) -> str:
    return (DATA_DIR / name).read_text(encoding="utf-8")


def words() -> dict[str, Any]:
    return load_json("words.json")


def templates() -> dict[str, Any]:
    return load_json("templates.json")


def themes() -> dict[str, Any]:
    return load_json("themes.json")


@cache
def icons() -> dict[str, dict[str, Any]]:
    """Icons by name, in file order."""
    return {icon["name"]: icon for icon in load_json("icons.json")["icons"]}
