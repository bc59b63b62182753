"""A benchmark run's `--desktops`, turned into providers (envs/providers): one worker per desktop.

    2 (or "2")                      two local desktops: one LocalProvider, two workers
    local                           one local desktop (the run's profile and size)
    http://host:5000[#TOKEN]        a desktop someone else runs (cannot be reset)
    qemu:IMAGE.qcow2[xN], qemu:FILE.toml, docker:IMAGE[xN], osworld-docker:QCOW2[xN],
    vmware:A.vmx,B.vmx, virtualbox:VM1,VM2, aws:REGION[xN], desktops.toml
                                    envs/providers/spec.py's words: a worker per desktop

The thread pool gives a word's workers one shared provider (`plan_workers`). The Ray backend
gives each actor a `DesktopUnit`, from which the actor builds a provider holding that one
desktop (`DesktopUnit.provider`), so a VM runs on the node of the actor that drives it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from envs.providers.base import Provider, ProviderError
from envs.providers.spec import from_spec

__all__ = [
    "DesktopUnit",
    "Desktops",
    "check_desktops",
    "close_quietly",
    "desktop_units",
    "plan_workers",
    "split_desktops",
]

Desktops = int | Sequence["str | Provider"]
KINDS = ("qemu", "docker", "osworld-docker", "vmware", "virtualbox", "aws")
LISTS = ("vmware", "virtualbox")  # kinds whose body is itself a comma-separated list
REMOTE = ("StaticProvider", "AwsProvider")  # desktops that run elsewhere: their actor needs no core


def _starts_word(piece: str) -> bool:
    kind = piece.partition(":")[0]
    return (
        piece.isdigit()
        or piece == "local"
        or kind in KINDS
        or piece.endswith(".toml")
        or piece.startswith(("http://", "https://"))
    )


def split_desktops(text: str) -> list[str]:
    """The command line's comma-separated words; `vmware:a.vmx,b.vmx` stays one word."""
    words: list[str] = []
    for piece in (p.strip() for p in text.split(",")):
        if not piece:
            continue
        if words and not _starts_word(piece) and words[-1].partition(":")[0] in LISTS:
            words[-1] += "," + piece
        else:
            words.append(piece)
    return words


def _words(desktops: Desktops) -> list[str | Provider]:
    items: list[str | Provider] = [str(desktops)] if isinstance(desktops, int) else list(desktops)
    if not items or items == ["0"]:
        raise ValueError("desktops: at least one")
    return items


def _label(word: str) -> str:
    return word.partition("#")[0]  # never show a URL's token


def _build(word: str, size: tuple[int, int], profile: str | None) -> tuple[Provider, int]:
    if word.isdigit():
        from envs.providers.local import LocalProvider

        if int(word) < 1:
            raise ValueError("desktops: at least one")
        return LocalProvider(size, profile), int(word)
    try:
        return from_spec(word, size, profile)
    except (ProviderError, OSError, ValueError) as exc:
        raise ValueError(f"desktops: {exc}") from exc


def close_quietly(providers: Sequence[Provider]) -> None:
    """close() every distinct provider; one that fails does not keep the others running."""
    seen: set[int] = set()
    for provider in providers:
        if id(provider) in seen:
            continue
        seen.add(id(provider))
        try:
            provider.close()
        except Exception as exc:  # noqa: BLE001 - the rest must still close
            import logging

            logging.getLogger(__name__).warning("closing %s: %s", type(provider).__name__, exc)


def plan_workers(
    desktops: Desktops, size: tuple[int, int], profile: str | None = None
) -> list[tuple[Provider, str]]:
    """(provider, label) per worker; a word's workers share its provider. A Provider object
    in the list is one worker on it. ValueError (nothing left running) for a bad word."""
    plan: list[tuple[Provider, str]] = []
    try:
        for item in _words(desktops):
            if isinstance(item, str):
                provider, count = _build(item, size, profile)
                plan += [(provider, "local" if item.isdigit() else _label(item))] * count
            else:
                plan.append((item, type(item).__name__))
    except BaseException:
        close_quietly([p for p, _ in plan])
        raise
    return plan


def check_desktops(desktops: Desktops, size: tuple[int, int], profile: str | None = None) -> None:
    """ValueError ("desktops: why") for a word no provider takes, or a VM image that is not
    there; starts nothing."""
    providers = [provider for provider, _ in plan_workers(desktops, size, profile)]
    try:
        for provider in providers:
            config = getattr(provider, "config", None)
            if type(provider).__name__ == "QemuProvider" and config is not None:
                config.checked()
    except ProviderError as exc:
        raise ValueError(f"desktops: {exc}") from None
    finally:
        close_quietly(providers)


@dataclass(frozen=True)
class DesktopUnit:
    """One desktop of a `--desktops` word: the `index`-th of the `count` it holds."""

    word: str
    index: int = 0
    count: int = 1
    remote: bool = False  # it runs elsewhere (a URL, AWS): its Ray actor needs no core here

    def __repr__(self) -> str:  # never show a URL's token
        return f"DesktopUnit({self.label!r})"

    @property
    def label(self) -> str:
        return _label(self.word) + (f" #{self.index + 1}" if self.count > 1 else "")

    def provider(self, size: tuple[int, int], profile: str | None = None) -> Provider:
        """A provider that holds this desktop alone (a Ray actor's own)."""
        word = self.word
        kind, _, body = word.partition(":")
        if word.isdigit() or self.count == 1:
            return _build("local" if word.isdigit() else word, size, profile)[0]
        if kind in LISTS:
            return _build(f"{kind}:{[p for p in body.split(',') if p][self.index]}", size, profile)[0]
        if kind == "aws":
            region = re.fullmatch(r"(.+?)(?:x\d+)?", body)
            return _build(f"aws:{region.group(1) if region else body}", size, profile)[0]
        provider, _ = _build(word, size, profile)
        from envs.providers.qemu import QemuProvider
        from envs.providers.static import StaticProvider

        if isinstance(provider, QemuProvider):  # qemu:IMAGExN or a TOML file with count = N
            config = provider.config.model_copy(update={"count": 1})
            provider.close()
            return QemuProvider(config)
        if isinstance(provider, StaticProvider):  # a desktops.toml listing several URLs
            desktop = provider.desktops[self.index]
            one = desktop.model_copy(update={"name": provider.names[self.index]})
            return StaticProvider([one], probe_timeout=provider.probe_timeout)
        return provider  # docker: a container per acquire, however many share the provider


def desktop_units(desktops: Desktops, size: tuple[int, int], profile: str | None = None) -> list[DesktopUnit]:
    """One unit per desktop, for the Ray backend (every word checked here, nothing started)."""
    units: list[DesktopUnit] = []
    for item in _words(desktops):
        if not isinstance(item, str):
            raise ValueError(
                "desktops: the Ray backend builds its providers in its actors: "
                "give --desktops words, not provider objects"
            )
        provider, count = _build(item, size, profile)
        remote = type(provider).__name__ in REMOTE
        close_quietly([provider])
        units += [DesktopUnit(item, i, count, remote) for i in range(count)]
    return units
