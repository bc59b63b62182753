"""The control server: OSWorld's in-VM API plus what an agent needs (/act, settle, /health).

`create_app(settings)` builds the ASGI app; `envs.server.__main__` serves it.
Errors are always JSON `{"status": "error", "message": ...}`, never a traceback.
"""

from __future__ import annotations

import base64
import logging
import os
import time
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from envs.actions import ActRequest, ActResponse, ImageSpec
from envs.server import screen, xinput
from envs.server.config import ServerSettings
from envs.server.guard import Guard
from envs.server.osworld_routes import router as osworld_router
from envs.server.osworld_routes import state
from envs.server.recording import Recorder, RecordingError
from envs.server.state import ServerState
from envs.server.view import needs_pointer, resolve_view

log = logging.getLogger("deskpilot.server")
VERSION = "0.1.0"


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"status": "error", "message": message}, status_code=status)


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
        parts.append(f"{where or 'body'}: {err.get('msg', 'invalid')}")
    return "invalid request: " + "; ".join(parts)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return _error(422, _validation_message(exc))

    @app.exception_handler(xinput.ActionError)
    async def action_failed(_: Request, exc: xinput.ActionError) -> JSONResponse:
        return _error(422, str(exc))

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s", request.url.path)
        return _error(500, f"{type(exc).__name__}: {exc}")


def recorder(request: Request) -> Recorder:
    """The server's screen recorder (made when the server state is)."""
    made = state(request).recorder
    if made is None:
        raise HTTPException(503, "the screen recorder is not ready")
    return made


def _image_spec(format: str, quality: str | None) -> ImageSpec:
    """Query parameters -> ImageSpec; 422 naming the bad value."""
    try:
        return ImageSpec.model_validate(
            {"format": format.lower(), "quality": None if quality is None else int(quality)}
        )
    except ValueError as exc:  # pydantic's ValidationError is a ValueError, as is int("x")
        errors = getattr(exc, "errors", None)
        detail = (
            "; ".join(e["msg"].removeprefix("Value error, ") for e in errors())
            if errors
            else f"quality must be an integer from 1 to 100, not {quality!r}"
        )
        raise HTTPException(
            422, f"invalid screenshot request (format={format!r}, quality={quality!r}): {detail}"
        ) from exc


def create_app(settings: ServerSettings) -> Guard:
    app = FastAPI(
        title="deskpilot control server", version=VERSION, docs_url=None, redoc_url=None, openapi_url=None
    )
    app.state.server = served = ServerState(settings)
    # Resolved once at start: a monitor plugged in later does not move this server.
    served.view, monitor = resolve_view(settings.monitor, settings.scale)
    _install_error_handlers(app)
    app.include_router(osworld_router)

    @app.get("/health")
    def health() -> dict[str, Any]:
        width, height = screen.screen_size(served.view)
        reply: dict[str, Any] = {
            "status": "ok",
            "server": "deskpilot",
            "version": VERSION,
            "display": os.environ.get("DISPLAY"),
            "screen": {"width": width, "height": height},
            "features": ["act", "settle", "accessibility", "recording"],
        }
        if served.view is not None:
            reply["monitor"] = monitor.model_dump() if monitor else None
            reply["scale"] = served.view.scale
        return reply

    @app.get("/screenshot")
    def screenshot(format: str = "png", quality: str | None = None) -> Response:
        # Plain /screenshot (what OSWorld's clients ask) is PNG; ?format=jpeg|webp&quality=
        # for agents that send lossy images to a model anyway.
        spec = _image_spec(format, quality)
        return Response(screen.screenshot(spec, view=served.view), media_type=spec.media_type)

    @app.post("/act")
    def act(body: ActRequest, request: Request) -> ActResponse:
        st = state(request)
        view = st.view
        # Every point is checked before anything runs: a batch with one point off the
        # monitor does nothing at all.
        ops = [view.map_action(op) for op in body.actions] if view else body.actions
        before = st.frame() if body.settle else None
        with st.input_lock:
            start = time.monotonic()
            for op in ops:
                if view is not None and needs_pointer(op):
                    view.check_pointer(op, xinput.cursor_position())
                xinput.perform(op)
            elapsed = time.monotonic() - start
        report = st.settle(body.settle, before) if body.settle else None
        shot = (
            base64.b64encode(screen.screenshot(body.screenshot, view=view)).decode()
            if body.screenshot
            else None
        )
        return ActResponse(
            executed=len(body.actions), seconds=round(elapsed, 4), settle=report, screenshot=shot
        )

    @app.get("/accessibility")
    def accessibility(request: Request) -> dict[str, str]:
        st = state(request)
        try:
            from envs.server import a11y, a11y_pipeline
        except ImportError as exc:
            raise HTTPException(503, f"accessibility is not available: {exc}") from exc
        limits = a11y.TreeLimits(
            max_nodes=st.settings.a11y_max_nodes, max_seconds=st.settings.a11y_max_seconds
        )
        future = st.a11y_pool.submit(a11y_pipeline.tree_xml, limits, st.view)
        try:
            xml = future.result(timeout=st.settings.a11y_max_seconds + 10)
        except a11y.AccessibilityUnavailable as exc:
            raise HTTPException(503, str(exc)) from exc
        return {"AT": xml}

    @app.get("/terminal")
    def terminal(request: Request) -> dict[str, Any]:
        st = state(request)
        try:
            from envs.server import a11y

            text = st.a11y_pool.submit(a11y.find_terminal_text).result(timeout=30)
        except (ImportError, RuntimeError) as exc:
            raise HTTPException(404, f"terminal output is not available: {exc}") from exc
        if text is None:
            raise HTTPException(
                404,
                "terminal output is not available: no focused terminal "
                "with an accessible text on this desktop",
            )
        return {"status": "success", "output": text}

    @app.post("/start_recording")
    def start_recording(request: Request) -> dict[str, str]:
        view = state(request).view
        # The monitor's physical pixels: ffmpeg records what is there, unscaled.
        x, y, width, height = (
            (view.x, view.y, view.width, view.height) if view else (0, 0, *screen.screen_size())
        )
        try:
            recorder(request).start(width, height, x=x, y=y)
        except RecordingError as exc:
            raise HTTPException(400, str(exc)) from exc
        return {"status": "success", "message": "recording started"}

    @app.post("/end_recording")
    def end_recording(request: Request) -> FileResponse:
        try:
            path = recorder(request).stop()
        except RecordingError as exc:
            raise HTTPException(400, str(exc)) from exc
        return FileResponse(path, media_type="video/mp4", filename="recording.mp4")

    return Guard(app, token=settings.token, max_body_bytes=settings.max_body_bytes)
