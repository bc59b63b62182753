"""ThinKCache on a tiny randomly initialised Qwen2 (GQA: 4 query heads, 2 KV heads; no
downloads): ratio 0 is bit-identical to the eager model, pruned decoding equals a plain cache
holding the zeroed keys, byte accounting, per-KV-head masks, greedy generation end to end."""

from __future__ import annotations

import copy
import importlib
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
transformers = need("transformers")

from grounding.serving.think import expected_kv_bytes  # noqa: E402
from grounding.serving.think_cache import ThinKCache, enable_think  # noqa: E402

LAYERS, KVH, D, PROMPT, WINDOW = 2, 2, 16, 40, 8


@pytest.fixture(scope="module")
def models():
    config = transformers.Qwen2Config(
        vocab_size=96,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=LAYERS,
        num_attention_heads=4,
        num_key_value_heads=KVH,
        max_position_embeddings=256,
    )
    torch.manual_seed(0)
    plain = transformers.Qwen2ForCausalLM(copy.deepcopy(config)).eval()  # configs are shared otherwise
    plain.set_attn_implementation("eager")
    think = transformers.Qwen2ForCausalLM(copy.deepcopy(config)).eval()
    think.load_state_dict(plain.state_dict())
    enable_think(think)
    assert plain.config._attn_implementation == "eager"
    return plain, think


def prompt(batch: int = 1, seed: int = 1) -> torch.Tensor:
    return torch.randint(0, 96, (batch, PROMPT), generator=torch.Generator().manual_seed(seed))


def step_logits(model, cache, ids: torch.Tensor, follow: list[int]) -> list[torch.Tensor]:
    """Logits of the prefill's last token, then of each follow-up token fed one at a time."""
    out = []
    with torch.no_grad():
        logits = model(input_ids=ids, cache=cache, use_cache=True).logits[:, -1]
        out.append(logits)
        for token in follow:
            logits = model(input_ids=torch.tensor([[token]]), cache=cache, use_cache=True).logits[:, -1]
            out.append(logits)
    return out


def test_ratio_zero_gives_identical_logits(models):
    plain, think = models
    follow = [3, 50, 7, 91]
    expected = step_logits(plain, transformers.DynamicCache(), prompt(), follow)
    got = step_logits(think, ThinKCache(think.config, ratio=0.0, window=WINDOW), prompt(), follow)
    for a, b in zip(expected, got):
        assert torch.equal(a, b)


def test_pruned_decoding_equals_a_plain_cache_with_the_pruned_channels_zeroed(models):
    plain, think = models
    ids = prompt()
    cache = ThinKCache(think.config, ratio=0.5, window=WINDOW)
    with torch.no_grad():
        think(input_ids=ids, cache=cache, use_cache=True)
    zeroed = transformers.DynamicCache()
    for i, layer in enumerate(cache.layers):
        zeroed.update(layer.pruned.dense(), layer.values, i)
    follow = [5, 17, 60]
    expected = step_logits(plain, zeroed, torch.tensor([[follow[0]]]), follow[1:])
    got = step_logits(think, cache, torch.tensor([[follow[0]]]), follow[1:])
    unpruned = transformers.DynamicCache()
    with torch.no_grad():
        plain(input_ids=ids, cache=unpruned, use_cache=True)
    reference = step_logits(plain, unpruned, torch.tensor([[follow[0]]]), follow[1:])
    for a, b, c in zip(expected, got, reference):
        assert torch.allclose(a, b, atol=1e-5)
        assert not torch.allclose(b, c, atol=1e-5)  # pruning did change the attention


def test_kv_bytes_equal_the_expected_count_and_masks_are_per_kv_head(models):
    _, think = models
    cache = ThinKCache(think.config, ratio=0.5, window=WINDOW)
    new = 6
    with torch.no_grad():
        think.generate(prompt(), cache=cache, max_new_tokens=new, do_sample=False)
    decoded = new - 1  # the last generated token is never fed back
    assert cache.get_seq_length() == PROMPT + decoded
    per_layer = expected_kv_bytes(1, KVH, D, PROMPT, decoded, 0.5, WINDOW, 4)
    assert cache.nbytes() == LAYERS * per_layer
    full = LAYERS * 2 * KVH * D * (PROMPT + decoded) * 4
    assert full - cache.nbytes() == LAYERS * KVH * (PROMPT - WINDOW) * (D // 2) * 4
    assert cache.index_nbytes() == LAYERS * KVH * (D // 2) * 8
    masks = cache.masks()
    assert all(m.shape == (1, KVH, D) and torch.all(m.sum(-1) == D // 2) for m in masks)
    assert any(not torch.equal(m[0, 0], m[0, 1]) for m in masks)  # heads choose differently


def test_greedy_generation_runs_end_to_end_and_matches_plain_at_ratio_zero(models):
    plain, think = models
    ids = prompt(seed=4)
    with torch.no_grad():
        expected = plain.generate(ids, max_new_tokens=10, do_sample=False)
        same = think.generate(
            ids, cache=ThinKCache(think.config, ratio=0.0, window=WINDOW), max_new_tokens=10, do_sample=False
        )
        pruned = think.generate(
            ids, cache=ThinKCache(think.config, ratio=0.5, window=WINDOW), max_new_tokens=10, do_sample=False
        )
    assert torch.equal(same, expected)
    assert pruned.shape == expected.shape and torch.equal(pruned[:, :PROMPT], ids)


def test_batched_generation_with_left_padding(models):
    plain, think = models
    ids = prompt(batch=2, seed=5)
    attention = torch.ones_like(ids)
    attention[1, :6] = 0  # sequence 1 is left-padded
    kwargs = dict(attention_mask=attention, max_new_tokens=5, do_sample=False, pad_token_id=0)
    with torch.no_grad():
        expected = plain.generate(ids, **kwargs)
        same = think.generate(ids, cache=ThinKCache(think.config, ratio=0.0, window=WINDOW), **kwargs)
        cache = ThinKCache(think.config, ratio=0.3, window=WINDOW)
        pruned = think.generate(ids, cache=cache, **kwargs)
    assert torch.equal(same, expected)
    assert pruned.shape == expected.shape
    assert cache.masks()[0].shape == (2, KVH, D)


def test_without_a_cache_the_think_attention_is_plain_eager(models):
    plain, think = models
    with torch.no_grad():
        a = plain(input_ids=prompt(), use_cache=False).logits
        b = think(input_ids=prompt(), use_cache=False).logits
    assert torch.equal(a, b)


def test_cache_refuses_a_model_not_switched_to_think_attention(models):
    plain, think = models
    with pytest.raises(ValueError, match="enable_think"):
        ThinKCache(plain.config)
    with pytest.raises(ValueError, match="ratio"):
        ThinKCache(think.config, ratio=1.5)
    with pytest.raises(ValueError, match="backend"):
        ThinKCache(think.config, backend="cuda")


@pytest.fixture(scope="module")
def sdpa_models(models):
    plain, _ = models
    sdpa = transformers.Qwen2ForCausalLM(copy.deepcopy(plain.config)).eval()
    sdpa.load_state_dict(plain.state_dict())
    sdpa.set_attn_implementation("sdpa")
    think = transformers.Qwen2ForCausalLM(copy.deepcopy(plain.config)).eval()
    think.load_state_dict(plain.state_dict())
    enable_think(think, base="sdpa")
    return sdpa, think


def test_sdpa_base_is_identical_to_the_sdpa_model_at_ratio_zero(sdpa_models):
    sdpa, think = sdpa_models
    assert think.config._attn_implementation == "think_sdpa"
    follow = [8, 2, 77]
    expected = step_logits(sdpa, transformers.DynamicCache(), prompt(), follow)
    got = step_logits(think, ThinKCache(think.config, ratio=0.0, window=WINDOW), prompt(), follow)
    for a, b in zip(expected, got):
        assert torch.equal(a, b)


def test_pruned_decoding_agrees_across_bases_and_chunked_feeding(models, sdpa_models):
    _, eager_think = models
    _, sdpa_think = sdpa_models
    follow = [9, 33, 70]
    by_eager = step_logits(
        eager_think, ThinKCache(eager_think.config, ratio=0.5, window=WINDOW), prompt(), follow
    )
    by_sdpa = step_logits(
        sdpa_think, ThinKCache(sdpa_think.config, ratio=0.5, window=WINDOW), prompt(), follow
    )
    for a, b in zip(by_eager, by_sdpa):
        assert torch.allclose(a, b, atol=1e-5)
    for model in (eager_think, sdpa_think):  # three tokens at once over the pruned cache: causal among them
        cache = ThinKCache(model.config, ratio=0.5, window=WINDOW)
        with torch.no_grad():
            model(input_ids=prompt(), cache=cache, use_cache=True)
            chunk = model(input_ids=torch.tensor([follow]), cache=cache, use_cache=True).logits[0]
        assert torch.allclose(chunk[0], by_eager[1][0], atol=1e-5)
        assert torch.allclose(chunk[2], by_eager[3][0], atol=1e-5)
