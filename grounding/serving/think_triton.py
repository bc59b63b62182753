"""Triton decode kernel for a ThinK-pruned key cache: one query token per head.

One program per (batch, KV head, chunk of keys): the mask is per KV head, so the group's
query heads share one q[kept] gather pattern and, more to the point, one pass over the group's keys and values
(decoding is memory-bound; a program per query head would read the same cache `group` times).
The group's queries are a [group, head_dim] tile (padded to 16 rows for tl.dot). The kernel
streams the cache in blocks: q[kept] . K_pruned^T over the narrowed keys, q . K^T over the
recent and decoded ones, with an online softmax (running max and sum per query head) across
a chunk and the values accumulated in float32; the chunks' partial states are then merged on
the host side (flash-decoding), so long caches still spread over the GPU's SMs. Optionally it
also writes the raw (unscaled) scores, which the reference check compares first.

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


def _think_decode(
    Q,
    KP,
    KEPT,
    KF,
    V,
    MASK,
    M_OUT,
    L_OUT,
    ACC,
    S,
    n_pruned,
    n_full,
    head_dim,
    keep,
    kv_heads,
    rep,
    scaling,
    chunk,
    pruned_chunks,
    sq_b,
    sq_h,
    sq_d,
    sp_b,
    sp_h,
    sp_n,
    sp_d,
    si_b,
    si_h,
    si_d,
    sf_b,
    sf_h,
    sf_n,
    sf_d,
    sv_b,
    sv_h,
    sv_n,
    sv_d,
    sm_b,
    sm_n,
    sl_b,
    sl_h,
    sl_s,
    sa_b,
    sa_h,
    sa_s,
    sa_d,
    ss_b,
    ss_h,
    ss_n,
    BLOCK_N: tl.constexpr,
    BLOCK_R: tl.constexpr,
    BLOCK_D: tl.constexpr,
    BLOCK_K: tl.constexpr,
    HAS_MASK: tl.constexpr,
    WRITE_SCORES: tl.constexpr,
    PRECISION: tl.constexpr,
):
    pid = tl.program_id(0)
    split = tl.program_id(1)
    b = pid // kv_heads
    g = pid % kv_heads
    offs_r = tl.arange(0, BLOCK_R)  # query heads of the group
    r_ok = offs_r < rep
    heads = g * rep + offs_r
    offs_d = tl.arange(0, BLOCK_D)
    d_ok = offs_d < head_dim
    q_rows = Q + b * sq_b + heads[:, None] * sq_h
    m_i = tl.zeros([BLOCK_R], dtype=tl.float32) - float("inf")
    l_i = tl.zeros([BLOCK_R], dtype=tl.float32)
    acc = tl.zeros([BLOCK_R, BLOCK_D], dtype=tl.float32)
    if split < pruned_chunks:
        # Narrowed keys: only the kept channels exist in storage, so the query is gathered.
        offs_k = tl.arange(0, BLOCK_K)
        k_ok = offs_k < keep
        kept = tl.load(KEPT + b * si_b + g * si_h + offs_k * si_d, mask=k_ok, other=0)
        q_kept = tl.load(q_rows + kept[None, :] * sq_d, mask=r_ok[:, None] & k_ok[None, :], other=0.0)
        lo = split * chunk
        for start in range(lo, lo + chunk, BLOCK_N):
            offs_n = start + tl.arange(0, BLOCK_N)
            n_ok = offs_n < n_pruned
            k = tl.load(
                KP + b * sp_b + g * sp_h + offs_n[:, None] * sp_n + offs_k[None, :] * sp_d,
                mask=n_ok[:, None] & k_ok[None, :],
                other=0.0,
            )
            s = tl.dot(q_kept, tl.trans(k), input_precision=PRECISION)  # [BLOCK_R, BLOCK_N]
            if WRITE_SCORES:
                tl.store(
                    S + b * ss_b + heads[:, None] * ss_h + offs_n[None, :] * ss_n,
                    s,
                    mask=r_ok[:, None] & n_ok[None, :],
                )
            s = s * scaling
            if HAS_MASK:
                s += tl.load(MASK + b * sm_b + offs_n * sm_n, mask=n_ok, other=0.0).to(tl.float32)[None, :]
            s = tl.where(n_ok[None, :], s, float("-inf"))
            v = tl.load(
                V + b * sv_b + g * sv_h + offs_n[:, None] * sv_n + offs_d[None, :] * sv_d,
                mask=n_ok[:, None] & d_ok[None, :],
                other=0.0,
            )
            m_new = tl.maximum(m_i, tl.max(s, axis=1))
            m_safe = tl.where(m_new == float("-inf"), 0.0, m_new)  # a fully masked block: no NaN
            alpha = tl.exp(m_i - m_safe)
            p = tl.exp(s - m_safe[:, None])
            l_i = l_i * alpha + tl.sum(p, axis=1)
            acc = acc * alpha[:, None] + tl.dot(p.to(v.dtype), v, input_precision=PRECISION)
            m_i = m_new
    else:
        # Recent-window and decoded keys: full width.
        q = tl.load(q_rows + offs_d[None, :] * sq_d, mask=r_ok[:, None] & d_ok[None, :], other=0.0)
        lo = (split - pruned_chunks) * chunk
        for start in range(lo, lo + chunk, BLOCK_N):
            offs_n = start + tl.arange(0, BLOCK_N)
            n_ok = offs_n < n_full
            pos = n_pruned + offs_n
            k = tl.load(
                KF + b * sf_b + g * sf_h + offs_n[:, None] * sf_n + offs_d[None, :] * sf_d,
                mask=n_ok[:, None] & d_ok[None, :],
                other=0.0,
            )
            s = tl.dot(q, tl.trans(k), input_precision=PRECISION)
            if WRITE_SCORES:
                tl.store(
                    S + b * ss_b + heads[:, None] * ss_h + pos[None, :] * ss_n,
                    s,
                    mask=r_ok[:, None] & n_ok[None, :],
                )
            s = s * scaling
            if HAS_MASK:
                s += tl.load(MASK + b * sm_b + pos * sm_n, mask=n_ok, other=0.0).to(tl.float32)[None, :]
            s = tl.where(n_ok[None, :], s, float("-inf"))
            v = tl.load(
                V + b * sv_b + g * sv_h + pos[:, None] * sv_n + offs_d[None, :] * sv_d,
                mask=n_ok[:, None] & d_ok[None, :],
                other=0.0,
            )
            m_new = tl.maximum(m_i, tl.max(s, axis=1))
            m_safe = tl.where(m_new == float("-inf"), 0.0, m_new)  # a fully masked block: no NaN
            alpha = tl.exp(m_i - m_safe)
            p = tl.exp(s - m_safe[:, None])
            l_i = l_i * alpha + tl.sum(p, axis=1)
            acc = acc * alpha[:, None] + tl.dot(p.to(v.dtype), v, input_precision=PRECISION)
            m_i = m_new
    # This chunk's partial softmax state; decode_attention merges the chunks.
    tl.store(M_OUT + b * sl_b + heads * sl_h + split * sl_s, m_i, mask=r_ok)
    tl.store(L_OUT + b * sl_b + heads * sl_h + split * sl_s, l_i, mask=r_ok)
    tl.store(
        ACC + b * sa_b + heads[:, None] * sa_h + split * sa_s + offs_d[None, :] * sa_d,
        acc,
        mask=r_ok[:, None] & d_ok[None, :],
    )


@cache
def _kernel(interpret: bool):
    # Keyed on the interpreter flag: triton.jit picks interpreter or compiler when it runs.
    if triton is None:
        raise ImportError("the ThinK Triton kernel needs triton (pip install 'deskpilot[think]')")
    return triton.jit(_think_decode)


def _interpreting() -> bool:
    return os.environ.get("TRITON_INTERPRET", "0").lower() in ("1", "true", "yes", "on")


def _chunk_length(seq: int, programs: int, block_n: int, device: torch.device) -> int:
    """Keys per program: enough programs to fill the GPU (flash-decoding split), one chunk per
    segment under the interpreter."""
    if device.type != "cuda":
        length = max(seq, 1)
    else:
        target = max(1, 4 * torch.cuda.get_device_properties(device).multi_processor_count // programs)
        length = max(256, -(-seq // target))
    return -(-length // block_n) * block_n


def decode_attention(
    query: torch.Tensor,
    keys: PrunedKeys,
    values: torch.Tensor,
    scaling: float,
    mask: torch.Tensor | None = None,
    block_n: int = 32,
    chunk: int | None = None,
    return_scores: bool = False,
) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
    """Single-token attention over a pruned cache.

    query: [b, q_heads, 1, d] (or [b, q_heads, d]); values [b, kv_heads, seq, d]; mask: an
    additive row [b, seq] or None; chunk: keys per program (a multiple of the block; default
    sized to the GPU). Returns the output [b, q_heads, 1, d] in the query's dtype, and with
    return_scores also the unscaled q.K scores [b, q_heads, seq] in float32.
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

    def block(n: int) -> int:  # tl.dot wants every tile side >= 16
        return max(16, triton.next_power_of_2(n))

    block_n = block(block_n)
    chunk = chunk or _chunk_length(seq, b * kv_heads, block_n, query.device)
    if chunk % block_n:
        raise ValueError(f"chunk {chunk} is not a multiple of the block {block_n}")
    n_pruned, n_full = keys.pruned.shape[-2], keys.full.shape[-2]
    pruned_chunks, full_chunks = -(-n_pruned // chunk), -(-n_full // chunk)
    splits = pruned_chunks + full_chunks
    dev = query.device
    m = torch.full((b, q_heads, splits), float("-inf"), dtype=torch.float32, device=dev)
    total = torch.zeros(b, q_heads, splits, dtype=torch.float32, device=dev)
    acc = torch.zeros(b, q_heads, splits, d, dtype=torch.float32, device=dev)
    scores = torch.empty(b, q_heads, seq if return_scores else 1, dtype=torch.float32, device=dev)
    if mask is not None:
        mask = mask[:, :seq]
    sm = (mask.stride(0), mask.stride(1)) if mask is not None else (0, 0)
    keep = keys.kept.shape[-1]
    _kernel(interpret)[(b * kv_heads, splits)](
        query,
        keys.pruned,
        keys.kept,
        keys.full,
        values,
        mask if mask is not None else scores,
        m,
        total,
        acc,
        scores,
        n_pruned,
        n_full,
        d,
        keep,
        kv_heads,
        rep,
        float(scaling),
        chunk,
        pruned_chunks,
        *query.stride(),
        *keys.pruned.stride(),
        *keys.kept.stride(),
        *keys.full.stride(),
        *values.stride(),
        *sm,
        *m.stride(),
        *acc.stride(),
        *scores.stride(),
        BLOCK_N=block_n,
        BLOCK_R=block(rep),
        BLOCK_D=block(d),
        BLOCK_K=block(keep),
        HAS_MASK=mask is not None,
        WRITE_SCORES=return_scores,
        PRECISION="ieee" if query.dtype == torch.float32 else "tf32",  # fp32: exact products, not TF32
    )
    # Merge the chunks' softmax states (the flash-decoding reduction).
    weight = torch.exp(m - m.max(dim=-1, keepdim=True).values)
    out = (weight[..., None] * acc).sum(dim=-2) / (weight * total).sum(dim=-1)[..., None]
    out = out.to(query.dtype)
    if squeeze:
        out = out[:, :, None, :]
    return (out, scores) if return_scores else out
