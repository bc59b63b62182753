"""Device half of benchmarks/perf/think.py: the Triton kernel on a 7B-like layer, and greedy
decoding of a small Qwen2 with a plain cache against ThinK (tokens/s, KV bytes, peak memory).
Run through `python -m benchmarks.perf.think --device cuda`."""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable

import torch

from grounding.serving.think import prune_keys, pruned_attention

SMALL_QWEN2 = dict(  # Qwen2.5-0.5B geometry, smaller vocabulary (random weights)
    vocab_size=32000,
    hidden_size=896,
    intermediate_size=4864,
    num_hidden_layers=24,
    num_attention_heads=14,
    num_key_value_heads=2,
    max_position_embeddings=32768,
    rope_theta=1e6,
)
TINY_QWEN2 = dict(  # for CPU smoke runs
    vocab_size=512,
    hidden_size=128,
    intermediate_size=256,
    num_hidden_layers=2,
    num_attention_heads=4,
    num_key_value_heads=2,
    max_position_embeddings=4096,
)


def sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def timed(fn: Callable[[], object], device: str, repeat: int = 20) -> float:
    """Median seconds per call, after one warm-up call (compilation, caches)."""
    fn()
    sync(device)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        sync(device)
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def kernel_bench(device: str, ratios: list[float], seq: int = 16384, batch: int = 4) -> None:
    from grounding.serving.think_triton import decode_attention

    q_heads, kv_heads, d = 28, 4, 128
    scale = 1 / math.sqrt(d)
    print(f"\nTriton decode kernel, bf16, batch {batch}, {q_heads}q/{kv_heads}kv heads, d {d}, {seq} keys")
    print(f"{'ratio':>5} {'max|err|':>9} {'triton us':>10} {'torch ref us':>13} {'sdpa full us':>13}")
    g = torch.Generator(device=device).manual_seed(0)
    keys = torch.randn(batch, kv_heads, seq, d, device=device, generator=g, dtype=torch.bfloat16)
    values = torch.randn(batch, kv_heads, seq, d, device=device, generator=g, dtype=torch.bfloat16)
    window = torch.randn(batch, q_heads, 32, d, device=device, generator=g, dtype=torch.bfloat16)
    query = torch.randn(batch, q_heads, 1, d, device=device, generator=g, dtype=torch.bfloat16)
    sdpa = timed(
        lambda: torch.nn.functional.scaled_dot_product_attention(
            query, keys, values, scale=scale, enable_gqa=True
        ),
        device,
    )
    for ratio in ratios:
        pk = prune_keys(window, keys, ratio)
        out = decode_attention(query, pk, values, scale)
        ref, _ = pruned_attention(query.float(), _as_float(pk), values.float(), scale)
        err = (out.float() - ref).abs().max().item()
        tri = timed(lambda pk=pk: decode_attention(query, pk, values, scale), device)
        torch_ref = timed(lambda pk=pk: pruned_attention(query, pk, values, scale), device)
        print(f"{ratio:5.2f} {err:9.2e} {tri * 1e6:10.1f} {torch_ref * 1e6:13.1f} {sdpa * 1e6:13.1f}")


def _as_float(pk):
    clone = copy.copy(pk)
    clone.pruned, clone.full = pk.pruned.float(), pk.full.float()
    return clone


def load_model(device: str, path: str | None, base: str):
    import transformers

    from grounding.serving.think_cache import enable_think

    dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
    if path:
        model = transformers.AutoModelForCausalLM.from_pretrained(path, dtype=dtype, local_files_only=True)
    else:
        geometry = SMALL_QWEN2 if device.startswith("cuda") else TINY_QWEN2
        torch.manual_seed(0)
        model = transformers.Qwen2ForCausalLM(transformers.Qwen2Config(**geometry)).to(dtype)
    model = model.to(device).eval()
    if base == "plain":
        model.set_attn_implementation("sdpa")
    else:
        enable_think(model, base="sdpa")
    return model


def decode_run(model, cache, ids: torch.Tensor, new: int, device: str) -> dict[str, float]:
    """Prefill, then `new` greedy single-token steps; times and memory."""
    if device.startswith("cuda"):
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
    with torch.no_grad():
        sync(device)
        start = time.perf_counter()
        logits = model(input_ids=ids, cache=cache, use_cache=True, logits_to_keep=1).logits[:, -1]
        sync(device)
        prefill = time.perf_counter() - start
        tokens = [logits.argmax(-1)]
        start = time.perf_counter()
        for _ in range(new - 1):
            logits = model(input_ids=tokens[-1][:, None], cache=cache, use_cache=True).logits[:, -1]
            tokens.append(logits.argmax(-1))
        sync(device)
        decode = time.perf_counter() - start
    kv = (
        cache.nbytes()
        if hasattr(cache, "nbytes")
        else sum(layer.keys.nbytes + layer.values.nbytes for layer in cache.layers)
    )
    peak = (torch.cuda.max_memory_allocated() - base) if device.startswith("cuda") else float("nan")
    return dict(
        prefill=prefill,
        tok_s=ids.shape[0] * (new - 1) / decode,
        kv=kv,
        peak=peak,
        tokens=torch.stack(tokens, 1),
    )


def model_bench(
    device: str, ratios: list[float], prompt: int, new: int, batch: int, path: str | None
) -> None:
    import transformers

    from grounding.serving.think_cache import ThinKCache

    plain = load_model(device, path, "plain")
    think = load_model(device, path, "think")
    vocab = plain.config.vocab_size
    ids = torch.randint(0, vocab, (batch, prompt), generator=torch.Generator().manual_seed(0)).to(device)
    print(
        f"\ngreedy decoding, {'weights ' + path if path else 'random weights'}, "
        f"{plain.config.num_hidden_layers} layers, batch {batch}, prompt {prompt}, {new} new tokens, {device}"
    )
    print(f"{'cache':<22} {'prefill s':>9} {'tok/s':>8} {'KV MiB':>8} {'peak MiB':>9} {'same tokens':>11}")
    runs = [("plain DynamicCache", plain, lambda: transformers.DynamicCache())]
    backends = ["torch", "triton"] if device.startswith("cuda") else ["torch"]
    for ratio in [0.0, *ratios]:
        for backend in backends:
            runs.append(
                (
                    f"ThinK {ratio:.1f} {backend}",
                    think,
                    lambda r=ratio, b=backend: ThinKCache(think.config, ratio=r, backend=b),
                )
            )
    reference = None
    for name, model, make in runs:
        result = decode_run(model, make(), ids, new, device)
        if reference is None:
            reference = result["tokens"]
        same = (result["tokens"] == reference).float().mean().item()
        print(
            f"{name:<22} {result['prefill']:9.3f} {result['tok_s']:8.1f} {result['kv'] / 2**20:8.1f} "
            f"{result['peak'] / 2**20:9.1f} {same:11.1%}"
        )
