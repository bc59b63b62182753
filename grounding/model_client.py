"""What the model grounders (Jedi, UI-TARS, point grounders) share: a chat client over the
official `openai` SDK for any OpenAI-compatible server (vLLM, SGLang, a hosted endpoint),
and the one `ground()` flow: decode the screenshot, resize it the way the model expects,
ask, parse, map the point back to screen pixels.

Grounding never raises: a timeout, an HTTP error, a refusal or a reply that does not parse
is `None`, with the reason logged (logger `grounding.<name>`) and kept in `last_failure`.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import time
from collections.abc import Sequence
from typing import Any, Self

import openai
from PIL import Image

from grounding.base import GroundingResult
from grounding.resize import (
    FACTOR,
    MAX_PIXELS,
    MIN_PIXELS,
    ScreenGeometry,
    Size,
    encode_png,
    open_image,
    resize_image,
)
from grounding.zoom import zoom_window

OUTSIDE_MARGIN = 0.02  # a point this far (fraction of a side) past the image edge is clamped;
# further out it counts as "not on screen"


class ModelCallError(Exception):
    """The model could not be asked, or its answer could not be read. `str()` is the reason."""


class NotGrounded(Exception):
    """The model answered, but not with a usable point (a refusal, garbage). `str()` is why."""


class ChatClient:
    """A thin, non-raising-by-type wrapper over `openai.OpenAI().chat.completions`: every
    failure becomes a ModelCallError with a short reason."""

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str = "EMPTY",
        timeout: float = 30.0,
        max_retries: int = 0,
        max_tokens: int = 256,
        temperature: float = 0.0,
        extra_body: dict[str, Any] | None = None,
    ) -> None:
        self.base_url = base_url
        self.model = model
        self.timeout = float(timeout)
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.extra_body = dict(extra_body or {})
        self._client = openai.OpenAI(
            base_url=base_url, api_key=api_key or "EMPTY", timeout=self.timeout, max_retries=max_retries
        )

    def complete(self, messages: list[dict[str, Any]]) -> str:
        """The reply's text. Tool calls that a server parsed out of the text itself (vLLM with
        a tool-call parser) are written back as `<tool_call>` blocks so one parser reads both."""
        try:
            response = self._client.chat.completions.create(
                model=self.model,
                messages=messages,  # type: ignore[arg-type]  # SDK wants its TypedDicts; ours: JSON dicts
                max_tokens=self.max_tokens,
                temperature=self.temperature,
                extra_body=self.extra_body or None,
            )
        except openai.APITimeoutError as e:
            raise ModelCallError(f"timed out after {self.timeout:g} s") from e
        except openai.APIStatusError as e:
            message = str(getattr(e, "message", "") or e)
            raise ModelCallError(f"HTTP {e.status_code}: {message[:300]}") from e
        except openai.APIConnectionError as e:
            raise ModelCallError(f"cannot reach {self.base_url}: {e}") from e
        except openai.OpenAIError as e:
            raise ModelCallError(f"{type(e).__name__}: {e}") from e
        choices = getattr(response, "choices", None)
        if not choices:
            raise ModelCallError(f"reply without choices: {str(response)[:300]}")
        message = choices[0].message
        text = message.content or ""
        for call in getattr(message, "tool_calls", None) or []:
            function = getattr(call, "function", None)
            if function is None:
                continue
            try:
                arguments = json.loads(function.arguments or "{}")
            except json.JSONDecodeError:
                arguments = function.arguments
            text += (
                "\n<tool_call>\n"
                + json.dumps({"name": function.name, "arguments": arguments})
                + "\n</tool_call>"
            )
        return text

    def close(self) -> None:
        self._client.close()


def data_url(data: bytes, media_type: str = "image/png") -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode('ascii')}"


class ModelGrounder:
    """The shared flow of a grounder behind an OpenAI-compatible endpoint. Subclasses say how
    to ask (`build_messages`) and how to read the answer (`locate`)."""

    name = "model"
    default_model = ""
    default_min_pixels = MIN_PIXELS
    default_max_pixels = MAX_PIXELS

    def __init__(
        self,
        base_url: str,
        model: str | None = None,
        api_key: str = "EMPTY",
        timeout: float = 30.0,
        *,
        max_retries: int = 0,
        max_tokens: int = 256,
        temperature: float = 0.0,
        confidence: float = 0.9,
        origin: tuple[int, int] = (0, 0),
        resize: bool = True,
        factor: int = FACTOR,
        min_pixels: int | None = None,
        max_pixels: int | None = None,
        extra_body: dict[str, Any] | None = None,
        name: str | None = None,
        zoom: float | None = None,
    ) -> None:
        if name:
            self.name = name
        self.client = ChatClient(
            base_url,
            model or self.default_model,
            api_key,
            timeout,
            max_retries=max_retries,
            max_tokens=max_tokens,
            temperature=temperature,
            extra_body=extra_body,
        )
        self.confidence = confidence
        self.origin = origin
        self.resize = resize
        self.factor = factor
        self.min_pixels = self.default_min_pixels if min_pixels is None else min_pixels
        self.max_pixels = self.default_max_pixels if max_pixels is None else max_pixels
        if zoom is not None and zoom <= 1:
            raise ValueError(f"zoom must be more than 1, got {zoom:g}")
        self.zoom = zoom  # None: one look; else look again at a crop around the first answer
        self.log = logging.getLogger(f"grounding.{self.name}")
        self.last_failure: str | None = None  # why the latest ground() answered None

    @property
    def model(self) -> str:
        return self.client.model

    # -- for subclasses -------------------------------------------------------------------

    def build_messages(self, image_url: str, description: str, model_size: Size) -> list[dict[str, Any]]:
        raise NotImplementedError

    def locate(self, text: str, model_size: Size, geometry: ScreenGeometry) -> tuple[float, float, Size]:
        """(x, y, space): the answered point and the size of the space it is in (the model
        image, 1000x1000, the screen...). Raise NotGrounded when there is no usable point."""
        raise NotImplementedError

    # -- the Grounder protocol ------------------------------------------------------------

    def ground(
        self, screenshot_png: bytes, description: str, screen_size: tuple[int, int]
    ) -> GroundingResult | None:
        started = time.monotonic()
        self.last_failure = None
        try:
            return self._ground(screenshot_png, description, screen_size)
        except (ModelCallError, NotGrounded) as e:
            self._fail(str(e), description, started)
        except Exception as e:  # noqa: BLE001 - never raise into the agent: failing is "not found"
            self._fail(f"unexpected {type(e).__name__}: {e}", description, started)
        return None

    def _ask(
        self, image: Image.Image, png: bytes | None, description: str, geometry: ScreenGeometry
    ) -> tuple[float, float, Size, str]:
        """One question about one image: (x, y, space, reply), the point in `space`, which
        stretches over the image. `png` is the image's own encoding, sent as is if it fits."""
        if self.resize:
            try:
                resized = resize_image(image, self.factor, self.min_pixels, self.max_pixels)
            except ValueError as e:
                raise NotGrounded(f"screenshot: {e}") from e
        else:
            resized = image
        if png is not None and resized is image and image.format in ("PNG", "JPEG"):
            payload, media = png, f"image/{image.format.lower()}"
        else:
            payload, media = encode_png(resized), "image/png"
        model_size: Size = resized.size
        text = self.client.complete(self.build_messages(data_url(payload, media), description, model_size))
        try:
            x, y, space = self.locate(text, model_size, geometry)
        except NotGrounded as e:
            raise NotGrounded(f"{e}; reply: {_short(text)}") from e
        if not geometry.in_space(x, y, space, OUTSIDE_MARGIN):
            raise NotGrounded(
                f"point ({x:g}, {y:g}) is outside the {space[0]:g}x{space[1]:g} "
                f"space it should be in; reply: {_short(text)}"
            )
        return x, y, space, text

    def _ground(self, png: bytes, description: str, screen_size: tuple[int, int]) -> GroundingResult:
        try:
            image = open_image(png)
        except ValueError as e:
            raise NotGrounded(f"screenshot: {e}") from e
        if not screen_size or min(screen_size) <= 0:
            screen_size = image.size  # no screen size given: the screenshot's own pixels
        geometry = ScreenGeometry((screen_size[0], screen_size[1]), image_size=image.size, origin=self.origin)
        x, y, space, text = self._ask(image, png, description, geometry)
        sx, sy = geometry.clamp(*geometry.space_to_screen(x, y, space))
        if self.zoom is None:
            return GroundingResult(sx, sy, confidence=self.confidence, grounder=self.name, raw=text)
        return self._refine(image, description, geometry, (sx, sy), text)

    def _refine(
        self,
        image: Image.Image,
        description: str,
        geometry: ScreenGeometry,
        first: tuple[int, int],
        first_text: str,
    ) -> GroundingResult:
        """Ground again on a crop around the first answer (grounding/zoom.py); the first
        answer stands when the second look fails or points outside the crop."""
        assert self.zoom is not None
        window = zoom_window(image.size, geometry.screen_to_image(*first), self.zoom)
        crop = window.crop(image)
        crop_geometry = ScreenGeometry(crop.size, image_size=crop.size)  # the crop's own pixels
        try:
            x, y, space, text = self._ask(crop, None, description, crop_geometry)
        except (ModelCallError, NotGrounded) as e:
            self.log.info("%s: zoomed look failed, keeping the first answer: %s", self.name, e)
            return GroundingResult(
                *first,
                confidence=self.confidence,
                grounder=self.name,
                raw=f"{first_text}\n[zoom failed: {e}]",
            )
        cx, cy = crop_geometry.space_to_screen(x, y, space)  # crop pixels, floats
        ix, iy = window.to_image(cx, cy)  # screenshot pixels
        sx, sy = geometry.clamp(*geometry.space_to_screen(ix, iy, geometry.shot_size))
        where = (
            f"[zoom x{window.scale:.2f} on {window.width}x{window.height}+{window.left}+{window.top} "
            f"of the screenshot; first answer {first[0]},{first[1]}]"
        )
        return GroundingResult(
            sx, sy, confidence=self.confidence, grounder=self.name, raw=f"{first_text}\n{where}\n{text}"
        )

    def _fail(self, reason: str, description: str, started: float) -> None:
        self.last_failure = reason
        self.log.warning(
            "%s: no point for %r after %.2f s: %s",
            self.name,
            description[:120],
            time.monotonic() - started,
            reason,
        )

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _short(text: str, limit: int = 300) -> str:
    text = text.strip()
    return repr(text if len(text) <= limit else text[:limit] + "...")


_NUMBER = re.compile(r"(?<![\d.])-?\d+(?:\.\d+)?")


def first_numbers(text: str, count: int) -> Sequence[float] | None:
    """The first `count` numbers in text (ints or decimals, an optional minus sign), or None."""
    found = _NUMBER.findall(text)
    if len(found) < count:
        return None
    return [float(v) for v in found[:count]]
