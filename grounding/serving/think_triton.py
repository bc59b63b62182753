"""Triton decode kernel for a ThinK-pruned key cache: one query token per head.

One program per (batch, KV head): the mask is per KV head, so the group's query heads share
one q[kept] gather pattern and, more to the point, one pass over the group's keys and values
(decoding is memory-bound; a program per query head would read the same cache `group` times).
The group's queries are a [group, head_dim] tile (padded to 16 rows for tl.dot). The kernel
streams the cache in blocks: q[kept] . K_pruned^T over the narrowed keys, q . K^T over the
recent and decoded ones, with an online softmax (running max and sum per query head) across
both and the values accumulated in float32. Optionally it also writes the raw (unscaled)
scores, which the reference check compares first.

On a CPU the kernel runs under Triton's interpreter: TRITON_INTERPRET=1 must be set before
Triton is first imported (transformers imports it), and the kernel is compiled lazily.
"""

from __future__ import annotations

import os
from functools import cache

import torch

from grounding.serving.think import PrunedKeys, group_size

try:  # optional: the reference in think.py needs only torch
    import triton
    import triton.language as tl
except ImportError:  # pragma: no cover - exercised where triton is absent
    triton = tl = None


def _think_decode(Q, KP, KEPT, KF, V, MASK, OUT, S,
                 n_pruned, n_full, head_dim, keep, kv_heads, rep, scaling,
                 sq_b, sq_h, sq_d,
                 sp_b, sp_h, sp_n, sp_d,
                 si_b, si_h, si_d,
                 sf_b, sf_h, sf_n, sf_d,
                 sv_b, sv_h, sv_n, sv_d,
                 sm_b, sm_n,
                 so_b, so_h, so_d,
                 ss_b, ss_h, ss_n,
                 BLOCK_N: tl.constexpr, BLOCK_R: tl.constexpr, BLOCK_D: tl.constexpr, BLOCK_K: tl.constexpr,
                 HAS_MASK: tl.constexpr, WRITE_SCORES: tl.constexpr, PRECISION: tl.constexpr):
    pid = tl.program_id(0)
    b = pid // kv_heads
    g = pid % kv_heads
    offs_r = tl.arange(0, BLOCK_R)  # query heads of the group
    r_ok = offs_r < rep
    heads = g * rep + offs_r
    offs_d = tl.arange(0, BLOCK_D)
    d_ok = offs_d < head_dim
    offs_k = tl.arange(0, BLOCK_K)
    k_ok = offs_k < keep
    q_rows = Q + b * sq_b + heads[:, None] * sq_h
    q = tl.load(q_rows + offs_d[None, :] * sq_d, mask=r_ok[:, None] & d_ok[None, :], other=0.0)
    kept = tl.load(KEPT + b * si_b + g * si_h + offs_k * si_d, mask=k_ok, other=0)
    q_kept = tl.load(q_rows + kept[None, :] * sq_d, mask=r_ok[:, None] & k_ok[None, :], other=0.0)

    m_i = tl.zeros([BLOCK_R], dtype=tl.float32) - float("inf")
    l_i = tl.zeros([BLOCK_R], dtype=tl.float32)
    acc = tl.zeros([BLOCK_R, BLOCK_D], dtype=tl.float32)
    # Narrowed keys: only the kept channels exist in storage.
    for start in range(0, n_pruned, BLOCK_N):
        offs_n = start + tl.arange(0, BLOCK_N)
        n_ok = offs_n < n_pruned
        k = tl.load(KP + b * sp_b + g * sp_h + offs_n[:, None] * sp_n + offs_k[None, :] * sp_d,
                    mask=n_ok[:, None] & k_ok[None, :], other=0.0)
        s = tl.dot(q_kept, tl.trans(k), input_precision=PRECISION)  # [BLOCK_R, BLOCK_N]
        if WRITE_SCORES:
            tl.store(S + b * ss_b + heads[:, None] * ss_h + offs_n[None, :] * ss_n, s,
                     mask=r_ok[:, None] & n_ok[None, :])
        s = s * scaling
        if HAS_MASK:
            s += tl.load(MASK + b * sm_b + offs_n * sm_n, mask=n_ok, other=0.0).to(tl.float32)[None, :]
        s = tl.where(n_ok[None, :], s, float("-inf"))
        v = tl.load(V + b * sv_b + g * sv_h + offs_n[:, None] * sv_n + offs_d[None, :] * sv_d,
                    mask=n_ok[:, None] & d_ok[None, :], other=0.0)
        m_new = tl.maximum(m_i, tl.max(s, axis=1))
        alpha = tl.exp(m_i - m_new)
        p = tl.exp(s - m_new[:, None])
        l_i = l_i * alpha + tl.sum(p, axis=1)
        acc = acc * alpha[:, None] + tl.dot(p.to(v.dtype), v, input_precision=PRECISION)
        m_i = m_new
    # Recent-window and decoded keys: full width.
    for start in range(0, n_full, BLOCK_N):
        offs_n = start + tl.arange(0, BLOCK_N)
        n_ok = offs_n < n_full
        k = tl.load(KF + b * sf_b + g * sf_h + offs_n[:, None] * sf_n + offs_d[None, :] * sf_d,
                    mask=n_ok[:, None] & d_ok[None, :], other=0.0)
        s = tl.dot(q, tl.trans(k), input_precision=PRECISION)
        pos = n_pruned + offs_n
        if WRITE_SCORES:
            tl.store(S + b * ss_b + heads[:, None] * ss_h + pos[None, :] * ss_n, s,
                     mask=r_ok[:, None] & n_ok[None, :])
        s = s * scaling
        if HAS_MASK:
            s += tl.load(MASK + b * sm_b + pos * sm_n, mask=n_ok, other=0.0).to(tl.float32)[None, :]
        s = tl.where(n_ok[None, :], s, float("-inf"))
        v = tl.load(V + b * sv_b + g * sv_h + pos[:, None] * sv_n + offs_d[None, :] * sv_d,
                    mask=n_ok[:, None] & d_ok[None, :], other=0.0)
        m_new = tl.maximum(m_i, tl.max(s, axis=1))
        alpha = tl.exp(m_i - m_new)
        p = tl.exp(s - m_new[:, None])
        l_i = l_i * alpha + tl.sum(p, axis=1)
        acc = acc * alpha[:, None] + tl.dot(p.to(v.dtype), v, input_precision=PRECISION)
        m_i = m_new
    out = acc / l_i[:, None]
    tl.store(OUT + b * so_b + heads[:, None] * so_h + offs_d[None, :] * so_d, out.to(OUT.dtype.element_ty),
             mask=r_ok[:, None] & d_ok[None, :])


@cache
def _kernel(interpret: bool):
    # Keyed on the interpreter flag: triton.jit picks interpreter or compiler when it runs.
    if triton is None:
        raise ImportError("the ThinK Triton kernel needs triton (pip install 'deskpilot[think]')")
    return triton.jit(_think_decode)


def _interpreting() -> bool:
    return os.environ.get("TRITON_INTERPRET", "0").lower() in ("1", "true", "yes", "on")


def decode_attention(query: torch.Tensor, keys: PrunedKeys, values: torch.Tensor, scaling: float,
                     mask: torch.Tensor | None = None, block_n: int = 32,
                     return_scores: bool = False) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
    """Single-token attention over a pruned cache.

    query: [b, q_heads, 1, d] (or [b, q_heads, d]); values [b, kv_heads, seq, d]; mask: an
    additive row [b, seq] or None. Returns the output [b, q_heads, 1, d] in the query's dtype,
    and with return_scores also the unscaled q.K scores [b, q_heads, seq] in float32.
    """
    squeeze = query.dim() == 4
    if squeeze:
        if query.shape[-2] != 1:
            raise ValueError(f"decode_attention takes one query token, got {query.shape[-2]}")
        query = query[:, :, 0, :]
    interpret = _interpreting()
    if not query.is_cuda and not interpret:
        raise RuntimeError("the ThinK Triton kernel needs a CUDA tensor, or TRITON_INTERPRET=1 on the CPU")
    b, q_heads, d = query.shape
    kv_heads = values.shape[1]
    rep = group_size(q_heads, kv_heads)
    seq = keys.seq_len
    if values.shape[-2] != seq:
        raise ValueError(f"{values.shape[-2]} values for {seq} keys")
    out = torch.empty_like(query)
    scores = torch.empty(b, q_heads, seq if return_scores else 1, dtype=torch.float32, device=query.device)
    if mask is not None:
        mask = mask[:, :seq]
    mask_arg = mask if mask is not None else scores
    sm = (mask.stride(0), mask.stride(1)) if mask is not None else (0, 0)
    keep = keys.kept.shape[-1]
    def block(n: int) -> int:  # tl.dot wants every tile side >= 16
        return max(16, triton.next_power_of_2(n))

    _kernel(interpret)[(b * kv_heads,)](
        query, keys.pruned, keys.kept, keys.full, values, mask_arg, out, scores,
        keys.pruned.shape[-2], keys.full.shape[-2], d, keep, kv_heads, rep, float(scaling),
        *query.stride(), *keys.pruned.stride(), *keys.kept.stride(), *keys.full.stride(),
        *values.stride(), *sm, *out.stride(), *scores.stride(),
        BLOCK_N=block(block_n), BLOCK_R=block(rep), BLOCK_D=block(d), BLOCK_K=block(keep),
        HAS_MASK=mask is not None, WRITE_SCORES=return_scores,
        PRECISION="ieee" if query.dtype == torch.float32 else "tf32",  # fp32: exact products, not TF32
    )
    if squeeze:
        out = out[:, :, None, :]
    return (out, scores) if return_scores else out
