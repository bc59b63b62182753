"""The ThinK Triton decode kernel against the PyTorch reference, on the CPU under
TRITON_INTERPRET=1: the pruned scores q[kept] . K_pruned (and q . K for recent keys), the
whole single-token attention, masks, and the cache's triton backend inside generation.

Not collected directly: Triton reads TRITON_INTERPRET when it is first imported (its own
@jit library functions are built then), and transformers imports Triton, so these run in a
fresh pytest process started by test_think_triton.py with the variable set from the start.
"""

from __future__ import annotations

import copy
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
need("triton")
transformers = need("transformers")

from grounding.serving.think import prune_keys, pruned_attention, pruned_scores  # noqa: E402
from grounding.serving.think_triton import decode_attention  # noqa: E402

D = 16


@pytest.fixture
def interpret():
    if os.environ.get("TRITON_INTERPRET") != "1":
        pytest.fail("run through test_think_triton.py, which sets TRITON_INTERPRET=1 before Triton loads")


def cache(
    batch: int,
    q_heads: int,
    kv_heads: int,
    prompt: int,
    decoded: int,
    ratio: float,
    window: int,
    seed: int = 0,
    dtype=torch.float32,
):
    g = torch.Generator().manual_seed(seed)
    keys = torch.randn(batch, kv_heads, prompt, D, generator=g)
    keys[..., 3] *= 8  # an outlier channel, as in real keys
    pk = prune_keys(torch.randn(batch, q_heads, 8, D, generator=g), keys, ratio, window)
    pk.append(torch.randn(batch, kv_heads, decoded, D, generator=g))
    pk.pruned, pk.full = pk.pruned.to(dtype), pk.full.to(dtype)
    values = torch.randn(batch, kv_heads, prompt + decoded, D, generator=g).to(dtype)
    query = torch.randn(batch, q_heads, 1, D, generator=g).to(dtype)
    return query, pk, values


@pytest.mark.parametrize(
    "shape",
    [
        # batch, q heads, kv heads, prompt, decoded, ratio, window
        (2, 4, 2, 70, 3, 0.5, 8),  # GQA, a partial last block
        (1, 6, 2, 40, 0, 0.3, 8),  # 3 queries per KV head, 11 of 16 channels kept (not a power of 2)
        (1, 14, 2, 45, 2, 0.4, 8),  # 7 queries per KV head (Qwen2.5-VL-7B's grouping), padded to 16 rows
        (1, 2, 2, 5, 2, 0.5, 8),  # prompt inside the window: nothing pruned
        (1, 4, 1, 33, 1, 0.5, 0),  # no window: every prompt key pruned
    ],
)
def test_kernel_matches_the_reference(interpret, shape):
    batch, q_heads, kv_heads, prompt, decoded, ratio, window = shape
    query, pk, values = cache(batch, q_heads, kv_heads, prompt, decoded, ratio, window)
    scale = 1 / math.sqrt(D)
    out, scores = decode_attention(query, pk, values, scale, block_n=16, return_scores=True)
    assert torch.allclose(scores, pruned_scores(query, pk)[:, :, 0], atol=1e-5)
    expected, _ = pruned_attention(query, pk, values, scale)
    assert out.shape == expected.shape
    assert torch.allclose(out, expected, atol=1e-5)


def test_kernel_applies_the_additive_mask_row(interpret):
    query, pk, values = cache(2, 4, 2, 50, 2, 0.5, 8, seed=3)
    mask = torch.zeros(2, 52)
    mask[1, :9] = float("-inf")  # padding of sequence 1, in the pruned part
    mask[0, 45] = float("-inf")  # and one masked recent key
    out = decode_attention(query, pk, values, 0.25, mask)
    expected, _ = pruned_attention(query, pk, values, 0.25, mask[:, None, None, :])
    assert torch.allclose(out, expected, atol=1e-5)
    unmasked = decode_attention(query, pk, values, 0.25)
    assert not torch.allclose(out, unmasked, atol=1e-4)


def test_chunks_merge_like_one_pass_even_when_a_chunk_is_fully_masked(interpret):
    query, pk, values = cache(2, 4, 2, 100, 5, 0.5, 8, seed=5)
    mask = torch.zeros(2, 105)
    mask[1, :40] = float("-inf")  # sequence 1: the whole first 32-key chunk is padding
    out, scores = decode_attention(query, pk, values, 0.25, mask, block_n=16, chunk=32, return_scores=True)
    expected, _ = pruned_attention(query, pk, values, 0.25, mask[:, None, None, :])
    assert not torch.isnan(out).any()
    assert torch.allclose(out, expected, atol=1e-5)
    assert torch.allclose(scores, pruned_scores(query, pk)[:, :, 0], atol=1e-5)
    with pytest.raises(ValueError, match="multiple"):
        decode_attention(query, pk, values, 0.25, chunk=40)


def test_kernel_in_half_precision(interpret):
    query, pk, values = cache(1, 4, 2, 40, 1, 0.5, 8, seed=4, dtype=torch.float16)
    out = decode_attention(query, pk, values, 0.25)
    assert out.dtype == torch.float16
    expected, _ = pruned_attention(query.float(), pk_float(pk), values.float(), 0.25)
    assert torch.allclose(out.float(), expected, atol=2e-3)


def pk_float(pk):
    clone = copy.copy(pk)
    clone.pruned, clone.full = pk.pruned.float(), pk.full.float()
    return clone


def test_cpu_tensors_without_the_interpreter_are_refused(monkeypatch):
    monkeypatch.setenv("TRITON_INTERPRET", "0")
    query, pk, values = cache(1, 2, 2, 20, 0, 0.5, 8)
    with pytest.raises(RuntimeError, match="TRITON_INTERPRET"):
        decode_attention(query, pk, values, 0.25)
    with pytest.raises(ValueError, match="one query token"):
        decode_attention(torch.randn(1, 2, 2, D), pk, values, 0.25)


def test_cache_triton_backend_generates_like_the_torch_backend(interpret):
    from grounding.serving.think_cache import ThinKCache, enable_think

    config = transformers.Qwen2Config(
        vocab_size=96,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=128,
    )
    torch.manual_seed(0)
    model = enable_think(transformers.Qwen2ForCausalLM(config).eval())
    ids = torch.randint(0, 96, (1, 30), generator=torch.Generator().manual_seed(1))
    kwargs = dict(max_new_tokens=3, do_sample=False, output_scores=True, return_dict_in_generate=True)
    with torch.no_grad():
        a = model.generate(ids, cache=ThinKCache(model.config, 0.5, 8, backend="torch"), **kwargs)
        b = model.generate(ids, cache=ThinKCache(model.config, 0.5, 8, backend="triton"), **kwargs)
    assert torch.equal(a.sequences, b.sequences)
    for sa, sb in zip(a.scores, b.scores):
        assert torch.allclose(sa, sb, atol=1e-4)
