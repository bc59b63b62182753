"""Desktop profiles: what a LocalDesktop provides beyond a bare isolated X session.

`default` is the plain desktop (root inside its sandbox, a private /home/user and
/tmp). `osworld` adds what the OSWorld VM image silently provides (see
osworld.py). A profile prepares the desktop's state folder on the host, adds
sandbox arguments, environment variables and session options; LocalDesktop
asks it at start-up and knows nothing else about it.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["PROFILES", "DesktopProfile", "get_profile"]


class DesktopProfile:
    """The default profile: nothing beyond the bare desktop. Subclasses override."""

    name = "default"
    needs_isolation = False

    def prepare(self, state: Path, home: Path) -> None:
        """Write what the session needs into the state folder (host side)."""

    def sandbox_args(self, state: Path) -> list[str]:
        """Extra bubblewrap arguments, placed after the base ones."""
        return []

    def environment(self, env: dict[str, str]) -> None:
        """Adjust the session's environment in place."""

    def session_args(self) -> list[str]:
        """Extra options for `python -m envs.session`."""
        return []


PROFILES = ("default", "osworld")


def get_profile(name: str | DesktopProfile | None) -> DesktopProfile:
    if isinstance(name, DesktopProfile):
        return name
    if name in (None, "", "default"):
        return DesktopProfile()
    if name == "osworld":
        from envs.profiles.osworld import OSWorldProfile

        return OSWorldProfile()
    raise ValueError(f"unknown desktop profile {name!r}; known: {', '.join(PROFILES)}")
