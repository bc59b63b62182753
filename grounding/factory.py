"""Grounders from specs, as `--grounder` takes them.

    none                      the planner gives pixels (no grounding)
    a11y                      the desktop's accessibility tree
    ocr                       tesseract on the screenshot
    jedi@URL | jedi:MODEL@URL Jedi behind an OpenAI-compatible server (vLLM)
    uitars@URL | point@URL    UI-TARS-1.5 style / "output one point" style
    a11y+ocr+jedi@URL         a cascade, tried in that order

A model grounder's spec may end in `#zoom` (or `#zoom=4`): after its first answer it looks
again at a crop around it, enlarged (grounding/zoom.py), for small targets. The fragment
is ours: it is cut off before the URL is used.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from grounding.base import Grounder, NoGrounder

# Confidence an answer needs before a cascade stops at that grounder.
CASCADE_THRESHOLDS = {"a11y": 0.65, "ocr": 0.7, "jedi": 0.0, "uitars": 0.0, "point": 0.0}


class GrounderSpecError(ValueError):
    pass


def _model_parts(spec: str, kind: str) -> tuple[str | None, str]:
    rest = spec[len(kind) :]
    model, _, url = rest.lstrip(":").partition("@")
    if not url.startswith(("http://", "https://")):
        raise GrounderSpecError(f"grounder {spec!r} needs a server URL: {kind}[:MODEL]@http://host:port/v1")
    return (model or None), url


def _api_key() -> str:
    # A server beyond loopback demands a key (`agent serve --host ...` makes one up); the
    # planner's vllm: models read the same variable.
    return os.environ.get("VLLM_API_KEY") or "EMPTY"


def _options(spec: str) -> tuple[str, dict[str, float]]:
    """`jedi@URL#zoom=4` -> (`jedi@URL`, {"zoom": 4.0}); `#zoom` alone is DEFAULT_ZOOM."""
    from grounding.zoom import DEFAULT_ZOOM

    spec, _, fragment = spec.partition("#")
    if not fragment:
        return spec, {}
    name, _, value = fragment.partition("=")
    if name != "zoom":
        raise GrounderSpecError(f"unknown grounder option #{fragment} in {spec!r}: use #zoom or #zoom=N")
    try:
        zoom = float(value) if value else DEFAULT_ZOOM
    except ValueError:
        raise GrounderSpecError(f"#zoom={value}: not a number") from None
    if not 1 < zoom <= 16:
        raise GrounderSpecError(f"#zoom={value}: give a factor above 1 and at most 16")
    return spec, {"zoom": zoom}


def make_one(spec: str, tree_source: Callable[[], str] | None) -> Grounder:
    spec, options = _options(spec)
    kind = spec.split("@")[0].split(":")[0]
    if options and kind not in ("jedi", "uitars", "point"):
        raise GrounderSpecError(f"#zoom is for model grounders (jedi, uitars, point), not {kind!r}")
    if kind == "none":
        return NoGrounder()
    if kind == "a11y":
        if tree_source is None:
            raise GrounderSpecError("the a11y grounder needs a desktop with an accessibility tree")
        from grounding.a11y import A11yGrounder

        return A11yGrounder(tree_source)
    if kind == "ocr":
        from grounding.ocr import OcrGrounder

        return OcrGrounder()
    if kind in ("jedi", "uitars", "point"):
        model, url = _model_parts(spec, kind)
        if kind == "jedi":
            from grounding.jedi import JediGrounder

            return JediGrounder(url, model=model or "jedi-7b", api_key=_api_key(), zoom=options.get("zoom"))
        from grounding import uitars

        cls = uitars.UITarsGrounder if kind == "uitars" else uitars.PointGrounder
        return cls(url, model=model or kind, api_key=_api_key(), zoom=options.get("zoom"))
    raise GrounderSpecError(
        f"unknown grounder {spec!r}: use none, a11y, ocr, jedi@URL, "
        "uitars@URL, point@URL, or several joined by '+'"
    )


def make_grounder(spec: str, tree_source: Callable[[], str] | None = None) -> Grounder:
    parts = [p.strip() for p in spec.split("+") if p.strip()]
    if not parts:
        raise GrounderSpecError("empty grounder spec")
    if len(parts) == 1:
        return make_one(parts[0], tree_source)
    from grounding.cascade import CascadeGrounder

    tiers = []
    for part in parts:
        kind = part.partition("#")[0].split("@")[0].split(":")[0]
        tiers.append((make_one(part, tree_source), CASCADE_THRESHOLDS.get(kind, 0.0)))
    return CascadeGrounder(tiers, name=spec)
