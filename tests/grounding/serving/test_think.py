"""ThinK reference (grounding/serving/think.py): channel scores, per-KV-head masks under GQA,
pruned storage and its bytes, pruned attention against attention with zeroed channels."""

from __future__ import annotations

import importlib
import math
import os

import pytest


def need(module: str):
    try:
        return importlib.import_module(module)
    except ImportError:
        message = f"{module} missing (pip install -e '.[think]')"
        if os.environ.get("CI"):  # CI installs the think extra: a missing one is a failure
            pytest.fail(message, pytrace=False)
        pytest.skip(message, allow_module_level=True)


torch = need("torch")

from grounding.serving.think import (  # noqa: E402
    PrunedKeys,
    channel_scores,
    dense_attention,
    dropped_channels,
    expected_kv_bytes,
    kept_mask,
    prune_keys,
    pruned_attention,
    pruned_scores,
    select_channels,
)

B, QH, KVH, D = 2, 4, 2, 16


def qkv(n: int, w: int = 8, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    return (
        torch.randn(B, QH, w, D, generator=g),
        torch.randn(B, KVH, n, D, generator=g),
        torch.randn(B, KVH, n, D, generator=g),
    )


def test_score_is_the_frobenius_norm_of_the_groups_query_key_channel_product():
    q, k, _ = qkv(20)
    scores = channel_scores(q, k)
    assert scores.shape == (B, KVH, D)
    rep = QH // KVH
    for b in range(B):
        for g in range(KVH):
            group = q[b, g * rep : (g + 1) * rep].reshape(-1, D)  # all queries of the group's heads
            for j in range(D):
                explicit = torch.linalg.norm(torch.outer(group[:, j], k[b, g, :, j]))
                assert scores[b, g, j] == pytest.approx(explicit.item(), rel=1e-5)
    # the same ranking as mean(q_j^2) * mean(k_j^2)
    means = q.pow(2).view(B, KVH, rep, -1, D).mean(dim=(2, 3)) * k.pow(2).mean(dim=2)
    assert torch.equal(scores.argsort(-1), means.argsort(-1))


@pytest.mark.parametrize("ratio,dropped", [(0.0, 0), (0.3, 4), (0.4, 6), (0.5, 8)])
def test_drops_floor_ratio_times_head_dim_lowest_channels_per_kv_head(ratio, dropped):
    assert dropped_channels(D, ratio) == dropped
    scores = torch.rand(B, KVH, D)
    kept = select_channels(scores, ratio)
    assert kept.shape == (B, KVH, D - dropped)
    assert torch.all(kept[..., 1:] > kept[..., :-1])  # ascending, no repeats
    mask = kept_mask(kept, D)
    for b in range(B):
        for g in range(KVH):
            threshold = scores[b, g].sort().values[dropped]
            assert torch.equal(mask[b, g], scores[b, g] >= threshold)


def test_masks_are_per_kv_head_and_aggregate_the_query_heads_of_a_group():
    q = torch.ones(1, QH, 4, D)
    k = torch.ones(1, KVH, 10, D)
    k[0, 0, :, 0:4] = 10.0  # KV head 0 has outliers in channels 0-3, KV head 1 in 8-11
    k[0, 1, :, 8:12] = 10.0
    q[0, 1, :, 5] = 50.0  # query head 1 (group of KV head 0) leans on channel 5
    q[0, 2, :, 6] = 0.0  # query head 2 (group of KV head 1) ignores channel 6 ...
    q[0, 3, :, 6] = 0.0  # ... and so does query head 3: channel 6 is useless for KV head 1
    mask = kept_mask(select_channels(channel_scores(q, k), 0.5), D)
    assert mask.shape == (1, KVH, D)  # one mask per KV head, not per query head
    assert mask[0, 0, 0:4].all() and mask[0, 1, 8:12].all()
    assert mask[0, 0, 5] and not mask[0, 1, 5]
    assert not mask[0, 1, 6]
    assert not torch.equal(mask[0, 0], mask[0, 1])


def test_pruned_storage_really_holds_fewer_bytes():
    q, k, v = qkv(40)
    pk = prune_keys(q, k, 0.5, window=8)
    assert pk.pruned.shape == (B, KVH, 32, 8) and pk.full.shape == (B, KVH, 8, D)
    assert pk.pruned.untyped_storage().nbytes() == pk.pruned.nbytes  # a copy, not a view of k
    assert pk.nbytes() + v.nbytes == expected_kv_bytes(B, KVH, D, 40, 0, 0.5, 8, 4)
    assert pk.nbytes() == k.nbytes * (32 * 8 + 8 * 16) // (40 * 16)
    pk.append(torch.randn(B, KVH, 3, D))  # decoded keys stay full width
    assert pk.seq_len == 43 and pk.full.shape[-2] == 11
    assert pk.nbytes() + 43 * B * KVH * D * 4 == expected_kv_bytes(B, KVH, D, 40, 3, 0.5, 8, 4)


def test_short_prompt_inside_the_window_is_not_pruned():
    q, k, _ = qkv(5)
    pk = prune_keys(q, k, 0.5, window=8)
    assert pk.pruned.shape[-2] == 0 and torch.equal(pk.full, k)
    assert expected_kv_bytes(1, 1, D, 5, 0, 0.5, 8, 2) == 2 * 5 * D * 2


def zeroed_old_keys(k: torch.Tensor, mask: torch.Tensor, window: int) -> torch.Tensor:
    """Independent construction: the dropped channels of keys before the window set to 0."""
    out = k.clone()
    split = k.shape[-2] - window
    out[:, :, :split, :] *= mask[:, :, None, :].to(k.dtype)
    return out


@pytest.mark.parametrize("ratio", [0.3, 0.5])
def test_pruned_attention_equals_attention_with_the_pruned_channels_zeroed(ratio):
    q, k, v = qkv(40, seed=1)
    pk = prune_keys(q, k, ratio, window=8)
    new_k, new_v = torch.randn(B, KVH, 2, D), torch.randn(B, KVH, 2, D)
    pk.append(new_k)
    values = torch.cat([v, new_v], dim=-2)
    keys_zeroed = torch.cat([zeroed_old_keys(k, pk.mask(), 8), new_k], dim=-2)
    assert torch.equal(pk.dense(), keys_zeroed)
    query = torch.randn(B, QH, 1, D)
    scale = 1 / math.sqrt(D)  # the full head size, not the kept one
    out, weights = pruned_attention(query, pk, values, scale)
    assert torch.allclose(out, dense_attention(query, keys_zeroed, values, scale), atol=1e-6)
    assert torch.allclose(weights.sum(-1), torch.ones(B, QH, 1))
    # it is not plain attention: the old keys did lose channels, the recent ones did not
    full = torch.cat([k, new_k], dim=-2)
    assert not torch.allclose(out, dense_attention(query, full, values, scale), atol=1e-4)
    all_zeroed = full * pk.mask()[:, :, None, :].to(full.dtype)
    assert not torch.allclose(out, dense_attention(query, all_zeroed, values, scale), atol=1e-4)


def test_pruned_attention_applies_an_additive_mask_in_position_order():
    q, k, v = qkv(30, seed=2)
    pk = prune_keys(q, k, 0.5, window=8)
    mask = torch.zeros(B, 1, 3, 30)
    mask[0, :, :, :4] = float("-inf")  # left padding of sequence 0 (pruned part)
    mask[:, :, 0, -2:] = float("-inf")  # causal tail inside the recent window
    query = torch.randn(B, QH, 3, D)
    out, weights = pruned_attention(query, pk, v, 0.25, mask)
    assert torch.allclose(out, dense_attention(query, pk.dense(), v, 0.25, mask), atol=1e-6)
    assert torch.all(weights[0, :, :, :4] == 0) and torch.all(weights[:, :, 0, -2:] == 0)


def test_ratio_zero_keeps_every_channel_and_matches_plain_attention():
    q, k, v = qkv(24)
    pk = prune_keys(q, k, 0.0, window=4)
    assert torch.equal(pk.kept, torch.arange(D).expand(B, KVH, D))
    query = torch.randn(B, QH, 1, D)
    assert torch.allclose(
        pruned_scores(query, pk), query @ k.repeat_interleave(2, dim=1).transpose(-1, -2), atol=1e-6
    )
    out, _ = pruned_attention(query, pk, v, 0.25)
    assert torch.allclose(out, dense_attention(query, k, v, 0.25), atol=1e-6)


def test_bad_input_is_refused_clearly():
    with pytest.raises(ValueError, match="ratio"):
        dropped_channels(D, 1.0)
    with pytest.raises(ValueError, match="ratio"):
        dropped_channels(D, -0.1)
    with pytest.raises(ValueError, match="grouped"):
        channel_scores(torch.randn(1, 3, 4, D), torch.randn(1, 2, 4, D))
    with pytest.raises(ValueError, match="window"):
        prune_keys(torch.randn(1, 4, 4, D), torch.randn(1, 2, 4, D), 0.5, window=-1)
    assert isinstance(prune_keys(*qkv(12)[:2], 0.5), PrunedKeys)
