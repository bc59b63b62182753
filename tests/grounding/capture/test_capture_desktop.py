"""`capture` on a real osworld desktop: a Chromium page scene, its items checked against
a fresh accessibility tree and the screenshot (slow: starts a desktop and Chromium)."""

from __future__ import annotations

import json
import random

import pytest

from grounding.a11y_tree import parse_osworld_tree
from grounding.capture.run import SCREEN, capture_scene, read_tree
from grounding.capture.scenes import scene


@pytest.fixture(scope="module")
def osworld_client():
    from envs.profiles.osworld import chromium_binary

    if chromium_binary() is None:
        pytest.skip("chromium missing (scripts/install-debian-packages)")
    from tests.conftest import require_desktop

    require_desktop()
    from envs.local import LocalDesktop

    with LocalDesktop(*SCREEN, profile="osworld", start_timeout=180) as d:
        client = d.client(timeout=120)
        yield client
        client.close()


def test_chrome_scene_items_match_the_live_tree(osworld_client, tmp_path):
    record, rows = capture_scene(osworld_client, scene("chrome-signup"), 0, tmp_path)
    assert (tmp_path / "images" / "chrome-signup.png").stat().st_size > 10_000
    assert {r["category"] for r in rows} >= {"text_matching", "element_recognition", "refusal"}
    live = parse_osworld_tree(osworld_client.accessibility_tree(), SCREEN)
    checked = 0
    for row in rows:
        if row["box_type"] != "bbox" or not row["name"] or "thumb" in row["detail"]:
            continue
        x, y, w, h = row["box_coordinates"]
        same = [e for e in live if e.name == row["name"] and e.role == row["role"]]
        assert same, row
        # the element is where the item says: its live box holds the item box's centre
        assert any(
            e.box[0] <= x + w / 2 <= e.box[0] + e.box[2] and e.box[1] <= y + h / 2 <= e.box[1] + e.box[3]
            for e in same
        ), row
        checked += 1
    assert checked >= 5
    # deterministic: the saved tree and screenshot give the same rows again
    from grounding.capture.run import items_for, scene_seed

    rng = random.Random(scene_seed(0, "chrome-signup"))
    scene("chrome-signup").files(rng)
    again = items_for(
        record,
        read_tree(tmp_path / record.a11y_path),
        (tmp_path / "images" / record.image_path).read_bytes(),
        rng,
    )
    assert json.dumps(again) == json.dumps(rows)
