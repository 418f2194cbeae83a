"""Indexes for the dashboard counts and the workshop timeline."""

import peewee
from playhouse.migrate import PostgresqlMigrator, SqliteMigrator, migrate


def upgrade(database):
    migrator = SqliteMigrator(database) if isinstance(database, peewee.SqliteDatabase) else PostgresqlMigrator(database)
    migrate(
        migrator.add_index("workshop", ("status", "year"), False),
        migrator.add_index("audit_record", ("workshop_id", "created_at"), False),
    )
