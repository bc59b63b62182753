"""Desktop protocol speed on a local 1920x1080 desktop (prints figures; not a test).

    .venv/bin/python -m benchmarks.perf.desktop [--runs 30] [--width 1920 --height 1080]

Median and p95 of /screenshot, /accessibility (mousepad open), /execute (no-op),
/act click, and one full agent step (act + settle + screenshot) on a screen that
changes at once; beside it the same step with OSWorld's fixed 2 s pause.
Targets: screenshot <= 50 ms median; full step <= 0.5 s median.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Callable

from envs.actions import Click, SettleSpec, TypeText
from envs.local import LocalDesktop


def measure(fn: Callable[[], object], runs: int) -> list[float]:
    fn()  # warm-up: first-call costs (imports, X connections) are not the steady state
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--fixed-runs", type=int, default=5, help="runs of the 2 s fixed-pause step")
    parser.add_argument("--width", type=int, default=1920)
    parser.add_argument("--height", type=int, default=1080)
    args = parser.parse_args()

    with LocalDesktop(args.width, args.height) as desktop:
        client = desktop.client()
        client.upload_file("/home/user/bench.txt", b"")
        client.launch(["mousepad", "/home/user/bench.txt"])
        deadline = time.monotonic() + 30
        while "bench.txt" not in client.execute(["wmctrl", "-l"]).output:
            if time.monotonic() > deadline:
                raise SystemExit("mousepad did not open")
            time.sleep(0.1)
        time.sleep(1.0)
        width, height = client.screen_size()
        centre = Click(x=width // 2, y=height // 2)
        client.act([centre])  # focus the editor's text area

        def step_settle() -> None:
            client.act([TypeText(text="x")], settle=SettleSpec())
            client.screenshot()

        def step_fixed() -> None:
            client.act([TypeText(text="x")])
            time.sleep(2.0)  # OSWorld's default pause after each action
            client.screenshot()

        rows = [
            ("/screenshot", measure(client.screenshot, args.runs)),
            ("/accessibility (mousepad)", measure(client.accessibility_tree, args.runs)),
            ("/execute (no-op)", measure(lambda: client.execute(["true"]), args.runs)),
            ("/act click", measure(lambda: client.act([centre]), args.runs)),
            ("step: act + settle + screenshot", measure(step_settle, args.runs)),
            ("step: act + fixed 2 s + screenshot", measure(step_fixed, args.fixed_runs)),
        ]
        settle = client.act([TypeText(text="y")], settle=SettleSpec()).settle
        nodes = client.accessibility_tree().count("<")

    print(f"desktop {args.width}x{args.height}, {args.runs} runs each "
          f"({args.fixed_runs} for the fixed pause); a11y tree ~{nodes} elements")
    print(f"{'operation':38} {'median ms':>10} {'p95 ms':>10}")
    for name, values in rows:
        print(f"{name:38} {statistics.median(values) * 1000:10.1f} {p95(values) * 1000:10.1f}")
    if settle:
        print(f"settle after typing one character: {settle.seconds * 1000:.0f} ms, "
              f"{settle.frames} frames, changed={settle.changed}")


if __name__ == "__main__":
    main()
