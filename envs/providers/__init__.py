"""Desktops that live elsewhere, behind one `Provider` interface (acquire / reset / release /
close): local desktops (local.py), a list of URLs (static.py), Docker containers (docker.py,
also OSWorld's own image), QEMU/KVM VMs with snapshot resets (qemu.py), VMware and
VirtualBox through their command lines, AWS instances (aws.py). `from_spec` (spec.py)
turns a `--desktops` word into a provider. Each gives a `DesktopLease`: the URL and token
of a desktop that answers its server."""

from envs.providers.base import DesktopLease, Lease, Provider, ProviderError, ResetUnsupported, wait_healthy

__all__ = ["DesktopLease", "Lease", "Provider", "ProviderError", "ResetUnsupported", "wait_healthy"]
