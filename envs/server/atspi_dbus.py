"""Names and numbers of the AT-SPI D-Bus protocol that the pipelined walker uses."""

from __future__ import annotations

P = "org.a11y.atspi."
ACC, COMPONENT, TEXT, VALUE, ACTION = (P + n for n in ("Accessible", "Component", "Text", "Value", "Action"))
TABLE, TABLECELL, PROPS = P + "Table", P + "TableCell", "org.freedesktop.DBus.Properties"
NULL_PATH = "/org/a11y/atspi/null"
REGISTRY = ("org.a11y.atspi.Registry", "/org/a11y/atspi/accessible/root")
VALUE_PROPS = ("CurrentValue", "MinimumValue", "MaximumValue", "MinimumIncrement")
CALC_BATCH = 16  # cells asked for at once along a sheet row
ROLE_EXTENDED = 4  # ATSPI_ROLE_EXTENDED
SHOWING, VISIBLE = 25, 30  # ATSPI_STATE_SHOWING, ATSPI_STATE_VISIBLE
