"""run_sqlite3 on a real SQLite database."""

from __future__ import annotations

import sqlite3

from benchmarks.osworld.metrics import METRICS


def test_run_sqlite3(tmp_path):
    db = tmp_path / "global-messages-db.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE messages (id INTEGER PRIMARY KEY, folderID INTEGER)")
        conn.execute("CREATE TABLE messageAttributes (attributeID INTEGER, value INTEGER, messageID INTEGER)")
        conn.executemany("INSERT INTO messages VALUES (?, ?)", [(1, 13), (2, 13), (3, 7)])
        conn.executemany("INSERT INTO messageAttributes VALUES (58, 1, ?)", [(1,)])
    sql = (
        "SELECT COALESCE((SELECT COUNT(*) FROM messageAttributes WHERE attributeID = 58 AND value = 1 "
        "AND messageID IN (SELECT id FROM messages WHERE folderID = 13)), 0) = "
        "(SELECT COUNT(*) FROM messages WHERE folderID = 13);"
    )
    f = METRICS["run_sqlite3"]
    assert f(str(db), {"sql": sql}) == 0.0  # one of the two messages is starred
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO messageAttributes VALUES (58, 1, 2)")
    assert f(str(db), {"sql": sql}) == 1.0
    assert f(str(db), {"sql": "SELECT NULL"}) == 0.0
    assert f(None, {"sql": sql}) == 0.0
