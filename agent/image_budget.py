"""Client-side image budgets for the planner's screenshots.

Image tokens dominate an agent step: Qwen2.5-VL spends one token per
28x28 patch, 2,691 for a 1080p screenshot. The planner needs the screen it acts on in full
(it may give x and y), but older screenshots only remind it of what happened: they are
downscaled to `image_tokens_history` tokens (720 by default, half the linear size of 1080p:
980x532 = 665 tokens), the newest to `image_tokens_latest` (None: as captured). Every
screenshot is also kept within the image limits of the planner's model (agent/screen_scale.py:
the size it would otherwise be downscaled to on the provider's side), so the model sees the
very pixels sent and the planner's x and y can be mapped back to the screen.

A downscaled screenshot is a pure function of (its bytes, the budget, the patch size):
resized to a `smart_resize` size (a multiple of the patch on each side, so a Qwen server
does not resize it again) with a fixed filter, JPEG-encoded at a fixed quality. Repeated
prompts therefore carry identical bytes and a prefix cache keeps hitting. Results are
memoised, because the history is rebuilt from the episode's files on every step.

The grounder is not touched by any of this: it gets the screenshot as captured and
resizes it to its own training resolution (grounding/model_client.py).
"""

from __future__ import annotations

import hashlib
import io
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from threading import Lock
from typing import Final

from PIL import Image

from agent.config import AgentConfig
from agent.models.base import ImagePart, Message
from agent.models.capabilities import ImageLimits
from agent.screen_scale import budget_size, planner_limits, shown_size, tokens_for_size
from grounding.resize import Size, open_image

__all__ = [
    "MEDIA_TYPE_SCALED",
    "ImageBudget",
    "budget_size",
    "fit",
    "fit_to",
    "image_size",
    "image_tokens",
    "max_planner_images",
    "prefetch",
    "tokens_for_size",
]

_CACHE_SIZE = 256
MEDIA_TYPE_SCALED: Final = "image/jpeg"  # Final: ImagePart.media_type takes the literal
_Key = tuple[bytes, int, int]
_cache: OrderedDict[_Key, tuple[bytes | None, Size | None]] = OrderedDict()
_pending: dict[_Key, Future] = {}
_lock = Lock()
_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="image-budget")


def image_size(data: bytes) -> Size:
    """(width, height) from the image header, without decoding the pixels."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except Exception as e:  # Pillow raises several kinds for bad bytes
        raise ValueError(f"not a readable image ({type(e).__name__}: {e})") from e


def _resized(png: bytes, target: Size) -> tuple[bytes | None, Size | None]:
    if image_size(png) == target:
        return None, None  # already that size: the caller's own bytes
    image = open_image(png)
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    # BICUBIC, as Qwen's own image processor; JPEG at quality 90: a 1080p screen halved is
    # ~190 KB and 5 ms to encode, where PNG of the antialiased text is ~430 KB and 70 ms.
    # Filter and quality are fixed, so the bytes are the same on every call (and in every
    # process with the same Pillow and libjpeg).
    small = image.resize(target, Image.Resampling.BICUBIC)
    buffer = io.BytesIO()
    small.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue(), target


def _budget_target(png: bytes, max_tokens: int, patch: int) -> Size:
    size = image_size(png)
    return size if tokens_for_size(size, patch) <= max_tokens else budget_size(size, max_tokens, patch)


def _scaled(png: bytes, max_tokens: int, patch: int) -> tuple[bytes | None, Size | None]:
    return _resized(png, _budget_target(png, max_tokens, patch))


def _key(png: bytes, target: Size) -> _Key:
    return hashlib.blake2b(png, digest_size=16).digest(), target[0], target[1]


def _remember(key: _Key, value: tuple[bytes | None, Size | None]) -> None:
    with _lock:
        _cache[key] = value
        _pending.pop(key, None)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)


def fit_to(png: bytes, target: Size) -> tuple[bytes, Size | None]:
    """(the image at `target` size, `target`), or (the same bytes, None) when it is that size
    already. A resized image is a JPEG (MEDIA_TYPE_SCALED); results are memoised."""
    key = _key(png, target)
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
        future = _pending.get(key)
    if hit is None:
        hit = future.result() if future is not None else _resized(png, target)
        _remember(key, hit)
    data, scaled = hit
    return (png, None) if data is None else (data, scaled)


def fit(png: bytes, max_tokens: int | None, patch: int = 28) -> tuple[bytes, Size | None]:
    """(image bytes within the token budget, the size they were scaled to, or None if unchanged).

    An image already within the budget comes back as the same bytes; a scaled one is a
    JPEG (MEDIA_TYPE_SCALED)."""
    if max_tokens is None:
        return png, None
    return fit_to(png, _budget_target(png, max_tokens, patch))


def prefetch_to(png: bytes, target: Size) -> None:
    """Start resizing `png` to `target` in the background (see prefetch)."""
    key = _key(png, target)
    with _lock:
        if key in _cache or key in _pending:
            return
        future = _worker.submit(_resized, png, target)
        _pending[key] = future
    future.add_done_callback(lambda f: _remember(key, f.result()) if f.exception() is None else _drop(key))


def prefetch(png: bytes, max_tokens: int | None, patch: int = 28) -> None:
    """Start scaling `png` in the background: the newest screenshot is needed at the history
    budget from the next step on, so it is scaled while this step's planner call runs."""
    if max_tokens is None:
        return
    prefetch_to(png, _budget_target(png, max_tokens, patch))


def _drop(key: _Key) -> None:
    with _lock:
        _pending.pop(key, None)  # fit() will try again in the foreground and raise there


@dataclass(frozen=True)
class ImageBudget:
    """Token budgets (Qwen patches) for the newest and the older screenshots, and the image
    limits of the planner's model (agent/screen_scale.py): every screenshot is within both."""

    latest: int | None = None
    history: int | None = 720
    patch: int = 28
    limits: ImageLimits | None = None

    @classmethod
    def from_config(cls, config: AgentConfig) -> ImageBudget:
        return cls(
            config.image_tokens_latest,
            config.image_tokens_history,
            config.image_token_patch,
            planner_limits(config),
        )

    def target(self, size: Size, newest: bool) -> Size:
        """The size a screenshot of `size` is shown at (the newest: the planner's view size)."""
        return shown_size(size, self.latest if newest else self.history, self.patch, self.limits)

    def prefetch(self, png: bytes) -> None:
        """Start scaling a screenshot just taken to the sizes the planner's prompts will show it
        at (the newest now, the history size later), while the step's bookkeeping runs."""
        size = image_size(png)
        for target in dict.fromkeys((self.target(size, newest=True), self.target(size, newest=False))):
            if target != size:
                prefetch_to(png, target)

    def apply(self, png: bytes, newest: bool) -> tuple[bytes, Size | None]:
        size = image_size(png)
        result = fit_to(png, self.target(size, newest))
        if newest:
            later = self.target(size, newest=False)
            if later != self.target(size, newest=True):
                prefetch_to(png, later)
        return result


def max_planner_images(config: AgentConfig) -> int:
    """The most screenshots one planner prompt can carry (agent/history.py): the first
    screen, plus up to `history_images - 1 + image_chunk` recent ones before a chunk drops.
    `agent serve planner` gives vLLM this as --limit-mm-per-prompt."""
    return config.history_images + config.image_chunk


def image_tokens(messages: list[Message], patch: int = 28) -> int:
    """Image tokens of a prompt, as a Qwen2.5-VL server counts them (for the benchmarks)."""
    total = 0
    for message in messages:
        for part in message.content:
            if isinstance(part, ImagePart):
                total += tokens_for_size(image_size(part.data), patch)
    return total
