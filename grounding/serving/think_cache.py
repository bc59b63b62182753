"""ThinK as a transformers cache for Qwen2-style decoders (Qwen2, Qwen2.5, the Qwen2.5-VL text model).

How it plugs in (transformers 5.x): the attention modules call `cache.update(k, v, layer_idx)`
with post-RoPE keys and hand whatever it returns to the attention function chosen by
`config._attn_implementation`. The cache alone cannot prune: the channel scores need the
queries, which the cache never sees, and the stock attention functions only take one
full-width key tensor. So `enable_think(model)` registers an attention function named
"think" (through the library's AttentionInterface, with the eager additive mask) and
switches the model to it (`enable_think(model, base="sdpa")` registers "think_sdpa", which
runs prefill through SDPA: for long prompts eager attention's n x n scores dominate memory).
`ThinKCache.update` returns a handle to its layer instead of a key tensor. The function then
- at prefill (keys still whole) runs ordinary eager (or SDPA) attention, then prunes the
  layer once from the last `window` queries it was just given;
- once pruned, computes q[kept] . K_pruned^T + q . K_recent^T (reference in think.py, or the
  Triton kernel in think_triton.py on CUDA for single-token decoding), softmax, times V.
Without a ThinK cache (use_cache=False) it is plain eager (or SDPA) attention.

    enable_think(model)
    out = model.generate(ids, cache=ThinKCache(model.config, ratio=0.5), do_sample=False)

(`past_key_values=` is the older name of the same generate argument.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import torch
from transformers.cache_utils import Cache, DynamicLayer
from transformers.integrations.sdpa_attention import sdpa_attention_forward
from transformers.masking_utils import AttentionMaskInterface, eager_mask, sdpa_mask
from transformers.modeling_utils import AttentionInterface
from transformers.models.qwen2.modeling_qwen2 import eager_attention_forward

from grounding.serving.think import (
    DEFAULT_RATIO,
    DEFAULT_WINDOW,
    PrunedKeys,
    dropped_channels,
    prune_keys,
    pruned_attention,
)

THINK = "think"
BASES: dict[str, tuple[str, Callable, Callable]] = {  # base -> (registered name, attention, mask)
    "eager": ("think", eager_attention_forward, eager_mask),
    "sdpa": ("think_sdpa", sdpa_attention_forward, sdpa_mask),
}
Backend = Literal["auto", "torch", "triton"]


class ThinKLayer(DynamicLayer):
    """One decoder layer's cache: whole until prefill has been scored, then pruned keys."""

    is_croppable = False

    def __init__(self, ratio: float = DEFAULT_RATIO, window: int = DEFAULT_WINDOW, backend: Backend = "auto"):
        super().__init__()
        dropped_channels(128, ratio)  # validates the ratio early
        self.ratio, self.window, self.backend = ratio, window, backend
        self.pruned: PrunedKeys | None = None
        self.prefilled = False

    def update(self, key_states: torch.Tensor, value_states: torch.Tensor, *args: Any, **kwargs: Any):
        if not self.is_initialized:
            self.lazy_initialization(key_states, value_states)
        if self.pruned is None:
            self.keys = torch.cat([self.keys, key_states], dim=-2)
        else:
            self.pruned.append(key_states)
        self.values = torch.cat([self.values, value_states], dim=-2)
        return LayerHandle(self), self.values

    def prune(self, query: torch.Tensor) -> None:
        """Called once, after prefill attention, with that forward's (post-RoPE) queries."""
        self.prefilled = True
        if dropped_channels(self.keys.shape[-1], self.ratio) == 0:
            return  # nothing to drop: stay an ordinary cache (bit-identical to no pruning)
        window = query[:, :, -self.window :, :] if self.window else query[:, :, :0, :]
        self.pruned = prune_keys(window, self.keys, self.ratio, self.window)
        self.keys = None

    def get_seq_length(self) -> int:
        if self.pruned is not None:
            return self.pruned.seq_len
        return super().get_seq_length()

    def nbytes(self) -> int:
        """Bytes of stored keys and values (the kept-channel indices are index_nbytes)."""
        if not self.is_initialized:
            return 0
        keys = self.pruned.nbytes() if self.pruned is not None else self.keys.nbytes
        return keys + self.values.nbytes

    def index_nbytes(self) -> int:
        return self.pruned.index_nbytes() if self.pruned is not None else 0

    def mask(self) -> torch.Tensor | None:
        """Kept-channel mask [batch, kv_heads, head_dim], None while unpruned."""
        return self.pruned.mask() if self.pruned is not None else None

    def crop(self, tokens_to_remove: int) -> None:
        if self.pruned is not None:
            raise NotImplementedError("a ThinK cache cannot be cropped once pruned")
        super().crop(tokens_to_remove)

    def reset(self) -> None:
        self.pruned, self.prefilled = None, False
        super().reset()

    def _map_batch(self, fn) -> None:
        if self.get_seq_length() == 0:
            return
        self.values = fn(self.values)
        if self.pruned is not None:
            self.pruned.map_batch(fn)
        else:
            self.keys = fn(self.keys)

    def reorder_cache(self, beam_idx: torch.LongTensor) -> None:
        self._map_batch(lambda t: t.index_select(0, beam_idx.to(t.device)))

    def batch_repeat_interleave(self, repeats: int) -> None:
        self._map_batch(lambda t: t.repeat_interleave(repeats, dim=0))

    def batch_select_indices(self, indices: torch.Tensor) -> None:
        self._map_batch(lambda t: t[indices, ...])


class LayerHandle:
    """What ThinKCache.update returns in place of keys: only the "think" attention reads it."""

    def __init__(self, layer: ThinKLayer):
        self.layer = layer


class ThinKCache(Cache):
    """KV cache applying ThinK key-channel pruning at prefill; needs `enable_think(model)`."""

    def __init__(
        self,
        config: Any,
        ratio: float = DEFAULT_RATIO,
        window: int = DEFAULT_WINDOW,
        backend: Backend = "auto",
    ):
        text = config.get_text_config(decoder=True)
        if getattr(text, "_attn_implementation", None) not in {name for name, _, _ in BASES.values()}:
            raise ValueError(
                "ThinKCache needs the model's attention set to 'think': call enable_think(model) first"
            )
        if backend not in ("auto", "torch", "triton"):
            raise ValueError(f"unknown ThinK backend {backend!r} (auto, torch or triton)")
        layers = [ThinKLayer(ratio, window, backend) for _ in range(text.num_hidden_layers)]
        super().__init__(layers=layers)
        self.ratio, self.window = ratio, window

    def nbytes(self) -> int:
        return sum(layer.nbytes() for layer in self.layers)

    def index_nbytes(self) -> int:
        return sum(layer.index_nbytes() for layer in self.layers)

    def masks(self) -> list[torch.Tensor | None]:
        return [layer.mask() for layer in self.layers]


def _use_triton(layer: ThinKLayer, query: torch.Tensor) -> bool:
    if query.shape[-2] != 1 or layer.backend == "torch":
        return False
    if layer.backend == "triton":
        return True
    if not query.is_cuda:
        return False
    try:
        import triton  # noqa: F401 - imported to check that Triton is installed
    except ImportError:
        return False
    return True


def additive_mask(
    mask: torch.Tensor | None, q_len: int, seq: int, dtype: torch.dtype, device: torch.device | str = "cpu"
) -> torch.Tensor | None:
    """The additive float mask the pruned path adds to its scores, from an eager (float),
    SDPA (boolean) or absent mask; absent with several queries means causal."""
    if mask is None:
        if q_len == 1:
            return None
        rows = torch.arange(q_len, device=device)[:, None] + (seq - q_len)
        mask = torch.arange(seq, device=device)[None, :] <= rows
        return torch.zeros(q_len, seq, dtype=dtype, device=device).masked_fill_(
            ~mask, torch.finfo(dtype).min
        )[None, None]
    if mask.dtype == torch.bool:
        return torch.zeros(mask.shape, dtype=dtype, device=mask.device).masked_fill_(
            ~mask, torch.finfo(dtype).min
        )
    return mask


def make_think_attention(base: Callable) -> Callable:
    """A "think" attention function (AttentionInterface signature) over a base implementation."""

    def think_attention(
        module: torch.nn.Module,
        query: torch.Tensor,
        key: Any,
        value: torch.Tensor,
        attention_mask: torch.Tensor | None,
        scaling: float,
        dropout: float = 0.0,
        **kwargs: Any,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        if not isinstance(key, LayerHandle):
            return base(module, query, key, value, attention_mask, scaling=scaling, dropout=dropout)
        layer = key.layer
        if layer.pruned is None:
            out = base(module, query, layer.keys, value, attention_mask, scaling=scaling, dropout=dropout)
            if not layer.prefilled:
                layer.prune(query)
            return out
        mask = additive_mask(attention_mask, query.shape[-2], layer.pruned.seq_len, query.dtype, query.device)
        if _use_triton(layer, query):
            from grounding.serving.think_triton import decode_attention

            row = mask[:, 0, 0, :] if mask is not None else None
            out = decode_attention(query, layer.pruned, value, scaling, row)
            return out.transpose(1, 2).contiguous(), None
        out, weights = pruned_attention(query, layer.pruned, value, scaling, mask)
        return out.transpose(1, 2).contiguous(), weights

    return think_attention


def enable_think(model: torch.nn.Module, base: Literal["eager", "sdpa"] = "eager") -> torch.nn.Module:
    """Register the "think" attention and switch the model to it (in place; returns the model).

    base: what runs prefill and cache-less forwards. "eager" is bit-identical to the eager
    model at ratio 0; "sdpa" avoids materialising the prompt's n x n scores.
    """
    if base not in BASES:
        raise ValueError(f"unknown base attention {base!r} (eager or sdpa)")
    name, attention, mask = BASES[base]
    AttentionInterface.register(name, make_think_attention(attention))
    AttentionMaskInterface.register(name, mask)
    model.set_attn_implementation(name)
    return model
