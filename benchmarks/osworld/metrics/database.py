"""run_sqlite3: a query's answer from an SQLite database the task's app wrote.

Written from the behaviour of OSWorld's `metrics/general.py`.
"""

from __future__ import annotations

import sqlite3
from typing import Any

__all__ = ["run_sqlite3"]


def run_sqlite3(result: str | None, rules: dict[str, Any]) -> float:
    """The first column of the first row of `rules.sql`, run on the database (NULL: 0)."""
    if result is None:
        return 0.0
    # `result` is our cached copy of the desktop's database, so the query cannot
    # change the desktop's file.
    connection = sqlite3.connect(result)
    try:
        row = connection.execute(rules["sql"]).fetchone()
    finally:
        connection.close()
    return float((row[0] if row else None) or 0)
