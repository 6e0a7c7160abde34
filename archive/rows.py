"""Row writes on a crawl's hot path (captures, reports, versions, statistics, WARC index) as cached plain SQL.

sqlite-utils' insert/upsert look up the table, its columns and its rowid-ness and open a savepoint on
every call: that bookkeeping was over half of the archive's share of a crawl (benchmarks/crawl.py,
py-spy). These helpers write the same rows with one prepared statement each; callers wrap them in
`db.atomic()` as before, and the schema stays in archive/schema.py.
"""
from __future__ import annotations

from functools import lru_cache

from sqlite_utils import Database

from archive.json_columns import to_json

CONFLICT_CLAUSES = ("", "OR IGNORE", "OR REPLACE")


@lru_cache(maxsize=256)
def insert_statement(table: str, columns: tuple[str, ...], conflict: str = "") -> str:
    if conflict not in CONFLICT_CLAUSES:
        raise ValueError(f"unknown conflict clause {conflict!r}")
    names = ", ".join(f"[{column}]" for column in columns)
    return f"INSERT {conflict} INTO [{table}] ({names}) VALUES ({', '.join('?' * len(columns))})"


@lru_cache(maxsize=64)
def upsert_statement(table: str, columns: tuple[str, ...], pk: str) -> str:
    updates = ", ".join(f"[{column}] = excluded.[{column}]" for column in columns if column != pk)
    return f"{insert_statement(table, columns)} ON CONFLICT([{pk}]) DO UPDATE SET {updates}"


def sql_value(value):
    """What sqlite-utils would store: containers as JSON text, everything else as given."""
    return to_json(value) if isinstance(value, (dict, list, tuple)) else value


def insert_row(db: Database, table: str, row: dict, conflict: str = "") -> int:
    """Insert one row; returns its rowid (for OR IGNORE on a conflict: the connection's previous rowid)."""
    cursor = db.conn.execute(insert_statement(table, tuple(row), conflict), [sql_value(v) for v in row.values()])
    return cursor.lastrowid


def insert_rows(db: Database, table: str, rows: list[dict], conflict: str = "") -> None:
    """Insert rows that share the first row's columns."""
    if not rows:
        return
    columns = tuple(rows[0])
    db.conn.executemany(insert_statement(table, columns, conflict),
                        [[sql_value(row[column]) for column in columns] for row in rows])


def upsert_row(db: Database, table: str, row: dict, pk: str) -> None:
    """Insert the row, or update the given columns of the row with the same primary key (update triggers fire)."""
    db.conn.execute(upsert_statement(table, tuple(row), pk), [sql_value(v) for v in row.values()])
