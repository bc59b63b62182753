"""What the QEMU tests share: the small image (built once, cached) and a config for it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from envs.providers.qemu_config import QemuConfig


def vm_tools_missing() -> str | None:
    for tool in ("qemu-system-x86_64", "qemu-img"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (scripts/install-debian-packages)"
    from envs.vm_image import cached_image

    if cached_image() is None and (shutil.which("debootstrap") is None or os.geteuid() != 0):
        return "the test VM image is not built and cannot be (needs root and debootstrap)"
    return None


def small_config(**overrides: object) -> QemuConfig:
    from envs.vm_image import ensure_image

    missing = vm_tools_missing()
    if missing:
        pytest.skip(missing)
    image = ensure_image()
    # KVM where it works, else TCG (on these nested machines /dev/kvm opens but guests hang:
    # qemu_vm.kvm_usable tells); DESKPILOT_QEMU_ACCEL=tcg|kvm overrides.
    values: dict[str, object] = {
        "image": image.disk,
        "kernel": image.kernel,
        "initrd": image.initrd,
        "append": image.append,
        "token": True,
        "probe": "/health",
        "memory_mb": 384,
        "cpus": 1,
        "boot_timeout_s": 240,
        "accel": "auto",
    }
    values.update(overrides)
    return QemuConfig(**values)


def qemu_pids() -> set[int]:
    pids = set()
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if (proc / "comm").read_text().strip().startswith("qemu-system"):
                    pids.add(int(proc.name))
            except OSError:
                pass
    return pids
