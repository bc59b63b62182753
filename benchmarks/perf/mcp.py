"""What the MCP door adds per tool call (prints figures; not a test).

    .venv/bin/python -m benchmarks.perf.mcp [--runs 40] [--width 1280 --height 800]

One local desktop; `agent mcp --desktop <its URL>` as a subprocess, driven over stdio by
the SDK's own client. Median and p95 of `screenshot` and `act` (a click, settle off)
through MCP, beside the same calls straight over the HTTP protocol (envs.client.
DesktopClient) in this same process, interleaved call by call so load on the machine
hits both alike. Target: <= 10 ms added per call (median).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio

from envs.actions import Click
from envs.local import LocalDesktop

REPO = Path(__file__).resolve().parents[2]


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def row(name: str, times: list[float]) -> str:
    return f"  {name:<28} median {statistics.median(times) * 1000:7.1f} ms   p95 {p95(times) * 1000:7.1f} ms"


async def paired(
    runs: int, direct: Callable[[], Any], via_mcp: Callable[[], Awaitable[Any]]
) -> tuple[list[float], list[float]]:
    direct()
    await via_mcp()  # warm-up: first-call costs are not the steady state
    straight, mcp = [], []
    for _ in range(runs):
        start = time.perf_counter()
        await anyio.to_thread.run_sync(direct)  # a thread, as the server runs it: fair to both
        straight.append(time.perf_counter() - start)
        start = time.perf_counter()
        result = await via_mcp()
        mcp.append(time.perf_counter() - start)
        if result.is_error:
            raise SystemExit(f"MCP call failed: {result.content}")
    return straight, mcp


async def bench(desktop: LocalDesktop, runs: int) -> None:
    from mcp import Client, StdioServerParameters

    client = desktop.client()
    x, y = desktop.width // 2, desktop.height - 5
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "agent.cli", "mcp", "--desktop", desktop.url],
        env={"DESKPILOT_DESKTOP_TOKEN": desktop.token, "PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        cwd=str(REPO),
    )
    async with Client(params) as session:
        figures = {}
        figures["screenshot"] = await paired(
            runs, client.screenshot, lambda: session.call_tool("screenshot", {})
        )
        figures["act (click)"] = await paired(
            runs,
            lambda: client.act([Click(x=x, y=y)]),
            lambda: session.call_tool("act", {"action": {"type": "click", "x": x, "y": y}, "settle": False}),
        )
    print(f"MCP over stdio vs DesktopClient over HTTP, {desktop.width}x{desktop.height}, {runs} runs each")
    for name, (straight, mcp) in figures.items():
        print(f"{name}:")
        print(row("DesktopClient (HTTP)", straight))
        print(row("MCP stdio tool call", mcp))
        added = statistics.median(mcp) - statistics.median(straight)
        print(
            f"  added by MCP: median {added * 1000:+.1f} ms, p95 {(p95(mcp) - p95(straight)) * 1000:+.1f} ms"
            f"  (target <= 10 ms: {'met' if added <= 0.010 else 'NOT met'})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=800)
    args = parser.parse_args()
    with LocalDesktop(args.width, args.height) as desktop:
        anyio.run(bench, desktop, args.runs)


if __name__ == "__main__":
    main()
