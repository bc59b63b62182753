"""Relational rules for accessibility grounding.

Descriptions that locate an element by another one or by its place in a row
("the button just left of 'Restore'", "the fourth link in the sidebar") or that
want a point other than the centre ("the thumb of the 'Volume' slider", "the
divider on the right edge of the 'Modified' column header"). `apply_rules` answers
them from the elements' boxes and returns None when no rule applies; `rank`
(grounding/a11y_tree.py) answers everything else. One module a rule: table cells
(a11y_rule_cells), thumbs and dividers (a11y_rule_points), spatial relations
(a11y_rule_spatial), ordinals (a11y_rule_ordinal); what they share is a11y_rule_base.
"""

from __future__ import annotations

from grounding.a11y_rule_base import Boxer
from grounding.a11y_rule_cells import cell_rule
from grounding.a11y_rule_ordinal import ordinal_rule
from grounding.a11y_rule_points import divider_rule, thumb_rule
from grounding.a11y_rule_spatial import spatial_rule
from grounding.a11y_tree import A11yElement, A11yMatch

__all__ = ["apply_rules"]


def apply_rules(
    elements: list[A11yElement],
    description: str,
    *,
    screen_size: tuple[int, int] | None = None,
    boxer: Boxer | None = None,
) -> list[A11yMatch] | None:
    """Answer a relational description (see above): None when no rule applies, [] when
    one applies and finds nothing (the description's anchor or n-th element is not there)."""
    for rule in (cell_rule, thumb_rule, divider_rule, spatial_rule):
        out = rule(elements, description, boxer)
        if out is not None:
            return out
    return ordinal_rule(elements, description, boxer, screen_size)
