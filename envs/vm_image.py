"""A small VM image for tests and benchmarks: Debian minimal + a stand-in control server.

    image = ensure_image()            # built once, then reused from the cache
    image.disk, image.kernel, image.initrd, image.append

A Debian root made with debootstrap (minbase, from the host's Debian mirror) with Debian's
cloud kernel, a tiny init script as PID 1 that brings up the network and starts
envs/vm_guest/server.py on port 5000, packed into an ext4 file system in a qcow2 disk.
QEMU boots the kernel and initrd directly (-kernel/-initrd): no boot loader, a boot of a
few seconds under KVM. The result lives in ~/.cache/deskpilot/vm-images/<hash>/, the hash
being of the recipe (packages, init script, server): it is rebuilt only when that changes.
Building needs root (debootstrap), debootstrap, mke2fs and qemu-img; about 3-6 minutes.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

SUITE = "bookworm"
PACKAGES = ("python3", "iproute2", "linux-image-cloud-amd64", "initramfs-tools")
DISK_SIZE = "1G"
GUEST_SERVER = Path(__file__).parent / "vm_guest" / "server.py"

# PID 1 of the guest. It writes to the serial console (the provider's serial.log), so a VM
# whose server never comes up explains itself; `deskpilot.server=off` on the kernel command
# line boots without the server (how the tests make one that never answers).
INIT = r"""#!/bin/sh
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc 2>/dev/null
mount -t sysfs sys /sys 2>/dev/null
mount -t devtmpfs dev /dev 2>/dev/null
mount -t tmpfs tmp /tmp 2>/dev/null
mount -t tmpfs run /run 2>/dev/null
mount -o remount,rw / 2>/dev/null
exec </dev/console >/dev/console 2>&1
echo "deskpilot-init: starting"
hostname deskpilot-vm
modprobe virtio_net 2>/dev/null
ip link set lo up
ip link set eth0 up 2>/dev/null || ip link set "$(ls /sys/class/net | grep -v lo | head -n1)" up
dev=$(ls /sys/class/net | grep -v '^lo$' | head -n1)
ip addr add 10.0.2.15/24 dev "$dev"
ip route add default via 10.0.2.2
echo "deskpilot-init: network on $dev"
if grep -q 'deskpilot.server=off' /proc/cmdline; then
  echo "deskpilot-init: server disabled on the kernel command line"
  while true; do sleep 3600; done
fi
while true; do
  python3 /usr/local/lib/deskpilot/server.py
  echo "deskpilot-init: server exited ($?), restarting"
  sleep 1
done
"""


@dataclass(frozen=True)
class VmImage:
    """A built image: boot `disk` (read-only base) with `kernel`, `initrd` and `append`."""

    folder: Path

    @property
    def disk(self) -> Path:
        return self.folder / "disk.qcow2"

    @property
    def kernel(self) -> Path:
        return self.folder / "vmlinuz"

    @property
    def initrd(self) -> Path:
        return self.folder / "initrd.img"

    @property
    def append(self) -> str:
        return "root=/dev/vda rw console=ttyS0 init=/usr/local/sbin/deskpilot-init panic=-1 loglevel=4"

    def toml(self) -> str:
        """A QemuProvider description of this image (envs/providers/qemu_config.py)."""
        return (
            f'image = "{self.disk}"\nkernel = "{self.kernel}"\ninitrd = "{self.initrd}"\n'
            f'append = "{self.append}"\ntoken = true\nos = "linux"\nprobe = "/health"\nmemory_mb = 512\n'
        )


class ImageBuildError(RuntimeError):
    """The image could not be built; the message says which step and shows its output."""


def recipe() -> dict[str, object]:
    return {
        "suite": SUITE,
        "packages": list(PACKAGES),
        "disk": DISK_SIZE,
        "init": INIT,
        "server": GUEST_SERVER.read_text(encoding="utf-8"),
        "version": 1,
    }


def recipe_hash() -> str:
    return hashlib.sha256(json.dumps(recipe(), sort_keys=True).encode()).hexdigest()[:16]


def cache_root() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "deskpilot" / "vm-images"


def host_mirror() -> str:
    """The Debian mirror this machine's apt uses (the one these machines can reach)."""
    for source in sorted(Path("/etc/apt/sources.list.d").glob("*.sources")):
        for line in source.read_text(encoding="utf-8").splitlines():
            if line.startswith("URIs:") and "security" not in line:
                return line.split()[1]
    listing = Path("/etc/apt/sources.list")
    if listing.exists():
        for line in listing.read_text(encoding="utf-8").splitlines():
            words = line.split()
            if len(words) >= 3 and words[0] == "deb" and "security" not in words[1]:
                return words[1]
    return "http://deb.debian.org/debian"


def cached_image() -> VmImage | None:
    image = VmImage(cache_root() / recipe_hash())
    return image if (image.folder / "done").exists() else None


def ensure_image(mirror: str | None = None, log: Path | None = None) -> VmImage:
    """The image of the current recipe: from the cache, or built now (under a lock, so two
    processes asking at once build it once)."""
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (image := cached_image()) is not None:
            return image
        return build_image(root / recipe_hash(), mirror or host_mirror(), log)


def _run(step: str, command: list[str], log: Path) -> None:
    with log.open("ab") as out:
        out.write(f"\n$ {' '.join(command)}\n".encode())
        out.flush()
        done = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, check=False)
    if done.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-25:])
        raise ImageBuildError(f"{step} failed (exit {done.returncode}); the end of {log}:\n{tail}")


def build_image(target: Path, mirror: str, log: Path | None = None) -> VmImage:
    missing = [tool for tool in ("debootstrap", "mke2fs", "qemu-img") if shutil.which(tool) is None]
    if missing:
        raise ImageBuildError(
            f"missing {', '.join(missing)}: apt-get install debootstrap e2fsprogs "
            "qemu-utils (scripts/install-debian-packages)"
        )
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    if sudo and shutil.which("sudo") is None:
        raise ImageBuildError("building the VM image needs root (debootstrap): run as root or with sudo")
    work = Path(tempfile.mkdtemp(prefix="deskpilot-vm-image-", dir=target.parent))
    log = log or work.parent / f"build-{target.name}.log"
    log.write_text(f"building {target.name} from {mirror}\n")
    rootfs = work / "root"
    try:
        _run(
            "debootstrap",
            sudo
            + [
                "debootstrap",
                "--variant=minbase",
                f"--include={','.join(PACKAGES)}",
                SUITE,
                str(rootfs),
                mirror,
            ],
            log,
        )
        staged = work / "staged"
        staged.mkdir()
        (staged / "deskpilot-init").write_text(INIT)
        shutil.copy(GUEST_SERVER, staged / "server.py")
        _run(
            "installing the init script and server",
            sudo
            + [
                "sh",
                "-c",
                (
                    f"install -D -m 755 {staged}/deskpilot-init {rootfs}/usr/local/sbin/deskpilot-init && "
                    f"install -D -m 644 {staged}/server.py {rootfs}/usr/local/lib/deskpilot/server.py && "
                    f"mkdir -p {rootfs}/etc/deskpilot && echo 282828 > {rootfs}/etc/deskpilot/colour && "
                    f"echo deskpilot-vm > {rootfs}/etc/hostname && "
                    f"rm -rf {rootfs}/var/cache/apt/archives/*.deb {rootfs}/var/lib/apt/lists/* && "
                    f"cp -L {rootfs}/vmlinuz {work}/vmlinuz && cp -L {rootfs}/initrd.img {work}/initrd.img && "
                    f"chmod 644 {work}/vmlinuz {work}/initrd.img"
                ),
            ],
            log,
        )
        _run(
            "mke2fs",
            sudo
            + [
                "mke2fs",
                "-q",
                "-t",
                "ext4",
                "-L",
                "deskpilot",
                "-d",
                str(rootfs),
                str(work / "disk.raw"),
                DISK_SIZE,
            ],
            log,
        )
        _run(
            "qemu-img convert",
            ["qemu-img", "convert", "-O", "qcow2", str(work / "disk.raw"), str(work / "disk.qcow2")],
            log,
        )
        (work / "disk.raw").unlink()
        shutil.rmtree(staged)
        subprocess.run(sudo + ["rm", "-rf", str(rootfs)], check=False)
        (work / "disk.qcow2").chmod(0o444)  # the read-only base every overlay sits on
        (work / "recipe.json").write_text(json.dumps(recipe(), indent=1))
        (work / "done").write_text("")
        work.rename(target)
    except BaseException:
        subprocess.run(sudo + ["rm", "-rf", str(work)], check=False)
        raise
    return VmImage(target)


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description="Build (or find) the small test VM image.")
    parser.add_argument("--mirror", help="Debian mirror (default: the one apt uses here)")
    parser.add_argument("--print-toml", action="store_true", help="print a QemuProvider file for it")
    args = parser.parse_args()
    image = ensure_image(args.mirror)
    print(image.toml() if args.print_toml else image.folder)


if __name__ == "__main__":
    main()
