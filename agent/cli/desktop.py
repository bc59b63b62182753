"""`agent desktop ...` (local desktops: up, down, list, serve, monitors, demo) and
`agent grounding synth`."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from envs.local import LocalDesktop, kill_tree

desktop_app = typer.Typer(help="Start, stop and try local desktops.", no_args_is_help=True)
grounding_app = typer.Typer(help="Grounding data.", no_args_is_help=True)
console = Console()


def _registry() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "deskpilot" / "desktops"
    base.mkdir(parents=True, exist_ok=True)
    return base


@desktop_app.command("up")
def desktop_up(
    name: str = typer.Option("default", help="name to stop it by later"),
    width: int = 1920,
    height: int = 1080,
    isolate: bool = typer.Option(True, help="private /home/user and /tmp (bubblewrap)"),
    profile: str = typer.Option(
        "default",
        help="default, or osworld (what the OSWorld VM image provides: user, sudo, google-chrome, ...)",
    ),
) -> None:
    """Start a desktop in the background and print its URL and token."""
    record = _registry() / f"{name}.json"
    if record.exists():
        console.print(
            f"[red]a desktop named {name!r} is already up[/] ({record}); "
            f"`agent desktop down --name {name}` first"
        )
        raise typer.Exit(1)
    try:
        desktop = LocalDesktop(
            width, height, isolate=isolate, detach=True, keep_files=True, profile=profile
        ).start()
    except ValueError as exc:  # an unknown profile, or one that needs the sandbox
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from None
    assert desktop.proc is not None and desktop.state_dir is not None
    record.write_text(
        json.dumps(
            {
                "url": desktop.url,
                "token": desktop.token,
                "pid": desktop.proc.pid,
                "state_dir": str(desktop.state_dir),
                "home": str(desktop.home),
            }
        )
    )
    record.chmod(0o600)  # it holds the token
    console.print(
        f"desktop {name!r} is up\n  URL:   {desktop.url}\n  token: {desktop.token}\n"
        f"  home:  {desktop.home}  (the desktop's /home/user)"
    )


@desktop_app.command("down")
def desktop_down(name: str = typer.Option("default")) -> None:
    """Stop a desktop started with `agent desktop up`, killing all its processes."""
    record = _registry() / f"{name}.json"
    if not record.exists():
        console.print(f"[red]no desktop named {name!r} is up[/]")
        raise typer.Exit(1)
    info = json.loads(record.read_text())
    kill_tree(info["pid"])
    shutil.rmtree(info["state_dir"], ignore_errors=True)
    record.unlink()
    console.print(f"desktop {name!r} is down")


@desktop_app.command("list")
def desktop_list() -> None:
    """Desktops started with `agent desktop up`."""
    table = Table("name", "URL", "pid", "home")
    for record in sorted(_registry().glob("*.json")):
        info = json.loads(record.read_text())
        table.add_row(record.stem, info["url"], str(info["pid"]), info["home"])
    console.print(table)


@desktop_app.command("serve")
def desktop_serve(
    host: str = "127.0.0.1",
    port: int = 5000,
    token: str = typer.Option(None, envvar="DESKPILOT_TOKEN"),
    root: list[Path] = typer.Option(None, help="folders the file routes may touch"),
    monitor: str = typer.Option(
        None,
        envvar="DESKPILOT_MONITOR",
        help="act on one monitor only: index, name or 'primary' (see `agent desktop monitors`)",
    ),
    scale: float = typer.Option(
        None,
        envvar="DESKPILOT_SCALE",
        help="physical pixels per protocol pixel (HiDPI; default GDK_SCALE or Xft.dpi/96)",
    ),
) -> None:
    """Serve the control protocol on this display ($DISPLAY), e.g. inside a VM or container."""
    from envs.server.__main__ import main

    args = ["--host", host, "--port", str(port)]
    if token:
        args += ["--token", token]
    for folder in root or []:
        args += ["--root", str(folder)]
    if monitor is not None:
        args += ["--monitor", monitor]
    if scale is not None:
        args += ["--scale", repr(scale)]
    raise typer.Exit(main(args))


@desktop_app.command("monitors")
def desktop_monitors(
    display: str = typer.Option(None, help="X display (default $DISPLAY)"),
    scale: float = typer.Option(None, help="override the detected scale"),
) -> None:
    """List this display's monitors: what `--monitor` and `--desktop this-screen` choose from."""
    from envs.server.monitors import MonitorError, list_monitors

    try:
        monitors = list_monitors(display, scale)
    except MonitorError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    table = Table("index", "name", "geometry", "scale", "primary")
    for m in monitors:
        table.add_row(
            str(m.index),
            m.name,
            f"{m.width}x{m.height}+{m.x}+{m.y}",
            f"{m.scale:g}",
            "yes" if m.primary else "",
        )
    console.print(table)


@desktop_app.command("demo")
def desktop_demo(
    width: int = 1280,
    height: int = 800,
    out: Path = typer.Option(Path("runs/desktop-demo"), help="where the screenshot goes"),
) -> None:
    """Start an isolated desktop, open an editor, type and save through the protocol, check it."""
    from agent.cli.demo import run_demo

    raise typer.Exit(run_demo(width, height, out, console))


@grounding_app.command("synth")
def grounding_synth(
    n: int = typer.Option(500, help="number of items"),
    seed: int = 0,
    out: Path = typer.Option(..., help="output folder"),
) -> None:
    """Render a synthetic grounding set (OSWorld-G schema) with Playwright and Chromium."""
    from grounding.synth import generate

    path = generate(n, seed, out)
    console.print(f"wrote {path}")


@grounding_app.command("capture")
def grounding_capture(
    out: Path = typer.Option(..., help="output folder"),
    seed: int = 0,
    scene: list[str] = typer.Option(None, help="scene ids (default: all)"),
) -> None:
    """Capture a grounding set from real applications on an osworld desktop (PNG + a11y + JSONL)."""
    from grounding.capture.run import capture

    console.print(f"wrote {capture(out, seed, scene or None)}")
