"""The planner's screenshot at the size its model sees (per provider, from the documented limits
in agent/data/model_limits.toml) and the mapping of its x and y back to screen pixels."""

from __future__ import annotations

import math

import pytest

from agent.config import AgentConfig
from agent.models.capabilities import ImageLimits, image_limits_for
from agent.screen_scale import (
    ScreenScale,
    _within,
    fit_size,
    planner_limits,
    planner_scale,
    view_size,
)

HD = (1920, 1080)


@pytest.mark.parametrize(
    "provider, model, expected",
    [
        ("anthropic", "claude-sonnet-4-5-20250929", (1456, 819)),  # the docs' 9:16 row, turned
        ("anthropic", "claude-3-7-sonnet-latest", (1456, 819)),
        ("anthropic", "claude-opus-4-7", HD),  # high-resolution tier: as is
        ("openai", "gpt-4o", (1366, 768)),  # 2048 box, short side 768
        ("openai", "gpt-5", (1366, 768)),
        ("openai", "gpt-5-mini", (1650, 928)),  # 32 px patches, at most 1536
        ("vllm", "Qwen/Qwen2.5-VL-7B-Instruct", (1932, 1092)),  # smart_resize, profile bounds
        ("vllm", "qwen2.5-vl-7b", (1932, 1092)),
    ],
)
def test_1080p_is_shown_at_the_size_each_model_sees(provider, model, expected):
    limits = image_limits_for(provider, model)
    assert fit_size(HD, limits) == expected


@pytest.mark.parametrize(
    "provider, model",
    [
        ("anthropic", "claude-sonnet-4-5"),
        ("anthropic", "claude-opus-4-7"),
        ("openai", "gpt-4o"),
        ("openai", "o4-mini"),
    ],
)
@pytest.mark.parametrize("size", [HD, (3840, 2160), (2560, 1600), (1080, 1920), (1280, 720)])
def test_fitted_sizes_are_within_the_limits_and_the_largest_such(provider, model, size):
    limits = image_limits_for(provider, model)
    w, h = fit_size(size, limits)
    assert _within(w, h, limits)
    assert w <= size[0] and h <= size[1]  # never enlarged
    assert abs(w / h - size[0] / size[1]) < 0.01  # aspect kept
    if (w, h) != size:  # one pixel more on the long side: over
        long, short = max(size), min(size)
        n = max(w, h) + 1
        m = max(1, round(n * short / long))
        bigger = (n, m) if size[0] >= size[1] else (m, n)
        assert not _within(*bigger, limits)


def test_anthropic_standard_tier_patch_budget_is_what_binds_for_a_screenshot():
    limits = image_limits_for("anthropic", "claude-sonnet-4-5")
    w, h = fit_size(HD, limits)
    assert max(w, h) < 1568  # the long edge alone would allow 1568
    assert math.ceil(w / 28) * math.ceil(h / 28) <= 1568 < math.ceil(1568 / 28) * math.ceil(882 / 28)


def test_unknown_models_and_scripted_ones_see_the_screenshot_as_captured():
    assert image_limits_for("vllm", "llava-hf/llava-1.5-7b-hf") is None
    assert planner_limits(AgentConfig()) is None  # scripted
    assert view_size(HD, AgentConfig()) == HD
    with pytest.raises(ValueError):
        fit_size((0, 10), ImageLimits(max_long_edge=10))


def test_limits_come_from_the_planner_spec_or_the_setting():
    spec = AgentConfig(model="anthropic:claude-sonnet-4-5@http://127.0.0.1:9/v1")
    assert planner_limits(spec).max_patches == 1568
    qwen = AgentConfig(model="vllm:qwen2.5-vl-7b@http://127.0.0.1:9/v1")
    assert planner_limits(qwen).max_pixels == 2700 * 28 * 28  # its serving profile
    named = AgentConfig(planner_image_limits="openai:gpt-4o")
    assert view_size(HD, named) == (1366, 768)
    assert planner_limits(AgentConfig(model="openai:gpt-4o", planner_image_limits="none")) is None
    with pytest.raises(ValueError, match="planner_image_limits"):
        planner_limits(AgentConfig(planner_image_limits="claude"))


def test_a_token_budget_and_the_model_limits_both_apply():
    config = AgentConfig(model="anthropic:claude-sonnet-4-5", image_tokens_latest=300)
    w, h = view_size(HD, config)
    assert (w // 28) * (h // 28) <= 300 and (w, h) != (1456, 819)
    config = AgentConfig(model="anthropic:claude-sonnet-4-5", image_tokens_latest=5000)
    assert view_size(HD, config) == (1456, 819)


def test_points_map_back_to_the_screen_and_round_trip():
    scale = ScreenScale(screen=HD, view=(1456, 819))
    assert scale.to_screen(728, 364) == (960, 480)
    assert scale.to_screen(0, 0) == (0, 0)
    assert scale.to_screen(1456, 819) == (1919, 1079)  # clamped onto the screen
    for x in range(0, 1920, 97):
        for y in range(0, 1080, 61):
            vx, vy = scale.from_screen(x, y)
            assert scale.to_screen(round(vx), round(vy)) in {
                (x + dx, y + dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1)
            }
    same = ScreenScale(screen=HD, view=HD)
    assert same.identity and same.to_screen(5, 7) == (5, 7)


def test_a_hidpi_screenshot_maps_to_logical_pixels():
    # a 2x screenshot of a 1440x900 screen, planner without limits: it saw 2880x1800
    scale = planner_scale(AgentConfig(), (1440, 900), (2880, 1800))
    assert scale.view == (2880, 1800) and scale.to_screen(2000, 1000) == (1000, 500)
