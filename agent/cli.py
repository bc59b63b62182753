"""`agent`: the command line. For now, desktops: up, down, list, serve, demo.

The agent issue adds `agent run`; the benchmark issue adds `agent bench`.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from envs.local import LocalDesktop, kill_tree

app = typer.Typer(help="deskpilot: a computer-use agent framework.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
desktop_app = typer.Typer(help="Start, stop and try local desktops.", no_args_is_help=True)
app.add_typer(desktop_app, name="desktop")
grounding_app = typer.Typer(help="Grounding data.", no_args_is_help=True)
app.add_typer(grounding_app, name="grounding")
bench_app = typer.Typer(help="Benchmarks.", no_args_is_help=True)
app.add_typer(bench_app, name="bench")


def _add_osworld() -> None:
    from agent.bench_cli import osworld_app

    bench_app.add_typer(osworld_app, name="osworld")


_add_osworld()


def _add_serve() -> None:
    from agent.serve_cli import serve_app

    app.add_typer(serve_app, name="serve")


_add_serve()
console = Console()


def _add_chat() -> None:
    from agent.chat.cli import chat

    app.command("chat")(chat)


_add_chat()


def _registry() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "deskpilot" / "desktops"
    base.mkdir(parents=True, exist_ok=True)
    return base


@app.command("run")
def run(task: Path = typer.Option(..., "--task", help="an OSWorld-format task file"),
        desktop: str = typer.Option("local", help="'local' (an isolated Xvfb desktop) or a URL"),
        token: str = typer.Option(None, envvar="DESKPILOT_DESKTOP_TOKEN", help="the desktop's token"),
        model: str = typer.Option(None, help="planner model spec, e.g. openai:gpt-4o, "
                                             "anthropic:claude-sonnet-4-20250514, "
                                             "vllm:MODEL@http://127.0.0.1:8000/v1, scripted:FILE"),
        grounder: str = typer.Option(None, help="grounder spec ('none': the planner gives pixels)"),
        max_steps: int = typer.Option(None, help="step budget"),
        out: Path = typer.Option(None, help="episode folder (default runs/<task>-<time>)"),
        resume: bool = typer.Option(False, help="continue the episode in --out (or the latest one)"),
        config: Path = typer.Option(None, help="settings file (JSON or TOML)"),
        width: int = 1920, height: int = 1080) -> None:
    """Run one task on a desktop; exit code 0 when the task's own check passes."""
    from agent.config import load_config
    from agent.run_cli import RunError, run_task

    try:
        settings = load_config(config, model=model, grounder=grounder, max_steps=max_steps)
        code = run_task(task, settings, desktop=desktop, token=token, out=out, resume=resume,
                        size=(width, height), console=console)
    except (RunError, ValueError, FileNotFoundError) as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from None
    raise typer.Exit(code)


@desktop_app.command("up")
def desktop_up(name: str = typer.Option("default", help="name to stop it by later"),
               width: int = 1920, height: int = 1080,
               isolate: bool = typer.Option(True, help="private /home/user and /tmp (bubblewrap)"),
               profile: str = typer.Option("default", help="default, or osworld (what the OSWorld VM "
                                                           "image provides: user, sudo, google-chrome, ...)")) -> None:
    """Start a desktop in the background and print its URL and token."""
    record = _registry() / f"{name}.json"
    if record.exists():
        console.print(f"[red]a desktop named {name!r} is already up[/] ({record}); "
                      f"`agent desktop down --name {name}` first")
        raise typer.Exit(1)
    try:
        desktop = LocalDesktop(width, height, isolate=isolate, detach=True, keep_files=True,
                               profile=profile).start()
    except ValueError as exc:  # an unknown profile, or one that needs the sandbox
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from None
    assert desktop.proc is not None and desktop.state_dir is not None
    record.write_text(json.dumps({"url": desktop.url, "token": desktop.token, "pid": desktop.proc.pid,
                                  "state_dir": str(desktop.state_dir), "home": str(desktop.home)}))
    record.chmod(0o600)  # it holds the token
    console.print(f"desktop {name!r} is up\n  URL:   {desktop.url}\n  token: {desktop.token}\n"
                  f"  home:  {desktop.home}  (the desktop's /home/user)")


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
def desktop_serve(host: str = "127.0.0.1", port: int = 5000,
                  token: str = typer.Option(None, envvar="DESKPILOT_TOKEN"),
                  root: list[Path] = typer.Option(None, help="folders the file routes may touch"),
                  monitor: str = typer.Option(None, envvar="DESKPILOT_MONITOR",
                                              help="act on one monitor only: index, name or "
                                                   "'primary' (see `agent desktop monitors`)"),
                  scale: float = typer.Option(None, envvar="DESKPILOT_SCALE",
                                              help="physical pixels per protocol pixel (HiDPI; "
                                                   "default GDK_SCALE or Xft.dpi/96)")) -> None:
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
def desktop_monitors(display: str = typer.Option(None, help="X display (default $DISPLAY)"),
                     scale: float = typer.Option(None, help="override the detected scale")) -> None:
    """List this display's monitors: what `--monitor` and `--desktop this-screen` choose from."""
    from envs.server.monitors import MonitorError, list_monitors

    try:
        monitors = list_monitors(display, scale)
    except MonitorError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    table = Table("index", "name", "geometry", "scale", "primary")
    for m in monitors:
        table.add_row(str(m.index), m.name, f"{m.width}x{m.height}+{m.x}+{m.y}", f"{m.scale:g}",
                      "yes" if m.primary else "")
    console.print(table)


@desktop_app.command("demo")
def desktop_demo(width: int = 1280, height: int = 800,
                 out: Path = typer.Option(Path("runs/desktop-demo"), help="where the screenshot goes")) -> None:
    """Start an isolated desktop, open an editor, type and save through the protocol, check it."""
    from agent.demo import run_demo

    raise typer.Exit(run_demo(width, height, out, console))


@grounding_app.command("synth")
def grounding_synth(n: int = typer.Option(500, help="number of items"), seed: int = 0,
                    out: Path = typer.Option(..., help="output folder")) -> None:
    """Render a synthetic grounding set (OSWorld-G schema) with Playwright and Chromium."""
    from grounding.synth import generate

    path = generate(n, seed, out)
    console.print(f"wrote {path}")


@bench_app.command("grounding")
def bench_grounding(dataset: Path = typer.Option(..., help="OSWorld-G, ScreenSpot-v2/Pro or synthetic folder"),
                    grounder: str = typer.Option(..., help="grounder spec, e.g. ocr, jedi@http://127.0.0.1:8000/v1"),
                    out: Path = typer.Option(Path("runs/grounding"), help="report folder"),
                    limit: int = typer.Option(None, help="score only the first N items")) -> None:
    """Score a grounder on a grounding benchmark; writes report.json and report.md."""
    from benchmarks.grounding.run import main

    args = ["--dataset", str(dataset), "--grounder", grounder, "--out", str(out)]
    if limit:
        args += ["--limit", str(limit)]
    raise typer.Exit(main(args))


@bench_app.command("report")
def bench_report(runs: list[Path] = typer.Argument(..., help="run folders (or folders of rep-N runs)"),
                 out: Path = typer.Option(None, help="folder for report.html and report.json "
                                                     "(default: the run's report/, or bench-report/)"),
                 name: list[str] = typer.Option(None, help="a name per run, in order")) -> None:
    """One offline HTML page (and a JSON) over benchmark runs: CIs, taxonomy, repeats, pairs."""
    from benchmarks.report.cli import report_main

    raise typer.Exit(report_main(runs, out, name, console))


if __name__ == "__main__":
    app()
