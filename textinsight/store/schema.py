"""Schema and migrations. Each migration is a SQL script applied once, in order;
``meta.schema_version`` records how many have been applied."""

from __future__ import annotations

import numpy as np
import sqlite_utils

MIGRATIONS: tuple[str, ...] = (
    # 1: the initial schema
    """
    CREATE TABLE feedback (
        id INTEGER PRIMARY KEY,
        channel TEXT NOT NULL,
        source_id TEXT NOT NULL,
        text TEXT NOT NULL,
        text_hash TEXT NOT NULL,
        row_hash TEXT NOT NULL,
        language TEXT NOT NULL,
        created_at TEXT,
        customer_id TEXT,
        store_id TEXT,
        rating INTEGER,
        nps INTEGER,
        metadata TEXT,
        ingested_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (channel, source_id)
    );
    CREATE INDEX feedback_customer ON feedback (customer_id);
    CREATE INDEX feedback_created ON feedback (created_at);
    CREATE TABLE customers (
        customer_id TEXT PRIMARY KEY,
        segment TEXT,
        is_member INTEGER,
        joined_at TEXT,
        value REAL,
        churned_at TEXT
    );
    CREATE TABLE purchases (
        purchase_key TEXT PRIMARY KEY,
        customer_id TEXT NOT NULL,
        purchased_at TEXT NOT NULL,
        amount REAL
    );
    CREATE INDEX purchases_customer ON purchases (customer_id, purchased_at);
    CREATE TABLE embeddings (
        model_id TEXT NOT NULL,
        text_hash TEXT NOT NULL,
        vector BLOB NOT NULL,
        PRIMARY KEY (model_id, text_hash)
    ) WITHOUT ROWID;
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        status TEXT NOT NULL CHECK (status IN ('running', 'complete', 'failed')),
        is_current INTEGER NOT NULL DEFAULT 0,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        seed INTEGER NOT NULL,
        model_id TEXT NOT NULL,
        params TEXT NOT NULL DEFAULT '{}',
        n_feedback INTEGER,
        n_themes INTEGER,
        n_unassigned INTEGER,
        n_embedded INTEGER,
        timings TEXT NOT NULL DEFAULT '{}',
        error TEXT
    );
    CREATE TABLE themes (
        run_id INTEGER NOT NULL REFERENCES runs (id),
        theme_id INTEGER NOT NULL,
        label TEXT NOT NULL,
        keywords TEXT NOT NULL,
        size INTEGER NOT NULL,
        share REAL NOT NULL,
        quotes TEXT NOT NULL,
        languages TEXT NOT NULL,
        channels TEXT NOT NULL,
        sentiment REAL,
        x REAL,
        y REAL,
        centroid BLOB,
        PRIMARY KEY (run_id, theme_id)
    );
    CREATE TABLE assignments (
        run_id INTEGER NOT NULL REFERENCES runs (id),
        feedback_id INTEGER NOT NULL,
        theme_id INTEGER,
        probability REAL NOT NULL,
        sentiment REAL,
        PRIMARY KEY (run_id, feedback_id)
    );
    CREATE INDEX assignments_theme ON assignments (run_id, theme_id);
    """,
    # 2: theme lineage across runs
    """
    CREATE TABLE lineage (
        run_id INTEGER NOT NULL REFERENCES runs (id),
        theme_id INTEGER,
        kind TEXT NOT NULL,
        previous_run_id INTEGER,
        previous_ids TEXT NOT NULL,
        similarity REAL
    );
    CREATE INDEX lineage_run ON lineage (run_id);
    CREATE INDEX lineage_theme ON lineage (theme_id);
    ALTER TABLE themes ADD COLUMN value TEXT;
    """,
    # 3: per-language offsets a run removed before clustering (cluster.language_offsets)
    """
    CREATE TABLE language_offsets (
        run_id INTEGER NOT NULL REFERENCES runs (id),
        language TEXT NOT NULL,
        vector BLOB NOT NULL,
        PRIMARY KEY (run_id, language)
    );
    """,
    # 4: each run's fitted ThemeClusterer (to_state), with its theme ids in label order
    """
    CREATE TABLE clusterers (
        run_id INTEGER PRIMARY KEY REFERENCES runs (id),
        theme_ids TEXT NOT NULL,
        state BLOB NOT NULL
    );
    """,
    # 5 (#12): which process runs a run (a run whose process is gone shows as abandoned);
    # every file ingest gets an id, kept on the feedback rows it inserted (delete --ingest)
    """
    ALTER TABLE runs ADD COLUMN pid INTEGER;
    ALTER TABLE runs ADD COLUMN host TEXT;
    CREATE TABLE ingests (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        path TEXT NOT NULL,
        started_at TEXT NOT NULL,
        n_read INTEGER,
        n_inserted INTEGER,
        n_updated INTEGER
    );
    ALTER TABLE feedback ADD COLUMN ingest_id INTEGER;
    CREATE INDEX feedback_ingest ON feedback (ingest_id);
    """,
    # 6 (#11): optional discount of a purchase (true/false as 1/0, or an amount): discount
    # hunters
    """
    ALTER TABLE purchases ADD COLUMN discount REAL;
    """,
    # 7: two levels (categories over themes) and themes flagged as not feedback
    """
    ALTER TABLE themes ADD COLUMN parent_id INTEGER;
    ALTER TABLE themes ADD COLUMN noise INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE categories (
        run_id INTEGER NOT NULL REFERENCES runs (id),
        category_id INTEGER NOT NULL,
        label TEXT NOT NULL,
        keywords TEXT NOT NULL,
        size INTEGER NOT NULL,
        share REAL NOT NULL,
        quotes TEXT NOT NULL,
        languages TEXT NOT NULL,
        channels TEXT NOT NULL,
        sentiment REAL,
        x REAL,
        y REAL,
        value TEXT,
        parent_id INTEGER,
        noise INTEGER NOT NULL DEFAULT 0,
        centroid BLOB,
        PRIMARY KEY (run_id, category_id)
    );
    CREATE TABLE category_lineage (
        run_id INTEGER NOT NULL REFERENCES runs (id),
        category_id INTEGER,
        kind TEXT NOT NULL,
        previous_run_id INTEGER,
        previous_ids TEXT NOT NULL,
        similarity REAL
    );
    CREATE INDEX category_lineage_run ON category_lineage (run_id);
    """,
    # 8 (#13): each theme's and category's c-TF-IDF keywords per language (stages.label)
    """
    ALTER TABLE themes ADD COLUMN keywords_by_language TEXT;
    ALTER TABLE categories ADD COLUMN keywords_by_language TEXT;
    """,
    # 9: the action ledger (textinsight/actions.py): what a CX team did about a theme
    """
    CREATE TABLE actions (
        id INTEGER PRIMARY KEY,
        theme_id INTEGER NOT NULL,
        run_id INTEGER NOT NULL REFERENCES runs (id),
        action_date TEXT NOT NULL,
        stores TEXT NOT NULL DEFAULT '[]',
        segments TEXT NOT NULL DEFAULT '[]',
        channels TEXT NOT NULL DEFAULT '[]',
        note TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL
    );
    CREATE INDEX actions_theme ON actions (theme_id);
    """,
    # 10: analysts' curation of themes (rename, merge, hide), by stable theme id, and its log
    """
    CREATE TABLE curation (
        theme_id INTEGER PRIMARY KEY,
        label TEXT,
        merged_into INTEGER,
        hidden INTEGER NOT NULL DEFAULT 0,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE curation_log (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        action TEXT NOT NULL,
        theme_id INTEGER NOT NULL,
        other_id INTEGER,
        label TEXT,
        previous TEXT,
        note TEXT
    );
    CREATE INDEX curation_log_theme ON curation_log (theme_id);
    """,
    # 11 (#15): vectors as float16 in a rowid table (each fits in its row; the WITHOUT ROWID
    # table put every vector in an overflow page); existing float32 vectors are converted
    """
    CREATE TABLE embeddings_f16 (
        id INTEGER PRIMARY KEY,
        model_id TEXT NOT NULL,
        text_hash TEXT NOT NULL,
        vector BLOB NOT NULL,
        UNIQUE (model_id, text_hash)
    );
    INSERT INTO embeddings_f16 (model_id, text_hash, vector)
        SELECT model_id, text_hash, textinsight_f32_to_f16(vector) FROM embeddings;
    DROP TABLE embeddings;
    ALTER TABLE embeddings_f16 RENAME TO embeddings;
    """,
    # (#15b): resumable ingest: chunks staged under the ingest's resume key (file
    # checksum and options) until the file is published (store.staging)
    """
    CREATE TABLE ingest_chunks (
        resume_key TEXT NOT NULL,
        n INTEGER NOT NULL,
        n_rows INTEGER NOT NULL,
        chunk BLOB NOT NULL,
        state BLOB NOT NULL,
        PRIMARY KEY (resume_key, n)
    );
    ALTER TABLE ingests ADD COLUMN resume_key TEXT;
    CREATE INDEX ingests_resume_key ON ingests (resume_key);
    """,
    # 13 (#17): an action names a theme or a category (theme_id then holds the category
    # id: the two come from one allocator)
    """
    ALTER TABLE actions ADD COLUMN level TEXT NOT NULL DEFAULT 'theme';
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)


def migrate(db: sqlite_utils.Database) -> int:
    """Apply the migrations this database has not seen yet; return the new version.

    Each migration runs in its own transaction together with the version bump, so a
    crash mid-migration leaves the database at the previous version.
    """
    db.conn.create_function("textinsight_f32_to_f16", 1, _f32_to_f16, deterministic=True)
    db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    version = int(row[0]) if row else 0
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        with db.atomic():
            for statement in _statements(script):
                db.execute(statement)
            db.execute(
                "INSERT INTO meta (key, value) VALUES ('schema_version', ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [str(number)],
            )
        version = number
    return version


def _f32_to_f16(blob: bytes) -> bytes:
    """A float32 vector blob as float16 (used by the #15 compact-vectors migration)."""
    return np.frombuffer(blob, dtype=np.float32).astype(np.float16).tobytes()


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]
