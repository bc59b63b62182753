"""The OSWorld in-VM API: same paths and payloads as OSWorld's server, so its client works."""

from __future__ import annotations

import os
import platform
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse
from pydantic import BaseModel, ConfigDict

from envs.actions import SettleSpec
from envs.server import procs, screen, windows, xinput
from envs.server.paths import confine
from envs.server.state import ServerState

router = APIRouter()
MAX_TREE_ENTRIES = 20000


def state(request: Request) -> ServerState:
    return request.app.state.server


class CommandRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")
    command: list[str] | str
    shell: bool = False
    # Ours: wait for the screen to settle after the command and say how long it took.
    settle: SettleSpec | bool | None = None


def _settle_spec(value: SettleSpec | bool | None) -> SettleSpec | None:
    if value is True:
        return SettleSpec()
    return value or None


@router.post("/execute")
@router.post("/setup/execute")
def execute(body: CommandRequest, request: Request) -> dict[str, Any]:
    # The command runs as given: pyautogui code in it uses X screen coordinates even when
    # this server is restricted to one monitor (only /act, /screenshot and the other
    # typed routes speak the monitor's coordinates); see docs/this-screen.md.
    st = state(request)
    spec = _settle_spec(body.settle)
    before = st.frame() if spec else None
    with st.input_lock:
        result = procs.run(
            body.command,
            shell=body.shell,
            timeout=st.settings.command_timeout,
            max_chars=st.settings.max_output_chars,
        )
    reply: dict[str, Any] = {
        "status": "success" if result.returncode == 0 else "error",
        "output": result.output,
        "error": result.error,
        "returncode": result.returncode,
    }
    if spec:
        reply["settle"] = st.settle(spec, before).model_dump()
    return reply


class LaunchRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")
    command: list[str] | str
    shell: bool = False


@router.post("/setup/launch")
def launch(body: LaunchRequest) -> PlainTextResponse:
    command = body.command
    if isinstance(command, list):  # OSWorld expands ~ in arguments
        command = [os.path.expanduser(part) for part in command]
    try:
        pid = procs.launch(command, shell=body.shell)
    except (FileNotFoundError, PermissionError) as exc:
        raise HTTPException(400, f"cannot launch {body.command!r}: {exc}") from exc
    return PlainTextResponse(f"{body.command} launched successfully (pid {pid})")


class OpenFileRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")
    path: str


@router.post("/setup/open_file")
def open_file(body: OpenFileRequest, request: Request) -> PlainTextResponse:
    path = confine(body.path, state(request).settings.roots, must_exist=True)
    if not windows.open_file(str(path)):
        raise HTTPException(504, f"opened {body.path} but no window showing it appeared in 30 s")
    return PlainTextResponse(f"{body.path} opened successfully")


class WindowRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")
    window_name: str
    strict: bool = False
    by_class: bool = False


@router.post("/setup/activate_window")
def activate_window(body: WindowRequest) -> PlainTextResponse:
    if not windows.activate(body.window_name, strict=body.strict, by_class=body.by_class):
        raise HTTPException(404, f"no window matching {body.window_name!r}")
    return PlainTextResponse("Window activated successfully")


@router.post("/setup/close_window")
def close_window(body: WindowRequest) -> PlainTextResponse:
    if not windows.close(body.window_name, strict=body.strict, by_class=body.by_class):
        raise HTTPException(404, f"no window matching {body.window_name!r}")
    return PlainTextResponse("Window closed successfully")


@router.post("/setup/upload")
def upload(
    request: Request, file_path: Annotated[str, Form()], file_data: Annotated[UploadFile, File()]
) -> PlainTextResponse:
    target = confine(file_path, state(request).settings.roots)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Write beside the target and rename, so a failed upload never leaves half a file.
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            shutil.copyfileobj(file_data.file, out, 1024 * 1024)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return PlainTextResponse("File uploaded successfully")


@router.post("/file")
def get_file(request: Request, file_path: Annotated[str, Form()]) -> FileResponse:
    path = confine(file_path, state(request).settings.roots, must_exist=True)
    if not path.is_file():
        raise HTTPException(400, f"not a regular file: {file_path}")
    return FileResponse(path, media_type="application/octet-stream")


class PathRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")
    path: str


def _tree(path: Path, budget: list[int]) -> dict[str, Any]:
    if path.is_symlink() or not path.is_dir():
        return {"type": "file", "name": path.name}
    children = []
    try:
        entries = sorted(os.scandir(path), key=lambda e: e.name)
    except OSError:
        entries = []
    for entry in entries:
        budget[0] -= 1
        if budget[0] < 0:
            break
        children.append(_tree(Path(entry.path), budget))
    return {"type": "directory", "name": path.name, "children": children}


@router.post("/list_directory")
def list_directory(body: PathRequest, request: Request) -> dict[str, Any]:
    path = confine(body.path, state(request).settings.roots, must_exist=True)
    if not path.is_dir():
        raise HTTPException(400, f"not a directory: {body.path}")
    return {"directory_tree": _tree(path, [MAX_TREE_ENTRIES])}


@router.get("/screen_size")
@router.post("/screen_size")
def screen_size(request: Request) -> dict[str, int]:
    width, height = screen.screen_size(state(request).view)
    return {"width": width, "height": height}


@router.post("/window_size")
def window_size(request: Request, app_class_name: Annotated[str, Form()]) -> dict[str, int]:
    size = windows.window_size(app_class_name)
    if size is None:
        raise HTTPException(404, f"no window of class {app_class_name!r}")
    view = state(request).view
    if view is not None:  # logical pixels, like every other size this server gives
        size = (round(size[0] / view.scale), round(size[1] / view.scale))
    return {"width": size[0], "height": size[1]}


@router.get("/cursor_position")
def cursor_position(request: Request) -> list[int]:
    """In the monitor's coordinates when restricted to one: off it, they fall outside
    (0, 0)..screen_size, possibly negative."""
    view = state(request).view
    x, y = xinput.cursor_position()
    return list(view.from_screen(x, y)) if view else [x, y]


@router.get("/platform")
def get_platform() -> PlainTextResponse:
    return PlainTextResponse(platform.system())


@router.post("/desktop_path")
def desktop_path() -> dict[str, str]:
    return {"desktop_path": os.path.expanduser("~/Desktop")}


class PythonRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")
    code: str
    timeout: float | None = None  # ours: OSWorld's fixed 30 s is short for a coding agent


@router.post("/run_python")
def run_python(body: PythonRequest, request: Request) -> JSONResponse:
    st = state(request)
    python = shutil.which("python3") or sys.executable
    # The code goes in on stdin: never through a shell, never into this process.
    timeout = min(max(body.timeout or st.settings.python_timeout, 1), st.settings.command_timeout * 5)
    result = procs.run(
        [python, "-"], stdin=body.code, timeout=timeout, max_chars=st.settings.max_output_chars
    )
    return JSONResponse(
        {
            "status": "success" if result.returncode == 0 else "error",
            "output": result.output,
            "error": result.error,
            "returncode": result.returncode,
        }
    )


class BashRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")
    script: str
    timeout: float = 100
    working_dir: str | None = None


@router.post("/run_bash_script")
def run_bash_script(body: BashRequest, request: Request) -> dict[str, Any]:
    st = state(request)
    cwd = body.working_dir and os.path.expanduser(body.working_dir)
    if cwd and not os.path.isdir(cwd):
        raise HTTPException(400, f"working_dir does not exist: {body.working_dir}")
    timeout = min(max(body.timeout, 1), st.settings.command_timeout * 5)
    result = procs.run(
        ["bash", "-s"],
        stdin=body.script,
        timeout=timeout,
        cwd=cwd or None,
        max_chars=st.settings.max_output_chars,
    )
    return {
        "status": "success" if result.returncode == 0 else "error",
        "output": result.output,
        "error": result.error,
        "returncode": result.returncode,
    }
