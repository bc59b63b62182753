"""deskpilot as an MCP server: a desktop and the whole agent as tools for any MCP host.

    server.py    DeskpilotMCP: settings, the desktop, the SDK's MCPServer with our tools
    desktops.py  the one desktop (local / URL / this-screen), started when first needed
    tools.py     screenshot, act, accessibility_tree, run_command, new_desktop, reset_desktop
    task.py      run_task (the episode pipeline, progress, cancel) and episode resources
    actions.py   act's typed action union, mapped to the agent's Action
    approval.py  the agent's risk policy at the door: elicitation or refusal
    a11y.py      the accessibility tree as a bounded table
    http.py      streamable HTTP behind a bearer token, loopback by default

A runner: it uses the episode pipeline, the agent core, grounding and envs, never the CLI.
See docs/mcp.md.
"""

from agent.mcp.desktops import DesktopSpecError
from agent.mcp.http import HttpSafetyError, check_binding, serve_http
from agent.mcp.server import DeskpilotMCP, McpSettings

__all__ = [
    "DeskpilotMCP",
    "DesktopSpecError",
    "HttpSafetyError",
    "McpSettings",
    "check_binding",
    "serve_http",
]
