"""The desktop tools: screenshot, act, accessibility_tree, run_command, new_desktop, reset_desktop.

No `from __future__ import annotations` here: the SDK reads the resolvers out of the
tools' annotations (`Annotated[..., Resolve(fn)]`), and these resolvers are closures.
"""

import base64
import json
from typing import TYPE_CHECKING, Annotated, Any

from mcp.server.elicitation import ElicitationResult
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.resolve import Elicit, Resolve
from mcp_types import ImageContent, TextContent, ToolAnnotations
from pydantic import Field

from agent.actions import compile_action, targets, with_points
from agent.approval import Risk, classify, classify_code
from agent.mcp.a11y import tree_table
from agent.mcp.actions import ActInput, describe, to_agent_action
from agent.mcp.approval import (
    Approve,
    Verdict,
    can_elicit,
    question,
    verdict_from_answer,
    verdict_without_person,
)
from envs.actions import SettleSpec

if TYPE_CHECKING:
    from agent.mcp.server import DeskpilotMCP

# Hints for hosts (which may skip asking about read-only tools); content is never structured
# twice: the results are content blocks (a screenshot would otherwise travel two times).
READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=False)
ACTS = ToolAnnotations(read_only_hint=False, destructive_hint=True, open_world_hint=False)
SWAPS = ToolAnnotations(
    read_only_hint=False, destructive_hint=True, idempotent_hint=False, open_world_hint=False
)


def _json(data: dict[str, Any]) -> TextContent:
    return TextContent(type="text", text=json.dumps(data, ensure_ascii=False))


def _ask_or_decide(app: "DeskpilotMCP", what: str, risk: Risk | None, ctx: Context) -> Any:
    """A resolver's answer: a Verdict, or an Elicit for the person (where the client can)."""
    decided = verdict_without_person(risk, app.policy, app.holder.sandbox)
    if decided is not None:
        return decided
    assert risk is not None
    if not can_elicit(ctx):
        return Verdict(
            allowed=False,
            by="policy",
            risk=risk,
            reason="this MCP client cannot ask the person (no elicitation support)",
        )
    return Elicit(question(what, risk), Approve)


def register(app: "DeskpilotMCP") -> None:
    mcp = app.server
    holder = app.holder

    @mcp.tool(structured_output=False, annotations=READ_ONLY)
    async def screenshot() -> list[Any]:
        """The desktop's screen as a PNG image, with its size in pixels (the coordinates `act` takes)."""

        def take() -> tuple[bytes, tuple[int, int]]:
            client = holder.client()
            png = client.screenshot()
            # The size is in the PNG's header (IHDR): no second request for /screen_size.
            if png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR":
                return png, (int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big"))
            return png, client.screen_size()

        png, (width, height) = await app.call(take)
        return [
            ImageContent(type="image", data=base64.b64encode(png).decode("ascii"), mime_type="image/png"),
            _json({"width": width, "height": height, **holder.describe()}),
        ]

    async def act_approval(action: ActInput, ctx: Context) -> Verdict | Elicit[Approve]:
        agent_action = to_agent_action(action)
        risk = classify(agent_action, app.policy, sandbox=holder.sandbox)
        return _ask_or_decide(app, describe(agent_action), risk, ctx)

    @mcp.tool(structured_output=False, annotations=ACTS)
    async def act(
        action: ActInput,
        approval: Annotated[ElicitationResult[Approve], Resolve(act_approval)],
        settle: bool = True,
    ) -> list[Any]:
        """Do one thing on the desktop: click, double_click, drag, scroll, type, key, hotkey
        or wait. Point with pixels (x, y) or, when the server has a grounder, with a target
        description. Answers where it acted and whether the screen changed. Risky actions
        (deleting, sending, paying, ...) need the person's approval and are refused without it.
        `settle`: wait until the screen stops changing before answering."""
        agent_action = to_agent_action(action)
        risk = classify(agent_action, app.policy, sandbox=holder.sandbox)
        verdict = verdict_from_answer(approval, risk)
        if not verdict.allowed:
            raise ToolError(verdict.refusal(describe(agent_action)))
        app.not_busy("act")
        spec = (
            SettleSpec(quiet=app.config.settle_quiet, timeout=app.config.settle_timeout) if settle else None
        )

        def run() -> dict[str, Any]:
            nonlocal agent_action
            client = holder.client()
            wanted = targets(agent_action)
            if any(t.x is None for t in wanted):
                grounder = app.grounder()
                if grounder.name == "none":
                    raise ToolError(
                        "this server has no grounder (start it with --grounder): "
                        "give x and y instead of a target description"
                    )
                png, size = client.screenshot(), client.screen_size()
                points = []
                for t in wanted:
                    found = (
                        (t.x, t.y)
                        if t.x is not None and t.y is not None  # a Target has both or neither
                        else grounder.ground(png, t.description, size)
                    )
                    if found is None:
                        raise ToolError(
                            f"target not found on the screen: {t.description!r} "
                            f"(grounder {grounder.name}); describe it differently or give x and y"
                        )
                    points.append(found if isinstance(found, tuple) else (found.x, found.y))
                agent_action = with_points(agent_action, points)
            result = client.act(compile_action(agent_action), settle=spec)
            out: dict[str, Any] = {
                "done": describe(agent_action),
                "at": [list(t.point()) for t in targets(agent_action)],
            }
            if result.settle is not None:
                out["screen_changed"] = result.settle.changed
            if verdict.by != "no risk":
                out["approval"] = {"by": verdict.by, "reason": verdict.reason}
            return out

        return [_json(await app.call(run))]

    @mcp.tool(structured_output=False, annotations=READ_ONLY)
    async def accessibility_tree(max_chars: Annotated[int, Field(ge=500, le=500_000)] = 20_000) -> str:
        """The accessible elements on screen, one per line: role, name, centre (x, y) in
        pixels; the active window first, cut to `max_chars` characters."""

        def read() -> str:
            client = holder.client()
            return tree_table(client.accessibility_tree(), client.screen_size(), max_chars)

        return await app.call(read)

    async def command_approval(command: str, ctx: Context) -> Verdict | Elicit[Approve]:
        if not holder.sandbox and not app.settings.allow_commands:
            return Verdict(
                allowed=False,
                by="policy",
                reason="refused: run_command runs only on a "
                "sandbox desktop (this one is not; start the server with --allow-commands "
                "to let it run here)",
            )
        risk = classify_code(command, app.policy, sandbox=holder.sandbox)
        return _ask_or_decide(app, f"the command {command[:500]!r}", risk, ctx)

    @mcp.tool(structured_output=False, annotations=ACTS)
    async def run_command(
        command: Annotated[str, Field(min_length=1, max_length=20_000)],
        approval: Annotated[ElicitationResult[Approve], Resolve(command_approval)],
        timeout: Annotated[float, Field(gt=0, le=600)] = 60.0,
    ) -> list[Any]:
        """Run a Bash command inside the desktop and answer its exit code and output. Only on
        a sandbox desktop (an isolated local one); refused on the person's own screen or a URL
        desktop unless the server was started with --allow-commands. Risky commands need approval."""
        risk = classify_code(command, app.policy, sandbox=holder.sandbox)
        verdict = verdict_from_answer(approval, risk)
        if not verdict.allowed:
            if verdict.risk is None:
                raise ToolError(verdict.reason)
            raise ToolError(verdict.refusal("this command"))
        app.not_busy("run_command")
        out = await app.call(lambda: holder.client().run_bash_script(command, timeout=timeout))
        return [
            _json({"returncode": out.returncode, "output": out.output[-20_000:], "error": out.error[-5_000:]})
        ]

    @mcp.tool(structured_output=False, annotations=SWAPS)
    async def new_desktop(
        width: Annotated[int, Field(ge=320, le=7680)] | None = None,
        height: Annotated[int, Field(ge=240, le=4320)] | None = None,
        profile: str | None = None,
    ) -> list[Any]:
        """Start a fresh isolated local desktop (a sandbox) and use it from now on; the
        desktop used so far is stopped if this server started it. `profile`: default or osworld."""
        app.not_busy("new_desktop")
        size = (width or holder.size[0], height or holder.size[1])
        client = await app.call(holder.replace_with_local, size, profile)
        return [
            _json(
                {
                    "started": True,
                    "url": client.base_url,
                    "width": size[0],
                    "height": size[1],
                    **holder.describe(),
                }
            )
        ]

    @mcp.tool(structured_output=False, annotations=SWAPS)
    async def reset_desktop() -> list[Any]:
        """Throw the desktop away and start a fresh one like it (only a local desktop this
        server started; use new_desktop to leave a URL desktop or the person's screen)."""
        app.not_busy("reset_desktop")
        if holder.spec != "local":
            raise ToolError(
                f"reset_desktop refused: this server did not start {holder.describe()['desktop']}; "
                "new_desktop starts a fresh isolated one"
            )
        await app.call(holder.replace_with_local, None, None)
        return [
            _json({"reset": True, "width": holder.size[0], "height": holder.size[1], **holder.describe()})
        ]
