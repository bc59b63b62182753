"""DeskpilotMCP: the server object behind `agent mcp` -- settings, the desktop, the tools.

    app = DeskpilotMCP(McpSettings(desktop="local"), load_config(model="scripted:..."))
    app.run_stdio()                     # or app.run_http(port=0) (see agent/mcp/http.py)

The MCP server is the SDK's own (`mcp.server.MCPServer`); the tools live in tools.py
(desktop) and task.py (the agent). Desktop calls are blocking HTTP, so each runs in a
worker thread; the desktop itself starts on the first call that needs it, so a host sees
the tool list at once.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import anyio
import anyio.to_thread
from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, ConfigDict, Field

from agent.approval import PolicyError, load_policy
from agent.config import AgentConfig
from agent.episode import EpisodeInputError, EpisodePipeline
from agent.mcp.desktops import DesktopHolder, check_spec
from envs.base import DesktopError, DesktopUnreachable
from grounding.base import Grounder
from grounding.factory import GrounderSpecError, make_grounder

T = TypeVar("T")

INSTRUCTIONS = """deskpilot drives one desktop. Look with `screenshot` (and `accessibility_tree`),
act with `act` (pixels, or a target description when the server has a grounder), or hand a
whole task to deskpilot's own agent with `run_task`. Risky actions need the person's
approval; they are refused where nobody can be asked."""


class McpSettings(BaseModel):
    """What `agent mcp` was started with (the agent's own settings are an AgentConfig)."""

    model_config = ConfigDict(extra="forbid")

    desktop: str = "local"  # local | http(s)://... | this-screen
    desktop_token: str | None = None  # a URL desktop's token
    profile: str | None = None  # local desktops: default | osworld
    size: tuple[int, int] = (1280, 800)
    monitor: int | str | None = None  # this-screen: the monitor to drive
    runs: Path = Path("runs/mcp")  # episode folders of run_task
    # run_command on a desktop that is not a sandbox (the person's screen, a URL).
    allow_commands: bool = False
    command_timeout: float = Field(default=60.0, gt=0, le=600)


class DeskpilotMCP:
    def __init__(self, settings: McpSettings, config: AgentConfig) -> None:
        check_spec(settings.desktop)
        self.settings, self.config = settings, config
        try:  # a bad policy file or grounder spec is said now, not at the first tool call
            self.policy = load_policy(config.approval.policy)
            make_grounder(config.grounder, tree_source=lambda: "")
        except (PolicyError, GrounderSpecError) as exc:
            raise EpisodeInputError(str(exc)) from exc
        self.holder = DesktopHolder(
            settings.desktop,
            token=settings.desktop_token,
            size=settings.size,
            profile=settings.profile,
            monitor=settings.monitor,
            sandbox_said=config.approval.sandbox,
        )
        self.busy: str | None = None  # what holds the desktop (a running task)
        self._grounder: tuple[Any, Grounder] | None = None
        self._pipeline: EpisodePipeline | None = None
        self._lock = threading.Lock()
        # WARNING: under stdio, stderr is the host's log; every HTTP request need not be in it.
        self.server: MCPServer = MCPServer("deskpilot", instructions=INSTRUCTIONS, log_level="WARNING")
        logging.getLogger("httpx").setLevel(logging.WARNING)
        from agent.mcp import task, tools

        tools.register(self)
        task.register(self)

    # --- helpers the tools share ---------------------------------------------------------
    async def call(self, fn: Callable[..., T], *args: Any, abandon_on_cancel: bool = False) -> T:
        """Run a blocking desktop call in a worker thread; its failures become tool errors."""
        try:
            return await anyio.to_thread.run_sync(fn, *args, abandon_on_cancel=abandon_on_cancel)
        except DesktopUnreachable as exc:
            raise ToolError(f"the desktop is not answering: {exc}") from None
        except DesktopError as exc:
            raise ToolError(f"the desktop refused: {exc}") from None
        except EpisodeInputError as exc:
            raise ToolError(str(exc)) from None
        except ToolError:
            raise
        except Exception as exc:  # noqa: BLE001 -- a desktop that could not start, and the like:
            # said plainly to the host (the SDK would answer only "Error executing tool").
            raise ToolError(f"{type(exc).__name__}: {exc}") from None

    def not_busy(self, tool: str) -> None:
        if self.busy is not None:
            raise ToolError(
                f"{tool} refused: {self.busy} is running on this desktop; wait for it to finish or cancel it"
            )

    def grounder(self) -> Grounder:
        """The configured grounder, made for the current desktop (again after a swap)."""
        client = self.holder.client()
        with self._lock:
            if self._grounder is None or self._grounder[0] is not client:
                self._grounder = (
                    client,
                    make_grounder(self.config.grounder, tree_source=client.accessibility_tree),
                )
            return self._grounder[1]

    def pipeline(self) -> EpisodePipeline:
        """The episode pipeline, models built on the first run_task (desktop tools need none)."""
        with self._lock:
            if self._pipeline is None:
                self._pipeline = EpisodePipeline(self.config)
            return self._pipeline

    def close(self) -> None:
        self.holder.close()

    # --- transports ----------------------------------------------------------------------
    def run_stdio(self) -> None:
        try:
            anyio.run(self.server.run_stdio_async)
        finally:
            self.close()

    @contextlib.contextmanager
    def closing(self):
        try:
            yield self
        finally:
            self.close()
