"""What a QEMU desktop is: the image, how to boot it, how to tell its server answers.

From a `--desktops` word, `qemu:IMAGE.qcow2` or `qemu:IMAGE.qcow2x4` (four desktops), or a
TOML file (`qemu:desktops.toml`, or the file alone):

    image = "/data/osworld/Ubuntu.qcow2"   # read-only base; each desktop writes to an overlay
    count = 4
    os = "linux"                           # linux (OSWorld: server on 5000, probe /screenshot)
                                           # or windows (WAA: server on 5000, probe /probe)
    memory_mb = 4096
    cpus = 4
    firmware = "uefi"                      # OSWorld's image boots with UEFI (package ovmf)

Direct kernel boot (the small test image, envs/vm_image.py) sets `kernel`, `initrd`,
`append`, and `token = true` to hand each VM a fresh token on its kernel command line.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from envs.providers.base import ProviderError

# Where OVMF (UEFI firmware for QEMU) is on Debian (package ovmf) and elsewhere.
OVMF_PATHS = ("/usr/share/ovmf/OVMF.fd", "/usr/share/OVMF/OVMF.fd", "/usr/share/qemu/OVMF.fd")
PROBES = {"linux": "/screenshot", "windows": "/probe"}


class QemuConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    image: Path
    count: int = 1
    os: Literal["linux", "windows"] = "linux"
    memory_mb: int = 4096
    cpus: int = 2
    firmware: Literal["bios", "uefi"] = "bios"
    kernel: Path | None = None
    initrd: Path | None = None
    append: str = ""
    token: bool = False  # pass deskpilot.token=... on the kernel command line
    server_port: int = 5000  # in the guest
    probe: str | None = None  # readiness path; default by os (/screenshot, /probe)
    disk_interface: str | None = None  # virtio (linux) / ide (windows: no virtio driver needed)
    nic: str | None = None  # virtio-net-pci (linux) / e1000 (windows)
    boot_timeout_s: float = 300.0
    reset_timeout_s: float = 60.0
    snapshot: bool = True  # reset by loadvm; False: every reset is a reboot
    accel: Literal["auto", "kvm", "tcg"] = "auto"
    extra_args: list[str] = []

    @model_validator(mode="after")
    def _check(self) -> QemuConfig:
        if self.count < 1:
            raise ValueError("count must be at least 1")
        if self.token and self.kernel is None:
            raise ValueError("token = true needs kernel (the token goes on the kernel command line)")
        if (self.initrd or self.append) and self.kernel is None:
            raise ValueError("initrd and append need kernel")
        return self

    @property
    def probe_path(self) -> str:
        return self.probe if self.probe is not None else PROBES[self.os]

    @property
    def disk_if(self) -> str:
        return self.disk_interface or ("ide" if self.os == "windows" else "virtio")

    @property
    def nic_model(self) -> str:
        return self.nic or ("e1000" if self.os == "windows" else "virtio-net-pci")

    def checked(self) -> QemuConfig:
        """The same, with every file it names present (the error says which is missing)."""
        for label, path in (("image", self.image), ("kernel", self.kernel), ("initrd", self.initrd)):
            if path is not None and not path.is_file():
                raise ProviderError(f"qemu: the {label} {path} does not exist")
        if self.firmware == "uefi" and ovmf() is None:
            raise ProviderError("qemu: firmware = 'uefi' needs OVMF: apt-get install ovmf")
        return self


def ovmf() -> Path | None:
    return next((Path(p) for p in OVMF_PATHS if Path(p).is_file()), None)


def _fail(where: str, exc: ValidationError) -> ProviderError:
    reasons = "; ".join(f"{'.'.join(map(str, e['loc'])) or where}: {e['msg']}" for e in exc.errors())
    return ProviderError(f"{where}: {reasons}")


def load_config(path: Path) -> QemuConfig:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ProviderError(f"{path}: {exc}") from exc
    base = path.parent
    for key in ("image", "kernel", "initrd"):  # relative to the file, not the working folder
        if isinstance(data.get(key), str) and not Path(data[key]).is_absolute():
            data[key] = str(base / data[key])
    try:
        return QemuConfig(**data)
    except ValidationError as exc:
        raise _fail(str(path), exc) from None


def parse_spec(spec: str) -> QemuConfig:
    """`qemu:IMAGE[xN]` or `qemu:FILE.toml` (the prefix is optional for a .toml file)."""
    body = spec.removeprefix("qemu:")
    if body.endswith(".toml"):
        return load_config(Path(body).expanduser())
    match = re.fullmatch(r"(.+?)(?:x(\d+))?", body)
    if not body or match is None:
        raise ProviderError(f"expected qemu:IMAGE.qcow2[xN] or qemu:FILE.toml, not {spec!r}")
    image, count = match.group(1), int(match.group(2) or 1)
    try:
        return QemuConfig(image=Path(image).expanduser(), count=count)
    except ValidationError as exc:
        raise _fail(spec, exc) from None
