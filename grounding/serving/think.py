"""ThinK: query-driven key-cache channel pruning, pure-PyTorch reference.

After prefill, each KV head keeps only the key channels that matter to the queries:
channel j of a head scores ||Q_w[:, j] . K[:, j]^T||_F, with Q_w the last `window` prompt
queries (after RoPE) of every query head sharing that KV head (grouped-query attention) and
K all prompt keys. The outer product's Frobenius norm factorises, so the score is
||Q_w[:, j]|| * ||K[:, j]||. The floor(ratio * head_dim) lowest channels are dropped per KV
head (one mask per KV head, never per query head: that would store a group's keys several
times). Keys older than the observation window are stored gathered to the kept channels, so
the bytes really shrink; the last `window` prompt keys and every decoded key stay full width;
values are never pruned.

Decoding: scores = q[kept] . K_pruned^T for the pruned keys and q . K^T for the full-width
ones, concatenated in position order, scaled by 1/sqrt(head_dim) (the full head size, as the
model was trained), softmax, times all values. This equals ordinary attention over keys whose
dropped channels are zero, which is what the tests check.

Shapes follow transformers: queries [batch, q_heads, q_len, head_dim], keys and values
[batch, kv_heads, seq, head_dim].
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

DEFAULT_RATIO = 0.5
DEFAULT_WINDOW = 32


def dropped_channels(head_dim: int, ratio: float) -> int:
    """How many key channels each KV head loses: floor(ratio * head_dim)."""
    if not 0.0 <= ratio < 1.0:
        raise ValueError(f"ThinK pruning ratio must be in [0, 1), got {ratio}")
    return math.floor(ratio * head_dim)


def group_size(query_heads: int, kv_heads: int) -> int:
    if kv_heads <= 0 or query_heads % kv_heads:
        raise ValueError(f"{query_heads} query heads cannot be grouped over {kv_heads} KV heads")
    return query_heads // kv_heads


def channel_scores(query_window: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
    """Per-KV-head channel scores [batch, kv_heads, head_dim].

    query_window: [batch, q_heads, w, head_dim] (the observation window, after RoPE);
    keys: [batch, kv_heads, n, head_dim]. A group's query heads are stacked, so the score is
    the Frobenius norm of the group's (all w * group queries) x (all n keys) channel product.
    """
    batch, q_heads, _, head_dim = query_window.shape
    kv_heads = keys.shape[1]
    rep = group_size(q_heads, kv_heads)
    q_sq = query_window.float().pow(2).sum(dim=-2)  # [b, q_heads, d]
    q_sq = q_sq.view(batch, kv_heads, rep, head_dim).sum(dim=2)
    k_sq = keys.float().pow(2).sum(dim=-2)  # [b, kv_heads, d]
    return (q_sq * k_sq).sqrt()


def select_channels(scores: torch.Tensor, ratio: float) -> torch.Tensor:
    """Indices of the kept channels per head, ascending: [..., head_dim - dropped]."""
    head_dim = scores.shape[-1]
    keep = head_dim - dropped_channels(head_dim, ratio)
    kept = scores.topk(keep, dim=-1).indices
    return kept.sort(dim=-1).values


def kept_mask(kept: torch.Tensor, head_dim: int) -> torch.Tensor:
    """Boolean channel mask [batch, kv_heads, head_dim] from kept indices."""
    mask = torch.zeros(*kept.shape[:-1], head_dim, dtype=torch.bool, device=kept.device)
    return mask.scatter_(-1, kept, True)


def gather_channels(x: torch.Tensor, kept: torch.Tensor) -> torch.Tensor:
    """x [b, h, n, d] restricted to kept [b, h, k] channels -> [b, h, n, k] (a new, smaller tensor)."""
    index = kept[:, :, None, :].expand(*x.shape[:-1], kept.shape[-1])
    return x.gather(-1, index)


@dataclass
class PrunedKeys:
    """One layer's key cache after ThinK: old keys narrowed, recent and decoded keys whole."""

    pruned: torch.Tensor  # [b, kv_heads, n_pruned, keep]
    kept: torch.Tensor  # [b, kv_heads, keep] int64, ascending
    full: torch.Tensor  # [b, kv_heads, n_full, head_dim]

    @property
    def head_dim(self) -> int:
        return self.full.shape[-1]

    @property
    def seq_len(self) -> int:
        return self.pruned.shape[-2] + self.full.shape[-2]

    def append(self, keys: torch.Tensor) -> None:
        self.full = torch.cat([self.full, keys], dim=-2)

    def mask(self) -> torch.Tensor:
        return kept_mask(self.kept, self.head_dim)

    def dense(self) -> torch.Tensor:
        """Full-width keys with the dropped channels zeroed (for checks and comparisons)."""
        b, h, n, _ = self.pruned.shape
        wide = self.pruned.new_zeros(b, h, n, self.head_dim)
        wide.scatter_(-1, self.kept[:, :, None, :].expand(b, h, n, self.kept.shape[-1]), self.pruned)
        return torch.cat([wide, self.full], dim=-2)

    def nbytes(self) -> int:
        """Key bytes stored (the channel indices are counted by index_nbytes)."""
        return self.pruned.nbytes + self.full.nbytes

    def index_nbytes(self) -> int:
        return self.kept.nbytes

    def map_batch(self, fn) -> None:
        """Apply a batch-dimension operation (select, repeat, reorder) to every tensor."""
        self.pruned, self.kept, self.full = fn(self.pruned), fn(self.kept), fn(self.full)


def prune_keys(
    query_window: torch.Tensor,
    keys: torch.Tensor,
    ratio: float,
    window: int = DEFAULT_WINDOW,
    kept: torch.Tensor | None = None,
) -> PrunedKeys:
    """Prune prompt keys [b, kv_heads, n, d] once, at prefill.

    Scores use all n keys and the given query window; the last `window` keys stay whole.
    `kept` overrides the ThinK choice (the benchmark uses it for other channel choices).
    """
    if window < 0:
        raise ValueError(f"observation window must be >= 0, got {window}")
    if kept is None:
        kept = select_channels(channel_scores(query_window, keys), ratio)
    split = max(keys.shape[-2] - window, 0)
    old, recent = keys[..., :split, :], keys[..., split:, :]
    return PrunedKeys(pruned=gather_channels(old, kept), kept=kept, full=recent.contiguous())


def pruned_scores(query: torch.Tensor, keys: PrunedKeys) -> torch.Tensor:
    """Unscaled q.K scores [b, q_heads, q_len, seq]: q[kept].K_pruned, then q.K for the rest.

    Queries of a group share their KV head's mask, so they are reshaped onto the KV heads
    rather than the keys being repeated per query head.
    """
    b, q_heads, q_len, d = query.shape
    kv_heads = keys.full.shape[1]
    rep = group_size(q_heads, kv_heads)
    grouped = query.reshape(b, kv_heads, rep * q_len, d)
    keep = keys.kept.shape[-1]
    q_kept = grouped.gather(-1, keys.kept[:, :, None, :].expand(b, kv_heads, rep * q_len, keep))
    old = q_kept @ keys.pruned.transpose(-1, -2)
    new = grouped @ keys.full.transpose(-1, -2)
    return torch.cat([old, new], dim=-1).reshape(b, q_heads, q_len, keys.seq_len)


def pruned_attention(
    query: torch.Tensor,
    keys: PrunedKeys,
    values: torch.Tensor,
    scaling: float,
    attention_mask: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Attention over a pruned cache: (output [b, q_heads, q_len, d], weights).

    attention_mask: additive, broadcastable to [b, q_heads, q_len, seq] (a transformers eager
    mask), in the cache's position order; None means every cached key is visible.
    """
    b, q_heads, q_len, d = query.shape
    kv_heads = values.shape[1]
    rep = group_size(q_heads, kv_heads)
    scores = pruned_scores(query, keys) * scaling
    if attention_mask is not None:
        scores = scores + attention_mask[..., : scores.shape[-1]]
    weights = torch.softmax(scores, dim=-1, dtype=torch.float32).to(query.dtype)
    grouped = weights.reshape(b, kv_heads, rep * q_len, -1)
    out = (grouped @ values).reshape(b, q_heads, q_len, values.shape[-1])
    return out, weights


def dense_attention(
    query: torch.Tensor,
    keys: torch.Tensor,
    values: torch.Tensor,
    scaling: float,
    attention_mask: torch.Tensor | None = None,
) -> torch.Tensor:
    """Plain grouped-query attention over full-width keys (the comparison baseline)."""
    b, q_heads, q_len, d = query.shape
    kv_heads = keys.shape[1]
    rep = group_size(q_heads, kv_heads)
    grouped = query.reshape(b, kv_heads, rep * q_len, d)
    scores = (grouped @ keys.transpose(-1, -2)).reshape(b, q_heads, q_len, -1) * scaling
    if attention_mask is not None:
        scores = scores + attention_mask[..., : scores.shape[-1]]
    weights = torch.softmax(scores, dim=-1, dtype=torch.float32).to(query.dtype)
    out = weights.reshape(b, kv_heads, rep * q_len, -1) @ values
    return out.reshape(b, q_heads, q_len, values.shape[-1])


def expected_kv_bytes(
    batch: int,
    kv_heads: int,
    head_dim: int,
    prompt: int,
    decoded: int,
    ratio: float,
    window: int,
    element_size: int,
) -> int:
    """Bytes of keys + values for one layer after ThinK (the accounting the cache must meet)."""
    pruned = max(prompt - window, 0)
    keep = head_dim - dropped_channels(head_dim, ratio)
    keys = pruned * keep + (prompt - pruned + decoded) * head_dim
    values = (prompt + decoded) * head_dim
    return batch * kv_heads * (keys + values) * element_size
