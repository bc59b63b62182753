"""`agent vm ...`: QEMU desktops by hand, what `agent desktop` is for local ones.

    agent vm up --image Ubuntu.qcow2 --name osworld --firmware uefi   # or --image vm.toml
    agent vm up --image small --name t                  # the small Debian test image
    agent vm list
    agent vm reset osworld                              # back to the snapshot taken at boot
    agent vm view osworld                               # the VNC URL
    agent vm down osworld

A VM started here outlives the command (no watchdog); `down` kills it and deletes its
overlay. `agent bench cleanup --aws` (cleanup_command) removes AWS leftovers.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from envs.providers.base import ProviderError
from envs.providers.qemu_config import QemuConfig, load_config
from envs.providers.qemu_vm import QemuVM, list_vms

vm_app = typer.Typer(
    help="Start, reset and stop QEMU desktops (OSWorld's or WAA's image, or your own).", no_args_is_help=True
)
console = Console()


def _config(
    image: str,
    os_type: str | None,
    memory: int | None,
    cpus: int | None,
    firmware: str | None,
    accel: str | None,
) -> QemuConfig:
    if image == "small":
        from envs.vm_image import ensure_image

        built = ensure_image()
        config = QemuConfig(
            image=built.disk,
            kernel=built.kernel,
            initrd=built.initrd,
            append=built.append,
            token=True,
            probe="/health",
            memory_mb=512,
            cpus=1,
        )
    elif image.endswith(".toml"):
        config = load_config(Path(image))
    else:
        config = QemuConfig(image=Path(image).expanduser())
    changes = {"os": os_type, "memory_mb": memory, "cpus": cpus, "firmware": firmware, "accel": accel}
    return config.model_copy(update={k: v for k, v in changes.items() if v is not None})


def _fail(exc: Exception) -> typer.Exit:
    console.print(f"[red]error:[/] {exc}")
    return typer.Exit(1)


@vm_app.command("up")
def vm_up(
    image: str = typer.Option(
        ..., help="a qcow2/raw image, a QEMU TOML file, or 'small' (the Debian test image)"
    ),
    name: str = typer.Option("vm", help="name to reset and stop it by"),
    os: str = typer.Option(None, "--os", help="linux (OSWorld) or windows (WAA)"),
    memory: int = typer.Option(None, help="MiB of RAM"),
    cpus: int = typer.Option(None, help="virtual CPUs"),
    firmware: str = typer.Option(None, help="bios or uefi (OSWorld's image: uefi)"),
    accel: str = typer.Option(None, help="auto, kvm or tcg"),
) -> None:
    """Boot a VM on a copy-on-write overlay, wait for its server, snapshot it; print URL and token."""
    try:
        vm = QemuVM(_config(image, os, memory, cpus, firmware, accel), name, detach=True).start()
    except (ProviderError, ValueError) as exc:
        raise _fail(exc) from None
    lease = vm.lease()
    console.print(
        f"VM {name!r} is up ({vm.accel})\n  URL:    {lease.url}\n  token:  {lease.token or '(none)'}\n"
        f"  VNC:    {lease.extra['vnc']}\n  chrome: {lease.extra['chrome']}  vlc: {lease.extra['vlc']}\n"
        f"  folder: {vm.folder}"
    )


@vm_app.command("list")
def vm_list() -> None:
    """VMs started with `agent vm up` (and any of a running benchmark)."""
    table = Table("name", "URL", "state", "VNC", "folder")
    for vm in list_vms():
        state = "running" if vm.alive() else "dead (agent vm down to clean up)"
        table.add_row(vm.name, vm.url, state, vm.lease().extra["vnc"], str(vm.folder))
    console.print(table)


@vm_app.command("reset")
def vm_reset(name: str, reboot: bool = typer.Option(False, help="a full reboot on a new overlay")) -> None:
    """Back to the clean state: the snapshot taken when it first answered (or a reboot)."""
    try:
        seconds = QemuVM.attach(name).reset("reboot" if reboot else "snapshot")
    except ProviderError as exc:
        raise _fail(exc) from None
    console.print(f"VM {name!r} is clean again ({seconds:.1f} s)")


@vm_app.command("down")
def vm_down(name: str) -> None:
    """Kill the VM and delete its overlay."""
    try:
        QemuVM.attach(name).stop()
    except ProviderError as exc:
        raise _fail(exc) from None
    console.print(f"VM {name!r} is down")


@vm_app.command("view")
def vm_view(name: str) -> None:
    """Print the VM's VNC URL (open it with any VNC viewer; it listens on 127.0.0.1 only)."""
    try:
        console.print(QemuVM.attach(name).lease().extra["vnc"])
    except ProviderError as exc:
        raise _fail(exc) from None


def cleanup_command(
    aws: bool = typer.Option(False, "--aws", help="terminate deskpilot's AWS instances"),
    region: str = typer.Option("us-east-1", help="AWS region"),
    run: str = typer.Option(None, help="only this run's resources (deskpilot:run tag)"),
) -> None:
    """Remove what interrupted runs left behind: VMs whose owner died, and with --aws, tagged
    EC2 instances and security groups."""
    stale = [vm for vm in list_vms() if not vm.alive()]
    for vm in stale:
        vm.stop()
    console.print(f"removed {len(stale)} dead local VM folder(s)")
    if aws:
        from envs.providers.aws import cleanup_aws

        try:
            removed = cleanup_aws(region, run_id=run)
        except ProviderError as exc:
            raise _fail(exc) from None
        console.print(
            f"AWS {region}: terminated {len(removed['instances'])} instance(s), "
            f"deleted {len(removed['security_groups'])} security group(s)"
        )
