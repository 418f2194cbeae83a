"""Certificates: the per-workshop choice to print full ID numbers."""

import peewee


def upgrade(database):
    # Plain ADD COLUMN: SQLite accepts NOT NULL with a default there, while
    # playhouse.migrate would rebuild the table, which the trainee-lock
    # triggers (they read workshop) do not survive.
    if isinstance(database, peewee.SqliteDatabase):
        database.execute_sql("ALTER TABLE workshop ADD COLUMN certificate_full_id INTEGER NOT NULL DEFAULT 0")
    else:
        database.execute_sql("ALTER TABLE workshop ADD COLUMN certificate_full_id BOOLEAN NOT NULL DEFAULT false")
