"""Prompt templates are data files beside this module, filled with string.Template ($name)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from string import Template


@cache
def template(name: str) -> Template:
    return Template(resources.files(__package__).joinpath(f"{name}.md").read_text(encoding="utf-8"))


def render(name: str, **values: object) -> str:
    """Fill a template; a missing value is a KeyError naming it, never a silent blank."""
    return template(name).substitute({k: str(v) for k, v in values.items()})
