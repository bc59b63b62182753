"""set_cell_values: typed cell values and formulas into the open Calc document.

The planner gives data ({"A1": 3, "B2": "=SUM(A1:A3)"}, or a top-left cell and rows);
`cell_items` checks every address and expands rows to cells; `run_set_cells` sends our
own script (uno_cells.py, beside this file) and the values, as JSON, to the desktop and
runs it there with a Python that has LibreOffice's `uno` module. Nothing the model wrote
is code anywhere: the values travel base64-encoded in a heredoc and are read by json.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, Field, ValidationError

from envs.base import DesktopError

SCRIPT = Path(__file__).with_name("uno_cells.py")
MAX_COLUMN, MAX_ROW = 16384, 1048576  # XFD1048576: Excel's (and jumbo Calc's) limits
MAX_CELLS = 5000
_ADDRESS = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")
# Pythons with `uno`, tried in order: Debian's python3-uno, then LibreOffice's own bundle.
PYTHONS = (
    "/usr/bin/python3",
    "/usr/lib/libreoffice/program/python",
    "/opt/libreoffice/program/python",
    "python3",
)

# One cell: a number, a boolean, text (a formula when it starts with "="), or null to clear.
CellValue = (
    bool | int | Annotated[float, Field(allow_inf_nan=False)] | Annotated[str, Field(max_length=32767)] | None
)


def parse_address(text: str) -> tuple[int, int]:
    """'B3' -> (2, 3): 1-based column and row; ValueError says what is wrong."""
    found = _ADDRESS.match(text.strip())
    if found is None:
        hint = ' (give the sheet in "sheet", not in the address)' if re.search(r"[.!]", text) else ""
        raise ValueError(f"{text!r} is not a cell address like A1 or $C$12{hint}")
    column = 0
    for letter in found.group(1).upper():
        column = column * 26 + ord(letter) - 64
    row = int(found.group(2))
    if not 1 <= column <= MAX_COLUMN or not 1 <= row <= MAX_ROW:
        raise ValueError(f"{text!r} is outside the sheet (A1 to XFD{MAX_ROW})")
    return column, row


def column_name(column: int) -> str:
    name = ""
    while column:
        column, rest = divmod(column - 1, 26)
        name = chr(65 + rest) + name
    return name


def cell_items(
    cells: dict[str, CellValue] | None, start: str | None, rows: list[list[CellValue]] | None
) -> list[tuple[str, CellValue]]:
    """The (address, value) pairs to write, addresses normalised ('b2' -> 'B2')."""
    out: list[tuple[str, CellValue]] = []
    for address, value in (cells or {}).items():
        column, row = parse_address(address)
        out.append((f"{column_name(column)}{row}", value))
    if start is not None:
        column, row = parse_address(start)
        for i, values in enumerate(rows or []):
            for j, value in enumerate(values):
                if column + j > MAX_COLUMN or row + i > MAX_ROW:
                    raise ValueError(f"rows from {start} run past the sheet's edge")
                out.append((f"{column_name(column + j)}{row + i}", value))
    if not out:
        raise ValueError('no cells to write: give "cells" or "start" with "rows"')
    if len(out) > MAX_CELLS:
        raise ValueError(f"{len(out)} cells at once; at most {MAX_CELLS} (use the coding agent)")
    seen: set[str] = set()
    for address, _ in out:
        if address in seen:
            raise ValueError(f"cell {address} is given twice")
        seen.add(address)
    return out


class CellShown(BaseModel):
    shows: str
    error: int | None = None


class CellsOutcome(BaseModel):
    """What the desktop side answered (its one JSON line)."""

    ok: bool
    error: str | None = None
    document: str | None = None
    sheet: str | None = None
    cells: dict[str, CellShown] = {}
    saved: str | None = None


def desktop_script(payload: dict[str, Any]) -> str:
    """The bash script run on the desktop: unpack script and payload, find a Python with
    `uno`, run. Both files are quoted heredocs, so the shell expands nothing in them."""
    data = base64.b64encode(json.dumps(payload).encode()).decode()
    code = base64.b64encode(SCRIPT.read_bytes()).decode()
    wrap = lambda text: "\n".join(text[i : i + 76] for i in range(0, len(text), 76))
    pythons = " ".join(PYTHONS)
    return f"""set -e
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
base64 -d > "$dir/payload.json" <<'DESKPILOT_PAYLOAD'
{wrap(data)}
DESKPILOT_PAYLOAD
base64 -d > "$dir/uno_cells.py" <<'DESKPILOT_SCRIPT'
{wrap(code)}
DESKPILOT_SCRIPT
for py in {pythons}; do
  if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import uno' >/dev/null 2>&1; then
    exec "$py" "$dir/uno_cells.py" "$dir/payload.json"
  fi
done
echo '{{"ok": false, "error": "no Python with LibreOffice UNO on this desktop (install python3-uno)"}}'
"""


def run_set_cells(
    desktop: Any,
    items: list[tuple[str, CellValue]],
    *,
    sheet: str | None = None,
    document: str | None = None,
    save: bool = False,
    timeout: float = 120,
) -> CellsOutcome:
    """Write the cells on the desktop; a failure comes back as CellsOutcome(ok=False)."""
    payload = {"cells": [[a, v] for a, v in items], "sheet": sheet, "document": document, "save": save}
    try:
        result = desktop.run_bash_script(desktop_script(payload), timeout=timeout)
    except DesktopError as exc:
        return CellsOutcome(ok=False, error=f"the desktop refused the script: {exc}")
    lines = [line for line in (result.output or "").splitlines() if line.startswith("{")]
    if not lines:
        why = (result.error or result.output or "").strip()[-500:] or f"exit {result.returncode}"
        return CellsOutcome(ok=False, error=f"the UNO script gave no answer: {why}")
    try:
        return CellsOutcome.model_validate_json(lines[-1])
    except ValidationError as exc:
        return CellsOutcome(ok=False, error=f"the UNO script's answer is unreadable: {exc}")


def report(outcome: CellsOutcome) -> str:
    """The planner's view of what happened, errors first."""
    if not outcome.ok:
        return f"set_cell_values failed: {outcome.error}"
    errors = {a: c.shows for a, c in outcome.cells.items() if c.error}
    shown = ", ".join(f"{a}={c.shows!r}" for a, c in list(outcome.cells.items())[:40])
    more = len(outcome.cells) - 40
    text = (
        f"Wrote {len(outcome.cells)} cell(s) on sheet {outcome.sheet!r} of {outcome.document}; "
        f"they show: {shown}" + (f" (and {more} more)" if more > 0 else "") + "."
    )
    if errors:
        text += (
            " These cells show an error, fix their formulas: "
            + ", ".join(f"{a} ({s})" for a, s in errors.items())
            + "."
        )
    text += (
        f" Saved to {outcome.saved}."
        if outcome.saved
        else " Not saved yet: save the document (keep its format) when the task needs it."
    )
    return text
