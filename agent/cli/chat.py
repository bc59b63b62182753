"""`agent chat`: the command; the session itself is agent/chat/session.py."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console


def chat(
    desktop: str = typer.Option(
        "local", help="'local' (an isolated Xvfb desktop), a URL, or 'this-screen' (your own display)"
    ),
    monitor: int = typer.Option(
        None, help="with this-screen: the monitor to drive (`agent desktop monitors`; default the primary)"
    ),
    token: str = typer.Option(None, envvar="DESKPILOT_DESKTOP_TOKEN", help="the desktop's token"),
    model: str = typer.Option(None, help="planner model spec (as for `agent run`)"),
    grounder: str = typer.Option(None, help="grounder spec ('none': the planner gives pixels)"),
    policy: Path = typer.Option(None, help="risk policy file (TOML) adding to the default rules"),
    max_steps: int = typer.Option(None, help="step budget per instruction"),
    out: Path = typer.Option(None, help="session folder (default runs/chat-<time>)"),
    web: bool = typer.Option(False, help="also show the screen and steps on a local web page"),
    config: Path = typer.Option(None, help="settings file (JSON or TOML)"),
    width: int = 1920,
    height: int = 1080,
) -> None:
    """Give the agent instructions one after another and watch it work: p pauses, c corrects,
    s (or Ctrl-C) stops; risky actions wait for your approval."""
    from agent.chat.session import ChatOptions, ChatSession
    from agent.config import load_config
    from agent.episode import EpisodeInputError

    console = Console(highlight=False)
    try:
        settings = load_config(config, model=model, grounder=grounder, max_steps=max_steps)
        if policy is not None:
            settings.approval.policy = policy
        opts = ChatOptions(
            desktop=desktop, token=token, monitor=monitor, size=(width, height), out=out, web=web
        )
        code = ChatSession(settings, opts, console).run()
    except (EpisodeInputError, ValueError, FileNotFoundError) as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from None
    raise typer.Exit(code)
