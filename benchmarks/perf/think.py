"""ThinK key-channel pruning: KV bytes saved and attention error, against random-channel and
magnitude-only (key norm) pruning (prints figures).

    .venv/bin/python -m benchmarks.perf.think [--ratios 0.3 0.5] [--seq 4096] [--seeds 4]
    .venv/bin/python -m benchmarks.perf.think --device cuda [--prompt 8192 --new 128 --batch 4]
    .venv/bin/python -m benchmarks.perf.think --device cpu --model-bench --prompt 256 --new 16  # smoke

Accuracy part (any device): synthetic attention heads with Qwen2.5-VL-7B geometry (28 query
heads over 4 KV heads, head_dim 128, RoPE theta 1e6) whose keys have what LLM keys show: a
few channel pairs with 10-20x magnitude and a per-channel bias, on a log-normal spread of
channel scales. Two query populations: "isotropic" (query channels of similar size, where
ThinK's score reduces to key magnitude) and "structured" (query channel scales log-normal,
some key outlier channels ignored by the queries), the case ThinK is designed for.
Channels are chosen from the observation window (the last 32 prompt queries); the error is
measured on the following decode queries, over the prompt keys, against full attention.

--device cuda: the Triton kernel against the reference on a 7B-like layer (error, time per
call against the PyTorch path and dense SDPA), then a small Qwen2 (Qwen2.5-0.5B geometry,
random weights unless --model PATH names local weights) decoding greedily with a plain
DynamicCache and with ThinK: prefill s, decode tokens/s, KV bytes and peak memory.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time

import torch

from grounding.serving.think import (
    DEFAULT_WINDOW,
    channel_scores,
    dense_attention,
    expected_kv_bytes,
    prune_keys,
    pruned_attention,
    select_channels,
)

Q_HEADS, KV_HEADS, HEAD_DIM, THETA = 28, 4, 128, 1e6
METHODS = ("think", "magnitude", "random")


def rope(x: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
    """Qwen2's rotate-half RoPE on [..., n, d]."""
    d = x.shape[-1]
    inv = 1.0 / THETA ** (torch.arange(0, d, 2, dtype=torch.float64) / d)
    angles = positions[:, None].double() * inv[None, :]
    cos, sin = torch.cat([angles.cos()] * 2, -1).float(), torch.cat([angles.sin()] * 2, -1).float()
    half = torch.cat([-x[..., d // 2 :], x[..., : d // 2]], dim=-1)
    return x * cos + half * sin


def synthetic_layer(seed: int, seq: int, decode: int, queries: str, device: str):
    """(window queries, decode queries, keys, values), post-RoPE, float32."""
    g = torch.Generator().manual_seed(seed)
    d, rep, half = HEAD_DIM, Q_HEADS // KV_HEADS, HEAD_DIM // 2

    def lognormal(*shape, sigma):
        return torch.exp(sigma * torch.randn(*shape, generator=g))

    k_scale = lognormal(KV_HEADS, half, sigma=0.5)
    k_bias = 0.3 * torch.randn(KV_HEADS, half, generator=g)
    q_scale = torch.ones(KV_HEADS, half) if queries == "isotropic" else lognormal(KV_HEADS, half, sigma=0.75)
    for h in range(KV_HEADS):  # 4 outlier pairs per head, in the low-frequency (slow-rotating) dims
        pairs = half // 2 + torch.randperm(half // 2, generator=g)[:4]
        k_scale[h, pairs] *= 10 + 10 * torch.rand(4, generator=g)
        k_bias[h, pairs] = 0.8 * k_scale[h, pairs]
        if queries == "structured":  # the queries use half of them strongly and ignore the rest
            q_scale[h, pairs[:2]] *= 3.0
            q_scale[h, pairs[2:]] *= 0.05
    k_scale, k_bias, q_scale = (torch.cat([t, t], -1) for t in (k_scale, k_bias, q_scale))  # RoPE pairs
    positions = torch.arange(seq + decode)
    keys = k_bias[None, :, None, :] + k_scale[None, :, None, :] * torch.randn(
        1, KV_HEADS, seq, d, generator=g
    )
    head_jitter = lognormal(Q_HEADS, d, sigma=0.25)
    q_scale = q_scale.repeat_interleave(rep, 0) * head_jitter
    q = q_scale[None, :, None, :] * torch.randn(1, Q_HEADS, seq + decode, d, generator=g) / math.sqrt(d)
    keys, q = rope(keys, positions[:seq]), rope(q, positions)
    values = torch.randn(1, KV_HEADS, seq, d, generator=g)
    window = q[:, :, seq - DEFAULT_WINDOW : seq]
    return tuple(t.to(device) for t in (window, q[:, :, seq:], keys, values))


def choose(method: str, window: torch.Tensor, keys: torch.Tensor, ratio: float, seed: int) -> torch.Tensor:
    if method == "think":
        scores = channel_scores(window, keys)
    elif method == "magnitude":
        scores = keys.float().pow(2).sum(-2).sqrt()
    else:
        g = torch.Generator().manual_seed(10_000 + seed)
        scores = torch.rand(keys.shape[0], keys.shape[1], keys.shape[-1], generator=g).to(keys.device)
    return select_channels(scores, ratio)


def accuracy(ratios: list[float], seq: int, seeds: int, decode: int, device: str) -> None:
    scale = 1 / math.sqrt(HEAD_DIM)
    print(
        f"\nattention-output relative error, {Q_HEADS}q/{KV_HEADS}kv heads, head_dim {HEAD_DIM}, "
        f"{seq} prompt keys, window {DEFAULT_WINDOW}, {decode} decode queries x {seeds} seeds"
    )
    print(f"{'queries':<11} {'ratio':>5} " + " ".join(f"{m + ' mean':>15} {'p95':>7}" for m in METHODS))
    for queries in ("isotropic", "structured"):
        for ratio in ratios:
            errors: dict[str, list[float]] = {m: [] for m in METHODS}
            for seed in range(seeds):
                window, dec, keys, values = synthetic_layer(seed, seq, decode, queries, device)
                reference = dense_attention(dec, keys, values, scale)
                for method in METHODS:
                    kept = choose(method, window, keys, ratio, seed)
                    out, _ = pruned_attention(
                        dec, prune_keys(window, keys, ratio, DEFAULT_WINDOW, kept=kept), values, scale
                    )
                    rel = (out - reference).norm(dim=-1) / reference.norm(dim=-1)
                    errors[method].extend(rel.flatten().tolist())
            cells = []
            for method in METHODS:
                values_ = sorted(errors[method])
                cells.append(
                    f"{statistics.fmean(values_):15.4f} {values_[int(0.95 * (len(values_) - 1))]:7.4f}"
                )
            print(f"{queries:<11} {ratio:5.2f} " + " ".join(cells))


def memory(ratios: list[float]) -> None:
    print("\nKV bytes (bf16), Qwen2.5-VL-7B geometry: 28 layers, 4 KV heads, head_dim 128, window 32")
    print(f"{'context':>8} {'ratio':>5} {'full MiB':>9} {'ThinK MiB':>10} {'saved':>6} {'keys saved':>10}")
    for context in (4096, 16384):
        full = 28 * expected_kv_bytes(1, KV_HEADS, HEAD_DIM, context, 0, 0.0, DEFAULT_WINDOW, 2)
        for ratio in ratios:
            think = 28 * expected_kv_bytes(1, KV_HEADS, HEAD_DIM, context, 0, ratio, DEFAULT_WINDOW, 2)
            saved = full - think
            print(
                f"{context:8d} {ratio:5.2f} {full / 2**20:9.1f} {think / 2**20:10.1f} {saved / full:6.1%} "
                f"{saved / (full / 2):10.1%}"
            )
    print(
        "(every method prunes the same number of channels: the bytes are the same for all three;"
        " kept-channel indices add 28 x 4 x kept x 8 bytes, under 0.1 MiB)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ratios", type=float, nargs="+", default=[0.3, 0.5])
    parser.add_argument("--seq", type=int, default=4096, help="prompt keys per synthetic head")
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--decode", type=int, default=32, help="decode queries scored per seed")
    parser.add_argument("--device", default="cpu")
    parser.add_argument(
        "--model-bench",
        action="store_true",
        help="also run the model decode benchmark (always on with --device cuda)",
    )
    parser.add_argument("--model", default=None, help="local path of Qwen2-style weights (no downloads)")
    parser.add_argument("--prompt", type=int, default=8192)
    parser.add_argument("--new", type=int, default=128)
    parser.add_argument("--batch", type=int, default=4)
    args = parser.parse_args()
    start = time.perf_counter()
    memory(args.ratios)
    accuracy(args.ratios, args.seq, args.seeds, args.decode, args.device)
    if args.device.startswith("cuda") or args.model_bench:
        from benchmarks.perf.think_device import kernel_bench, model_bench

        if args.device.startswith("cuda"):
            kernel_bench(args.device, args.ratios)
        model_bench(args.device, args.ratios, args.prompt, args.new, args.batch, args.model)
    print(f"\n({time.perf_counter() - start:.1f} s)")


if __name__ == "__main__":
    main()
