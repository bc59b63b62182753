"""A `--desktops` word to a Provider.

    local                      LocalProvider (the run's profile and size)
    http://host:5000[#TOKEN]   StaticProvider (cannot reset: one task, or --no-reset)
    desktops.toml              StaticProvider.from_file, or QemuProvider when it has `image`
    qemu:IMAGE.qcow2[xN]       QemuProvider; qemu:FILE.toml for the full description
    docker:IMAGE[xN]           DockerProvider with our desktop image
    osworld-docker:Ubuntu.qcow2[xN]   OSWorld's happysixd/osworld-docker, as upstream runs it
    vmware:A.vmx,B.vmx         VmwareProvider
    virtualbox:VM1,VM2         VirtualBoxProvider (NAT forwards)
    aws:REGION[xN]             AwsProvider with OSWorld's AMI for the region

Returns (provider, how many desktops it can hold at once).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from envs.providers.base import Provider, ProviderError


def _count(body: str) -> tuple[str, int]:
    match = re.fullmatch(r"(.+?)(?:x(\d+))?", body)
    if not body or match is None:
        raise ProviderError(f"nothing after the colon in {body!r}")
    return match.group(1), int(match.group(2) or 1)


def from_spec(
    spec: str, size: tuple[int, int] = (1920, 1080), profile: str | None = None, docker_client: Any = None
) -> tuple[Provider, int]:
    kind, _, body = spec.partition(":")
    if spec == "local":
        from envs.providers.local import LocalProvider

        return LocalProvider(size, profile), 1
    if spec.startswith(("http://", "https://")):
        from envs.providers.static import StaticProvider

        url, _, token = spec.partition("#")
        return StaticProvider([{"url": url, "token": token or None, "probe": ""}]), 1
    if spec.endswith(".toml") and ":" not in spec:
        data = tomllib.loads(Path(spec).read_text(encoding="utf-8"))
        if "image" in data:
            kind, body = "qemu", spec
        else:
            from envs.providers.static import StaticProvider

            provider = StaticProvider.from_file(Path(spec))
            return provider, len(provider)
    if kind == "qemu":
        from envs.providers.qemu import QemuProvider

        qemu = QemuProvider(f"qemu:{body}")
        return qemu, qemu.config.count
    if kind == "docker":
        from envs.providers.docker import DockerProvider

        image, count = _count(body)
        return DockerProvider(docker_client, image=image, width=size[0], height=size[1]), count
    if kind == "osworld-docker":
        from envs.providers.osworld_docker import osworld_docker

        qcow2, count = _count(body)
        return osworld_docker(Path(qcow2), docker_client), count
    if kind == "vmware":
        from envs.providers.vmware import VmwareProvider

        vmx = [p for p in body.split(",") if p]
        return VmwareProvider(vmx), len(vmx)
    if kind == "virtualbox":
        from envs.providers.virtualbox import VirtualBoxProvider

        names = [p for p in body.split(",") if p]
        return VirtualBoxProvider(names), len(names)
    if kind == "aws":
        from envs.providers.aws import AwsProvider

        region, count = _count(body or "us-east-1")
        return AwsProvider(region, count), count
    raise ProviderError(
        f"unknown desktops {spec!r}: local, a URL, a .toml file, qemu:IMAGE[xN], "
        "docker:IMAGE[xN], osworld-docker:QCOW2[xN], vmware:VMX,..., "
        "virtualbox:VM,..., aws:REGION[xN]"
    )
