"""The demo behind `agent desktop demo`: drive a real app over the protocol, step by step."""

from __future__ import annotations

import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from envs.actions import Hotkey, SettleSpec, TypeText
from envs.local import LocalDesktop

TEXT = 'deskpilot was here: <tags> & "quotes" — ünïcode ✓'


def run_demo(width: int, height: int, out: Path, console: Console) -> int:
    out.mkdir(parents=True, exist_ok=True)
    table = Table("step", "what happened", "seconds")

    def step(name: str, started: float, detail: str) -> None:
        table.add_row(name, detail, f"{time.monotonic() - started:.2f}")

    t = time.monotonic()
    with LocalDesktop(width, height) as desktop:
        step("start", t, f"isolated desktop {width}x{height} at {desktop.url}")
        client = desktop.client()
        t = time.monotonic()
        client.upload_file("/home/user/Documents/demo.txt", b"")
        client.launch(["mousepad", "/home/user/Documents/demo.txt"])
        while "demo.txt" not in client.execute(["wmctrl", "-l"]).output:
            if time.monotonic() - t > 30:
                console.print("[red]mousepad did not open a window in 30 s[/]")
                return 1
            time.sleep(0.1)
        step("launch", t, "mousepad opened /home/user/Documents/demo.txt")
        t = time.monotonic()
        result = client.act([TypeText(text=TEXT), Hotkey(keys=["ctrl", "s"])], settle=SettleSpec())
        settle = result.settle
        step(
            "act",
            t,
            f"typed {len(TEXT)} characters and pressed ctrl+s; screen settled after {settle.seconds:.2f} s"
            if settle
            else "typed and saved",
        )
        t = time.monotonic()
        saved = b""
        while time.monotonic() - t < 10 and not saved:
            saved = client.read_file("/home/user/Documents/demo.txt")
            time.sleep(0.1)
        ok = saved.decode("utf-8").rstrip("\n") == TEXT
        step(
            "check",
            t,
            f"file read back over /file: {'identical' if ok else 'DIFFERENT'} ({len(saved)} bytes)",
        )
        t = time.monotonic()
        tree = client.accessibility_tree()
        step(
            "a11y",
            t,
            f"accessibility tree: {len(tree)} characters, "
            f"text {'found' if 'deskpilot was here' in tree else 'not found'}",
        )
        t = time.monotonic()
        shot = out / "screenshot.png"
        shot.write_bytes(client.screenshot())
        step("screenshot", t, f"saved {shot}")
    console.print(table)
    console.print("[green]demo passed[/]" if ok else "[red]demo failed: the saved text differs[/]")
    return 0 if ok else 1
