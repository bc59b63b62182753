"""Settings of one control server: where it listens, who may call it, what it may touch."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class InsecureBindError(ValueError):
    """Binding beyond loopback without a token would hand the desktop to the network."""


class ServerSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=5000, ge=0, le=65535)
    # Every request must carry it when set (Authorization: Bearer <token>).
    token: str | None = None
    # /file, /setup/upload and /list_directory may only touch paths under these.
    roots: list[Path] = Field(default_factory=lambda: [Path(os.path.expanduser("~"))])
    max_body_bytes: int = 256 * 1024 * 1024
    command_timeout: float = 120.0  # /execute, as OSWorld
    python_timeout: float = 30.0  # /run_python, as OSWorld
    bash_timeout: float = 100.0  # /run_bash_script default, as OSWorld
    max_output_chars: int = 1_000_000  # command output returned
    a11y_max_nodes: int = 5000
    a11y_max_seconds: float = 5.0
    recording_dir: Path = Field(default_factory=lambda: Path(os.environ.get("TMPDIR", "/tmp")))
    # Restrict the server to one RandR monitor: its index ("1"), its name ("DP-1") or
    # "primary". Screenshots, /act points, the cursor, the screen size and the
    # accessibility tree are then in that monitor's coordinates (envs/server/view.py).
    # None: the whole X screen, X coordinates unchanged.
    monitor: int | str | None = None
    # Physical pixels per protocol pixel (HiDPI). None: detected (GDK_SCALE, Xft.dpi)
    # when a monitor is chosen, 1 otherwise.
    scale: float | None = Field(default=None, gt=0, le=8)

    @model_validator(mode="after")
    def _token_off_loopback(self) -> ServerSettings:
        if not is_loopback(self.host) and not self.token:
            raise InsecureBindError(
                f"refusing to listen on {self.host}: binding beyond loopback needs a token "
                "(--token or DESKPILOT_TOKEN); every request must then carry it"
            )
        self.roots = [Path(r).expanduser().resolve() for r in self.roots]
        return self
