"""Loop Breaker figures (prints them; not a test).

    .venv/bin/python -m benchmarks.perf.loop_breaker [--no-episodes] [--no-baseline] [--repeat 50]

1. Episodes (benchmarks/perf/loop_episodes.py) on a real 1024x768 desktop through the graph
   with the scripted model: false-veto rate over the legitimate-repetition episodes (target
   0) and how many score 1; detection rate and steps-to-veto over the real loops. Baseline,
   same desktop, same process: the same episodes with the change verdict switched off, so
   the coarse 32x36 fingerprints decide "did anything change" as before issue 18.
2. The change detector's cost per step at 1920x1080 (target <= 10 ms): what the server runs
   once per /act after settling (envs/server/settle.compare: before vs settled frame, the
   idle reference, the caret), on real frames of a 1080p desktop with mousepad: nothing
   changed, a caret blink, one letter, the caret moved a line, a dialog. Baselines in the
   same process: settle's per-frame changed_pixels (what every settle poll already pays)
   and the coarse fingerprint (agent/fingerprint.screen_hash, PNG decode included).
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from agent import screen_change
from agent.fingerprint import screen_hash
from benchmarks.perf import loop_episodes as le
from envs.actions import Hotkey, SettleSpec, TypeText
from envs.local import LocalDesktop
from envs.server.settle import changed_pixels, compare


def episodes(baseline: bool) -> dict[str, Any]:
    by_id = le.tasks()
    out: dict[str, Any] = {}
    with LocalDesktop(1024, 768) as desktop, desktop.client() as client, tempfile.TemporaryDirectory() as tmp:
        runs: list[tuple[str, Any]] = [("detector", None)]
        if baseline:
            runs.append(("coarse fingerprints only (before)", lambda *args: None))
        for label, verdict in runs:
            original = screen_change.verdict
            if verdict is not None:
                screen_change.verdict = verdict
            try:
                results = [
                    le.run(client, by_id[e.task_id], e, Path(tmp) / label[:8] / e.name) for e in le.EPISODES
                ]
            finally:
                screen_change.verdict = original
            out[label] = le.summary(results)
    return out


def _raw(png: bytes) -> bytes:
    """A screenshot as the server's raw frame: 4 bytes a pixel."""
    with Image.open(io.BytesIO(png)) as image:
        return image.convert("RGBA").tobytes()


def _time(fn, repeat: int) -> float:
    fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def detector_cost(repeat: int) -> dict[str, Any]:
    with LocalDesktop(1920, 1080) as desktop, desktop.client() as client:
        (desktop.home / "bench.txt").write_text(
            "".join(f"line {i} of the benchmark text\n" for i in range(40))
        )
        client.launch(["mousepad", "/home/user/bench.txt"])
        for _ in range(100):
            if "bench.txt" in client.execute(["wmctrl", "-l"]).output:
                break
            time.sleep(0.1)
        client.activate_window("bench.txt")
        client.act([Hotkey(keys=["ctrl", "Home"])], settle=SettleSpec())
        shots = {"start": client.screenshot()}
        client.act([TypeText(text="x")], settle=SettleSpec())
        shots["letter"] = client.screenshot()
        client.act([Hotkey(keys=["Down"])], settle=SettleSpec())
        shots["line"] = client.screenshot()
        client.act([Hotkey(keys=["ctrl", "f"])], settle=SettleSpec())
        shots["dialog"] = client.screenshot()
        client.act([Hotkey(keys=["Escape"]), Hotkey(keys=["ctrl", "z"]), Hotkey(keys=["ctrl", "s"])])
        client.close_window("bench.txt")
    size = (1920, 1080)
    start = _raw(shots["start"])
    frame = np.frombuffer(start, np.uint32).reshape(1080, 1920).copy()
    frame[300:318, 200] = 0xFF000000  # a caret bar, on in `before` and off after
    blink = frame.tobytes()
    letter, line, dialog = _raw(shots["letter"]), _raw(shots["line"]), _raw(shots["dialog"])
    # (before, after, reference): the reference is the frame the previous action settled
    # on, usually `before` itself; one case has the caret blink while idle.
    cases: dict[str, tuple[bytes, bytes, bytes]] = {
        "nothing": (start, bytes(bytearray(start)), start),
        "caret blink during the action": (blink, start, blink),
        "one letter": (start, letter, start),
        "one letter, caret blinked while idle": (start, letter, blink),
        "caret one line": (letter, line, letter),
        "dialog": (line, dialog, line),
    }
    out: dict[str, Any] = {}
    for name, (before, after, reference) in cases.items():
        change, _ = compare(before, after, size, reference=reference)
        cost = _time(lambda b=before, a=after, r=reference: compare(b, a, size, reference=r), repeat)
        out[name] = {"ms": round(cost, 2), "pixels": change.pixels, "boxes": len(change.boxes)}
    out["baseline: settle changed_pixels per frame, ms"] = round(
        _time(lambda: changed_pixels(start, letter), repeat), 2
    )
    out["baseline: coarse fingerprint (PNG decode + grid), ms"] = round(
        _time(lambda: screen_hash(shots["letter"]), max(5, repeat // 5)), 2
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-episodes", action="store_true")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    figures: dict[str, Any] = {"detector cost at 1920x1080": detector_cost(args.repeat)}
    if not args.no_episodes:
        figures["episodes"] = episodes(not args.no_baseline)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
