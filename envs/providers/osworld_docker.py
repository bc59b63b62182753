"""OSWorld's own Docker image, as upstream runs it: `happysixd/osworld-docker` (QEMU inside)
with OSWorld's Ubuntu.qcow2 mounted read-only at /System.qcow2.

    provider = osworld_docker(Path("~/osworld/Ubuntu.qcow2"))
    lease = provider.acquire()           # up to 5 minutes: the VM boots inside the container
    lease = provider.reset(lease)        # upstream's way: a new container (a full boot)

Ports 5000 (server), 9222 (Chrome DevTools), 8080 (VLC) and 8006 (noVNC) are published on
127.0.0.1 at ports Docker picks; containers carry the `deskpilot.desktop` label, so
`docker ps --filter label=deskpilot.desktop` finds leftovers. For snapshot resets in
seconds, boot the same qcow2 with the QEMU provider instead (`qemu:Ubuntu.qcow2`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from envs.providers.base import ProviderError
from envs.providers.docker import DockerProvider

IMAGE = "happysixd/osworld-docker"


def osworld_docker(
    qcow2: Path,
    client: Any = None,
    *,
    ram: str = "4G",
    cpus: int = 4,
    disk: str = "32G",
    kvm: bool | None = None,
    start_timeout: float = 300.0,
    image: str = IMAGE,
) -> DockerProvider:
    qcow2 = Path(qcow2).expanduser().resolve()
    if not qcow2.is_file():
        raise ProviderError(
            f"OSWorld's VM image {qcow2} does not exist (Ubuntu.qcow2 from the "
            "Hugging Face dataset xlangai/ubuntu_osworld; see docs/vms.md)"
        )
    if kvm is None:
        kvm = os.access("/dev/kvm", os.R_OK | os.W_OK)
    environment = {"DISK_SIZE": disk, "RAM_SIZE": ram, "CPU_CORES": str(cpus)}
    run_options: dict[str, Any] = {
        "volumes": {str(qcow2): {"bind": "/System.qcow2", "mode": "ro"}},
        "cap_add": ["NET_ADMIN"],
    }
    if kvm:
        run_options["devices"] = ["/dev/kvm"]
    else:
        environment["KVM"] = "N"  # the image's switch for emulation (very slow)
    return DockerProvider(
        client,
        image=image,
        ours=False,
        probe="/screenshot",
        extra_ports={"chrome": "9222/tcp", "vlc": "8080/tcp", "vnc": "8006/tcp"},
        environment=environment,
        run_options=run_options,
        shm_size="1g",
        start_timeout=start_timeout,
        name_prefix="deskpilot-osworld",
    )
