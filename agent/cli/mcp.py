"""`agent mcp`: deskpilot as an MCP server (the server itself is agent/mcp/)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console


def mcp(
    desktop: str = typer.Option(
        "local",
        help="'local' (an isolated Xvfb desktop), a URL, "
        "or 'this-screen' (your own display: only when named)",
    ),
    token: str = typer.Option(None, envvar="DESKPILOT_DESKTOP_TOKEN", help="a URL desktop's token"),
    monitor: str = typer.Option(
        None, help="with this-screen: the monitor (index, name or 'primary'; `agent desktop monitors`)"
    ),
    profile: str = typer.Option(None, help="local desktops: 'default' or 'osworld'"),
    grounder: str = typer.Option(None, help="grounder spec: lets `act` take target descriptions"),
    model: str = typer.Option(None, help="planner model spec for run_task (as for `agent run`)"),
    policy: Path = typer.Option(None, help="risk policy file (TOML) adding to the default rules"),
    max_steps: int = typer.Option(None, help="run_task's default step budget"),
    transport: str = typer.Option("stdio", help="'stdio' (default) or 'http' (streamable HTTP)"),
    host: str = typer.Option(
        "127.0.0.1", help="http: the address to bind (not loopback: needs --http-token)"
    ),
    port: int = typer.Option(8765, help="http: the port (0: any free one)"),
    http_token: str = typer.Option(
        None,
        "--http-token",
        envvar="DESKPILOT_MCP_TOKEN",
        help="http: the bearer token clients must send (default: a fresh one, printed at start)",
    ),
    allow_commands: bool = typer.Option(
        False, help="let run_command run on a desktop that is not a sandbox (this-screen, a URL)"
    ),
    runs: Path = typer.Option(Path("runs/mcp"), help="where run_task's episode folders go"),
    config: Path = typer.Option(None, help="settings file (JSON or TOML)"),
    width: int = 1280,
    height: int = 800,
) -> None:
    """Serve a desktop and deskpilot's agent to MCP hosts (Claude Desktop, Claude Code, ...)."""
    from agent.config import load_config
    from agent.episode import EpisodeInputError
    from agent.mcp import (
        DeskpilotMCP,
        HttpSafetyError,
        McpSettings,
        check_binding,
        serve_http,
    )

    # stdout is the MCP channel under stdio: everything for people goes to stderr.
    console = Console(file=sys.stderr, highlight=False)
    try:
        if transport not in ("stdio", "http"):
            raise ValueError(f"--transport must be 'stdio' or 'http', not {transport!r}")
        settings = load_config(config, model=model, grounder=grounder, max_steps=max_steps)
        if policy is not None:
            settings.approval.policy = policy
        bearer = check_binding(host, http_token) if transport == "http" else None
        app = DeskpilotMCP(
            McpSettings(
                desktop=desktop,
                desktop_token=token,
                profile=profile,
                size=(width, height),
                runs=runs,
                monitor=_monitor(monitor),
                allow_commands=allow_commands,
            ),
            settings,
        )
    except (EpisodeInputError, HttpSafetyError, ValueError, FileNotFoundError) as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from None
    if transport == "stdio":
        app.run_stdio()
        return
    assert bearer is not None
    with app.closing():
        try:
            serve_http(app.server, host, port, bearer, announce=console.print)
        except KeyboardInterrupt:
            pass


def _monitor(value: str | None) -> int | str | None:
    return int(value) if value is not None and value.isdigit() else value
