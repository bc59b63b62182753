"""Desktop protocol speed on a local 1920x1080 desktop (prints figures; not a test).

    .venv/bin/python -m benchmarks.perf.desktop [--runs 30] [--width 1920 --height 1080] [--skip-heavy]

1. A busy, photo-like screen (benchmarks/perf/busy_screen.py as the root background):
   PNG at the old settings (Pillow, zlib level 1) against the new encoder (Up filter +
   zlib-ng), JPEG and WebP, capture included, interleaved in one process inside the
   desktop; then GET /screenshot in each format over HTTP.
2. With mousepad open: /screenshot, /accessibility, /execute (no-op), /act click, one
   full agent step (act + settle + screenshot) and the same step with OSWorld's fixed
   2 s pause; the libatspi walker against the pipelined one in one process.
3. Heavy trees (LibreOffice Calc with a filled sheet, Chromium with a page of thousands
   of nodes): both walkers under the server's default bounds (5,000 nodes / 5 s).
Targets: busy-screen PNG <= 100 ms, JPEG <= 30 ms; a11y (mousepad) <= 150 ms; full step
<= 0.5 s (medians).
"""

from __future__ import annotations

import argparse
import functools
import json
import statistics
import time
from collections.abc import Callable

from benchmarks.perf import busy_screen
from envs.actions import Click, SettleSpec, TypeText
from envs.client import DesktopClient
from envs.local import LocalDesktop

BIG_PAGE_ITEMS = 1500  # ~6,000 accessible nodes in Chromium


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


def in_desktop(client: DesktopClient, code: str, timeout: float = 600) -> dict:
    out = client.run_python(code, timeout=timeout)
    if not out.ok:
        raise SystemExit(f"benchmark code failed in the desktop:\n{out.error[-2000:]}")
    return json.loads(out.output.strip().splitlines()[-1])


def wait_window(
    client: DesktopClient, title: str, timeout: float = 120, dismiss: tuple[str, ...] = ()
) -> None:
    deadline = time.monotonic() + timeout
    while True:
        listing = client.execute(["wmctrl", "-l"]).output
        for dialog in dismiss:
            if dialog in listing:
                client.execute(["wmctrl", "-c", dialog])
        if title in listing and not any(d in listing for d in dismiss):
            return
        if time.monotonic() > deadline:
            raise SystemExit(f"no window {title!r} after {timeout:g} s")
        time.sleep(0.5)


def a11y_rows(client: DesktopClient, label: str, runs: int) -> list[str]:
    r = in_desktop(client, busy_screen.TIME_A11Y.format(limits="", runs=runs))
    return [
        f"{label + ' old (libatspi)':44} {r['old'][0]:10.1f}   {r['old'][1]:6} nodes, cut: {r['old'][2]}",
        f"{label + ' new (pipelined)':44} {r['new'][0]:10.1f}   {r['new'][1]:6} nodes, cut: {r['new'][2]}",
        f"{label + ' new, first walk (no cache)':44} {r['new_cold_ms']:10.1f}",
    ]


def open_heavy_apps(desktop: LocalDesktop, client: DesktopClient) -> None:
    from openpyxl import Workbook

    book = Workbook()
    for r in range(1, 1001):
        book.active.append([r * 10 + c if c % 2 else f"row {r} col {c}" for c in range(1, 41)])
    book.save(desktop.home / "filled.xlsx")
    items = "".join(
        f'<li><a href="#i{i}">link {i}</a> <button>b{i}</button> <input value="v{i}"></li>'
        for i in range(BIG_PAGE_ITEMS)
    )
    (desktop.home / "big.html").write_text(
        f"<!doctype html><html><head><title>Big page</title></head><body><ul>{items}</ul></body></html>"
    )
    client.launch(["localc", "--norestore", "/home/user/filled.xlsx"])
    wait_window(client, "filled.xlsx", dismiss=("Tip of the Day",))
    client.execute(
        "chromium --no-sandbox --disable-gpu --no-first-run --no-default-browser-check "
        "--disable-background-networking --disable-sync --force-renderer-accessibility "
        "--user-data-dir=/tmp/bench-chromium file:///home/user/big.html "
        ">/tmp/bench-chromium.log 2>&1 &",
        shell=True,
    )
    wait_window(client, "Big page")
    time.sleep(5)  # Chromium builds the page's accessibility tree after the window shows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--fixed-runs", type=int, default=5, help="runs of the 2 s fixed-pause step")
    parser.add_argument("--heavy-runs", type=int, default=3, help="walks of the heavy trees")
    parser.add_argument("--width", type=int, default=1920)
    parser.add_argument("--height", type=int, default=1080)
    parser.add_argument("--skip-heavy", action="store_true", help="no Calc / Chromium cases")
    args = parser.parse_args()

    with LocalDesktop(args.width, args.height) as desktop:
        client = desktop.client(timeout=600)
        # 1. The busy screen, before any window covers it.
        client.upload_file("/home/user/busy.png", busy_screen.wallpaper(args.width, args.height))
        in_desktop_out = client.run_python(busy_screen.SET_ROOT_BACKGROUND.format(path="/home/user/busy.png"))
        if "ok" not in in_desktop_out.output:
            raise SystemExit(f"could not set the wallpaper: {in_desktop_out.error[-1000:]}")
        shots = in_desktop(client, busy_screen.TIME_SCREENSHOTS.format(runs=args.runs))
        http = [
            (
                f"GET /screenshot{q}",
                measure(functools.partial(client._request, "GET", "/screenshot" + q), args.runs),
            )
            for q in ("", "?format=jpeg", "?format=webp")
        ]

        # 2. mousepad.
        client.upload_file("/home/user/bench.txt", b"")
        client.launch(["mousepad", "/home/user/bench.txt"])
        wait_window(client, "bench.txt", timeout=30)
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
            ("/screenshot (mousepad on the busy screen)", measure(client.screenshot, args.runs)),
            ("/accessibility (mousepad)", measure(client.accessibility_tree, args.runs)),
            ("/execute (no-op)", measure(lambda: client.execute(["true"]), args.runs)),
            ("/act click", measure(lambda: client.act([centre]), args.runs)),
            ("step: act + settle + screenshot", measure(step_settle, args.runs)),
            ("step: act + fixed 2 s + screenshot", measure(step_fixed, args.fixed_runs)),
        ]
        settle = client.act([TypeText(text="y")], settle=SettleSpec()).settle
        nodes = client.accessibility_tree().count("<")
        walkers = a11y_rows(client, "mousepad", args.runs)

        # 3. Heavy trees.
        heavy: list[str] = []
        if not args.skip_heavy:
            open_heavy_apps(desktop, client)
            heavy = a11y_rows(client, "mousepad + Calc + Chromium", args.heavy_runs)
            route = measure(client.accessibility_tree, args.heavy_runs)
            heavy.append(f"{'GET /accessibility (all three)':44} {statistics.median(route) * 1000:10.1f}")

    print(
        f"desktop {args.width}x{args.height}, {args.runs} runs each "
        f"({args.fixed_runs} for the fixed pause); a11y tree ~{nodes} elements"
    )
    print("\nbusy photo-like screen, capture + encode inside the desktop (interleaved):")
    print(f"{'encoder':44} {'median ms':>10} {'bytes':>10}")
    for name, (ms, size) in shots.items():
        print(f"{name:44} {ms:10.1f} {size:10d}")
    print(f"\n{'operation':44} {'median ms':>10} {'p95 ms':>10}")
    for name, values in http + rows:
        print(f"{name:44} {statistics.median(values) * 1000:10.1f} {p95(values) * 1000:10.1f}")
    print("\naccessibility walkers in one process (server bounds: 5,000 nodes / 5 s):")
    print(f"{'walker':44} {'median ms':>10}")
    for line in walkers + heavy:
        print(line)
    if settle:
        print(
            f"\nsettle after typing one character: {settle.seconds * 1000:.0f} ms, "
            f"{settle.frames} frames, changed={settle.changed}"
        )


if __name__ == "__main__":
    main()
