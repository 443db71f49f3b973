"""A random secret kept in the database's ``meta`` table, created on first use."""

from __future__ import annotations

import secrets

import sqlite_utils


def database_secret(db: sqlite_utils.Database, name: str) -> str:
    """The secret ``name`` of this database: 32 random bytes (hex), created once.

    Used as the pseudonym key when ``TEXTINSIGHT_PSEUDONYM_KEY`` is not set.
    """
    key = f"secret:{name}"
    row = db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    if row:
        return str(row[0])
    with db.atomic():
        db.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", [key, secrets.token_hex(32)]
        )
    return str(db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()[0])
