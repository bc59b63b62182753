"""The planner's screenshot at the size its model really sees, and the way back to screen pixels.

Providers downscale large images on their side (limits as data in
agent/data/model_limits.toml): Claude shows a 1920x1080 screenshot at 1456x819, GPT-4o at
1365x768 (detail high), and a Qwen2.5-VL server resizes it to 1932x1092. The model answers x
and y in the image it saw. So the planner's newest screenshot is scaled here, on our side, to
a size within its model's limits (nothing is resized again on the other side), the planner is
told that size (agent/history.py), and every x and y it gives is mapped back to the screen
(`ScreenScale.to_screen`, used by the ground step in agent/nodes/act.py) — the planner's
counterpart of grounding/resize.py for grounders.

Sizes here are pure functions of (image size, settings), so the scaled bytes and the prompt
stay the same from step to step (the prefix cache keeps hitting).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from agent.config import AgentConfig
from agent.models.capabilities import ImageLimits, image_limits_for
from grounding.resize import (
    MAX_PIXELS,
    MIN_PIXELS,
    ScreenGeometry,
    Size,
    model_size_for,
)


def tokens_for_size(size: Size, patch: int = 28, max_pixels: int = MAX_PIXELS) -> int:
    """Image tokens a Qwen2.5-VL-style server spends on an image of `size` (width, height),
    after its own smart_resize with `max_pixels` (the server's bound, as in the profiles)."""
    w, h = model_size_for(size, patch, MIN_PIXELS, max_pixels)
    return (w // patch) * (h // patch)


def budget_size(size: Size, max_tokens: int, patch: int = 28) -> Size:
    """The largest smart_resize size of `size` with at most `max_tokens` patches."""
    if max_tokens < 4:
        raise ValueError(f"an image budget needs at least 4 tokens, not {max_tokens}")
    return model_size_for(
        size, patch, min(MIN_PIXELS, max_tokens * patch * patch), max_tokens * patch * patch
    )


def _within(w: int, h: int, limits: ImageLimits) -> bool:
    long, short = max(w, h), min(w, h)
    if limits.max_long_edge and long > limits.max_long_edge:
        return False
    if limits.max_short_edge and short > limits.max_short_edge:
        return False
    if limits.max_pixels and w * h > limits.max_pixels:
        return False
    p = limits.patch
    return not (limits.max_patches and math.ceil(w / p) * math.ceil(h / p) > limits.max_patches)


def fit_size(size: Size, limits: ImageLimits | None) -> Size:
    """The size a model with these limits sees an image of `size` at: unchanged when within
    them; else the largest aspect-preserving size within them (never larger than `size`); for
    a Qwen2.5-VL server, its smart_resize size with the server's pixel bounds."""
    w, h = size
    if w <= 0 or h <= 0:
        raise ValueError(f"image size must be positive, got {w}x{h}")
    if limits is None:
        return size
    if limits.smart_resize:
        return model_size_for(
            size, limits.patch, limits.min_pixels or MIN_PIXELS, limits.max_pixels or MAX_PIXELS
        )
    if _within(w, h, limits):
        return size
    long, short = max(w, h), min(w, h)
    scale = 1.0
    if limits.max_long_edge:
        scale = min(scale, limits.max_long_edge / long)
    if limits.max_short_edge:
        scale = min(scale, limits.max_short_edge / short)
    if limits.max_pixels:
        scale = min(scale, math.sqrt(limits.max_pixels / (w * h)))
    if limits.max_patches:
        scale = min(scale, math.sqrt(limits.max_patches * limits.patch**2 / (w * h)))
    # Walk the long side down from just above the estimate: the first size within every
    # limit (the patch count rounds up, so the estimate alone can be a little too big).
    for n in range(min(long, math.floor(long * scale) + 1), 0, -1):
        m = max(1, round(n * short / long))
        fw, fh = (n, m) if w >= h else (m, n)
        if _within(fw, fh, limits):
            return fw, fh
    raise ValueError(f"no size of a {w}x{h} image fits {limits}")


def planner_limits(config: AgentConfig) -> ImageLimits | None:
    """The image limits of the planner's model, from `planner_image_limits` when set (a model
    spec such as "anthropic:claude-sonnet-4-5", or "none"), else from the model spec itself
    (`openai:gpt-4o`, `anthropic:...`, `vllm:...`; a scripted model has none)."""
    from agent.models.factory import ModelSpecError, parse_spec

    spec = config.planner_image_limits or config.model
    if spec.strip().lower() == "none":
        return None
    try:
        prefix, model, _ = parse_spec(spec)
    except ModelSpecError as exc:
        if config.planner_image_limits:
            raise ValueError(f"planner_image_limits: {exc} (or none)") from exc
        return None
    if prefix == "scripted":
        return None
    return _with_profile(image_limits_for(prefix, model), model)


def _with_profile(limits: ImageLimits | None, model: str) -> ImageLimits | None:
    """A Qwen server's pixel bounds from its serving profile (what `agent serve planner`
    started it with), when the limits leave them open."""
    if limits is None or not limits.smart_resize or limits.max_pixels is not None:
        return limits
    from grounding.serving.profiles import ProfileError, resolve

    try:
        profile = resolve("planner", model)
    except ProfileError:
        return limits
    return limits.model_copy(update={"min_pixels": profile.min_pixels, "max_pixels": profile.max_pixels})


def shown_size(size: Size, budget: int | None, patch: int, limits: ImageLimits | None) -> Size:
    """The size a screenshot of `size` is shown at: within `budget` Qwen image tokens (None:
    no budget), then within the model's `limits`."""
    if budget is not None and tokens_for_size(size, patch) > budget:
        size = budget_size(size, budget, patch)
    return fit_size(size, limits)


def view_size(image: Size, config: AgentConfig) -> Size:
    """The size the planner sees its newest screenshot at (`image_tokens_latest`, then the
    limits of its model): the space of every x and y it gives."""
    return shown_size(image, config.image_tokens_latest, config.image_token_patch, planner_limits(config))


@dataclass(frozen=True)
class ScreenScale:
    """Screen pixels <-> pixels of the screenshot as the planner saw it (`view`)."""

    screen: Size  # logical screen pixels, what the desktop clicks
    view: Size  # the screenshot as shown to the planner

    @property
    def identity(self) -> bool:
        return self.screen == self.view

    def to_screen(self, x: int, y: int) -> tuple[int, int]:
        """A point the planner gave (view pixels) -> the screen pixel it means (rounded half
        up, clamped onto the screen)."""
        if self.identity:
            return x, y
        return ScreenGeometry(self.screen).model_to_screen(x, y, self.view)

    def from_screen(self, x: float, y: float) -> tuple[float, float]:
        return ScreenGeometry(self.screen).screen_to_model(x, y, self.view)


def planner_scale(config: AgentConfig, screen: Size, image: Size | None = None) -> ScreenScale:
    """The mapping for a screen of `screen` logical pixels whose screenshot is `image` pixels
    (default: the same; twice on a HiDPI screen)."""
    return ScreenScale(screen=screen, view=view_size(image or screen, config))
