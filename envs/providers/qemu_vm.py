"""One QEMU desktop: a copy-on-write overlay on a read-only base image, booted, snapshotted
once its server answers, reverted to that snapshot on every reset, and removed on stop.

Everything a VM has lives in its folder (`<root>/<name>/`): the overlay, QMP socket, serial
console log, QEMU's own log and `vm.json` (ports, pid, token: mode 0600). Host ports for the
guest's server (5000), Chrome DevTools (9222), VLC's web interface (8080) and a VNC view are
on 127.0.0.1 only, claimed race-free (ports.py). Unless detached (`agent vm up`), a watchdog
removes the VM when the process that started it dies (watchdog.py).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from envs.providers.base import DesktopLease, ProviderError, wait_healthy
from envs.providers.ports import claim_ports, release_ports
from envs.providers.qemu_config import QemuConfig, ovmf
from envs.providers.qmp import Qmp, QmpError
from envs.providers.watchdog import Watchdog

log = logging.getLogger(__name__)
SNAPSHOT = "deskpilot-clean"
GUEST_PORTS = {"server": None, "chrome": 9222, "vlc": 8080}  # server: config.server_port


def vm_root() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return Path(os.environ.get("DESKPILOT_VM_DIR", base / "deskpilot" / "vms"))


def kvm_usable() -> str | None:
    """None when QEMU can use KVM here, else why not."""
    try:
        fd = os.open("/dev/kvm", os.O_RDWR)
    except OSError as exc:
        return f"/dev/kvm cannot be opened ({exc.strerror}; is KVM enabled, are you in group kvm?)"
    os.close(fd)
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return None
    if " vmx" not in flags and " svm" not in flags:
        # Seen inside some nested VMs (Firecracker): /dev/kvm opens, but the CPU shows no
        # virtualisation extensions and guests hang before their first console line.
        return "/dev/kvm opens but the CPU advertises neither vmx nor svm (nested KVM that hangs guests)"
    return None


def choose_accel(wanted: str) -> str:
    wanted = os.environ.get("DESKPILOT_QEMU_ACCEL", wanted)
    if wanted in ("tcg", "kvm"):
        return wanted  # asked for by name: no second-guessing
    problem = kvm_usable()
    if problem is None:
        return "kvm"
    log.warning(
        "%s: QEMU falls back to TCG emulation, many times slower (DESKPILOT_QEMU_ACCEL=kvm to insist)",
        problem,
    )
    return "tcg"


class QemuVM:
    def __init__(self, config: QemuConfig, name: str, root: Path | None = None, detach: bool = False) -> None:
        self.config = config
        self.name = name
        self.root = root or vm_root()
        self.folder = self.root / name
        self.detach = detach
        self.token: str | None = secrets.token_urlsafe(24) if config.token else None
        self.ports: dict[str, int] = {}
        self.pid: int | None = None
        self.accel = ""
        self.proc: subprocess.Popen | None = None
        self.watchdog: Watchdog | None = None
        self.snapshot_taken = False

    # --- where things are ------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.ports['server']}"

    @property
    def overlay(self) -> Path:
        return self.folder / "overlay.qcow2"

    @property
    def serial_log(self) -> Path:
        return self.folder / "serial.log"

    @property
    def qmp_path(self) -> Path:
        return self.folder / "qmp.sock"

    def lease(self) -> DesktopLease:
        extra = {
            "chrome": f"http://127.0.0.1:{self.ports['chrome']}",
            "vlc": f"http://127.0.0.1:{self.ports['vlc']}",
            "vnc": f"vnc://127.0.0.1:{self.ports['vnc']}",
            "folder": str(self.folder),
        }
        return DesktopLease(
            self.url,
            self.token,
            name=self.name,
            provider="qemu",
            handle=self.name,
            extra=extra,
            can_reset=True,
        )

    # --- life cycle ----------------------------------------------------------------------
    def start(self) -> QemuVM:
        """Boot, wait for the server, take the clean snapshot. On failure nothing is left."""
        if self.folder.exists():
            raise ProviderError(f"a VM named {self.name!r} already exists ({self.folder})")
        self.folder.mkdir(parents=True)
        try:
            self._boot()
            self.save_record()
        except BaseException:
            self.stop()
            raise
        return self

    def _boot(self) -> None:
        config = self.config.checked()
        self._make_overlay()
        self.accel = choose_accel(config.accel)
        for attempt in range(3):  # a port taken between the claim and QEMU's bind: new ports
            self.ports = claim_ports(self.root, self.folder, list(GUEST_PORTS))
            self.serial_log.write_bytes(b"")
            with (self.folder / "qemu.log").open("wb") as qemu_log:
                self.proc = subprocess.Popen(
                    self.command(),
                    stdin=subprocess.DEVNULL,
                    stdout=qemu_log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            self.pid = self.proc.pid
            if not self.detach:
                self.watchdog = Watchdog(self.pid, self.folder)
            try:
                # QEMU is up (its forwards bound) once its monitor answers
                Qmp(self.qmp_path).connect(wait=10, alive=self._running).close()
                break
            except QmpError:
                text = self._qemu_log()
                self._kill()
                release_ports(self.root, self.ports, self.folder)
                port_taken = any(
                    word in text for word in ("host forwarding", "hostfwd", "VNC", "Address already in use")
                )
                if not port_taken or attempt == 2:
                    raise ProviderError(f"QEMU did not start for {self.name}:\n{text}") from None
        self.wait_ready(config.boot_timeout_s, "boot")
        if config.snapshot:
            self.take_snapshot()

    def command(self) -> list[str]:
        c = self.config
        kvm = self.accel == "kvm"
        forwards = ",".join(
            f"hostfwd=tcp:127.0.0.1:{self.ports[name]}-:{guest or c.server_port}"
            for name, guest in GUEST_PORTS.items()
        )
        args = [
            "qemu-system-x86_64",
            "-name",
            f"deskpilot-{self.name}",
            "-machine",
            f"q35,accel={self.accel}",
            "-cpu",
            "host" if kvm else "max",
            "-m",
            str(c.memory_mb),
            "-smp",
            str(c.cpus),
            "-drive",
            f"file={self.overlay},if={c.disk_if},format=qcow2,cache=unsafe",
            "-netdev",
            f"user,id=net0,{forwards}",
            "-device",
            f"{c.nic_model},netdev=net0",
            "-qmp",
            f"unix:{self.qmp_path},server=on,wait=off",
            "-serial",
            f"file:{self.serial_log}",
            "-display",
            "none",
            "-vnc",
            f"127.0.0.1:{self.ports['vnc'] - 5900}",
            "-pidfile",
            str(self.folder / "qemu.pid"),
        ]
        if kvm:
            args += ["-mem-prealloc"]  # first touches of guest memory are costly when nested
        if c.firmware == "uefi":
            args += ["-bios", str(ovmf())]  # read-only firmware: savevm needs no pflash copy
        if c.kernel is not None:
            append = c.append + (f" deskpilot.token={self.token}" if self.token else "")
            args += ["-kernel", str(c.kernel), "-append", append.strip()]
            if c.initrd is not None:
                args += ["-initrd", str(c.initrd)]
        return args + list(c.extra_args)

    def _make_overlay(self) -> None:
        base = self.config.image.resolve()
        info = subprocess.run(
            ["qemu-img", "info", "--output=json", str(base)], capture_output=True, text=True, check=False
        )
        if info.returncode != 0:
            raise ProviderError(f"qemu-img cannot read {base}: {info.stderr.strip()}")
        fmt = json.loads(info.stdout).get("format", "raw")
        made = subprocess.run(
            ["qemu-img", "create", "-q", "-f", "qcow2", "-F", fmt, "-b", str(base), str(self.overlay)],
            capture_output=True,
            text=True,
            check=False,
        )
        if made.returncode != 0:
            raise ProviderError(f"cannot create an overlay on {base}: {made.stderr.strip()}")

    def wait_ready(self, timeout: float, what: str) -> float:
        try:
            return wait_healthy(
                self.url,
                self.token,
                timeout=timeout,
                interval=0.2,
                dead=self._dead,
                path=self.config.probe_path,
            )
        except ProviderError as exc:
            raise ProviderError(f"VM {self.name}: {what}: {exc}\n{self.diagnosis()}") from None

    def _running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def _dead(self) -> str | None:
        if self.proc is not None and self.proc.poll() is not None:
            return f"QEMU exited with code {self.proc.returncode}"
        if self.proc is None and self.pid is not None and not _alive(self.pid):
            return "QEMU is gone"
        return None

    def diagnosis(self) -> str:
        serial = self.serial_tail()
        text = f"the end of its serial console ({self.serial_log}):\n{serial or '(empty)'}"
        if not serial and self.accel == "kvm":
            text += (
                "\n(an empty console under KVM can mean nested virtualisation that does not "
                "work: try accel = 'tcg' or DESKPILOT_QEMU_ACCEL=tcg)"
            )
        if qemu := self._qemu_log():
            text += f"\nQEMU said:\n{qemu}"
        return text

    def serial_tail(self, lines: int = 25) -> str:
        try:
            text = self.serial_log.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.rstrip().splitlines()[-lines:])

    def _qemu_log(self) -> str:
        try:
            return (self.folder / "qemu.log").read_text(errors="replace").strip()[-2000:]
        except OSError:
            return ""

    # --- snapshots and resets ------------------------------------------------------------
    def qmp(self) -> Qmp:
        return Qmp(self.qmp_path).connect()

    def take_snapshot(self) -> None:
        with self.qmp() as qmp:
            out = qmp.hmp(f"savevm {SNAPSHOT}")
        if out.strip():
            raise ProviderError(f"VM {self.name}: savevm failed: {out.strip()}")
        self.snapshot_taken = True

    def reset(self, mode: str = "snapshot") -> float:
        """Back to the clean state; seconds until the server answered again. "snapshot"
        reverts RAM and disk to the state saved at first boot (falls back to a reboot when
        that fails); "reboot" starts QEMU afresh on a new overlay (a full boot)."""
        started = time.monotonic()
        if mode == "snapshot" and self.snapshot_taken:
            try:
                with self.qmp() as qmp:
                    out = qmp.hmp(f"loadvm {SNAPSHOT}")
                if out.strip():
                    raise ProviderError(f"loadvm failed: {out.strip()}")
                self.wait_ready(self.config.reset_timeout_s, "reset")
                return time.monotonic() - started
            except (ProviderError, QmpError) as exc:
                log.warning("VM %s: snapshot reset failed (%s); rebooting it", self.name, exc)
        self.reboot()
        return time.monotonic() - started

    def reboot(self) -> None:
        self._kill()
        release_ports(self.root, self.ports, self.folder)
        self.overlay.unlink(missing_ok=True)
        self.snapshot_taken = False
        try:
            self._boot()
            self.save_record()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Kill QEMU, delete the overlay and the folder, give the ports back."""
        self._kill()
        if self.ports:
            release_ports(self.root, self.ports, self.folder)
        shutil.rmtree(self.folder, ignore_errors=True)

    def _kill(self) -> None:
        if self.pid is not None and self.alive():
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.proc is not None:
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        elif self.pid is not None:
            for _ in range(100):
                if not _alive(self.pid):
                    break
                time.sleep(0.05)
        self.proc = None
        if self.watchdog is not None:  # its QEMU is gone: a new one gets a new watchdog
            self.watchdog.dismiss()
            self.watchdog = None

    # --- a VM outliving this process (agent vm) ------------------------------------------
    def save_record(self) -> None:
        record = {
            "name": self.name,
            "config": self.config.model_dump(mode="json"),
            "ports": self.ports,
            "pid": self.pid,
            "token": self.token,
            "accel": self.accel,
            "snapshot": self.snapshot_taken,
            "detach": self.detach,
        }
        path = self.folder / "vm.json"
        path.write_text(json.dumps(record, indent=1))
        path.chmod(0o600)  # it holds the token

    @classmethod
    def attach(cls, name: str, root: Path | None = None) -> QemuVM:
        """The VM `name` started earlier (by this or another process), from its record."""
        root = root or vm_root()
        path = root / name / "vm.json"
        if not path.exists():
            raise ProviderError(f"no VM named {name!r} (looked in {root})")
        record: dict[str, Any] = json.loads(path.read_text())
        vm = cls(QemuConfig(**record["config"]), name, root, detach=bool(record.get("detach")))
        vm.token, vm.ports, vm.pid = record["token"], record["ports"], record["pid"]
        vm.accel, vm.snapshot_taken = record["accel"], record["snapshot"]
        return vm

    def alive(self) -> bool:
        """QEMU of this VM runs (a recycled pid of another program does not count)."""
        if self.pid is None or not _alive(self.pid):
            return False
        try:
            return str(self.folder).encode() in Path(f"/proc/{self.pid}/cmdline").read_bytes()
        except OSError:
            return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie (our own child not yet waited for) counts as gone
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def list_vms(root: Path | None = None) -> list[QemuVM]:
    root = root or vm_root()
    if not root.is_dir():
        return []
    return [QemuVM.attach(p.parent.name, root) for p in sorted(root.glob("*/vm.json"))]
