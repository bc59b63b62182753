"""`agent`: the command line, one module per command group.

    agent run      run.py      one task on a desktop, scored (the episode pipeline)
    agent chat     chat.py     instructions one after another, with a person attached
    agent bench    bench.py    OSWorld / WAA splits, grounding benchmarks
    agent serve    serve.py    the grounding and planner models under vLLM
    agent desktop  desktop.py  local desktops: up, down, list, serve, monitors, demo
    agent grounding desktop.py grounding data (synthetic and real-application sets)
    agent vm       vm.py       QEMU desktops (OSWorld's or WAA's image); bench cleanup --aws
    agent mcp      mcp.py      deskpilot as an MCP server (agent/mcp/)

This is the top layer: it may import anything below it, and nothing imports it.
"""

from __future__ import annotations

import typer

from agent.cli import bench, chat, desktop, mcp, run, serve, vm

app = typer.Typer(
    help="deskpilot: a computer-use agent framework.", no_args_is_help=True, pretty_exceptions_enable=False
)
app.command("run")(run.run)
app.command("chat")(chat.chat)
app.command("mcp")(mcp.mcp)
app.add_typer(bench.bench_app, name="bench")
app.add_typer(serve.serve_app, name="serve")
app.add_typer(desktop.desktop_app, name="desktop")
app.add_typer(desktop.grounding_app, name="grounding")
app.add_typer(vm.vm_app, name="vm")
bench.bench_app.command("cleanup")(vm.cleanup_command)

__all__ = ["app"]
