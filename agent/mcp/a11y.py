"""The accessibility tree as a table an LLM can read: one line per element, bounded.

The protocol's tree is OSWorld's AT-SPI XML, easily megabytes on a busy desktop. This keeps
what a host needs to act: role, name, a little text, and the element's centre in screen
pixels (what `act` takes), the active window's elements first, interactive ones before
the rest, cut at `max_chars` with a note of how many were left out.
"""

from __future__ import annotations

from grounding.a11y_tree import A11yElement, parse_osworld_tree

_TEXT = 60
_NAME = 80


def _line(e: A11yElement) -> str:
    centre = e.centre
    where = f"({centre[0]}, {centre[1]})" if centre else "(off screen)"
    text = f" text={e.text[:_TEXT]!r}" if e.text and e.text != e.name else ""
    label = f" label={e.label!r}" if e.label and not e.name else ""
    return f"{e.role}\t{e.name[:_NAME]!r}{label}{text}\t{where}"


def tree_table(xml: str, screen: tuple[int, int] | None, max_chars: int) -> str:
    """The elements worth reading, as tab-separated lines, at most `max_chars` long."""
    elements = [
        e
        for e in parse_osworld_tree(xml, screen)
        if e.box is not None and (e.name or e.text or e.label or e.interactive)
    ]
    elements.sort(key=lambda e: (not e.active, not e.interactive))
    header = "role\tname\tcentre (x, y)"
    lines, used = [header], len(header)
    for index, e in enumerate(elements):
        line = _line(e).replace("\n", " ")
        if used + len(line) + 1 > max_chars - 80:  # room for the note below
            lines.append(f"... {len(elements) - index} more elements left out (ask with a larger max_chars)")
            break
        lines.append(line)
        used += len(line) + 1
    if len(lines) == 1:
        lines.append("(no named or interactive elements on screen)")
    return "\n".join(lines)
