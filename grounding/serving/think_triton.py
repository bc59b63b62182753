"""Triton decode kernel for a ThinK-pruned key cache: one query token per head.

One program per (batch, query head). It loads the head's query, gathers q[kept] with its KV
head's kept-channel indices (the mask is per KV head, shared by the group), then streams the
cache in blocks: q[kept] . K_pruned for the narrowed keys, q . K for the recent and decoded
ones, with an online softmax (running max and sum) over both and the values accumulated in
float32. Optionally it also writes the raw (unscaled) scores, which is what the reference
check compares first.

On a CPU the kernel runs under Triton's interpreter: set TRITON_INTERPRET=1 before the first
call (the kernel is compiled lazily, so the variable is read then, not at import).
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
                 n_pruned, n_full, head_dim, keep, q_heads, rep, scaling,
                 sq_b, sq_h, sq_d,
                 sp_b, sp_h, sp_n, sp_d,
                 si_b, si_h, si_d,
                 sf_b, sf_h, sf_n, sf_d,
                 sv_b, sv_h, sv_n, sv_d,
                 sm_b, sm_n,
                 so_b, so_h, so_d,
                 ss_b, ss_h, ss_n,
                 BLOCK_N: tl.constexpr, BLOCK_D: tl.constexpr, BLOCK_K: tl.constexpr,
                 HAS_MASK: tl.constexpr, WRITE_SCORES: tl.constexpr):
    pid = tl.program_id(0)
    b = pid // q_heads
    h = pid % q_heads
    g = h // rep
    offs_d = tl.arange(0, BLOCK_D)
    d_ok = offs_d < head_dim
    offs_k = tl.arange(0, BLOCK_K)
    k_ok = offs_k < keep
    q_row = Q + b * sq_b + h * sq_h
    q = tl.load(q_row + offs_d * sq_d, mask=d_ok, other=0.0).to(tl.float32)
    kept = tl.load(KEPT + b * si_b + g * si_h + offs_k * si_d, mask=k_ok, other=0)
    q_kept = tl.load(q_row + kept * sq_d, mask=k_ok, other=0.0).to(tl.float32)

    m_i = tl.zeros([1], dtype=tl.float32) - float("inf")
    l_i = tl.zeros([1], dtype=tl.float32)
    acc = tl.zeros([BLOCK_D], dtype=tl.float32)
    # Narrowed keys: only the kept channels exist in storage.
    for start in range(0, n_pruned, BLOCK_N):
        offs_n = start + tl.arange(0, BLOCK_N)
        n_ok = offs_n < n_pruned
        k = tl.load(KP + b * sp_b + g * sp_h + offs_n[:, None] * sp_n + offs_k[None, :] * sp_d,
                    mask=n_ok[:, None] & k_ok[None, :], other=0.0).to(tl.float32)
        s = tl.sum(k * q_kept[None, :], axis=1)
        if WRITE_SCORES:
            tl.store(S + b * ss_b + h * ss_h + offs_n * ss_n, s, mask=n_ok)
        s = s * scaling
        if HAS_MASK:
            s += tl.load(MASK + b * sm_b + offs_n * sm_n, mask=n_ok, other=0.0).to(tl.float32)
        s = tl.where(n_ok, s, float("-inf"))
        v = tl.load(V + b * sv_b + g * sv_h + offs_n[:, None] * sv_n + offs_d[None, :] * sv_d,
                    mask=n_ok[:, None] & d_ok[None, :], other=0.0).to(tl.float32)
        m_new = tl.maximum(m_i, tl.max(s, axis=0))
        alpha = tl.exp(m_i - m_new)
        p = tl.exp(s - m_new)
        l_i = l_i * alpha + tl.sum(p, axis=0)
        acc = acc * alpha + tl.sum(p[:, None] * v, axis=0)
        m_i = m_new
    # Recent-window and decoded keys: full width.
    for start in range(0, n_full, BLOCK_N):
        offs_n = start + tl.arange(0, BLOCK_N)
        n_ok = offs_n < n_full
        k = tl.load(KF + b * sf_b + g * sf_h + offs_n[:, None] * sf_n + offs_d[None, :] * sf_d,
                    mask=n_ok[:, None] & d_ok[None, :], other=0.0).to(tl.float32)
        s = tl.sum(k * q[None, :], axis=1)
        pos = n_pruned + offs_n
        if WRITE_SCORES:
            tl.store(S + b * ss_b + h * ss_h + pos * ss_n, s, mask=n_ok)
        s = s * scaling
        if HAS_MASK:
            s += tl.load(MASK + b * sm_b + pos * sm_n, mask=n_ok, other=0.0).to(tl.float32)
        s = tl.where(n_ok, s, float("-inf"))
        v = tl.load(V + b * sv_b + g * sv_h + pos[:, None] * sv_n + offs_d[None, :] * sv_d,
                    mask=n_ok[:, None] & d_ok[None, :], other=0.0).to(tl.float32)
        m_new = tl.maximum(m_i, tl.max(s, axis=0))
        alpha = tl.exp(m_i - m_new)
        p = tl.exp(s - m_new)
        l_i = l_i * alpha + tl.sum(p, axis=0)
        acc = acc * alpha + tl.sum(p[:, None] * v, axis=0)
        m_i = m_new
    out = acc / l_i
    tl.store(OUT + b * so_b + h * so_h + offs_d * so_d, out.to(OUT.dtype.element_ty), mask=d_ok)


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
    _kernel(interpret)[(b * q_heads,)](
        query, keys.pruned, keys.kept, keys.full, values, mask_arg, out, scores,
        keys.pruned.shape[-2], keys.full.shape[-2], d, keep, q_heads, rep, float(scaling),
        *query.stride(), *keys.pruned.stride(), *keys.kept.stride(), *keys.full.stride(),
        *values.stride(), *sm, *out.stride(), *scores.stride(),
        BLOCK_N=block_n, BLOCK_D=triton.next_power_of_2(d), BLOCK_K=triton.next_power_of_2(keep),
        HAS_MASK=mask is not None, WRITE_SCORES=return_scores,
    )
    if squeeze:
        out = out[:, :, None, :]
    return (out, scores) if return_scores else out
