"""DesktopClient: the control protocol from the agent's side.

It sticks to OSWorld's paths and payloads, so the same client drives our
server, OSWorld's in-VM server and WindowsAgentArena's. Our extensions (/act,
settle, /health) are used when the server has them; on upstream servers
`act` compiles the actions to pyautogui code and runs it through /execute.
Connection failures are retried with backoff (the request never reached the
server, so a retry cannot run anything twice); then `DesktopUnreachable`.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Sequence
from typing import Any

import httpx

from envs.actions import (
    ActResponse,
    DesktopAction,
    ImageFormat,
    ImageSpec,
    SettleReport,
    SettleSpec,
)
from envs.base import ActResult, CommandOutput, DesktopError, DesktopUnreachable
from envs.image_format import reencode

__all__ = ["DesktopClient", "DesktopError", "DesktopUnreachable"]


class DesktopClient:
    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timeout: float = 60.0,
        retries: int = 3,
        backoff: float = 0.5,
        fallback_pause: float = 0.5,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.retries = retries
        self.backoff = backoff
        self.fallback_pause = fallback_pause  # after /execute actions on servers without settle
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout, headers=headers)
        self._has_act: bool | None = None

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> DesktopClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- transport -----------------------------------------------------------------------
    def _request(
        self,
        method: str,
        path: str,
        *,
        timeout: float | None = None,
        ok_statuses: tuple[int, ...] = (200,),
        **kwargs: Any,
    ) -> httpx.Response:
        extra: dict[str, Any] = {"timeout": timeout} if timeout is not None else {}
        last: Exception | None = None
        for attempt in range(self.retries + 1):
            try:
                reply = self._http.request(method, path, **kwargs, **extra)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                last = exc
                if attempt < self.retries:
                    time.sleep(self.backoff * 2**attempt)
                continue
            except httpx.TimeoutException as exc:
                raise DesktopUnreachable(f"{self.base_url}{path}: no answer in time ({exc})") from exc
            except httpx.TransportError as exc:
                raise DesktopUnreachable(f"{self.base_url}{path}: connection broke ({exc})") from exc
            if reply.status_code not in ok_statuses:
                raise DesktopError(path, reply.status_code, _message(reply))
            return reply
        raise DesktopUnreachable(
            f"desktop at {self.base_url} is unreachable after {self.retries + 1} attempts: {last}"
        )

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        return self._request(method, path, **kwargs).json()

    # --- observation ---------------------------------------------------------------------
    def health(self) -> dict[str, Any]:
        return self._json("GET", "/health")

    def screenshot(self, format: ImageFormat = "png", quality: int | None = None) -> bytes:
        """PNG by default (plain GET /screenshot, as OSWorld's clients ask); JPEG or WebP at
        `quality` on request: encoded by our server, converted here for upstream servers."""
        spec = ImageSpec(format=format, quality=quality)  # ValueError before any request
        if spec.format == "png":
            return self._request("GET", "/screenshot").content
        if self.supports_act():
            return self._request("GET", "/screenshot", params=spec.model_dump(exclude_none=True)).content
        return reencode(self._request("GET", "/screenshot").content, spec)

    def screen_size(self) -> tuple[int, int]:
        data = self._json("POST", "/screen_size")
        return int(data["width"]), int(data["height"])

    def accessibility_tree(self) -> str:
        return self._json("GET", "/accessibility")["AT"]

    def terminal_output(self) -> str | None:
        try:
            return self._json("GET", "/terminal").get("output")
        except DesktopError as exc:
            if exc.status in (404, 500, 501):
                return None
            raise

    def cursor_position(self) -> tuple[int, int]:
        x, y = self._json("GET", "/cursor_position")
        return int(x), int(y)

    def platform(self) -> str:
        return self._request("GET", "/platform").text.strip().strip('"')

    def desktop_path(self) -> str:
        return self._json("POST", "/desktop_path")["desktop_path"]

    def window_size(self, app_class_name: str) -> tuple[int, int]:
        data = self._json("POST", "/window_size", data={"app_class_name": app_class_name})
        return int(data["width"]), int(data["height"])

    # --- acting --------------------------------------------------------------------------
    def supports_act(self) -> bool:
        """Our server has /act and settle; OSWorld's and WAA's do not."""
        if self._has_act is None:
            try:
                self._has_act = self.health().get("server") == "deskpilot"
            except DesktopError:
                self._has_act = False
        return self._has_act

    def act(
        self,
        actions: Sequence[DesktopAction],
        settle: SettleSpec | None = None,
        screenshot: ImageSpec | None = None,
    ) -> ActResult:
        """Run `actions`; with `screenshot`, the screen afterwards comes back in the result
        (one request on our server)."""
        if self.supports_act():
            body: dict[str, Any] = {
                "actions": [a.model_dump() for a in actions],
                "settle": settle.model_dump() if settle else None,
            }
            if screenshot is not None:
                body["screenshot"] = screenshot.model_dump(exclude_none=True)
            reply = ActResponse.model_validate(self._json("POST", "/act", json=body))
            image = base64.b64decode(reply.screenshot) if reply.screenshot is not None else None
            return ActResult(reply.executed, reply.seconds, reply.settle, image)
        from envs.pyautogui_code import osworld_execute_payload

        start = time.monotonic()
        out = self._json("POST", "/execute", json=osworld_execute_payload(actions))
        if out.get("returncode", 0) not in (0, None):
            raise DesktopError("/execute", 200, out.get("error") or "pyautogui code failed")
        if settle:
            time.sleep(self.fallback_pause)  # upstream servers cannot tell when the screen settled
        elapsed = round(time.monotonic() - start, 4)
        image = self.screenshot(screenshot.format, screenshot.quality) if screenshot else None
        return ActResult(len(actions), elapsed, None, image)

    def execute(
        self,
        command: list[str] | str,
        shell: bool = False,
        settle: SettleSpec | None = None,
        timeout: float = 150,
    ) -> CommandOutput:
        body: dict[str, Any] = {"command": command, "shell": shell}
        if settle:
            body["settle"] = settle.model_dump()
        data = self._json("POST", "/execute", json=body, timeout=timeout)
        report = SettleReport.model_validate(data["settle"]) if data.get("settle") else None
        return CommandOutput(
            int(data.get("returncode", -1)), data.get("output") or "", data.get("error") or "", report
        )

    def run_python(self, code: str, timeout: float = 30) -> CommandOutput:
        # "timeout" is ours; OSWorld's server ignores it and keeps its own 30 s.
        data = self._json(
            "POST", "/run_python", json={"code": code, "timeout": timeout}, timeout=timeout + 30
        )
        return CommandOutput(
            int(data.get("returncode", data.get("return_code", -1))),
            data.get("output") or "",
            data.get("error") or "",
        )

    def run_bash_script(
        self, script: str, timeout: float = 100, working_dir: str | None = None
    ) -> CommandOutput:
        body = {"script": script, "timeout": timeout, "working_dir": working_dir}
        data = self._json("POST", "/run_bash_script", json=body, timeout=timeout + 30)
        return CommandOutput(
            int(data.get("returncode", -1)), data.get("output") or "", data.get("error") or ""
        )

    # --- setup -----------------------------------------------------------------------------
    def launch(self, command: list[str] | str, shell: bool = False) -> None:
        self._request("POST", "/setup/launch", json={"command": command, "shell": shell})

    def open_file(self, path: str) -> None:
        self._request("POST", "/setup/open_file", json={"path": path}, timeout=120)

    def activate_window(self, window_name: str, strict: bool = False, by_class: bool = False) -> None:
        self._request(
            "POST",
            "/setup/activate_window",
            json={"window_name": window_name, "strict": strict, "by_class": by_class},
        )

    def close_window(self, window_name: str, strict: bool = False, by_class: bool = False) -> None:
        self._request(
            "POST",
            "/setup/close_window",
            json={"window_name": window_name, "strict": strict, "by_class": by_class},
        )

    # --- files -----------------------------------------------------------------------------
    def upload_file(self, path: str, data: bytes) -> None:
        self._request(
            "POST",
            "/setup/upload",
            data={"file_path": path},
            files={"file_data": ("upload", data)},
            timeout=300,
        )

    def read_file(self, path: str) -> bytes:
        return self._request("POST", "/file", data={"file_path": path}, timeout=300).content

    def list_directory(self, path: str) -> dict[str, Any]:
        return self._json("POST", "/list_directory", json={"path": path})["directory_tree"]

    def start_recording(self) -> None:
        self._request("POST", "/start_recording")

    def end_recording(self) -> bytes:
        return self._request("POST", "/end_recording", timeout=120).content


def _message(reply: httpx.Response) -> str:
    try:
        data = reply.json()
    except ValueError:
        return reply.text[:500] or reply.reason_phrase
    if isinstance(data, dict):
        return str(data.get("message") or data.get("detail") or data)
    return str(data)
