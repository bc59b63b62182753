"""QEMU desktop life cycle with the small test image (prints figures; not a test).

    .venv/bin/python -m benchmarks.perf.vms [--runs 3] [--resets 5] [--accel tcg|kvm]

Median seconds from QEMU's start to the server answering (first boot, snapshot taken
after), snapshot reset to healthy (loadvm), reboot reset to healthy (a fresh overlay and a
full boot, our fallback and what upstream's Docker reset is); QEMU processes and host disk
per desktop (overlay with its snapshot, RAM state included). Beside them, upstream's
fixed wait after each reset (60 s) as the baseline. Target: snapshot reset <= 5 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import psutil

from envs.providers.qemu import QemuProvider
from envs.providers.qemu_config import QemuConfig
from envs.vm_image import ensure_image

UPSTREAM_WAIT_S = 60.0  # OSWorld's runner sleeps this long after every reset


def dirty(lease) -> None:
    """What a task leaves behind: a file and a changed setting."""
    with lease.client() as vm:
        vm.upload_file("/root/left-by-task.txt", os.urandom(1 << 20))
        vm.execute("echo ff0000 > /etc/deskpilot/colour", shell=True)


def disk_bytes(folder: Path) -> int:
    return sum(p.stat().st_blocks * 512 for p in folder.rglob("*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3, help="first boots (and reboot resets)")
    parser.add_argument("--resets", type=int, default=5, help="snapshot resets per boot")
    parser.add_argument("--accel", default=os.environ.get("DESKPILOT_QEMU_ACCEL", "auto"))
    parser.add_argument("--memory", type=int, default=512)
    args = parser.parse_args()

    image = ensure_image()
    config = QemuConfig(
        image=image.disk,
        kernel=image.kernel,
        initrd=image.initrd,
        append=image.append,
        token=True,
        probe="/health",
        memory_mb=args.memory,
        cpus=1,
        accel=args.accel,
    )
    boots, snaps, reboots, saves, disks, procs = [], [], [], [], [], []
    accel = args.accel
    with (
        tempfile.TemporaryDirectory(prefix="deskpilot-vms-bench-") as root,
        QemuProvider(config, root=Path(root)) as provider,
    ):
        for _ in range(args.runs):
            start = time.perf_counter()
            lease = provider.acquire()
            total = time.perf_counter() - start
            vm = provider.vm(lease)
            accel = vm.accel
            start = time.perf_counter()  # the snapshot's own cost, measured apart
            vm.take_snapshot()
            saves.append(time.perf_counter() - start)
            boots.append(total)
            for _ in range(args.resets):
                dirty(lease)
                start = time.perf_counter()
                lease = provider.reset(lease)
                snaps.append(time.perf_counter() - start)
            qemu = psutil.Process(provider.vm(lease).pid)
            procs.append(1 + len(qemu.children(recursive=True)))
            disks.append(disk_bytes(provider.vm(lease).folder))
            dirty(lease)
            start = time.perf_counter()
            lease = provider.reset(lease, mode="reboot")
            reboots.append(time.perf_counter() - start)
            provider.release(lease)

    med = statistics.median
    print(
        f"small Debian image, {args.memory} MiB, 1 vCPU, accel {accel}; "
        f"{args.runs} boots, {len(snaps)} snapshot resets"
    )
    print(
        f"first boot -> healthy (+ savevm)   median {med(boots):6.2f} s   (all: {', '.join(f'{b:.1f}' for b in boots)})"
    )
    print(f"  of which savevm                  median {med(saves):6.2f} s")
    print(
        f"snapshot reset -> healthy          median {med(snaps):6.2f} s   max {max(snaps):.2f} s   target <= 5 s"
    )
    print(f"reboot reset -> healthy            median {med(reboots):6.2f} s")
    print(
        f"upstream: reset + fixed wait       >= {UPSTREAM_WAIT_S:.0f} s + the reset itself "
        f"(snapshot reset is {UPSTREAM_WAIT_S / med(snaps):.0f}x shorter than the wait alone)"
    )
    print(
        f"per desktop: {med(procs):.0f} QEMU process(es) + 1 watchdog; disk {med(disks) / 2**20:.0f} MiB "
        f"(overlay with the snapshot; base image {image.disk.stat().st_size / 2**20:.0f} MiB shared, read-only)"
    )


if __name__ == "__main__":
    main()
