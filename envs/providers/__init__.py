"""Desktops that live elsewhere: started in Docker containers (docker.py) or handed out from
a list of URLs (static.py: OSWorld or WAA VMs, our servers on other machines). Each gives
a `DesktopLease`: the URL and token of a desktop that answers /health."""

from envs.providers.base import DesktopLease, ProviderError, wait_healthy

__all__ = ["DesktopLease", "ProviderError", "wait_healthy"]
