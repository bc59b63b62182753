"""vLLM serving profiles: the `vllm serve` command each model the agent talks to needs.

A profile fixes what must match the client side (grounding/resize.py, jedi.py, uitars.py
and the planner's history in agent/history.py):

- pixel bounds (`--mm-processor-kwargs min_pixels/max_pixels`) equal to the bounds the
  grounder's client-side `smart_resize` uses, so the server never resizes a second time
  and the model answers in the very image size we map points back from;
- images per prompt (`--limit-mm-per-prompt`): 1 for a grounder; for a planner, the most
  screenshots agent/history.py can put in one prompt (the caller passes it);
- a context length (`--max-model-len`) that holds those images plus the text;
- `--enable-prefix-caching` (the agent's prompts are built for prefix reuse) and a
  KV-cache dtype: fp8 for planners, whose long multi-image prompts are KV-bound; the
  grounder's single short prompt is not, so it keeps the checkpoint's dtype;
- `--served-model-name` equal to the name the client asks for by default, so that
  `--grounder jedi@URL` works without naming the model.

Safe by default: the server binds 127.0.0.1. Binding any other address needs an API key,
which goes to vLLM through its environment (`VLLM_API_KEY`, vLLM's documented fallback
for `--api-key`) so that it does not show in `ps`.

This module builds argv lists only; grounding/serving/launch.py runs them.
"""

from __future__ import annotations

import ipaddress
import json
from typing import Literal, TypedDict, Unpack

from pydantic import BaseModel, ConfigDict, Field

from grounding.resize import MAX_PIXELS, MIN_PIXELS
from grounding.uitars import UITARS_MAX_PIXELS, UITARS_MIN_PIXELS

Role = Literal["grounding", "planner"]
GrounderKind = Literal["jedi", "uitars", "point"]

DEFAULT_PORTS: dict[str, int] = {"grounding": 8000, "planner": 8001}
# The planner's default image count: AgentConfig's history_images (3) + image_chunk (8),
# see agent.image_budget.max_planner_images; `agent serve` passes the live figure.
DEFAULT_PLANNER_IMAGES = 11


class ServeProfile(BaseModel):
    """How to serve one model. `name` is both the CLI alias and the served model name."""

    model_config = ConfigDict(frozen=True)

    name: str
    hf_id: str
    role: Role
    grounder: GrounderKind | None = None  # the client that speaks to it (grounding role)
    max_model_len: int = Field(gt=0)
    images_per_prompt: int = Field(default=1, ge=1)
    min_pixels: int = Field(default=MIN_PIXELS, gt=0)
    max_pixels: int = Field(default=MAX_PIXELS, gt=0)
    kv_cache_dtype: str = "auto"
    default_gpus: int = Field(default=1, ge=1)


def _jedi(name: str, hf_id: str) -> ServeProfile:
    # One 1080p screenshot (2,691 tokens at most) + the computer_use system prompt (~1k)
    # + a short reply: 8k leaves room for a 1,000-token thought before the tool call.
    return ServeProfile(
        name=name,
        hf_id=hf_id,
        role="grounding",
        grounder="jedi",
        max_model_len=8192,
        min_pixels=MIN_PIXELS,
        max_pixels=MAX_PIXELS,
    )


KNOWN: dict[str, ServeProfile] = {
    "jedi-7b": _jedi("jedi-7b", "xlangai/Jedi-7B-1080p"),
    "jedi-3b": _jedi("jedi-3b", "xlangai/Jedi-3B-1080p"),
    # UI-TARS-1.5 accepts up to 16,384 image tokens: the context must hold the largest.
    "uitars-1.5-7b": ServeProfile(
        name="ui-tars-1.5-7b",
        hf_id="ByteDance-Seed/UI-TARS-1.5-7B",
        role="grounding",
        grounder="uitars",
        max_model_len=20480,
        min_pixels=UITARS_MIN_PIXELS,
        max_pixels=UITARS_MAX_PIXELS,
    ),
    "qwen2.5-vl-7b": ServeProfile(
        name="qwen2.5-vl-7b",
        hf_id="Qwen/Qwen2.5-VL-7B-Instruct",
        role="planner",
        max_model_len=32768,
        images_per_prompt=DEFAULT_PLANNER_IMAGES,
        kv_cache_dtype="fp8",
    ),
    "qwen2.5-vl-32b": ServeProfile(
        name="qwen2.5-vl-32b",
        hf_id="Qwen/Qwen2.5-VL-32B-Instruct",
        role="planner",
        max_model_len=32768,
        default_gpus=2,
        images_per_prompt=DEFAULT_PLANNER_IMAGES,
        kv_cache_dtype="fp8",
    ),
    "qwen2.5-vl-72b": ServeProfile(
        name="qwen2.5-vl-72b",
        hf_id="Qwen/Qwen2.5-VL-72B-Instruct",
        role="planner",
        max_model_len=32768,
        default_gpus=4,
        images_per_prompt=DEFAULT_PLANNER_IMAGES,
        kv_cache_dtype="fp8",
    ),
}
ALIASES = {
    "jedi": "jedi-7b",
    "jedi-7b-1080p": "jedi-7b",
    "jedi-3b-1080p": "jedi-3b",
    "uitars": "uitars-1.5-7b",
    "ui-tars-1.5-7b": "uitars-1.5-7b",
}
DEFAULT_MODEL: dict[str, str] = {"grounding": "jedi-7b", "planner": "qwen2.5-vl-7b"}


class ProfileError(ValueError):
    pass


def _looks_like_hf_id(model: str) -> bool:
    owner, slash, repo = model.partition("/")
    return bool(slash and owner and repo and "/" not in repo and " " not in model)


def resolve(role: Role, model: str | None = None) -> ServeProfile:
    """The profile for a known alias, a known model's HF id, or any HF id ("owner/name").

    An unknown HF id gets Qwen2.5-VL's pixel bounds and the role's defaults; as a grounder
    it is spoken to in the generic "output one point" form (`point@URL`)."""
    if role not in DEFAULT_PORTS:
        raise ProfileError(f"role must be grounding or planner, not {role!r}")
    model = (model or DEFAULT_MODEL[role]).strip()
    key = ALIASES.get(model.lower(), model.lower())
    profile = KNOWN.get(key) or next((p for p in KNOWN.values() if p.hf_id.lower() == key), None)
    if profile is None:
        if not _looks_like_hf_id(model):
            raise ProfileError(
                f"unknown model {model!r}: use one of {', '.join(sorted(KNOWN))} "
                "or a Hugging Face id such as Qwen/Qwen2.5-VL-7B-Instruct"
            )
        if role == "grounding":
            return ServeProfile(name=model, hf_id=model, role=role, grounder="point", max_model_len=8192)
        return ServeProfile(
            name=model,
            hf_id=model,
            role=role,
            max_model_len=32768,
            images_per_prompt=DEFAULT_PLANNER_IMAGES,
            kv_cache_dtype="fp8",
        )
    if profile.role != role:
        raise ProfileError(f"{model!r} is a {profile.role} model; use `agent serve {profile.role}`")
    return profile


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class ServeOptions(TypedDict, total=False):
    """serve_args' keyword options, passed through by vllm_argv."""

    host: str
    port: int | None
    gpus: int | None
    images: int | None
    max_model_len: int | None
    kv_cache_dtype: str | None
    gpu_memory_utilization: float | None


def serve_args(
    profile: ServeProfile,
    *,
    host: str = "127.0.0.1",
    port: int | None = None,
    gpus: int | None = None,
    images: int | None = None,
    max_model_len: int | None = None,
    kv_cache_dtype: str | None = None,
    gpu_memory_utilization: float | None = None,
) -> list[str]:
    """The arguments after `vllm serve` (also a compose service's command)."""
    tp = profile.default_gpus if gpus is None else gpus
    if tp < 1:
        raise ProfileError(f"--gpus must be at least 1, not {tp}")
    if gpu_memory_utilization is not None and not 0 < gpu_memory_utilization <= 1:
        raise ProfileError(f"GPU memory utilisation must be in (0, 1], not {gpu_memory_utilization}")
    count = profile.images_per_prompt if images is None else images
    if count < 1:
        raise ProfileError(f"images per prompt must be at least 1, not {count}")
    args = [
        profile.hf_id,
        "--served-model-name",
        profile.name,
        "--host",
        host,
        "--port",
        str(port or DEFAULT_PORTS[profile.role]),
        "--max-model-len",
        str(max_model_len or profile.max_model_len),
        "--limit-mm-per-prompt",
        json.dumps({"image": count}, separators=(",", ":")),
        "--mm-processor-kwargs",
        json.dumps(
            {"min_pixels": profile.min_pixels, "max_pixels": profile.max_pixels}, separators=(",", ":")
        ),
        "--enable-prefix-caching",
        "--kv-cache-dtype",
        kv_cache_dtype or profile.kv_cache_dtype,
        "--tensor-parallel-size",
        str(tp),
    ]
    if gpu_memory_utilization is not None:
        args += ["--gpu-memory-utilization", f"{gpu_memory_utilization:g}"]
    return args


def vllm_argv(profile: ServeProfile, **options: Unpack[ServeOptions]) -> list[str]:
    """The whole command: `vllm serve` + serve_args."""
    return ["vllm", "serve", *serve_args(profile, **options)]


def base_url(host: str, port: int) -> str:
    """The URL clients use: a wildcard bind is reached over loopback from this machine."""
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/v1"


def endpoint_spec(profile: ServeProfile, url: str) -> str:
    """What to pass to `agent run`: `--grounder jedi@URL` or `--model vllm:NAME@URL`."""
    if profile.role == "planner":
        return f"vllm:{profile.name}@{url}"
    kind = profile.grounder or "point"
    # grounding/factory.py asks for "jedi-7b" when no model is named; any other name is spelled out.
    return f"{kind}@{url}" if (kind, profile.name) == ("jedi", "jedi-7b") else f"{kind}:{profile.name}@{url}"
